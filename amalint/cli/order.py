"""``amalint order``: the static-initialization order the runtime will follow, with what each
entry point provides and requires."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement

from amalint.cli import program_options
from amalint.cli.options import EXIT_CODES, CompilerArgsCommand, Configs, common, fail
from amalint.cli.report import lint_one
from amalint.cli.runs import cache_options, runner
from amalint.cli.wrapping import Wrapped
from amalint.engine.rule import display

if TYPE_CHECKING:
    from rich.table import Table


@click.command(cls=CompilerArgsCommand, epilog=EXIT_CODES)
@click.argument("umbrella", type=click.Path(path_type=Path, readable=False), required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "table", "json"]), default="text",
              show_default=True, help="text: one entry per line with its keys; table: a "
              "table that fits the terminal (full width when piped); json: a list of entries.")
@cache_options
@program_options.options
@common
def order(
    umbrella: Path | None, fmt: str, program: str | None, link_command: str | None,
    linker: str, config: Path | None, isolated: bool, frontend: str | None,
    compiler: str | None, compile_commands: Path | None, resource_dir: Path | None,
    verbose: bool, no_cache: bool, cache_dir: Path | None,
) -> None:
    """Print the static-initialization order the runtime will follow, with what each entry
    point provides and requires; a key required before its provider runs is marked. With
    `--program TARGET`, the whole program's: every linked object's entries in the order the
    linker lays them out, and the library members it leaves out.

    Compiler arguments go after `--` (`amalint order u.cc -- -Iinclude`).
    """
    if program is not None:
        if umbrella is not None:
            fail("give an umbrella or --program, not both")
        from amalint.cli import program as program_cli

        configs = Configs(config, isolated, frontend=frontend, compiler=compiler,
                          resource_dir=resource_dir)
        store = runner(configs, 1, no_cache, cache_dir).store
        program_cli.print_order(program_cli.load(program, link_command, linker, configs,
                                                 compile_commands, store), fmt)
        return
    if umbrella is None:
        fail("give the umbrella to order, or --program TARGET")
    if link_command is not None:
        fail("--link needs --program")
    result = lint_one(umbrella, config, isolated, verbose, no_cache, cache_dir,
                      frontend=frontend, compiler=compiler, compile_commands=compile_commands,
                      resource_dir=resource_dir)
    includes = result.summary.umbrella.includes
    rows: list[dict[str, Any]] = []
    for index, entry in enumerate(result.startup.entries, 1):
        rows.append({
            "index": index,
            "label": entry.label,
            "kind": entry.kind.value,
            "priority": entry.priority,
            "filename": display(entry.location.path),
            "location": {"row": entry.location.line, "column": entry.location.column},
            "end_location": {"row": entry.end.line, "column": entry.end.column},
            "include_line": None if entry.unit is None else includes[entry.unit].line,
            "provides": list(entry.provides),
            "requires": list(entry.requires),
            "unmet": {key: "provided by nothing" if first is None
                      else f"before its provider (#{first})" for key, first in entry.unmet},
        })
    if fmt == "json":
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    console = Console(highlight=False, soft_wrap=fmt == "text")
    if fmt == "table":
        _print_table(console, rows, f"Start-up order of {display(result.summary.umbrella.path)}")
        return
    for row in rows:
        where = f"{row['filename']}:{row['location']['row']}"
        console.print(f"{row['index']:4d}. [bold]{escape(str(row['label']))}[/bold] "
                      f"[dim]{row['kind']}, priority {row['priority']}, {escape(where)}[/dim]")
        if row["provides"]:
            keys = ", ".join(f"`{k}`" for k in row["provides"])
            console.print(f"      provides {escape(keys)}")
        if row["requires"]:
            keys = ", ".join(_required(f"`{k}`", row["unmet"], k) for k in row["requires"])
            console.print(f"      requires {keys}")


#: The table's columns: name, justification, and how soon to drop it on a narrow terminal
#: (0: never).
_COLUMNS = (("#", "right", 0), ("entry point", "left", 4), ("kind", "left", 2),
            ("priority", "right", 3), ("where", "left", 0), ("include line", "right", 1),
            ("provides", "left", 0), ("requires", "left", 0))
_WHERE = 4


def _print_table(console: Console, rows: list[dict[str, Any]], title: str) -> None:
    """The order as a table: never squeezed when piped (a job summary, a file); on a terminal,
    the least needed columns are left out until it fits, and a line says which."""
    from rich.table import Table

    def cells(row: dict[str, Any]) -> list[Wrapped]:
        # each wraps only where a name ends (a path after `/`, a key after `.`, a label after
        # `::`), never inside one
        return [Wrapped(str(row["index"]), ""), Wrapped(escape(str(row["label"])), ":"),
                Wrapped(row["kind"], ""), Wrapped(str(row["priority"]), ""),
                Wrapped(escape(f"{row['filename']}:{row['location']['row']}"), "/"),
                Wrapped("" if row["include_line"] is None else str(row["include_line"]), ""),
                Wrapped(escape("\n".join(row["provides"])), "./"),
                Wrapped("\n".join(_required(key, row["unmet"]) for key in row["requires"]),
                        "./")]

    def build(shown: list[int]) -> Table:
        table = Table(title=title)
        for index in shown:
            name, justify, _ = _COLUMNS[index]
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for row in rows:
            values = cells(row)
            table.add_row(*(values[i] for i in shown))
        return table

    shown = list(range(len(_COLUMNS)))
    wide = console.options.update_width(10_000)
    table = build(shown)
    if not console.is_terminal:
        console.width = console.measure(table, options=wide).maximum
        console.print(table)
        return
    dropped = []
    for index in sorted((i for i, c in enumerate(_COLUMNS) if c[2]), key=lambda i: _COLUMNS[i][2]):
        if console.measure(table, options=wide).maximum <= console.width:
            break
        shown.remove(index)
        dropped.append(_COLUMNS[index][0])
        table = build(shown)
    if console.measure(table, options=wide).maximum > console.width:
        _keep_paths_whole(console, table, [[cells(row)[i] for i in shown] for row in rows],
                          shown.index(_WHERE))
    console.print(table)
    if dropped:
        console.print(f"[dim](left out to fit the terminal: {', '.join(dropped)}; "
                      "--format text shows everything)[/dim]")


def _keep_paths_whole(console: Console, table: Table, rows: list[list[Wrapped]],
                      where: int) -> None:
    """Fix the width of the ``where`` column of a table too wide for the terminal: what the
    other columns leave at their narrowest, but never less than its longest directory or file
    name (rich narrows the other columns instead), nor more than its longest path, nor so much
    that another column cannot show its header."""
    def span(column: int) -> Measurement:
        header = len(str(table.columns[column].header))
        found = [Measurement.get(console, console.options, row[column]) for row in rows]
        return Measurement(max([header, *(m.minimum for m in found)]),
                           max([header, *(m.maximum for m in found)]))

    others = [i for i in range(len(table.columns)) if i != where]
    left = console.width - 4 - sum(span(i).minimum + 3 for i in others)
    most = console.width - 4 - sum(len(str(table.columns[i].header)) + 3 for i in others)
    narrowest, widest = span(where)
    table.columns[where].width = min(most, max(narrowest, min(widest, left)))


def _required(shown: str, unmet: dict[str, str], key: str | None = None) -> str:
    """A required key (rich markup), marked when it is looked up before any provider runs."""
    why = unmet.get(shown if key is None else key)
    return escape(shown) + ("" if why is None else f" [bold red]![/bold red] {escape(why)}")

