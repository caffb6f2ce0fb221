"""The command line: ``amalint check``, ``amalint order``, ``amalint rule``.

Exit codes: 0 nothing found, 1 findings, 2 usage or input error (one line on stderr, no
traceback). Compiler arguments go after ``--`` (``-I``, ``-iquote`` and ``-D`` are used).
"""

from __future__ import annotations

import difflib
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import click
from amalint.analysis import Analysis
from amalint.config import COMPILERS, Settings, find_config, load_config, parse_compiler_args
from amalint.engine import Build, Result, build, lint, selected_rules
from amalint.errors import InputError
from amalint.fixer import apply_fixes
from amalint.model import CodeModel, Diagnostic, Umbrella
from amalint.profiles import Role
from amalint.rule import display
from amalint.rules import RULES
from amalint.writer import check_writable, write_atomic


class _CompilerArgsCommand(click.Command):
    """A command that keeps everything after ``--`` as compiler arguments."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            split = args.index("--")
            ctx.meta["compiler_args"] = tuple(args[split + 1 :])
            args = args[:split]
        return super().parse_args(ctx, args)


def _fail(message: str) -> NoReturn:
    click.echo(f"amalint: error: {message}", err=True)
    sys.exit(2)


def _codes(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    for code in codes:
        if code != "ALL" and not any(rule.startswith(code) for rule in RULES):
            raise InputError(f"unknown rule selector {code!r}")
    return codes


def _settings(
    paths: Sequence[Path], config: Path | None, isolated: bool, **overrides: Any
) -> Settings:
    ctx = click.get_current_context()
    raw_args = tuple(ctx.meta.get("compiler_args", ()))
    search, defines = parse_compiler_args(raw_args, Path.cwd())
    settings = Settings()
    if not isolated:
        found = config or (find_config(paths[0]) if paths else find_config(Path.cwd()))
        if config is not None and not config.is_file():
            raise InputError(f"{config}: no such config file")
        if found is not None:
            settings = load_config(found, settings)
    if search.include_dirs or search.quote_dirs:
        settings = replace(
            settings,
            search=type(search)(
                search.quote_dirs + settings.search.quote_dirs,
                search.include_dirs + settings.search.include_dirs,
            ),
        )
    if defines:
        settings = replace(settings, defines=settings.defines + defines)
    if raw_args:
        settings = replace(settings, compiler_args=raw_args,
                           flags_origin="the command line (after --)")
    return replace(settings, **{k: v for k, v in overrides.items() if v})


def _warn(diagnostics: Sequence[Diagnostic], verbose: bool) -> None:
    parse_errors = [d for d in diagnostics if d.kind == "parse"]
    for diag in diagnostics:
        if diag.kind == "compile" or (diag in parse_errors and not verbose):
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


def _report(built: Build | Result, verbose: bool) -> None:
    """Warnings always; with ``verbose``, how the unit was analyzed and what was skipped."""
    for warning in built.warnings:
        click.echo(f"amalint: warning: {warning}", err=True)
    _warn(built.model.diagnostics, verbose)
    if verbose:
        _verbose_report(built.model, built.analysis, built.frontend, built.reason)


def _verbose_report(
    result_model: CodeModel, analysis: Analysis, frontend: str, reason: str
) -> None:
    incomplete = {d.location.path for d in result_model.diagnostics
                  if d.kind in ("parse", "compile")}
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


_COMMON = [
    click.option("--config", type=click.Path(path_type=Path, readable=False),
                 help="Config file to use."),
    click.option("--isolated", is_flag=True, help="Ignore all config files."),
    click.option("--frontend", type=click.Choice(["auto", "tree-sitter", "libclang"]),
                 default=None, help="Front end (default: auto)."),
    click.option("--compiler", type=click.Choice(COMPILERS), default=None,
                 help="Compiler whose init-block expansion to model (default: gcc)."),
    click.option("-p", "--build-dir", "compile_commands",
                 type=click.Path(path_type=Path, readable=False), default=None,
                 help="Build directory (or file) with compile_commands.json."),
    click.option("--resource-dir", type=click.Path(path_type=Path, readable=False),
                 default=None, help="clang resource directory (builtin headers) for libclang."),
    click.option("-v", "--verbose", is_flag=True, help="Report skipped calls and parse errors."),
]


def _common(func: Any) -> Any:
    for option in reversed(_COMMON):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="amalint")
def main() -> None:
    """amalint: a linter for amalgamated (unity) C/C++ builds."""


@main.command(cls=_CompilerArgsCommand)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--select", help="Comma-separated rule codes or prefixes to enable.")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--fix", is_flag=True, help="Apply fixes in place, then report what remains.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes marked unsafe.")
@_common
def check(
    paths: tuple[Path, ...], fmt: str, select: str | None, ignore: str | None, fix: bool,
    diff: bool, unsafe_fixes: bool, config: Path | None, isolated: bool, frontend: str | None,
    compiler: str | None, compile_commands: Path | None, resource_dir: Path | None,
    verbose: bool,
) -> None:
    """Lint umbrella sources. Compiler arguments go after `--`."""
    if not paths:
        _fail("no umbrella given (usage: amalint check UMBRELLA... [-- COMPILER_ARGS])")
    if fix and diff:
        _fail("--fix and --diff cannot be combined")
    try:
        settings = _settings(paths, config, isolated, frontend=frontend, compiler=compiler,
                             select=_codes(select), ignore=_codes(ignore),
                             compile_commands=compile_commands, resource_dir=resource_dir)
        selected_rules(settings.select, settings.ignore)
        results = [lint(path, settings) for path in paths]
        fixed = 0
        changed = False
        if fix or diff:
            for index, path in enumerate(paths):
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
    except InputError as exc:
        _fail(str(exc))
    findings = [f for r in results for f in r.findings]
    sources = {p: lines for r in results for p, lines in r.model.source_lines.items()}
    for result in results:
        _report(result, verbose)
    if diff:
        sys.exit(1 if changed else 0)
    fixable = {id(f) for r in results for f in r.fixes(unsafe_fixes)}
    hidden = sum(len(r.fixes(True)) - len(r.fixes(unsafe_fixes)) for r in results)
    if fmt == "json":
        from amalint.reporters import json as json_reporter

        json_reporter.render(findings, sys.stdout, sources)
    elif findings or fixed:
        from amalint.reporters import text as text_reporter  # rich loads only when needed

        text_reporter.render(findings, sys.stdout, sources, fixable)
        errors = len(findings) + fixed
        summary = f"Found {errors} error{'s' if errors != 1 else ''}"
        click.echo(f"{summary} ({fixed} fixed, {len(findings)} remaining)." if fix
                   else f"{summary}.")
        if fixable and not fix:
            click.echo(f"[*] {len(fixable)} fixable with the `--fix` option.")
        if hidden and not fix:
            click.echo(f"{hidden} hidden fix(es) can be enabled with the `--unsafe-fixes` "
                       "option.")
    else:
        click.echo("All checks passed!")
    sys.exit(1 if findings else 0)


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


@main.command(cls=_CompilerArgsCommand)
@click.argument("umbrella", type=click.Path(path_type=Path, readable=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@_common
def order(
    umbrella: Path, fmt: str, config: Path | None, isolated: bool, frontend: str | None,
    compiler: str | None, compile_commands: Path | None, resource_dir: Path | None,
    verbose: bool,
) -> None:
    """Print the static-initialization order the runtime will follow."""
    try:
        settings = _settings((umbrella,), config, isolated, frontend=frontend, compiler=compiler,
                             compile_commands=compile_commands, resource_dir=resource_dir)
        built = build(umbrella, settings)
    except InputError as exc:
        _fail(str(exc))
    _report(built, verbose)
    model, analysis = built.model, built.analysis
    rows: list[dict[str, Any]] = []
    for index, entry in enumerate(analysis.order, 1):
        effects = analysis.effects[entry]
        rows.append({
            "index": index,
            "label": entry.label,
            "kind": entry.kind.value,
            "priority": entry.priority,
            "filename": display(entry.location.path),
            "location": {"row": entry.location.line, "column": entry.location.column},
            "end_location": {"row": entry.end.line, "column": entry.end.column},
            "include_line": None if entry.unit is None
            else model.umbrella.includes[entry.unit].line,
            "provides": [e.key for e in effects if e.role is Role.PROVIDER],
            "requires": [e.key for e in effects if e.role is Role.CONSUMER],
        })
    if fmt == "json":
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    for row in rows:
        where = f"{row['filename']}:{row['location']['row']}"
        console.print(f"{row['index']:4d}. [bold]{escape(str(row['label']))}[/bold] "
                      f"[dim]{row['kind']}, priority {row['priority']}, {escape(where)}[/dim]")
        for role in ("provides", "requires"):
            if row[role]:
                keys = ", ".join(f"`{k}`" for k in row[role])
                console.print(f"      {role} {escape(keys)}")


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Print every rule's documentation.")
def rule(code: str | None, show_all: bool) -> None:
    """Print a rule's documentation (from its module docstring)."""
    if show_all:
        click.echo("\n\n".join(r.doc.strip() for r in RULES.values()))
        return
    if code is None:
        for r in RULES.values():
            click.echo(f"{r.code}  {r.name:24s} {r.summary}")
        return
    found = RULES.get(code.upper())
    if found is None:
        _fail(f"unknown rule {code!r} (known: {', '.join(RULES)})")
    click.echo(found.doc.strip())


if __name__ == "__main__":  # pragma: no cover
    main()
