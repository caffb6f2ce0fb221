"""How the commands run their units: the cache (``--no-cache``, ``--cache-dir``, config
``cache-dir``) and the worker processes (``-j``), made into one
:class:`~amalint.engine.parallel.Runner` for the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from amalint.cache.location import cache_dir, project_root
from amalint.cli.options import Configs
from amalint.cli.progress import bar
from amalint.engine import shards
from amalint.engine.parallel import Runner, default_workers

CACHE_OPTIONS = [
    click.option("--no-cache", is_flag=True, envvar="AMALINT_NO_CACHE",
                 help="Neither read nor write the cache (nothing is written anywhere)."),
    click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
                 envvar="AMALINT_CACHE_DIR", default=None,
                 help="The cache directory (default: config `cache-dir`, else one per project "
                 "in the user's cache directory, e.g. ~/.cache/amalint/; never in the project "
                 "unless asked)."),
]
OPTIONS = [
    click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
                 help="Lint up to N units at once, in worker processes (default: the number "
                 "of cores; 1: in this process)."),
    *CACHE_OPTIONS,
]


SHARD = click.option(
    "--shard", metavar="K/N", default=None,
    help="Lint only the K-th of N shares of the units (a CI matrix of N jobs, each one share; "
    "together they lint every unit once). Units are split by path, balanced by what each cost "
    "when the cache recorded it. A share with no units exits 0.")


def run_options(func: Any) -> Any:
    """``-j`` and the cache options (``amalint check``, ``amalint server``)."""
    for option in reversed(OPTIONS):
        func = option(func)
    return func


def cache_options(func: Any) -> Any:
    """The cache options (``amalint order``, ``amalint graph``: one unit each)."""
    for option in reversed(CACHE_OPTIONS):
        func = option(func)
    return func


def root(configs: Configs) -> Path:
    """The project root of a run from the working directory: cache entries' paths are
    relative to it (:mod:`amalint.cache.relocate`)."""
    cwd = Path.cwd()
    return project_root(configs.config_for(cwd), cwd)


def where(configs: Configs, explicit: Path | None) -> Path:
    """The cache directory of a run from the working directory."""
    cwd = Path.cwd()
    return cache_dir(explicit, configs(cwd).cache_dir, project_root(configs.config_for(cwd), cwd))


def runner(configs: Configs, jobs: int | None, no_cache: bool, explicit: Path | None,
           shard: str | None = None) -> Runner:
    """The runner of a command; a cache directory that cannot be written is said once, and
    the run goes on without the cache. Raise :class:`~amalint.errors.InputError` for a bad
    ``--shard``."""
    run = Runner(None if no_cache else where(configs, explicit),
                 jobs if jobs is not None else default_workers(), bar, root=root(configs),
                 shard=None if shard is None else shards.parse(shard))
    if run.store is not None and (why := run.store.unwritable()) is not None:
        click.echo(f"amalint: warning: the cache directory {run.cache} cannot be written "
                   f"({why}); running without the cache", err=True)
        run.cache = run.store = None
    return run


def account(run: Runner) -> None:
    """The cache's part of ``--verbose``."""
    if run.shard is not None:
        click.echo(f"amalint: shard {run.shard}: {run.dealt} of {run.units} unit(s)", err=True)
    if run.cache is None:
        click.echo("amalint: cache: off", err=True)
    else:
        click.echo(f"amalint: cache: {run.hits} hit(s), {run.misses} miss(es) in {run.cache}",
                   err=True)
