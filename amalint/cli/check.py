"""``amalint check``: lint umbrellas (or the umbrellas that include the files given, or the
umbrellas below the directories given), fix or show the fixes, and report in the chosen
format."""

from __future__ import annotations

import difflib
import sys
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import click

from amalint import reporters
from amalint.cli import baseline, buildsystem, program_options, runs
from amalint.cli.options import (
    EXIT_CODES,
    CompilerArgsCommand,
    Configs,
    codes,
    common,
    error,
    fail,
    output,
)
from amalint.cli.report import Closing, report
from amalint.cli.runs import run_options, runner
from amalint.config.settings import FAIL_ON, Settings
from amalint.engine.parallel import Job
from amalint.engine.result import Result, SourceLines
from amalint.engine.rule import Finding, display
from amalint.engine.run import lint, merge
from amalint.errors import InputError
from amalint.fix.solver import apply_fixes
from amalint.fix.writer import check_writable, write_atomic
from amalint.model import Location, Severity, Umbrella
from amalint.scan.umbrellas import configured, targets
from amalint.scan.walk import Exclude

FORMATS = ("text", "concise", "json", "json-lines", "github", "sarif", "gitlab", "junit")


@click.command(cls=CompilerArgsCommand, epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option("--format", "--output-format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format: text (ruff-style, with the chain as "
              "clang-style notes), concise (one line per finding), json, json-lines, github "
              "(workflow annotations), sarif (code scanning), gitlab (GitLab Code Quality), "
              "junit (JUnit XML for CI test dashboards).")
@click.option("--select", help="Comma-separated rule codes or prefixes to enable (replaces the "
              "config's).")
@click.option("--extend-select", help="Rule codes or prefixes to enable as well.")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--exclude", help="Comma-separated gitignore-style patterns of files and "
              "directories to skip (added to the config's `exclude`; .gitignore is honoured "
              "anyway).")
@click.option("--fix", is_flag=True, help="Apply fixes in place, then report what remains.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes marked unsafe.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Least severity that exits 1: warning (any finding, as ruff; the default) "
              "or error (as clang-tidy).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary, no "
              "warnings, no notes.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of stdout.")
@click.option("--no-color", is_flag=True, help="No colors (also: the NO_COLOR variable; text "
              "is colored only on a terminal anyway).")
@click.option("--target", "target_names", multiple=True, metavar="NAME",
              help="Only this build-system target (repeatable).")
@click.option("--unity-readiness", is_flag=True, help="Check every pair of sources of each "
              "target that some unity batching could put in one unit (needs -p).")
