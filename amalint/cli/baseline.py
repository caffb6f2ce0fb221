"""``amalint check``'s baseline options: reading the baseline before the run (a missing or
malformed file stops it at once), hiding the findings it holds, and ``--write-baseline``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from amalint.cli.options import Configs, fail
from amalint.engine import baseline
from amalint.engine.fingerprints import identify
from amalint.engine.result import SourceLines
from amalint.engine.rule import Finding, display
from amalint.errors import InputError

OPTIONS = [
    click.option("--baseline", "baseline_file", type=click.Path(path_type=Path, dir_okay=False),
                 help="Hide the findings recorded in this baseline file (written by "
                 "--write-baseline; config `baseline`) and exit by the others only."),
    click.option("--no-baseline", is_flag=True, help="Ignore the config's `baseline`: report "
                 "every finding."),
    click.option("--write-baseline", type=click.Path(path_type=Path, dir_okay=False),
                 help="Record every current finding in this baseline file (replacing it) "
                 "instead of reporting them; exit 0."),
]


def options(func: Any) -> Any:
    for option in reversed(OPTIONS):
        func = option(func)
    return func


def load(given: Path | None, ignore: bool, writing: bool, configs: Configs,
         ) -> baseline.Baseline | None:
    """The baseline of this run: ``--baseline``, else the config's (unless ``--no-baseline``);
    none while writing one. Raise :class:`InputError` for a missing or malformed file."""
    if writing or ignore:
        return None
    path = given or configs(Path.cwd()).baseline
    return None if path is None else baseline.read(path)


def hide(known: baseline.Baseline | None, findings: list[Finding], sources: SourceLines,
         quiet: bool, note: bool) -> tuple[list[Finding], list[Finding]]:
    """The findings to report and those ``known`` hides; with ``note``, say how many were
    hidden on stderr (the text report says it in its closing lines instead)."""
    if known is None:
        return findings, []
    kept, hidden = known.split(findings, identify(findings, sources))
    if hidden and note and not quiet:
        click.echo(f"amalint: note: {summary(len(hidden), known.path)}", err=True)
    return kept, hidden


def summary(count: int, path: Path) -> str:
    return f"{count} finding{'s' if count != 1 else ''} hidden by the baseline {display(path)}"


def write(path: Path, findings: Sequence[Finding], sources: SourceLines, errors: int,
          quiet: bool) -> None:
    """Write the baseline and say so; after an input error write nothing (the baseline would
    miss what could not be linted) and exit 2."""
    if errors:
        fail(f"{display(path)}: not written: {errors} unit(s) could not be linted")
    try:
        baseline.write(path, findings, sources)
    except InputError as exc:
        fail(str(exc))
    if not quiet:
        click.echo(f"amalint: wrote {len(findings)} finding(s) to the baseline {display(path)}",
                   err=True)
