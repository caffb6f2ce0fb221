"""``amalint compile-commands``: a ``compile_commands.json`` with which clangd parses each source
of a unity unit in its unit's context (:mod:`amalint.config.unit_commands`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from amalint.cli.options import (
    EXIT_CODES,
    CompilerArgsCommand,
    Configs,
    common,
    fail,
    output,
)
from amalint.config.unit_commands import commands
from amalint.engine.rule import display
from amalint.engine.run import prepare
from amalint.errors import InputError
from amalint.fix.writer import write_atomic
from amalint.model import Umbrella
from amalint.scan.directives import scan
from amalint.scan.sources import check_utf8, read_source, real
from amalint.scan.umbrellas import includes_source

#: The directory of the prefix headers, next to the output file.
PREFIX_DIR = ".amalint-unity"


@click.command("compile-commands", cls=CompilerArgsCommand, epilog=EXIT_CODES)
@click.argument("umbrella", type=click.Path(path_type=Path, readable=False))
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("compile_commands.json"), show_default=True,
              help="Where to write the database (`-` for stdout); the prefix headers go to "
              f"`{PREFIX_DIR}/` next to it.")
@common
def compile_commands(
    umbrella: Path, output_file: Path, config: Path | None, isolated: bool,
    frontend: str | None, compiler: str | None, compile_commands: Path | None,
    resource_dir: Path | None, verbose: bool,
) -> None:
    """Write a compilation database for clangd: the umbrella's own command, and for each source
    it includes a command that forces in, first, everything the umbrella has before that
    source's `#include` (a generated prefix header), so that a source that compiles only
    inside the unit parses in the editor.

    Compiler arguments go after `--` (`amalint compile-commands u.cc -- -Iinclude`).
    """
    cwd = Path.cwd()
    to_stdout = str(output_file) == "-"
    base = cwd if to_stdout else output_file.parent
    prefix_dir = (base / PREFIX_DIR).absolute()
    try:
        settings, _ = prepare(umbrella, Configs(config, isolated, frontend=frontend,
                                                compiler=compiler,
                                                compile_commands=compile_commands,
                                                resource_dir=resource_dir)(umbrella))
        data = read_source(umbrella)
        check_utf8(umbrella, data)
        path = real(umbrella)
        if not includes_source(data):
            raise InputError(f"{display(umbrella)}: not an umbrella (it #includes no C/C++ "
                             "source file)")
        scanned = Umbrella(path, data, scan(data, path, settings.search).includes)
        made = commands(scanned, settings, cwd, prefix_dir)
        for command in made:
            if command.prefix is not None:
                _write(prefix_dir, command.prefix.name, command.prefix.data)
        text = json.dumps([c.entry() for c in made], indent=2) + "\n"
        with output(None if to_stdout else output_file) as out:
            out.write(text)
    except (InputError, OSError) as exc:
        fail(str(exc))
    if verbose:
        click.echo(f"amalint: {len(made) - 1} source(s) of {display(umbrella)}, prefix headers "
                   f"in {display(prefix_dir)}", err=True)


def _write(directory: Path, name: str, data: bytes) -> None:
    """Write a prefix header below ``directory``, never through a symbolic link."""
    target = directory / name
    for parent in (directory, target.parent):
        if parent.is_symlink():
            raise InputError(f"{display(parent)}: a symbolic link; not writing through it")
        parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():
        raise InputError(f"{display(target)}: a symbolic link; not writing through it")
    if not target.is_file() or target.read_bytes() != data:
        write_atomic(target, data)