@baseline.options
@run_options
@runs.SHARD
@program_options.options
@common
def check(
    paths: tuple[Path, ...], fmt: str, select: str | None, extend_select: str | None,
    ignore: str | None, exclude: str | None, fix: bool, diff: bool, unsafe_fixes: bool,
    statistics: bool, exit_zero: bool, fail_on: str | None, quiet: bool,
    output_file: Path | None, no_color: bool, target_names: tuple[str, ...],
    unity_readiness: bool, baseline_file: Path | None, no_baseline: bool,
    write_baseline: Path | None, jobs: int | None, no_cache: bool, cache_dir: Path | None,
    shard: str | None,
    program: str | None, link_command: str | None, linker: str, config: Path | None,
    isolated: bool, frontend: str | None, compiler: str | None,
    compile_commands: Path | None, resource_dir: Path | None, verbose: bool,
) -> None:
    """Lint umbrella sources, the umbrellas that include the files given, or the umbrellas
    below the directories given (default: the config's `umbrellas`, else `.`).

    Compiler arguments go after `--` (`amalint check u.cc -- -Iinclude -DNDEBUG`).
    """
    if fix and diff:
        fail("--fix and --diff cannot be combined")
    if program is not None:
        _check_program(program, link_command, linker, paths, fmt, output_file, no_color,
                       exit_zero, Configs(config, isolated, frontend=frontend, compiler=compiler,
                                          resource_dir=resource_dir,
                                          select=codes(select, "--select"),
                                          extend_select=codes(extend_select, "--extend-select"),
                                          ignore=codes(ignore, "--ignore")), compile_commands,
                       None if no_cache else cache_dir, no_cache,
                       program_options.Fixing(fix, diff, unsafe_fixes, compile_commands))
    if link_command is not None:
        fail("--link needs --program")
    if write_baseline is not None and (fix or diff):
        fail("--write-baseline cannot be combined with --fix or --diff")
    if shard is not None and (write_baseline is not None or program is not None):
        fail("--shard cannot be combined with --write-baseline or --program: a share's "
             "findings are not the whole run's")
    try:
        patterns = tuple(p.strip() for p in (exclude or "").split(",") if p.strip())
        configs = Configs(config, isolated, frontend=frontend, compiler=compiler,
                          compile_commands=compile_commands, resource_dir=resource_dir,
                          select=codes(select, "--select"),
                          extend_select=codes(extend_select, "--extend-select"),
                          ignore=codes(ignore, "--ignore"), fail_on=fail_on,
                          exclude=(Exclude(Path.cwd(), patterns),) if patterns else ())
        known = baseline.load(baseline_file, no_baseline, write_baseline is not None, configs)
        run = runs.runner(configs, jobs, no_cache, cache_dir, shard)
    except InputError as exc:
        fail(str(exc))
    results: list[Result] = []
    policies: list[str] = []
    errors = 0
    fixed: Counter[Severity] = Counter()
    changed = False
    try:
        # build-system units: generated unity sources, unity readiness
        built = buildsystem.run(paths, configs, target_names, unity_readiness, verbose, run)
        if paths:
            paths = built.rest
        elif built.build is None or not (unity_readiness or target_names):
            paths = tuple(configured(configs(Path.cwd()))) or (
                (Path("."),) if built.build is None or built.idle else ())
        found = targets(paths, configs, quiet=built.directories)
        if built.idle and not found.umbrellas:
            raise InputError(built.idle)  # neither the build nor the tree has a unit to lint
        if not quiet:
            for note in found.notes:
                click.echo(f"amalint: note: {note}", err=True)
        chosen = [c for c in found.umbrellas.values() if not built.claims(c[0])]
        mine = run.mine([Job(path, settings) for path, settings in chosen])
        chosen = [c for c, ours in zip(chosen, mine, strict=True) if ours]
        outcomes = run.lint_each([Job(path, settings) for path, settings in chosen])
        for (path, settings), outcome in zip(chosen, outcomes, strict=True):
            try:
                if isinstance(outcome, InputError):
                    raise outcome
                result = outcome
                if fix or diff:
                    data, after = fix_umbrella(path, settings, result, unsafe_fixes,
                                               run.lint_one)
                    if data != result.summary.umbrella.data:
                        changed = True
                        if diff:
                            _print_diff(result.summary.umbrella, data)
                        else:
                            check_writable(path, Path.cwd())
                            write_atomic(path, data)
                            fixed.update(Counter(f.severity for f in result.findings)
                                         - Counter(f.severity for f in after.findings))
                            result = after
            except InputError as exc:
                error(str(exc))
                errors += 1
                continue
            results.append(result)
            policies.append(settings.fail_on)
        if fix or diff:  # fixes that edit the sources, not the umbrella (AM206's includes)
            changed, results = _fix_sources(results, unsafe_fixes, diff, changed, fixed)
        extra = built.results + buildsystem.claimed(
            built, [p for p, _ in found.umbrellas.values() if built.claims(p)], configs, run)
        if fix or diff:
            extra_changed, extra_fixed, extra = buildsystem.fix_files(extra, unsafe_fixes, diff)
            changed = changed or extra_changed
            fixed.update(extra_fixed)  # reorders of CMake lists fix AM101s
        results += extra
        policies += [configs(Path.cwd()).fail_on] * len(extra)
    except InputError as exc:
        fail(str(exc))
    finally:
        run.close()
    idle = run.shard is not None and run.units > 0 and not run.dealt  # an empty share
    if idle and not quiet:
        click.echo(f"amalint: note: shard {run.shard} has no units to lint ({run.units} in "
                   "all)", err=True)
    findings = merge(results)
    sources = SourceLines(results)
    printed: set[str] = set()
    for result in results:
        report(result, verbose, quiet, printed)
    if verbose:
        runs.account(run)
    if diff:
        sys.exit(2 if errors else 1 if changed else 0)
    if write_baseline is not None:
        baseline.write(write_baseline, findings, sources, errors, quiet)
        sys.exit(0)
    findings, old = baseline.hide(known, findings, sources, quiet, statistics or fmt != "text")
    accepted = set(old)
    fixable = {id(f) for r in results for f in r.fixes(unsafe_fixes) if f not in accepted}
    hidden = sum(len(r.fixes(True)) - len(r.fixes(unsafe_fixes)) for r in results)
    summary = Closing(findings, fixed=fixed, fix=fix, hidden=hidden, fixable=len(fixable),
                      clean=(bool(results) or idle) and not errors, quiet=quiet,
                      baselined=baseline.summary(len(old), known.path) if old and known else "")
    try:
        with output(output_file) as out:
            if statistics:
                from amalint.reporters import statistics as statistics_reporter

                statistics_reporter.render(findings, fixable, fmt, out)
            elif fmt == "text":
                from amalint.reporters import text  # rich loads only when needed

                text.render(findings, out, sources, fixable, color=not no_color)
                summary.write(out)
            else:
                reporters.render_machine(fmt, findings, sources, fixable, out,
                                         configs(Path.cwd()).docs_url)
    except InputError as exc:
        fail(str(exc))
    sys.exit(exit_code(results, policies, errors, exit_zero, accepted))


