"""``amalint clean``: remove the cache directory a ``check`` from here would use (and the
platform-directory fallback of this project, if there is one), and nothing else: a directory
without amalint's cache tag is left alone (exit 2)."""

from __future__ import annotations

from pathlib import Path

import click
from amalint.cache.location import clean as remove
from amalint.cache.location import platform_dir, project_root
from amalint.cli.options import COMMON, Configs, fail
from amalint.cli.runs import OPTIONS, where
from amalint.engine.rule import display
from amalint.errors import InputError


@click.command("clean")
@COMMON[0]  # --config
@COMMON[1]  # --isolated
@OPTIONS[2]  # --cache-dir
def clean(config: Path | None, isolated: bool, cache_dir: Path | None) -> None:
    """Remove amalint's cache (the directory of --cache-dir, config `cache-dir`, or
    .amalint_cache at the project root)."""
    try:
        configs = Configs(config, isolated)
        directory = where(configs, cache_dir)
        fallback = platform_dir(project_root(configs.config_for(Path.cwd()), Path.cwd()))
        for path in dict.fromkeys((directory, fallback)):
            if remove(path):
                click.echo(f"Removed {display(path)}", err=True)
    except InputError as exc:
        fail(str(exc))
