"""``amalint order``: the static-initialization order the runtime will follow, with what each
entry point provides and requires."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from amalint.cli.options import CompilerArgsCommand, common
from amalint.cli.report import build_one
from amalint.config.profiles import Role
from amalint.engine.rule import display


@click.command(cls=CompilerArgsCommand)
@click.argument("umbrella", type=click.Path(path_type=Path, readable=False))
@click.option("--format", "fmt", type=click.Choice(["text", "table", "json"]), default="text",
              show_default=True)
@common
def order(
    umbrella: Path, fmt: str, config: Path | None, isolated: bool, frontend: str | None,
    compiler: str | None, compile_commands: Path | None, resource_dir: Path | None,
    verbose: bool,
) -> None:
    """Print the static-initialization order the runtime will follow."""
    model, analysis = build_one(umbrella, config, isolated, verbose, frontend=frontend,
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

