"""The command line: ``amalint check``, ``batching``, ``order``, ``graph``, ``rule``, ``config``,
``clean``, ``server`` and ``compile-commands`` (:mod:`.compile_commands`), one module each, and
what they share: the options and settings per file (:mod:`.options`), the cache and ``-j`` options
(:mod:`.runs`), warnings and ``--verbose`` (:mod:`.report`), the build-system units ``check``
lints (:mod:`.buildsystem`), the baseline options (:mod:`.baseline`), the whole program's options
and output (:mod:`.program`), the progress bar (:mod:`.progress`) and table cells that wrap only
between names (:mod:`.wrapping`).

Exit codes: 0 nothing found, 1 findings, 2 usage or input error (one line on stderr, no
traceback), 3 internal error (a bug, one line). Compiler arguments go after ``--``: libclang
gets them all, the include scan and tree-sitter use ``-I``, ``-iquote`` and ``-D``.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from amalint.cli import (
    batching,
    check,
    clean,
    compile_commands,
    config,
    graph,
    order,
    rule,
    server,
)
from amalint.cli.options import EXIT_CODES


class _Main(click.Group):
    """The ``amalint`` group: file names that are not valid UTF-8 are printed as the bytes
    they are, an operating-system error that escapes a command (a file vanished, a disk
    filled) is one line naming the file, exit 2, and any other exception (a bug) one line,
    exit 3: never a traceback, never an exit code that reads as findings."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        for stream in (sys.stdout, sys.stderr):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                utf8 = (stream.encoding or "").lower().replace("-", "") == "utf8"
                reconfigure(errors="surrogateescape" if utf8 else "backslashreplace")
        try:
            return super().main(*args, **kwargs)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"amalint: error: {where}{exc.strerror or exc}", err=True)
            sys.exit(2)
        except Exception as exc:  # a bug: never a lint result, never a traceback by default
            if os.environ.get("AMALINT_TRACEBACK"):
                raise
            frame = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" at {Path(frame[0].filename).name}:{frame[0].lineno}" if frame else ""
            click.echo(f"amalint: internal error: {type(exc).__name__}: {exc}{where}; this is "
                       "a bug in amalint, please report it with the input (AMALINT_TRACEBACK=1 "
                       "shows the traceback)", err=True)
            sys.exit(3)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=EXIT_CODES)
@click.version_option(None, "-V", "--version", package_name="amalint",
                      message="amalint %(version)s")
def main() -> None:
    """amalint: a linter for amalgamated (unity) C/C++ builds.

    Start with `amalint check UMBRELLA -- COMPILER_ARGS` (or `amalint check .`); `amalint
    COMMAND --help` describes each command.
    """

for command in (check.check, batching.batching, order.order, graph.graph, rule.rule,
                config.config_command, clean.clean, server.server,
                compile_commands.compile_commands):
    main.add_command(command)
