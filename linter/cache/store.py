"""The cache directory on disk: one JSON file per entry, written atomically, bounded in size.

Layout: ``DIR/.gitignore`` (``*``: git ignores the whole directory, as with ruff's cache),
``DIR/CACHEDIR.TAG`` (backup tools skip it; ``amalint clean`` removes only a directory that has
it), and ``DIR/v<FORMAT>/<key>.json``. Several runs may share the directory: an entry is
written to a temporary file in the same directory and renamed over the old one, so a reader
sees a whole entry or none; two runs writing one key both write valid entries, and the last
rename wins. Reading never fails a run: an entry that cannot be read, is too big, is not JSON
or is not of this format is a miss (and is replaced when the unit is linted again); a symbolic
link or anything but a regular file in the directory is not followed or read.

Size: reading an entry marks it used (its modification time); :meth:`Store.evict`, run once at
the end of a run, removes the least recently used entries once all of them together are over
the limit, down to three quarters of it, and temporary files a crashed run left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from pathlib import Path
from typing import Any

from amalint.cache.key import FORMAT

#: The default bound of the entries' total size.
LIMIT_BYTES = 256 * 1024 * 1024
#: An entry bigger than this is not read.
MAX_ENTRY_BYTES = 64 * 1024 * 1024
#: A temporary file older than this is a crashed run's.
STALE_TEMP_SECONDS = 3600

TAG_NAME = "CACHEDIR.TAG"
TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
       "# This file is a cache directory tag created by amalint.\n"
       "# For information about cache directory tags see https://bford.info/cachedir/\n")
_TEMP_PREFIX = ".tmp-"


class Store:
    """The entries of one cache directory."""

    def __init__(self, directory: Path, limit: int = LIMIT_BYTES) -> None:
        self.directory = directory
        self.entries = directory / f"v{FORMAT}"
        self.limit = limit
        self._ready = False

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError(f"bad cache key {key!r}")
        return self.entries / f"{key}.json"

    def load(self, key: str) -> Any:
        """The value stored under ``key``, or ``None``."""
        path = self._path(key)
        if self.entries.is_symlink():
            return None
        try:
            # a planted symbolic link or FIFO is not followed, nor waited on
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return None
                raw = fh.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        if len(raw) > MAX_ENTRY_BYTES:
            return None
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep
            return None
        if not isinstance(value, dict) or value.get("format") != FORMAT \
                or value.get("key") != key:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: last to be evicted
        return value.get("value")

    def save(self, key: str, value: Any) -> bool:
        """Store ``value`` under ``key``; ``False`` if the directory cannot be written."""
        text = json.dumps({"format": FORMAT, "key": key, "value": value},
                          separators=(",", ":"))
        try:
            self._prepare()
            _write_atomic(self._path(key), text.encode())
        except OSError:
            return False
        return True

    def _prepare(self) -> None:
        if self._ready:
            return
        if self.entries.is_symlink():  # not amalint's: it could point anywhere
            raise OSError(f"{self.entries} is a symbolic link")
        self.entries.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", "# Automatically created by amalint.\n*\n"),
                           (TAG_NAME, TAG)):
            if not (self.directory / name).is_file():
                _write_atomic(self.directory / name, text.encode(), mode=0o644)
        self._ready = True

    def evict(self) -> int:
        """Remove least recently used entries beyond the limit; return how many."""
        try:
            listing = list(os.scandir(self.entries))
        except OSError:
            return 0
        now = time.time()
        entries = []
        for item in listing:
            try:
                stat = item.stat()
            except OSError:
                continue
            if item.name.startswith(_TEMP_PREFIX):
                if now - stat.st_mtime > STALE_TEMP_SECONDS:
                    with contextlib.suppress(OSError):
                        os.unlink(item.path)
                continue
            entries.append((stat.st_mtime_ns, stat.st_size, item.path))
        total = sum(size for _, size, _ in entries)
        if total <= self.limit:
            return 0
        removed = 0
        for _, size, path in sorted(entries):
            if total <= self.limit * 3 // 4:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
            total -= size
        return removed


def _write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    import tempfile  # only a miss writes

    fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if mode != 0o600:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
