"""Writing files: fixed umbrellas and the baseline atomically, keeping the file's mode, or not at
all; and the ``-o`` report and the baseline, never through a symbolic link planted in the
working tree."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from amalint.errors import InputError
from amalint.scan.sources import real


def check_writable(path: Path, root: Path) -> None:
    """Raise :class:`InputError` unless ``path`` may be rewritten: inside ``root`` (the working
    tree) and not read-only."""
    resolved = real(path)
    try:
        resolved.relative_to(real(root))
    except ValueError:
        raise InputError(f"{path}: outside the working tree {root}; not fixing it") from None
    mode = resolved.stat().st_mode
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(resolved,
                                                                                 os.W_OK):
        raise InputError(f"{path}: read-only; not fixing it")


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path``'s bytes with ``data`` through a temporary file and a rename, keeping
    its permission bits (a new file gets those the umask allows); the file is never seen
    half-written."""
    resolved = real(path)
    try:
        mode = stat.S_IMODE(resolved.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _inside_cwd(lexical: Path) -> bool:
    return lexical.is_relative_to(Path(os.path.abspath(Path.cwd()))) or \
        lexical.is_relative_to(real(Path.cwd()))


def check_report_target(path: Path, what: str = "the report") -> Path:
    """``path`` made absolute (symbolic links not resolved), or :class:`InputError` when it is
    inside the working directory and is a symbolic link or leads outside through one. A path
    outside the working directory is the user's choice."""
    lexical = Path(os.path.abspath(path))
    if _inside_cwd(lexical):
        if os.path.islink(lexical):
            raise InputError(f"{path}: is a symbolic link; not writing {what} through it")
        if not real(lexical.parent).is_relative_to(real(Path.cwd())):
            raise InputError(f"{path}: leads outside the working directory through a symbolic "
                             f"link; not writing {what} there")
    return lexical


@contextlib.contextmanager
def open_report(path: Path) -> Iterator[TextIO]:
    """``path`` opened for a report (``-o``), never through a link planted in the working tree
    (:func:`check_report_target`); a FIFO without a reader is an error, not a hang. A path
    outside the working directory (``/dev/stdout``, ``/tmp/x``) is followed."""
    lexical = check_report_target(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if _inside_cwd(lexical):
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(lexical, flags, 0o666)
    except OSError as exc:
        reason = "a FIFO with no reader" if exc.errno == errno.ENXIO else exc.strerror or exc
        raise InputError(f"{path}: cannot write ({reason})") from None
    except ValueError:
        raise InputError(f"{path!r}: not a valid file name") from None
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as out:
            yield out
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
