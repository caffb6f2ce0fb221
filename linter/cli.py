"""The command line: ``amalint check``, ``order``, ``graph``, ``rule``, ``config``.

Exit codes: 0 nothing found, 1 findings, 2 usage or input error (one line on stderr, no
traceback). Compiler arguments go after ``--``: libclang gets them all, the include scan and
tree-sitter use ``-I``, ``-iquote`` and ``-D``.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click
from amalint.analysis import Analysis
from amalint.config import (
    COMPILERS,
    Settings,
    effective,
    find_config,
    load_config,
    parse_compiler_args,
    rule_selectors,
)
from amalint.engine import Build, Result, build, lint, merge
from amalint.errors import InputError
from amalint.fixer import apply_fixes
from amalint.model import CodeModel, Diagnostic, Umbrella
from amalint.profiles import Role
from amalint.rule import Finding, display
from amalint.rules import RULES
from amalint.umbrellas import configured, targets
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


def _codes(value: str | None, option: str) -> tuple[str, ...]:
    if not value:
        return ()
    return rule_selectors(value.split(","), option)


class _Configs:
    """The settings of each file: its nearest config file (or ``--config``, or none with
    ``--isolated``), then the compiler arguments and command-line options on top."""

    def __init__(self, config: Path | None, isolated: bool, **overrides: Any) -> None:
        if config is not None and not isolated and not config.is_file():
            raise InputError(f"{config}: no such config file")
        self.config = None if isolated else config
        self.isolated = isolated
        self.overrides = {k: v for k, v in overrides.items() if v}
        ctx = click.get_current_context()
        self.compiler_args: tuple[str, ...] = tuple(ctx.meta.get("compiler_args", ()))
        self.search, self.defines = parse_compiler_args(self.compiler_args, Path.cwd())
        self._loaded: dict[Path | None, Settings] = {}

    def config_for(self, path: Path) -> Path | None:
        if self.isolated:
            return None
        return self.config or find_config(path)

    def __call__(self, path: Path) -> Settings:
        found = self.config_for(path)
        key = None if found is None else found.resolve()
        if key not in self._loaded:
            self._loaded[key] = self._finish(Settings() if found is None
                                             else load_config(found, Settings()))
        return self._loaded[key]

    def _finish(self, settings: Settings) -> Settings:
        search = self.search
        if search.include_dirs or search.quote_dirs:
            settings = replace(settings, search=type(search)(
                search.quote_dirs + settings.search.quote_dirs,
                search.include_dirs + settings.search.include_dirs,
            ))
        if self.defines:
            settings = replace(settings, defines=settings.defines + self.defines)
        if self.compiler_args:
            settings = replace(settings, compiler_args=self.compiler_args,
                               flags_origin="the command line (after --)")
        overrides = dict(self.overrides)
        # as in ruff: --select replaces the config's, --extend-select and --ignore add to it
        for name in ("extend_select", "ignore"):
            if name in overrides:
                overrides[name] = getattr(settings, name) + overrides[name]
        return replace(settings, **overrides)


def _warn(diagnostics: Sequence[Diagnostic], verbose: bool) -> None:
    parse_errors = [d for d in diagnostics if d.kind == "parse"]
    for diag in diagnostics:
        if diag.kind == "compile" or (diag in parse_errors and not verbose):
            continue  # compile errors are AM301 findings
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


def _report(built: Build | Result, verbose: bool, quiet: bool = False) -> None:
    """Warnings (unless ``quiet``); with ``verbose``, how the unit was analyzed and what was
    skipped."""
    if not quiet:
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


FORMATS = ("text", "concise", "json", "json-lines", "github", "sarif")


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    """Where the report goes: stdout, or ``--output-file`` (written whole at the end)."""
    if path is None:
        yield sys.stdout
        return
    try:
        with path.open("w", encoding="utf-8") as out:
            yield out
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None


@main.command(cls=_CompilerArgsCommand)
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
@_common
def check(
    paths: tuple[Path, ...], fmt: str, select: str | None, extend_select: str | None,
    ignore: str | None, fix: bool, diff: bool, unsafe_fixes: bool, statistics: bool,
    exit_zero: bool, quiet: bool, output_file: Path | None, no_color: bool,
    config: Path | None, isolated: bool, frontend: str | None, compiler: str | None,
    compile_commands: Path | None, resource_dir: Path | None, verbose: bool,
) -> None:
    """Lint umbrella sources (or the umbrellas that include the files given).

    Compiler arguments go after `--`.
    """
    if fix and diff:
        _fail("--fix and --diff cannot be combined")
    try:
        configs = _Configs(config, isolated, frontend=frontend, compiler=compiler,
                           compile_commands=compile_commands, resource_dir=resource_dir,
                           select=_codes(select, "--select"),
                           extend_select=_codes(extend_select, "--extend-select"),
                           ignore=_codes(ignore, "--ignore"))
        if not paths:
            paths = tuple(configured(configs(Path.cwd())))
            if not paths:
                _fail("no umbrella given (usage: amalint check UMBRELLA... [-- COMPILER_ARGS]; "
                      "or set `umbrellas` in the config)")
        found = targets(paths, configs)
        if verbose:
            for path in found.skipped:
                click.echo(f"amalint: {display(path)}: no umbrella includes it; skipped",
                           err=True)
        chosen = list(found.umbrellas.values())
        results = [lint(path, settings) for path, settings in chosen]
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
    except InputError as exc:
        _fail(str(exc))
    findings = merge(results)
    sources = {p: lines for r in results for p, lines in r.model.source_lines.items()}
    for result in results:
        _report(result, verbose, quiet)
    if diff:
        sys.exit(1 if changed else 0)
    fixable = {id(f) for r in results for f in r.fixes(unsafe_fixes)}
    hidden = sum(len(r.fixes(True)) - len(r.fixes(unsafe_fixes)) for r in results)
    try:
        with _output(output_file) as out:
            if statistics:
                _statistics(findings, fixable, fmt, out)
            elif fmt == "text":
                _text(findings, sources, fixable, out, fixed=fixed, fix=fix, hidden=hidden,
                      quiet=quiet, no_color=no_color)
            else:
                _machine_report(fmt, findings, sources, fixable, out)
    except InputError as exc:
        _fail(str(exc))
    sys.exit(1 if findings and not exit_zero else 0)


def _machine_report(fmt: str, findings: Sequence[Finding], sources: Any, fixable: set[int],
                    out: TextIO) -> None:
    from amalint.reporters import concise, github, json_lines, sarif
    from amalint.reporters import json as json_reporter

    if fmt == "concise":
        concise.render(findings, out, sources, fixable)
    elif fmt == "sarif":
        sarif.render(findings, out, sources, fixable)
    else:
        {"json": json_reporter.render, "json-lines": json_lines.render,
         "github": github.render}[fmt](findings, out, sources)


def _text(findings: Sequence[Finding], sources: Any, fixable: set[int], out: TextIO, *,
          fixed: int, fix: bool, hidden: int, quiet: bool, no_color: bool) -> None:
    from amalint.reporters import text as text_reporter  # rich loads only when needed

    if findings:  # NO_COLOR (no-color.org): no escape sequences at all, like --no-color
        color = not no_color and not os.environ.get("NO_COLOR")
        text_reporter.render(findings, out, sources, fixable, color=color)
    if quiet:
        return
    if not findings and not fixed:
        out.write("All checks passed!\n")
        return
    errors = len(findings) + fixed
    summary = f"Found {errors} error{'s' if errors != 1 else ''}"
    out.write(f"{summary} ({fixed} fixed, {len(findings)} remaining).\n" if fix
              else f"{summary}.\n")
    if fixable and not fix:
        out.write(f"[*] {len(fixable)} fixable with the `--fix` option.\n")
    if hidden and not fix:
        out.write(f"{hidden} hidden fix(es) can be enabled with the `--unsafe-fixes` option.\n")


def _statistics(findings: Sequence[Finding], fixable: set[int], fmt: str, out: TextIO) -> None:
    """Findings per rule, most frequent first, as ruff's ``--statistics``."""
    counts = Counter(f.code for f in findings)
    fixes = Counter(f.code for f in findings if id(f) in fixable)
    rows = [{"code": code, "name": RULES[code].name, "count": count,
             "fixable": fixes[code] == count}
            for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if fmt in ("json", "json-lines", "sarif"):
        json.dump(rows, out, indent=2)
        out.write("\n")
        return
    width = max((len(str(r["count"])) for r in rows), default=1)
    for row in rows:
        mark = "[*] " if row["fixable"] else "    "
        out.write(f"{row['count']:>{width}}\t{row['code']}\t{mark}{row['name']}\n")


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


def _build_one(umbrella: Path, config: Path | None, isolated: bool, verbose: bool,
               **overrides: Any) -> tuple[CodeModel, Analysis]:
    try:
        built = build(umbrella, _Configs(config, isolated, **overrides)(umbrella))
    except InputError as exc:
        _fail(str(exc))
    _report(built, verbose)
    return built.model, built.analysis


@main.command(cls=_CompilerArgsCommand)
@click.argument("umbrella", type=click.Path(path_type=Path, readable=False))
@click.option("--format", "fmt", type=click.Choice(["text", "table", "json"]), default="text",
              show_default=True)
@_common
def order(
    umbrella: Path, fmt: str, config: Path | None, isolated: bool, frontend: str | None,
    compiler: str | None, compile_commands: Path | None, resource_dir: Path | None,
    verbose: bool,
) -> None:
    """Print the static-initialization order the runtime will follow."""
    model, analysis = _build_one(umbrella, config, isolated, verbose, frontend=frontend,
                                 compiler=compiler, compile_commands=compile_commands,
                                 resource_dir=resource_dir)
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

    console = Console(highlight=False, soft_wrap=fmt == "text")
    if fmt == "table":
        from rich.table import Table

        table = Table(title=f"Start-up order of {display(model.umbrella.path)}")
        for name, justify in (("#", "right"), ("entry point", "left"), ("kind", "left"),
                              ("priority", "right"), ("where", "left"),
                              ("include line", "right"), ("provides", "left"),
                              ("requires", "left")):
            table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for row in rows:
            table.add_row(
                str(row["index"]), escape(str(row["label"])), row["kind"], str(row["priority"]),
                escape(f"{row['filename']}:{row['location']['row']}"),
                "" if row["include_line"] is None else str(row["include_line"]),
                escape("\n".join(row["provides"])), escape("\n".join(row["requires"])),
            )
        if not console.is_terminal:  # piped (a job summary, a file): never squeeze the table
            wide = console.options.update_width(10_000)
            console.width = console.measure(table, options=wide).maximum
        console.print(table)
        return
    for row in rows:
        where = f"{row['filename']}:{row['location']['row']}"
        console.print(f"{row['index']:4d}. [bold]{escape(str(row['label']))}[/bold] "
                      f"[dim]{row['kind']}, priority {row['priority']}, {escape(where)}[/dim]")
        for role in ("provides", "requires"):
            if row[role]:
                keys = ", ".join(f"`{k}`" for k in row[role])
                console.print(f"      {role} {escape(keys)}")


@main.command(cls=_CompilerArgsCommand)
@click.argument("umbrella", type=click.Path(path_type=Path, readable=False))
@click.option("--format", "fmt", type=click.Choice(["dot", "mermaid", "svg"]), default="dot",
              show_default=True)
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the picture to this file instead of stdout.")
@_common
def graph(
    umbrella: Path, fmt: str, output_file: Path | None, config: Path | None, isolated: bool,
    frontend: str | None, compiler: str | None, compile_commands: Path | None,
    resource_dir: Path | None, verbose: bool,
) -> None:
    """Draw the umbrella: included sources in include order, an edge from each provider to
    its consumers labelled with the keys, hazards in red."""
    from amalint import graph as pictures

    model, analysis = _build_one(umbrella, config, isolated, verbose, frontend=frontend,
                                 compiler=compiler, compile_commands=compile_commands,
                                 resource_dir=resource_dir)
    drawn = pictures.build(model, analysis)
    title = f"amalint: {display(model.umbrella.path)}"
    text = pictures.mermaid(drawn, title) if fmt == "mermaid" else pictures.dot(drawn, title)
    if fmt == "svg":
        text = _svg(text)
    try:
        with _output(output_file) as out:
            out.write(text)
    except InputError as exc:
        _fail(str(exc))


def _svg(dot_text: str) -> str:
    """Render dot through Graphviz (never anything from the linted tree)."""
    dot = shutil.which("dot")
    if dot is None:
        _fail("--format svg needs Graphviz's `dot` on PATH (Debian/Ubuntu: apt-get install "
              "graphviz); --format dot or mermaid need nothing")
    proc = subprocess.run([dot, "-Tsvg"], input=dot_text, capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        _fail(f"dot -Tsvg failed: {proc.stderr.strip()}")
    return proc.stdout


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Print every rule's documentation.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="markdown: the docs/rules.md page.")
def rule(code: str | None, show_all: bool, fmt: str) -> None:
    """Print a rule's documentation (from its module docstring)."""
    if show_all and fmt == "markdown":
        from amalint.ruledocs import markdown

        click.echo(markdown(RULES.values()), nl=False)
        return
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
    if fmt == "markdown":
        from amalint.ruledocs import markdown

        click.echo(markdown([found]), nl=False)
        return
    click.echo(found.doc.strip())


@main.command("config", cls=_CompilerArgsCommand)
@click.argument("path", required=False, type=click.Path(path_type=Path, readable=False))
@click.option("--format", "fmt", type=click.Choice(["toml", "json"]), default="toml",
              show_default=True)
@_COMMON[0]  # --config
@_COMMON[1]  # --isolated
def config_command(path: Path | None, fmt: str, config: Path | None, isolated: bool) -> None:
    """Print the effective settings for PATH (default: the working directory): the config
    file found, every key with its value, compiler arguments after `--` applied."""
    try:
        settings = _Configs(config, isolated)(path or Path.cwd())
    except InputError as exc:
        _fail(str(exc))
    values = effective(settings)
    if fmt == "json":
        json.dump(values, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    source = values.pop("config-file")
    click.echo(f"# config file: {source or '(none)'}")
    profiles = values.pop("profiles")
    for key, value in values.items():
        if value is None:
            click.echo(f"# {key} is not set")
        else:
            click.echo(f"{key} = {_toml(value)}")
    for name, spec in profiles.items():
        click.echo(f"\n[profiles.{_toml_key(name)}]")
        for key, value in spec.items():
            click.echo(f"{key} = {_toml(value)}")


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    return str(value)


def _toml_key(key: str) -> str:
    return key if key and all(c.isalnum() or c in "-_" for c in key) else json.dumps(key)


if __name__ == "__main__":  # pragma: no cover
    main()
