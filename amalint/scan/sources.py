"""Reading source files: bytes in, clear errors out; and the text as the compiler reads it.

Only regular files are read, and only up to a size bound: a FIFO, a device (a ``*.cc`` symlink
to ``/dev/zero``) or a socket is an error naming the file, never a hang or a ``MemoryError``.
File-system questions (is it a file? where does it really point?) never raise: a name that is
too long, a symlink loop or a NUL byte simply is not a file.
"""

from __future__ import annotations

import bisect
import errno
import functools
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from amalint.errors import InputError
from amalint.scan.memo import Held

_BINARY_PROBE = 8192

#: The largest source file read (the largest real amalgamations, SQLite's and DuckDB's, are
#: 9 and 25 MB).
MAX_SOURCE_BYTES = 64 * 1024 * 1024

#: The UTF-8 byte order mark, which compilers skip at the start of a file.
BOM = b"\xef\xbb\xbf"

_LONE_CR = re.compile(rb"\r(?!\n)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit`` of them), or
    :class:`InputError` saying why not. Never blocks on a FIFO, never reads a device."""
    shown = display(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{shown}: is a directory, not a {what}") from None
    except PermissionError:
        raise InputError(f"{shown}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read ({_reason(exc)})") from None
    except ValueError:  # a NUL byte in the name
        raise InputError(f"{shown!r}: not a valid file name") from None
    # what the descriptor is, before Python wraps it (it refuses a directory, which POSIX
    # opens read-only)
    info = os.fstat(fd)
    refusal = None
    if stat.S_ISDIR(info.st_mode):
        refusal = f"is a directory, not a {what}"
    elif not stat.S_ISREG(info.st_mode):
        refusal = f"{_kind(info.st_mode)}, not a {what}; not read"
    elif info.st_size > limit:
        refusal = (f"too large ({info.st_size // 1024 // 1024} MB; amalint reads {what}s up to "
                   f"{limit // 1024 // 1024} MB)")
    if refusal is not None:
        os.close(fd)
        raise InputError(f"{shown}: {refusal}")
    with os.fdopen(fd, "rb") as fh:
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise InputError(f"{shown}: cannot read ({_reason(exc)})") from None
    if len(data) > limit:
        raise InputError(f"{shown}: too large (amalint reads {what}s up to "
                         f"{limit // 1024 // 1024} MB)")
    return data


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long"
    return exc.strerror or str(exc)


def read_source(path: Path) -> bytes:
    """Return the bytes of a C/C++ source, or raise :class:`InputError` saying why not."""
    data = read_bounded(path, MAX_SOURCE_BYTES, "source file")
    if b"\0" in data[:_BINARY_PROBE]:
        raise InputError(f"{display(path)}: binary file, not C/C++ source")
    return data


#: Sources read by :func:`read_source_remembered` (32 MB of them): path -> (the file's
#: identity, size and modification time when read, its bytes).
_READ: Held[str, tuple[tuple[int, int, int, int], bytes]] = Held(32 << 20)


def read_source_remembered(name: str) -> bytes | None:
    """:func:`read_source`, ``None`` where it raises, remembered while the file's device,
    inode, size and modification time stay the same: the units of one project read the same
    headers (the C++ library's too), and a ``stat`` costs a tenth of opening and reading."""
    try:
        info = os.stat(name)
    except (OSError, ValueError):
        return None
    stamp = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    known = _READ.get(name)
    if known is not None and known[0] == stamp:
        return known[1]
    try:
        data = read_source(Path(name))
    except InputError:
        return None
    _READ.put(name, (stamp, data), len(data))
    return data


def is_regular(path: Path) -> bool:
    """Whether ``path`` is (or points to) a regular file; ``False`` for any name the file
    system refuses (too long, a symlink loop, a NUL byte)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def is_directory(path: Path) -> bool:
    """Whether ``path`` is (or points to) a directory; never raises."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def exists(path: Path) -> bool:
    """Whether anything is at ``path`` (a file, a FIFO, a directory, ...); never raises."""
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def real(path: Path | str) -> Path:
    """``path`` made absolute with symlinks resolved as far as they go (a loop or a name too
    long stops the resolution there instead of raising); within :func:`paths_remembered`,
    each absolute path once."""
    key = os.fspath(path)
    # (a relative path is the cwd's: never remembered)
    memo: dict[str, Path] | None = _SCOPE.setdefault(real, {}) \
        if _SCOPE is not None and os.path.isabs(key) else None
    found = memo.get(key) if memo is not None else None
    if found is None:
        try:
            found = Path(os.path.realpath(path))
        except (OSError, ValueError):
            found = Path(os.path.abspath(path))
        if memo is not None:
            memo[key] = found
    return found


#: Within :func:`paths_remembered`, each remembering function's results by its arguments.
_SCOPE: dict[Callable[..., Any], dict[Any, Any]] | None = None
_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def paths_remembered() -> Iterator[None]:
    """Within this, :func:`real` resolves each path once, and each function made
    :func:`per_command` (the include search's) looks once per arguments: one command's view
    of the file system (the build's entries, each include of each unit, each look-up in the
    cache ask for the same few hundred paths thousands of times: 9,548 resolutions of 596
    paths on curl's unity build). Not for the language server, whose lints each see the files
    afresh (a header created or removed between two lints counts)."""
    global _SCOPE
    outer = _SCOPE
    _SCOPE = {} if outer is None else outer
    try:
        yield
    finally:
        _SCOPE = outer


def remembering() -> bool:
    """Whether this runs within :func:`paths_remembered`."""
    return _SCOPE is not None


def per_command(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function`` (of hashable arguments), its results remembered within
    :func:`paths_remembered` and computed afresh outside it."""

    @functools.wraps(function)
    def remembered(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if _SCOPE is None:
            return function(*args, **kwargs)
        memo = _SCOPE.setdefault(function, {})
        key = (args, tuple(sorted(kwargs.items())))
        if key not in memo:
            memo[key] = function(*args, **kwargs)
        found: _R = memo[key]
        return found

    return remembered


def compiler_view(data: bytes) -> bytes:
    """The bytes with line breaks where the compiler sees them, offset for offset: a lone CR
    (classic Mac line endings) becomes LF; CRLF is left as is (the CR ends the line's text). A
    UTF-8 byte order mark stays: tree-sitter and clang skip it, the directive scan
    (:class:`~amalint.scan.directives.Lines`) starts line 1 after it."""
    return _LONE_CR.sub(b"\n", data) if b"\r" in data else data


def line_starts(data: bytes) -> list[int]:
    """The byte offset of each line of ``data`` split at ``\\n`` (the first is 0)."""
    return [0, *(m.end() for m in _LF.finditer(data))]


_LF = re.compile(rb"\n")


def line_column(data: bytes, starts: Sequence[int], offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of ``offset`` in ``data``, whose
    :func:`line_starts` are ``starts``."""
    line = bisect.bisect_right(starts, offset)
    return line, len(data[starts[line - 1]:offset].decode("utf-8", "replace")) + 1


def line_number(data: bytes, offset: int) -> int:
    """The 1-based line of ``offset`` in ``data`` (LF, CRLF and CR line endings alike)."""
    return compiler_view(data[:offset]).count(b"\n") + 1


def check_utf8(path: Path, data: bytes) -> None:
    """Raise :class:`InputError` naming the first offending byte if ``data`` is not UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_number(data, exc.start)
        raise InputError(f"{display(path)}:{line}: not valid UTF-8 (byte "
                         f"0x{data[exc.start]:02x} at offset {exc.start})") from None


def text_lines(data: bytes) -> tuple[str, ...]:
    """Lines of ``data`` for display (undecodable bytes replaced), without line endings; only
    LF, CRLF and CR end a line (not a form feed, as for ``str.splitlines``)."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(lines)


def display(path: Path) -> str:
    """A path as shown to the user: relative to the working directory when below it."""
    try:
        if path.is_absolute():
            relative = path.relative_to(Path.cwd())
            return str(relative) if relative.parts else "."
    except ValueError:
        pass
    return str(path)
