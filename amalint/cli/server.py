"""``amalint server``: the language server (:mod:`amalint.server`) on stdin and stdout."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click

from amalint.cli.options import CompilerArgsCommand, Configs, common
from amalint.cli.runs import run_options


@click.command(cls=CompilerArgsCommand)
@run_options
@common
def server(jobs: int | None, no_cache: bool, cache_dir: Path | None, config: Path | None,
           isolated: bool, frontend: str | None, compiler: str | None,
           compile_commands: Path | None, resource_dir: Path | None, verbose: bool) -> None:
    """Run the language server on stdin/stdout (for an editor's LSP client; see
    docs/editor.md).

    On opening or saving a C/C++ file it publishes the findings of the umbrellas that include
    it, and offers their fixes as code actions. The options are `amalint check`'s; relative
    paths in them (and in the compiler arguments after `--`) are read from the workspace root
    the editor names. Lints run in this process unless -j says otherwise; -v logs how many
    units each lint found in the cache.
    """
    from amalint.server.lsp import build
    from amalint.server.session import Session

    ctx = click.get_current_context()

    def make_configs() -> Configs:
        with ctx.scope(cleanup=False):  # Configs reads the compiler arguments off the context
            return Configs(config, isolated, frontend=frontend, compiler=compiler,
                           compile_commands=compile_commands, resource_dir=resource_dir)

    try:
        release = version("amalint")
    except PackageNotFoundError:  # pragma: no cover - amalint runs installed
        release = "unknown"
    language_server = build(Session(make_configs, jobs or 1, no_cache, cache_dir), release,
                            verbose)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stdout carries the protocol: nothing else may print there
    language_server.start_io(stdin, stdout)
