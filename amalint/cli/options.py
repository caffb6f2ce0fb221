"""What the commands share: compiler arguments after ``--``, the common options, the settings
of each file (config file, then compiler arguments and options on top), the one-line error exit,
and where a report is written."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click

from amalint.cli import EXIT_CODES as EXIT_CODES  # re-exported: the commands' epilog
from amalint.config.files import find_config, load_config, rule_selectors
from amalint.config.settings import COMPILERS, Settings, parse_compiler_args
from amalint.config.trust import screen
from amalint.errors import InputError
from amalint.fix.writer import open_report
from amalint.scan.sources import is_regular, real

#: Long options of amalint's that compilers take too: after ``--`` they are the compiler's.
_COMPILER_SPELLINGS = frozenset({"--target", "--sysroot", "--verbose", "--help", "--version"})


class CompilerArgsCommand(click.Command):
    """A command that keeps everything after ``--`` as compiler arguments, and says so in its
    usage line. An option of its own written after ``--`` is a usage error: it would go to the
    compiler silently (``-- -Iinclude --format json`` printed text)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            split = args.index("--")
            ctx.meta["compiler_args"] = tuple(args[split + 1 :])
            args = args[:split]
            ours = {o for p in self.params for o in p.opts if o.startswith("--")}
            for arg in ctx.meta["compiler_args"]:
                name = arg.split("=", 1)[0]
                if name in ours and name not in _COMPILER_SPELLINGS:
                    raise click.UsageError(f"`{name}` after `--` would go to the compiler: "
                                           "put amalint's options before `--`", ctx)
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [*super().collect_usage_pieces(ctx), "[-- COMPILER_ARGS...]"]


def error(message: str) -> None:
    """One line on stderr: an input error that stops this part of the run, not the run."""
    click.echo(f"amalint: error: {message}", err=True)

def fail(message: str) -> NoReturn:
    error(message)
    sys.exit(2)


def codes(value: str | None, option: str) -> tuple[str, ...]:
    if not value:
        return ()
    return rule_selectors(value.split(","), option)


class Configs:
    """The settings of each file: its nearest config file (or ``--config``, or none with
    ``--isolated``), then the compiler arguments and command-line options on top."""

    def __init__(self, config: Path | None, isolated: bool, **overrides: Any) -> None:
        if config is not None and not isolated and not is_regular(config):
            raise InputError(f"{config}: no such config file")
        self.config = None if isolated else config
        self.isolated = isolated
        self.overrides = {k: v for k, v in overrides.items() if v}
        ctx = click.get_current_context()
        screened = screen(tuple(ctx.meta.get("compiler_args", ())))
        self.compiler_args: tuple[str, ...] = screened.kept
        self.refused = screened.dropped  # warned about: see docs/trust.md
        self.search, self.defines = parse_compiler_args(self.compiler_args, Path.cwd())
        self._loaded: dict[Path | None, Settings] = {}

    def config_for(self, path: Path) -> Path | None:
        if self.isolated:
            return None
        return self.config or find_config(path)

    def __call__(self, path: Path) -> Settings:
        found = self.config_for(path)
        key = None if found is None else real(found)
        if key not in self._loaded:
            self._loaded[key] = self._finish(Settings() if found is None
                                             else load_config(found, Settings()))
        return self._loaded[key]

    def _finish(self, settings: Settings) -> Settings:
        search = self.search
        settings = replace(settings, search=replace(
            settings.search,
            quote_dirs=search.quote_dirs + settings.search.quote_dirs,
            include_dirs=search.include_dirs + settings.search.include_dirs,
            system_dirs=search.system_dirs + settings.search.system_dirs,
            root=settings.root,  # tried last for a quoted include (docs/how-it-works.md)
        ))
        if self.defines:
            settings = replace(settings, defines=settings.defines + self.defines)
        if self.compiler_args:
            settings = replace(settings, compiler_args=self.compiler_args,
                               flags_origin="the command line (after --)")
        if self.refused:
            settings = replace(settings, refused_flags=self.refused)
        overrides = dict(self.overrides)
        # as in ruff: --select replaces the config's, --extend-select and --ignore add to it
        for name in ("extend_select", "ignore", "exclude"):
            if name in overrides:
                overrides[name] = getattr(settings, name) + overrides[name]
        return replace(settings, **overrides)


COMMON = [
    click.option("--config", type=click.Path(path_type=Path, readable=False),
                 help="Config file to use for every file (default: the nearest amalint.toml, "
                 ".amalint.toml or pyproject.toml with [tool.amalint])."),
    click.option("--isolated", is_flag=True, help="Ignore all config files."),
    click.option("--frontend", type=click.Choice(["auto", "tree-sitter", "libclang"]),
                 default=None, help="Front end: auto (libclang when compiler flags are known, "
                 "else tree-sitter; the default), tree-sitter (fast, no flags needed) or "
                 "libclang (precise)."),
    click.option("--compiler", type=click.Choice(COMPILERS), default=None,
                 help="Compiler whose init-block expansion tree-sitter models: constructor "
                 "functions on gcc/clang (the default: gcc), dynamic initializers elsewhere."),
    click.option("-p", "--build-dir", "compile_commands",
                 type=click.Path(path_type=Path, readable=False), default=None,
                 help="Build directory (or file) with compile_commands.json (default: build/ "
                 "or the working directory, if there is one)."),
    click.option("--resource-dir", type=click.Path(path_type=Path, readable=False),
                 default=None, help="clang resource directory (builtin headers) for libclang."),
    click.option("-v", "--verbose", is_flag=True, help="Say which front end ran and why, "
                 "includes found only in the project root, files parsed with errors, calls "
                 "skipped as unresolved."),
]


def common(func: Any) -> Any:
    for option in reversed(COMMON):
        func = option(func)
    return func


@contextlib.contextmanager
def output(path: Path | None) -> Iterator[TextIO]:
    """Where the report goes: stdout, or ``--output-file`` (written whole at the end)."""
    if path is None:
        yield sys.stdout
        return
    with open_report(path) as out:
        yield out

