"""Reading source files: bytes in, clear errors out."""

from __future__ import annotations

from pathlib import Path

from amalint.errors import InputError

_BINARY_PROBE = 8192


def read_source(path: Path) -> bytes:
    """Return the bytes of a C/C++ source, or raise :class:`InputError` saying why not."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a source file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if b"\0" in data[:_BINARY_PROBE]:
        raise InputError(f"{path}: binary file, not C/C++ source")
    return data


def check_utf8(path: Path, data: bytes) -> None:
    """Raise :class:`InputError` naming the first offending byte if ``data`` is not UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def text_lines(data: bytes) -> tuple[str, ...]:
    """Lines of ``data`` for display (undecodable bytes replaced), without line endings."""
    return tuple(data.decode("utf-8", errors="replace").splitlines())
