"""The cache directory on disk: one JSON file per entry, written atomically, bounded in size.

Layout: ``DIR/.gitignore`` (``*``: git ignores the whole directory, as with ruff's cache),
``DIR/CACHEDIR.TAG`` (backup tools skip it; ``amalint clean`` removes only a directory that has
it), and ``DIR/v<FORMAT>/<key>.json``. Several runs may share the directory: an entry is
written to a temporary file in the same directory and renamed over the old one, so a reader
sees a whole entry or none; two runs writing one key both write valid entries, and the last
rename wins. Reading never fails a run: an entry that cannot be read, is too big, is not JSON
or is not of this format is a miss (and is replaced when the unit is linted again), and so is
one whose content no longer matches the checksum written with it (an entry altered on disk:
the checksum guards against damage, not against someone who rewrites it too, which the
decoder's checks of every value are for); a symbolic link or anything but a regular file in
the directory is not followed or read.

Size: reading an entry marks it used (its modification time); :meth:`Store.evict`, run once at
the end of a run, removes the least recently used entries once all of them together are over
the limit, down to three quarters of it, and temporary files a crashed run left behind. It
removes nothing but regular files named as amalint names them, in a directory amalint tagged,
and follows no symbolic link (:mod:`.sweep`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import time
from pathlib import Path
from typing import Any

from amalint.cache.key import FORMAT
from amalint.cache.relocate import Relocation
from amalint.cache.sweep import (
    ENTRY_NAME,
    TEMP_NAME,
    TEMP_PREFIX,
    holds,
    opened,
    regular_files,
    remove,
)

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
GITIGNORE = "# Automatically created by amalint.\n*\n"
#: A key: a SHA-256 (:func:`amalint.cache.key.digest`).
_KEY = re.compile(r"[0-9a-f]{64}")
#: What comes between an entry's checksum and its value (:func:`_value_text`).
_VALUE = b'","value":'
#: The key of the units' recorded costs (:meth:`Store.costs`): an entry like the others, so
#: ``amalint clean`` and the size bound treat it alike.
COSTS_KEY = hashlib.sha256(b"amalint: what linting each unit cost").hexdigest()


class Store:
    """The entries of one cache directory."""

    def __init__(self, directory: Path, limit: int = LIMIT_BYTES,
                 root: Path | None = None) -> None:
        self.directory = directory
        #: The project root the entries' paths are relative to (:mod:`.relocate`).
        self.root = root
        self.relocation = Relocation(root)
        self.entries = directory / f"v{FORMAT}"
        self.limit = limit
        self._ready = False

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError(f"bad cache key {key!r}")
        return self.entries / f"{key}.json"

    def load(self, key: str) -> Any:
        """The value stored under ``key``, or ``None``."""
        path = self._path(key)
        if self._linked():
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
        text = _value_text(raw, key)
        if text is None:
            return None
        try:
            value = self.relocation.loads(text)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: last to be evicted
        return value

    def _linked(self) -> bool:
        """Whether the directory or its entry directory is a symbolic link (or has a name the
        file system refuses)."""
        try:
            return self.directory.is_symlink() or self.entries.is_symlink()
        except (OSError, ValueError):
            return True

    def save(self, key: str, value: Any) -> bool:
        """Store ``value`` under ``key``; ``False`` if the directory cannot be written."""
        path = self._path(key)
        text = json.dumps(self.relocation.out(value), separators=(",", ":")).encode()
        try:
            self._prepare()
            _write_atomic(path, b"".join((_header(key), hashlib.sha256(text).hexdigest().encode(),
                                          _VALUE, text, b"}")))
        except OSError:
            return False
        return True

    def costs(self) -> dict[str, float]:
        """What linting each unit cost when it was last linted (wall seconds, by the unit's
        name: :meth:`amalint.engine.parallel.Runner.name`), for ``--shard``."""
        value = self.load(COSTS_KEY)
        units = value.get("units") if isinstance(value, dict) else None
        if not isinstance(units, dict):
            return {}
        return {name: float(cost) for name, cost in units.items()
                if isinstance(name, str) and isinstance(cost, int | float)
                and not isinstance(cost, bool) and 0 <= cost < 1e9}

    def record_costs(self, timings: dict[str, float]) -> bool:
        """Add ``timings`` to the recorded costs (the newest of each unit wins)."""
        return self.save(COSTS_KEY, {"units": {**self.costs(), **timings}})

    def unwritable(self) -> str | None:
        """Why entries cannot be written here (a read-only directory, a file in its place), or
        ``None`` when they can: checked once, before a run, so the run can say so once."""
        try:
            self._prepare()
            _write_atomic(self.entries / ".probe", b"")
            (self.entries / ".probe").unlink()
        except OSError as exc:
            return exc.strerror or str(exc)
        return None

    def _prepare(self) -> None:
        if self._ready:
            return
        if self._linked():  # not amalint's: it could point anywhere
            raise OSError(f"{self.directory} or {self.entries} is a symbolic link or cannot "
                          "be examined")
        self.entries.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", GITIGNORE), (TAG_NAME, TAG)):
            if not (self.directory / name).is_file():
                _write_atomic(self.directory / name, text.encode(), mode=0o644)
        self._ready = True

    def evict(self) -> int:
        """Remove least recently used entries beyond the limit; return how many."""
        with opened(self.directory) as top:
            if top is None or not holds(top, TAG_NAME, TAG):
                return 0
            with opened(self.entries.name, dir_fd=top) as entries:
                return 0 if entries is None else self._evict(entries)

    def _evict(self, fd: int) -> int:
        now = time.time()
        for name, info in regular_files(fd, TEMP_NAME):
            if now - info.st_mtime > STALE_TEMP_SECONDS:
                remove(fd, name)
        entries = [(info.st_mtime_ns, info.st_size, name)
                   for name, info in regular_files(fd, ENTRY_NAME)]
        total = sum(size for _, size, _ in entries)
        if total <= self.limit:
            return 0
        removed = 0
        for _, size, name in sorted(entries):
            if total <= self.limit * 3 // 4:
                break
            removed += remove(fd, name)
            total -= size
        return removed


def _value_text(raw: bytes, key: str) -> bytes | None:
    """The JSON text of the value in an entry's bytes, if they are laid out as
    :meth:`Store.save` writes them (format, key, checksum, value, in that order, no spaces) and
    the checksum holds for that text as written (no second encoding of the value); else
    ``None``."""
    header = _header(key)
    start = len(header) + 64 + len(_VALUE)
    if not raw.startswith(header) or raw[start - len(_VALUE):start] != _VALUE \
            or not raw.endswith(b"}"):
        return None
    text = raw[start:-1]
    if hashlib.sha256(text).hexdigest().encode() != raw[len(header):start - len(_VALUE)]:
        return None
    return text


def _header(key: str) -> bytes:
    """What an entry of ``key`` starts with, up to its checksum: the JSON object
    ``{"format": FORMAT, "key": key, "sum": ..., "value": ...}`` as ``json.dumps`` writes it."""
    return f'{{"format":{FORMAT},"key":"{key}","sum":"'.encode()


def _write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    import tempfile  # only a miss writes

    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
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
