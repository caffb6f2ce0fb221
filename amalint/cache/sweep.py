"""Deleting from the cache directory without ever touching anything else: eviction
(:meth:`amalint.cache.store.Store.evict`) and ``amalint clean``
(:func:`amalint.cache.location.clean`).

The cache directory may hold anything (a repository could ship one, with symbolic links to
anywhere), so only files amalint writes are ever removed: regular files (``lstat``, never a
symbolic link's target) whose names are amalint's (an entry, ``<sha256>.json``; a temporary
file, ``.tmp-*``; the ``.gitignore`` and ``CACHEDIR.TAG`` with amalint's own content), found and
removed through descriptors of directories opened without following a symbolic link, so a link
planted as the directory, or swapped in while amalint looks, leads nowhere. Where the platform
cannot do that (no ``dir_fd`` support), nothing is removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

#: The name of an entry: the key (a SHA-256) and ``.json``.
ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.json")
#: The prefix of a temporary file an entry is written to before it is renamed.
TEMP_PREFIX = ".tmp-"
#: The name of such a file (``tempfile.mkstemp``'s random part).
TEMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"[a-z0-9_]+")
#: The name of an entry directory (one per entry format).
FORMAT_DIR = re.compile(r"v[0-9]+")

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
#: Whether directories can be opened and read without following links, and files removed
#: through their descriptors.
SAFE = (hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY")
        and os.unlink in os.supports_dir_fd and os.rmdir in os.supports_dir_fd
        and os.open in os.supports_dir_fd and os.scandir in os.supports_fd)


@contextlib.contextmanager
def opened(path: str | Path, dir_fd: int | None = None) -> Iterator[int | None]:
    """A descriptor of the directory ``path`` (in ``dir_fd``, if given), or ``None`` if it is
    not a directory: a symbolic link is not followed, whatever it points to."""
    if not SAFE:
        yield None
        return
    try:
        fd = os.open(path, _DIR_FLAGS, dir_fd=dir_fd)
    except (OSError, ValueError):  # not there, a link, not a directory, a NUL byte
        yield None
        return
    try:
        yield fd if stat.S_ISDIR(os.fstat(fd).st_mode) else None
    finally:
        os.close(fd)


def regular_files(dir_fd: int, name: re.Pattern[str]) -> list[tuple[str, os.stat_result]]:
    """The regular files (not symbolic links, directories, FIFOs...) of the directory
    ``dir_fd`` whose names match ``name``, with their ``lstat``."""
    found = []
    try:
        with os.scandir(dir_fd) as listing:
            items = list(listing)
    except OSError:
        return []
    for item in items:
        if not name.fullmatch(item.name):
            continue
        try:
            info = item.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            found.append((item.name, info))
    return found


def remove(dir_fd: int, name: str) -> bool:
    """Remove the directory entry ``name`` of ``dir_fd`` (a link itself, never its target)."""
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        return False
    return True


def holds(dir_fd: int, name: str, content: str) -> bool:
    """Whether ``name`` in ``dir_fd`` is a regular file (not a link) holding ``content``."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0),
                     dir_fd=dir_fd)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "rb") as fh:
            return stat.S_ISREG(os.fstat(fh.fileno()).st_mode) \
                and fh.read(len(content) + 1) == content.encode()
    except OSError:
        return False


def remove_if(dir_fd: int, name: str, content: str) -> bool:
    """Remove the regular file ``name`` of ``dir_fd`` if it holds exactly ``content``."""
    return holds(dir_fd, name, content) and remove(dir_fd, name)


def remove_dir(dir_fd: int, name: str) -> bool:
    """Remove the directory ``name`` of ``dir_fd`` if it is empty."""
    try:
        os.rmdir(name, dir_fd=dir_fd)
    except OSError:
        return False
    return True


def clear(directory: Path, files: tuple[tuple[str, str], ...]) -> int:
    """Remove amalint's files from the cache ``directory``: the entries and temporary files of
    every format's entry directory, those directories if that empties them, then ``files``
    (name and the content amalint writes to it). Return how many things in it are left
    (none: the directory itself was removed too); -1 if it could not be opened safely."""
    with opened(directory) as top:
        if top is None:
            return -1
        for sub, _ in _directories(top):
            with opened(sub, dir_fd=top) as entries:
                if entries is None:
                    continue
                for pattern in (ENTRY_NAME, TEMP_NAME):
                    for name, _ in regular_files(entries, pattern):
                        remove(entries, name)
            remove_dir(top, sub)
        for name, content in files:
            remove_if(top, name, content)
        try:
            with os.scandir(top) as listing:
                left = sum(1 for _ in listing)
        except OSError:
            return -1
    if left == 0:
        with contextlib.suppress(OSError):
            os.rmdir(directory)
    return left


def _directories(dir_fd: int) -> list[tuple[str, os.stat_result]]:
    """The format directories (``v<N>``, not symbolic links) of ``dir_fd``."""
    found = []
    with contextlib.suppress(OSError), os.scandir(dir_fd) as listing:
        for item in listing:
            if FORMAT_DIR.fullmatch(item.name):
                with contextlib.suppress(OSError):
                    info = item.stat(follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode):
                        found.append((item.name, info))
    return found
