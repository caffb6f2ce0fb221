"""Where the cache directory is, and removing it (``amalint clean``).

``--cache-dir`` (or the ``AMALINT_CACHE_DIR`` variable), else config ``cache-dir`` (relative to
the config file), else ``.amalint_cache`` at the project root: the directory of the config file
that applies to the working directory, else the root of the git work tree around it, else the
working directory. When that directory cannot be written (a read-only checkout) or is a
symbolic link, the user's platform cache directory (``platformdirs``) holds one cache per
project root instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from amalint.cache.store import TAG_NAME
from amalint.config.files import repository_root
from amalint.errors import InputError

DIRECTORY_NAME = ".amalint_cache"


def project_root(config_file: Path | None, cwd: Path) -> Path:
    """The config file's directory, else the git work tree's root, else ``cwd``."""
    if config_file is not None:
        return config_file.resolve().parent
    return repository_root(cwd)


def platform_dir(root: Path) -> Path:
    """The cache of project ``root`` in the user's platform cache directory."""
    import platformdirs

    name = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("amalint", appauthor=False)) / name


def _writable(directory: Path) -> bool:
    """Whether ``directory`` exists and can be written, or can be created."""
    for existing in (directory, *directory.parents):
        if existing.exists():
            return existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)
    return False


def cache_dir(explicit: Path | None, configured: Path | None, root: Path) -> Path:
    """The cache directory to use (see the module docstring)."""
    if explicit is not None:
        return explicit.resolve()
    if configured is not None:
        return configured
    default = root / DIRECTORY_NAME
    # a symbolic link there is not amalint's to follow: the repository may have planted it
    return default if _writable(default) and not default.is_symlink() else platform_dir(root)


def clean(directory: Path) -> bool:
    """Remove the cache ``directory``; ``False`` if there is none. Raise
    :class:`InputError` for a directory that is not an amalint cache (no cache tag): it is
    left alone."""
    if not directory.exists():
        return False
    if not directory.is_dir() or not (directory / TAG_NAME).is_file():
        raise InputError(f"{directory}: not an amalint cache (no {TAG_NAME}); not removed")
    try:
        shutil.rmtree(directory)
    except OSError as exc:
        raise InputError(f"{directory}: cannot remove ({exc.strerror or exc})") from None
    return True
