"""The command line: ``amalint check``, ``batching``, ``order``, ``graph``, ``rule``,
``config``, ``clean``, ``server`` and ``compile-commands`` (:mod:`.compile_commands`), one
module each, and what they share: the options and settings per file (:mod:`.options`), the
cache, ``-j`` and ``--shard`` options (:mod:`.runs`), warnings and ``--verbose``
(:mod:`.report`), the build-system units ``check`` lints (:mod:`.buildsystem`), the baseline
options (:mod:`.baseline`), the whole program's options (:mod:`.program_options`) and output
(:mod:`.program`), the progress bar (:mod:`.progress`) and table cells that wrap only between
names (:mod:`.wrapping`).

Exit codes: 0 nothing found, 1 findings, 2 usage or input error (one line on stderr, no
traceback), 3 internal error (a bug, one line). Compiler arguments go after ``--``: libclang
gets them all, the include scan and tree-sitter use ``-I``, ``-iquote`` and ``-D``.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from amalint import __version__

#: Each command and where it is: a command's module (and what it imports: the analysis, the
#: reporters, rich, libclang) is imported only when the command runs (or ``--help`` lists
#: them), so ``amalint --version`` and ``amalint rule`` start in a fraction of the time.
COMMANDS = {
    "check": ("amalint.cli.check", "check"),
    "batching": ("amalint.cli.batching", "batching"),
    "order": ("amalint.cli.order", "order"),
    "graph": ("amalint.cli.graph", "graph"),
    "rule": ("amalint.cli.rule", "rule"),
    "config": ("amalint.cli.config", "config_command"),
    "clean": ("amalint.cli.clean", "clean"),
    "server": ("amalint.cli.server", "server"),
    "compile-commands": ("amalint.cli.compile_commands", "compile_commands"),
}
#: The exit codes every command's help ends with.
EXIT_CODES = """
Exit codes:
  0  no findings (or only warnings with `fail-on = "error"`, only findings the
     baseline holds, or --exit-zero)
  1  findings (with --diff: there is a diff)
  2  usage or input error: a bad option, config file or compilation database, an
     unreadable umbrella, included sources or project headers not found
  3  internal error: a bug in amalint (one line; AMALINT_TRACEBACK=1 shows where)"""


class _Main(click.Group):
    """The ``amalint`` group: file names that are not valid UTF-8 are printed as the bytes
    they are, an operating-system error that escapes a command (a file vanished, a disk
    filled) is one line naming the file, exit 2, and any other exception (a bug) one line,
    exit 3: never a traceback, never an exit code that reads as findings."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command

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
@click.version_option(__version__, "-V", "--version", message="amalint %(version)s")
@click.pass_context
def main(ctx: click.Context) -> None:
    """amalint: a linter for amalgamated (unity) C/C++ builds.

    Start with `amalint check UMBRELLA -- COMPILER_ARGS` (or `amalint check .`); `amalint
    COMMAND --help` describes each command.
    """
    if ctx.invoked_subcommand != "server":  # one command, one view of the file system
        from amalint.scan.sources import paths_remembered

        ctx.with_resource(paths_remembered())



def run() -> None:
    """The ``amalint`` program (its console script and ``python -m amalint``): :func:`main`,
    then its output flushed and the process ended at once with main's exit code. Tearing the
    interpreter down (freeing every object of a lint, module by module) cost 0.05 s of a warm
    re-lint's 0.5 s, and nothing is left to do then: files are written and closed, worker
    processes stopped, before a command returns. Where the flush fails (a closed pipe) the
    interpreter exits as it always did."""
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:  # pragma: no cover - click's main always exits
        code = 0
    if code is not None and not isinstance(code, int):  # a message: Python prints it
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code or 0)