def _check_program(program: str, link_command: str | None, linker: str,
                   paths: tuple[Path, ...], fmt: str, output_file: Path | None, no_color: bool,
                   exit_zero: bool, configs: Configs, build_dir: Path | None,
                   cache_dir: Path | None, no_cache: bool,
                   fixing: program_options.Fixing) -> NoReturn:
    """``check --program``: the program rules over one executable's link (each object's
    analysis through the cache); ``--fix``/``--diff`` edit the CMake files of its build."""
    if paths:
        fail("give paths or --program, not both")
    if fmt not in ("text", "concise", "json", "json-lines", "github", "sarif"):
        fail(f"--program reports as text, concise, json, json-lines, github or sarif, not {fmt}")
    from amalint.cli import program as program_cli

    store = runner(configs, 1, no_cache, cache_dir).store
    ctx = program_cli.load(program, link_command, linker, configs, build_dir, store)
    with output(output_file) as out:
        found = program_cli.lint(ctx, configs, fmt, out, color=not no_color, fixing=fixing)
    sys.exit(0 if exit_zero or not found else 1)


def exit_code(results: list[Result], policies: list[str], errors: int, exit_zero: bool,
              accepted: Collection[Finding] = ()) -> int:
    """2 after an input error; else 1 when a finding the baseline does not hold
    (``accepted``) is at least as severe as its umbrella's ``fail-on`` (unless
    ``--exit-zero``); else 0."""
    if errors:
        return 2
    if exit_zero:
        return 0
    return int(any(_fails(f, policy) for result, policy in zip(results, policies, strict=True)
                   for f in result.findings if f not in accepted))


def _fails(finding: Finding, policy: str) -> bool:
    return policy == "warning" or finding.severity is Severity.ERROR


#: Re-lint and re-fix at most this often: one pass applies every fix that does not overlap
#: another, the next ones those left over and any a fix revealed.
MAX_FIX_PASSES = 10


def _fix_sources(results: list[Result], unsafe: bool, diff: bool, changed: bool,
                 fixed: Counter[Severity]) -> tuple[bool, list[Result]]:
    """Apply (or show) the fixes that edit files other than the umbrella; the results without
    the findings they fix (those files are not linted again: the umbrella's text is the same,
    and in the unity build an added include of a header already read changes nothing).
    Insertions at one point of a file (two missing includes) are made as one."""
    chosen = [(r, f) for r in results for f in r.fixes(unsafe) if f.fix is not None
              and all(e.location.path != r.summary.umbrella.path for e in f.fix.edits)]
    if not chosen:
        return changed, results
    merged: dict[Location, list[str]] = {}
    for _, finding in chosen:
        assert finding.fix is not None
        for e in finding.fix.edits:
            if e.location == e.end_location:
                contents = merged.setdefault(e.location, [])
                contents += [] if e.content in contents else [e.content]

    def combined(finding: Finding) -> Finding:
        assert finding.fix is not None
        return replace(finding, fix=replace(finding.fix, edits=tuple(
            replace(e, content="".join(merged[e.location])) if e.location == e.end_location
            else e for e in finding.fix.edits)))

    outside = [replace(r, findings=tuple(combined(f) for owner, f in chosen if owner is r))
               for r in results]
    edited, counts, _ = buildsystem.fix_files(outside, unsafe, diff)
    if not edited or diff:
        return changed or edited, results
    fixed.update(counts)
    done = {id(f) for _, f in chosen}
    return True, [replace(r, findings=tuple(f for f in r.findings if id(f) not in done))
                  for r in results]


def fix_umbrella(path: Path, settings: Settings, result: Result, unsafe: bool,
                 relint: Callable[[Path, Settings, bytes], Result] = lint,
                 ) -> tuple[bytes, Result]:
    """The umbrella's bytes with every applicable fix applied, and the lint of those bytes.

    Each pass applies the fixes that do not overlap one another (a reorder, a removed or an
    inserted include), then lints the new text in memory with ``relint`` (``check`` passes a
    lint through the cache, which has it when the same fix was made before); nothing is
    written here (the language server's fix-all edit is this too).
    """
    data = result.summary.umbrella.data
    for _ in range(MAX_FIX_PASSES):
        fixes = [f.fix.byte_edits(data) for f in result.fixes(unsafe) if f.fix is not None
                 and all(e.location.path == result.summary.umbrella.path
                         for e in f.fix.edits)]
        new = apply_fixes(data, fixes)
        if new == data:
            break
        data = new
        result = relint(path, settings, data)
    return data, result


def _print_diff(umbrella: Umbrella, new: bytes) -> None:
    old_lines = [line.decode("utf-8", "replace") for line in umbrella.data.splitlines(True)]
    new_lines = [line.decode("utf-8", "replace") for line in new.splitlines(True)]
    name = display(umbrella.path)
    sys.stdout.writelines(difflib.unified_diff(old_lines, new_lines, f"a/{name}", f"b/{name}"))
