"""``amalint clean``: remove the cache directory a ``check`` from here would use (and this
project's directory in the user's cache directory, if the cache is elsewhere), and nothing
else: only the files amalint wrote there go, no symbolic link is followed, and a directory
without amalint's cache tag, or a symbolic link, is left alone (exit 2)."""

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
    """Remove amalint's cache (the directory of --cache-dir, config `cache-dir`, or this
    project's in the user's cache directory): only files amalint wrote there."""
    try:
        configs = Configs(config, isolated)
        directory = where(configs, cache_dir)
        fallback = platform_dir(project_root(configs.config_for(Path.cwd()), Path.cwd()))
        for path in dict.fromkeys((directory, fallback)):
            left = remove(path)
            if left == 0:
                click.echo(f"Removed {display(path)}", err=True)
            elif left is not None:
                click.echo(f"Removed amalint's files from {display(path)}; left {left} "
                           "item(s) amalint did not write", err=True)
    except InputError as exc:
        fail(str(exc))
