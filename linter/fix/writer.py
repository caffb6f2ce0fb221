"""Writing fixed files: atomically, keeping the file's mode, or not at all."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from amalint.errors import InputError


def check_writable(path: Path, root: Path) -> None:
    """Raise :class:`InputError` unless ``path`` may be rewritten: inside ``root`` (the working
    tree) and not read-only."""
    resolved = path.resolve()
    try:
        resolved.relative_to(root.resolve())
    except ValueError:
        raise InputError(f"{path}: outside the working tree {root}; not fixing it") from None
    mode = resolved.stat().st_mode
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(resolved,
                                                                                 os.W_OK):
        raise InputError(f"{path}: read-only; not fixing it")


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path``'s bytes with ``data`` through a temporary file and a rename, keeping
    its permission bits; the file is never seen half-written."""
    resolved = path.resolve()
    mode = stat.S_IMODE(resolved.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{resolved.name}.", suffix=".amalint",
                               dir=resolved.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, resolved)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
