"""Where the cache directory is, and removing it (``amalint clean``).

``--cache-dir`` (or the ``AMALINT_CACHE_DIR`` variable), else config ``cache-dir`` (relative to
the config file), else the user's platform cache directory (``platformdirs``: on Linux
``~/.cache/amalint/<hash>``), one per project root: the directory of the config file that
applies to the working directory, else the root of the git work tree around it, else the
working directory. By default nothing is written into the project: only ``--fix`` writes
there.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from amalint.cache.store import GITIGNORE, TAG, TAG_NAME
from amalint.cache.sweep import clear
from amalint.config.files import repository_root
from amalint.errors import InputError


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


def cache_dir(explicit: Path | None, configured: Path | None, root: Path) -> Path:
    """The cache directory to use (see the module docstring)."""
    if explicit is not None:  # absolute; a symbolic link is not resolved (nor followed)
        return Path(os.path.abspath(explicit))
    if configured is not None:
        return configured
    return platform_dir(root)


def clean(directory: Path) -> int | None:
    """Remove amalint's files from the cache ``directory``, and the directory once that empties
    it; ``None`` if there is none, else how many things amalint did not write are left in it
    (nothing else is ever removed, no symbolic link followed: :func:`~.sweep.clear`). Raise
    :class:`InputError` for a symbolic link or a directory that is not an amalint cache (no
    amalint cache tag): it is left alone."""
    if not os.path.lexists(directory):
        return None
    if directory.is_symlink():
        raise InputError(f"{directory}: a symbolic link, not an amalint cache; not removed")
    if not directory.is_dir() or not _tagged(directory):
        raise InputError(f"{directory}: not an amalint cache (no amalint {TAG_NAME}); not removed")
    left = clear(directory, ((TAG_NAME, TAG), (".gitignore", GITIGNORE)))
    if left < 0:
        raise InputError(f"{directory}: cannot be opened without following symbolic links; "
                         "not removed")
    return left


def _tagged(directory: Path) -> bool:
    try:
        return (directory / TAG_NAME).read_text(encoding="utf-8", errors="replace") == TAG \
            and not (directory / TAG_NAME).is_symlink()
    except OSError:
        return False
