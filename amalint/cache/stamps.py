"""What a cached result was made from, and whether it still is: the content of every file the
unit read, and where each of its ``#include``\\ s leads.

A file is recorded with its size, its SHA-256 and, when it was last modified well before the
lint started, its modification time. Checking it: a different size is a change; the same size
and recorded modification time is no change (the fast path); otherwise the content is hashed
and decides. A file changed during the lint never gets a modification time recorded, so the
fast path cannot hide an edit made while amalint read it.

Contents alone do not make a unit: a new header next to an including file, or earlier on the
include path, changes where an ``#include`` leads. So every include of every file of the unit is
recorded with what it resolved to, and resolved again when checking.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from amalint.scan.search import SearchPath
from amalint.scan.sources import real

#: Only a file last modified this long before the lint started gets the fast path.
MARGIN_NS = 2_000_000_000


@dataclass(frozen=True)
class FileStamp:
    path: str
    size: int
    sha256: str
    #: ``None``: always hash to check.
    mtime_ns: int | None


@dataclass(frozen=True)
class IncludeStamp:
    """An ``#include`` of a file in ``directory`` and what it resolved to (``None``: not a
    project file)."""

    directory: str
    spelling: str
    angled: bool
    resolved: str | None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stamp(path: Path, data: bytes, started_ns: int) -> FileStamp:
    """The stamp of ``path``, read as ``data`` by a lint that started at ``started_ns``."""
    mtime: int | None = None
    try:
        stat = os.stat(path)
    except OSError:
        pass
    else:
        if stat.st_size == len(data) and stat.st_mtime_ns < started_ns - MARGIN_NS:
            mtime = stat.st_mtime_ns
    return FileStamp(str(path), len(data), sha256(data), mtime)


def stamp_unread(path: Path, started_ns: int) -> FileStamp | None:
    """The stamp of a file a front end read on its own (libclang's system headers), read now;
    ``None`` if it cannot be read or was modified after the lint started (the front end may
    have read another version)."""
    try:
        before = os.stat(path)
        data = path.read_bytes()
    except OSError:
        return None
    if before.st_mtime_ns >= started_ns - MARGIN_NS or before.st_size != len(data):
        return None
    return FileStamp(str(path), len(data), sha256(data), before.st_mtime_ns)


def unchanged(stamp: FileStamp) -> bool:
    """Whether the file still has the content it was stamped with (a path no file can have,
    from a corrupt entry, is not: the entry is a miss)."""
    try:
        stat = os.stat(stamp.path)
    except (OSError, ValueError):
        return False
    if stat.st_size != stamp.size:
        return False
    if stamp.mtime_ns is not None and stat.st_mtime_ns == stamp.mtime_ns:
        return True
    try:
        with open(stamp.path, "rb") as fh:
            return sha256(fh.read()) == stamp.sha256
    except OSError:
        return False


def directory_stamp(path: Path, started_ns: int) -> int | None:
    """The modification time of a directory a search listed (adding, removing or renaming an
    entry changes it); ``None`` if it changed too recently to be trusted, or is gone."""
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return None
    return mtime if mtime < started_ns - MARGIN_NS else None


def directory_unchanged(path: str, mtime_ns: int) -> bool:
    try:
        return os.stat(path).st_mtime_ns == mtime_ns
    except (OSError, ValueError):
        return False


def resolves_alike(includes: Iterable[IncludeStamp], search: SearchPath) -> bool:
    """Whether every include still leads where it led: resolved again as
    :meth:`~amalint.scan.search.SearchPath.resolve` does (an absolute spelling opened as it
    is; a quoted include next to its file, then on the include path, then in the project root;
    an angled one on the include path), on strings (a unit has a thousand includes; this runs
    on every cache hit), each found file resolved through :func:`~amalint.scan.sources.real`:
    once per command, however many units include it."""
    root = [] if search.root is None else [str(search.root)]
    quote = [str(d) for d in (*search.quote_dirs, *search.include_dirs)]
    angled = [str(d) for d in search.include_dirs]
    found: dict[tuple[bool, str], str | None] = {}

    def lookup(is_angled: bool, spelling: str) -> str | None:
        key = (is_angled, spelling)
        if key not in found:
            found[key] = next((str(real(p)) for d in (angled if is_angled else quote)
                               if os.path.isfile(p := os.path.join(d, spelling))), None)
            if found[key] is None and not is_angled:  # the project root, tried last
                found[key] = next((str(real(p)) for d in root
                                   if os.path.isfile(p := os.path.join(d, spelling))), None)
        return found[key]

    for inc in includes:
        if not inc.spelling or "\0" in inc.spelling:
            resolved = None
        elif inc.spelling.startswith("/"):  # the compiler opens the path itself
            resolved = str(real(inc.spelling)) if os.path.isfile(inc.spelling) \
                else None
        elif inc.angled:
            resolved = lookup(True, inc.spelling)
        else:
            local = os.path.join(inc.directory, inc.spelling)
            resolved = str(real(local)) if os.path.isfile(local) \
                else lookup(False, inc.spelling)
        if resolved != inc.resolved:
            return False
    return True
