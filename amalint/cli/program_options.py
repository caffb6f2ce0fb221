"""The options of ``--program`` (``amalint check``, ``amalint order``), apart from what runs
them (:mod:`.program`, imported only when a program is asked for: the link readers, pyelftools,
rich)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

#: Linker names as the output says them (a WebAssembly link is always wasm-ld's).
LINKERS = {"bfd": "GNU ld", "gold": "gold", "lld": "lld", "wasm-ld": "wasm-ld"}
OPTIONS = [
    click.option("--program", "program", metavar="TARGET", default=None,
                 help="A whole executable: the CMake or Meson target of the build directory "
                 "(-p), or the program --link makes. Its link inputs, in order, decide the "
                 "start-up sequence across objects and which library members are left out."),
    click.option("--link", "link_command", metavar="COMMAND", default=None,
                 help="The link command line of --program, one shell-quoted string "
                 "(`c++ main.o libplugins.a -o app`), instead of a CMake build directory."),
    click.option("--linker", type=click.Choice(["bfd", "gold", "lld"]), default="bfd",
                 show_default=True, help="How --program's static libraries are searched: GNU "
                 "ld (bfd) and gold scan each once, in place; lld remembers them. A "
                 "WebAssembly link is always wasm-ld's."),
]


def options(func: Any) -> Any:
    for option in reversed(OPTIONS):
        func = option(func)
    return func


@dataclass(frozen=True)
class Fixing:
    """``check --program``'s ``--fix``, ``--diff`` and ``--unsafe-fixes``, and the build
    directory whose CMake files the fixes edit."""

    fix: bool = False
    diff: bool = False
    unsafe: bool = False
    build: Path | None = None
