"""Warnings and the ``--verbose`` account of a run, on stderr: input problems of the unit, files
parsed with errors, which front end ran and why, and the calls the analysis skipped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from amalint.analysis.effects import Analysis
from amalint.cli.options import Configs, fail
from amalint.engine.rule import display
from amalint.engine.run import Build, Result, build
from amalint.errors import InputError
from amalint.model import CodeModel, Diagnostic, Severity


def warn(diagnostics: Sequence[Diagnostic], verbose: bool) -> None:
    parse_errors = [d for d in diagnostics if d.kind == "parse"]
    for diag in diagnostics:
        if diag in parse_errors and not verbose:
            continue
        loc = diag.location
        click.echo(f"amalint: warning: {display(loc.path)}:{loc.line}: {diag.message}", err=True)
    if parse_errors and not verbose:
        first = parse_errors[0].location
        click.echo(
            f"amalint: warning: {len(parse_errors)} file(s) parsed with errors, first "
            f"{display(first.path)}:{first.line}; findings there may be missing (--verbose lists "
            "them)",
            err=True,
        )


def report(built: Build | Result, verbose: bool, quiet: bool = False) -> None:
    """Warnings (unless ``quiet``); with ``verbose``, how the unit was analyzed and what was
    skipped."""
    if not quiet:
        for warning in built.warnings:
            click.echo(f"amalint: warning: {warning}", err=True)
        warn(built.model.diagnostics, verbose)
    if verbose:
        verbose_report(built.model, built.analysis, built.frontend, built.reason)


def verbose_report(
    result_model: CodeModel, analysis: Analysis, frontend: str, reason: str
) -> None:
    incomplete = {d.location.path for d in result_model.diagnostics if d.kind == "parse"}
    incomplete |= {d.charged for d in result_model.compiler_diagnostics or ()
                   if d.severity is Severity.ERROR}
    click.echo(f"amalint: front end {frontend} ({reason})", err=True)
    click.echo(
        f"amalint: {frontend}: {len(result_model.files)} files "
        f"({len(result_model.files) - len(incomplete)} parsed without errors), "
        f"{len(result_model.entry_points)} static-init entry points",
        err=True,
    )
    unresolved = Counter(analysis.unresolved)
    total = sum(unresolved.values())
    click.echo(f"amalint: {total} eager call(s) skipped as unresolved", err=True)
    for name, count in unresolved.most_common(20):
        click.echo(f"amalint:   {count:5d}  {name}", err=True)
    for loc in analysis.unknown_keys:
        click.echo(f"amalint: registry call with a non-literal key skipped at "
                   f"{display(loc.path)}:{loc.line}", err=True)


def build_one(umbrella: Path, config: Path | None, isolated: bool, verbose: bool,
               **overrides: Any) -> tuple[CodeModel, Analysis]:
    try:
        built = build(umbrella, Configs(config, isolated, **overrides)(umbrella))
    except InputError as exc:
        fail(str(exc))
    report(built, verbose)
    return built.model, built.analysis

