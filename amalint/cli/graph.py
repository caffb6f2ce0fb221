"""``amalint graph``: the umbrella as a picture (dot, mermaid, or svg through Graphviz)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import click

from amalint.cli.options import EXIT_CODES, CompilerArgsCommand, common, fail, output
from amalint.cli.report import lint_one
from amalint.cli.runs import cache_options
from amalint.engine.rule import display
from amalint.errors import InputError


@click.command(cls=CompilerArgsCommand, epilog=EXIT_CODES)
@click.argument("umbrella", type=click.Path(path_type=Path, readable=False))
@click.option("--format", "fmt", type=click.Choice(["dot", "mermaid", "svg"]), default="dot",
              show_default=True, help="dot: Graphviz source; mermaid: for Markdown (a GitHub "
              "job summary); svg: rendered by Graphviz's `dot`, which must be on PATH.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the picture to this file instead of stdout.")
@cache_options
@common
def graph(
    umbrella: Path, fmt: str, output_file: Path | None, config: Path | None, isolated: bool,
    frontend: str | None, compiler: str | None, compile_commands: Path | None,
    resource_dir: Path | None, verbose: bool, no_cache: bool, cache_dir: Path | None,
) -> None:
    """Draw the umbrella: included sources in include order, an edge from each provider to
    its consumers labelled with the keys, hazards in red.

    Compiler arguments go after `--` (`amalint graph u.cc --format mermaid -- -Iinclude`).
    """
    from amalint.reporters import graph as pictures

    result = lint_one(umbrella, config, isolated, verbose, no_cache, cache_dir,
                      frontend=frontend, compiler=compiler, compile_commands=compile_commands,
                      resource_dir=resource_dir)
    umbrella_scan = result.summary.umbrella
    drawn = pictures.build(umbrella_scan, result.startup)
    title = f"amalint: {display(umbrella_scan.path)}"
    text = pictures.mermaid(drawn, title) if fmt == "mermaid" else pictures.dot(drawn, title)
    if fmt == "svg":
        text = _svg(text)
    try:
        with output(output_file) as out:
            out.write(text)
    except InputError as exc:
        fail(str(exc))


def _svg(dot_text: str) -> str:
    """Render dot through Graphviz (never anything from the linted tree)."""
    dot = shutil.which("dot")
    if dot is None or not os.path.isabs(dot):  # an empty or relative PATH entry: the tree's
        fail("--format svg needs Graphviz's `dot` on PATH (Debian/Ubuntu: apt-get install "
              "graphviz); --format dot or mermaid need nothing")
    proc = subprocess.run([dot, "-Tsvg"], input=dot_text, capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        fail(f"dot -Tsvg failed: {proc.stderr.strip()}")
    return proc.stdout

