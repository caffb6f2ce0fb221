"""Warnings and the ``--verbose`` account of a run, on stderr: input problems of the unit, files
parsed with errors, which front end ran and why, and the calls the analysis skipped."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import click

from amalint.cli import runs
from amalint.cli.options import Configs, fail
from amalint.engine.result import Result, Summary
from amalint.engine.rule import Finding, display
from amalint.engine.run import Build
from amalint.errors import InputError
from amalint.model import Diagnostic, Severity
from amalint.scan.umbrellas import includes_source


def warn(diagnostics: Sequence[Diagnostic], verbose: bool,
         printed: set[str] | None = None) -> None:
    """Input problems of the unit, one line each; with ``verbose`` also every file parsed with
    errors and how many there were (without it they are not news: macro-heavy code often
    does not parse fully, and AM301 reports what matters under libclang)."""
    printed = set() if printed is None else printed
    parse_errors = [d for d in diagnostics if d.kind == "parse"]
    for diag in diagnostics:
        if diag in parse_errors and not verbose:
            continue
        loc = diag.location
        _once(f"amalint: warning: {display(loc.path)}:{loc.line}: {diag.message}", printed)
    if parse_errors and verbose:
        _once(f"amalint: {len(parse_errors)} file(s) parsed with errors; findings there may be "
              "missing", printed)


def _once(line: str, printed: set[str]) -> None:
    """Echo ``line`` on stderr unless this run printed it already (umbrellas share files)."""
    if line not in printed:
        printed.add(line)
        click.echo(line, err=True)


def report(built: Build | Result, verbose: bool, quiet: bool = False,
           printed: set[str] | None = None) -> None:
    """Warnings (unless ``quiet``); with ``verbose``, how the unit was analyzed and what was
    skipped."""
    printed = set() if printed is None else printed
    summary = built.summary
    if not quiet:
        for warning in built.warnings:
            _once(f"amalint: warning: {warning}", printed)
        warn(summary.diagnostics, verbose, printed)
    if verbose:
        for note in built.notes:
            _once(f"amalint: {note}", printed)
        verbose_report(summary, built.frontend, built.reason)


@dataclass(frozen=True)
class Closing:
    """ruff's closing lines: "All checks passed!", or the findings counted by severity, what
    ``--fix`` fixed and what it could; and how many the baseline hid."""

    findings: Sequence[Finding]
    fixed: Counter[Severity]
    fix: bool
    hidden: int
    fixable: int
    #: Whether any umbrella was linted, none with an input error.
    clean: bool
    quiet: bool
    #: How many findings the baseline hid, as a sentence ("" if none).
    baselined: str = ""

    def write(self, out: TextIO) -> None:
        if self.quiet:
            return
        self._write(out)
        if self.baselined:
            out.write(f"{self.baselined[0].upper()}{self.baselined[1:]}.\n")

    def _write(self, out: TextIO) -> None:
        if not self.findings and not sum(self.fixed.values()):
            if self.clean:
                out.write("All checks passed!\n")
            return
        counts = Counter(f.severity for f in self.findings) + self.fixed
        parts = [_plural(counts[s], s.value) for s in (Severity.ERROR, Severity.WARNING)
                 if counts[s]]
        summary = f"Found {' and '.join(parts)}"
        fixed = sum(self.fixed.values())
        out.write(f"{summary} ({fixed} fixed, {len(self.findings)} remaining).\n" if self.fix
                  else f"{summary}.\n")
        if self.fixable and not self.fix:
            # inside a pre-commit hook (which sets PRE_COMMIT=1) no option can be added
            how = ("by the `amalint-fix` pre-commit hook" if os.environ.get("PRE_COMMIT") == "1"
                   else "with the `--fix` option")
            out.write(f"[*] {self.fixable} fixable {how}.\n")
        if self.hidden and not self.fix:
            out.write(f"{self.hidden} hidden fix(es) can be enabled with the `--unsafe-fixes` "
                      "option.\n")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def verbose_report(summary: Summary, frontend: str, reason: str) -> None:
    click.echo(f"amalint: front end {frontend} ({reason})", err=True)
    click.echo(
        f"amalint: {frontend}: {len(summary.files)} files "
        f"({len(summary.files) - len(summary.incomplete)} parsed without errors), "
        f"{summary.entry_points} static-init entry points",
        err=True,
    )
    unresolved = Counter(dict(summary.unresolved))
    total = sum(unresolved.values())
    click.echo(f"amalint: {total} eager call(s) skipped as unresolved", err=True)
    for name, count in unresolved.most_common(20):
        click.echo(f"amalint:   {count:5d}  {name}", err=True)
    for loc in summary.unknown_keys:
        click.echo(f"amalint: registry call with a non-literal key skipped at "
                   f"{display(loc.path)}:{loc.line}", err=True)


def lint_one(umbrella: Path, config: Path | None, isolated: bool, verbose: bool,
             no_cache: bool, cache_dir: Path | None, **overrides: Any) -> Result:
    """The lint of one umbrella for its start-up order (``amalint order``, ``amalint graph``),
    through the cache as ``check``'s; fail if it is not an umbrella."""
    try:
        configs = Configs(config, isolated, **overrides)
        settings = configs(umbrella)
        run = runs.runner(configs, 1, no_cache, cache_dir)
        try:
            result = run.startup(umbrella, settings)
        finally:
            run.close()
    except InputError as exc:
        fail(str(exc))
    if not includes_source(result.summary.umbrella.data):  # nothing to order or draw: say so
        fail(f"{display(umbrella)}: not an umbrella (it #includes no C/C++ source file); "
             f"`amalint check {display(umbrella)}` lints the umbrellas that include it")
    report(result, verbose)
    if verbose:
        runs.account(run)
    return result
