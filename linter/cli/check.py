"""``amalint check``: lint umbrellas (or the umbrellas that include the files given), fix or show
the fixes, and report in the chosen format."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click
from amalint import reporters
from amalint.cli import buildsystem
from amalint.cli.options import CompilerArgsCommand, Configs, codes, common, fail, output
from amalint.cli.report import report
from amalint.config.settings import Settings
from amalint.engine.rule import display
from amalint.engine.run import Result, lint, merge
from amalint.errors import InputError
from amalint.fix.solver import apply_fixes
from amalint.fix.writer import check_writable, write_atomic
from amalint.model import Umbrella
from amalint.scan.umbrellas import configured, targets

FORMATS = ("text", "concise", "json", "json-lines", "github", "sarif")


@click.command(cls=CompilerArgsCommand)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option("--format", "--output-format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--select", help="Comma-separated rule codes or prefixes to enable (replaces the "
              "config's).")
@click.option("--extend-select", help="Rule codes or prefixes to enable as well.")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--fix", is_flag=True, help="Apply fixes in place, then report what remains.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes marked unsafe.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary, no "
              "warnings.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of stdout.")
@click.option("--no-color", is_flag=True, help="No colors (also: the NO_COLOR variable; text "
              "is colored only on a terminal anyway).")
@click.option("--target", "target_names", multiple=True, metavar="NAME",
              help="Only this build-system target (repeatable).")
@click.option("--unity-readiness", is_flag=True, help="Check every pair of sources of each "
              "target that some unity batching could put in one unit (needs -p).")
@common
def check(
    paths: tuple[Path, ...], fmt: str, select: str | None, extend_select: str | None,
    ignore: str | None, fix: bool, diff: bool, unsafe_fixes: bool, statistics: bool,
    exit_zero: bool, quiet: bool, output_file: Path | None, no_color: bool,
    target_names: tuple[str, ...], unity_readiness: bool, config: Path | None,
    isolated: bool, frontend: str | None, compiler: str | None,
    compile_commands: Path | None, resource_dir: Path | None, verbose: bool,
) -> None:
    """Lint umbrella sources (or the umbrellas that include the files given).

    Compiler arguments go after `--`.
    """
    if fix and diff:
        fail("--fix and --diff cannot be combined")
    try:
        configs = Configs(config, isolated, frontend=frontend, compiler=compiler,
                           compile_commands=compile_commands, resource_dir=resource_dir,
                           select=codes(select, "--select"),
                           extend_select=codes(extend_select, "--extend-select"),
                           ignore=codes(ignore, "--ignore"))
        # build-system units (issue 14): generated unity sources, unity readiness
        built = buildsystem.run(paths, configs, target_names, unity_readiness, verbose)
        if paths:
            paths = built.rest
        elif built.build is None or not (unity_readiness or target_names):
            paths = tuple(configured(configs(Path.cwd())))
            if not paths and built.build is None:
                fail("no umbrella given (usage: amalint check UMBRELLA... [-- COMPILER_ARGS]; "
                      "or set `umbrellas` in the config)")
        found = targets(paths, configs)
        if verbose:
            for path in found.skipped:
                click.echo(f"amalint: {display(path)}: no umbrella includes it; skipped",
                           err=True)
        chosen = [c for c in found.umbrellas.values() if not built.claims(c[0])]
        results = [lint(path, settings) for path, settings in chosen]
        extra = built.results + buildsystem.claimed(
            built, [p for p, _ in found.umbrellas.values() if built.claims(p)], configs)
        results += extra
        fixed = 0
        changed = False
        if fix or diff:
            for index, (path, settings) in enumerate(chosen):
                before = results[index]
                data, results[index] = _fixed(path, settings, before, unsafe_fixes)
                if data == before.model.umbrella.data:
                    continue
                changed = True
                if diff:
                    _print_diff(before.model.umbrella, data)
                    results[index] = before
                else:
                    check_writable(path, Path.cwd())
                    write_atomic(path, data)
                    fixed += max(0, len(before.findings) - len(results[index].findings))
            extra_changed, extra_fixed, left = buildsystem.fix_files(extra, unsafe_fixes, diff)
            changed, fixed = changed or extra_changed, fixed + extra_fixed
            results = results[: len(chosen)] + left
    except InputError as exc:
        fail(str(exc))
    findings = merge(results)
    sources = {p: lines for r in results for p, lines in r.model.source_lines.items()}
    for result in results:
        report(result, verbose, quiet)
    if diff:
        sys.exit(1 if changed else 0)
    fixable = {id(f) for r in results for f in r.fixes(unsafe_fixes)}
    hidden = sum(len(r.fixes(True)) - len(r.fixes(unsafe_fixes)) for r in results)
    try:
        with output(output_file) as out:
            if statistics:
                from amalint.reporters import statistics as statistics_reporter

                statistics_reporter.render(findings, fixable, fmt, out)
            elif fmt == "text":
                from amalint.reporters import text  # rich loads only when needed

                text.report(findings, sources, fixable, out, fixed=fixed, fix=fix,
                            hidden=hidden, quiet=quiet, no_color=no_color)
            else:
                reporters.render_machine(fmt, findings, sources, fixable, out)
    except InputError as exc:
        fail(str(exc))
    sys.exit(1 if findings and not exit_zero else 0)


#: Re-lint and re-fix at most this often: one pass applies every fix that does not overlap
#: another, the next ones those left over and any a fix revealed.
MAX_FIX_PASSES = 10


def _fixed(path: Path, settings: Settings, result: Result, unsafe: bool) -> tuple[bytes, Result]:
    """The umbrella's bytes with every applicable fix applied, and the lint of those bytes.

    Each pass applies the fixes that do not overlap one another (a reorder, a removed or an
    inserted include), then lints the new text in memory; nothing is written here.
    """
    data = result.model.umbrella.data
    for _ in range(MAX_FIX_PASSES):
        fixes = [f.fix.byte_edits(data) for f in result.fixes(unsafe) if f.fix is not None]
        new = apply_fixes(data, fixes)
        if new == data:
            break
        data = new
        result = lint(path, settings, data)
    return data, result


def _print_diff(umbrella: Umbrella, new: bytes) -> None:
    old_lines = umbrella.data.decode("utf-8").splitlines(keepends=True)
    new_lines = new.decode("utf-8").splitlines(keepends=True)
    name = display(umbrella.path)
    sys.stdout.writelines(difflib.unified_diff(old_lines, new_lines, f"a/{name}", f"b/{name}"))

