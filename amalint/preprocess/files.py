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
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
            return None
        chunks = [os.read(fd, st.st_size + 1)]
        while chunks[-1] and sum(map(len, chunks)) <= MAX_BYTES:  # the file grew
            chunks.append(os.read(fd, 1 << 20))
        return b"".join(chunks)[:MAX_BYTES]
    except OSError:
        return None
    finally:
        os.close(fd)


def identity(path: str) -> str:
    """What makes two paths one file for ``#pragma once`` and include guards: the device and
    inode, as clang compares files (so symlinks and ``a/../b`` spellings are one file)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return os.path.normpath(path)
    return f"{st.st_dev}:{st.st_ino}"
