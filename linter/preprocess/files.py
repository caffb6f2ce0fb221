"""The default file access: real files, read once each, bounded in size.

Only regular files are read (a FIFO or a device named like a header is not a file here), at most
``MAX_BYTES`` of them; any OS error (a name too long, a symlink loop, no permission) means "not
there" rather than an exception.
"""

from __future__ import annotations

import os
import stat

#: Larger files are treated as unreadable (the compiler would read them; no header is this big).
MAX_BYTES = 256 * 1024 * 1024


def is_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
                return None
            return f.read(MAX_BYTES + 1)[:MAX_BYTES]
    except (OSError, ValueError):
        return None


def identity(path: str) -> str:
    """What makes two paths one file for ``#pragma once`` and include guards: the device and
    inode, as clang compares files (so symlinks and ``a/../b`` spellings are one file)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return os.path.normpath(path)
    return f"{st.st_dev}:{st.st_ino}"
