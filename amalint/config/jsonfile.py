"""Reading a JSON file a build wrote (a compilation database, CMake's file API reply, Meson's
introspection): through :func:`~amalint.scan.sources.read_bounded`, so a FIFO, a device or a
huge file is an error naming it, never a hang; and any JSON that does not parse (not UTF-8,
broken, nested too deeply) is an :class:`~amalint.errors.InputError` naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from amalint.errors import InputError
from amalint.scan.sources import read_bounded, real

#: The largest JSON file of a build directory read, but for the compilation database.
MAX_JSON_BYTES = 256 * 1024 * 1024


def read_json(path: Path, what: str, invalid: str, limit: int = MAX_JSON_BYTES) -> Any:
    """The JSON value in the file at ``path`` (a ``what``, for the size and kind errors);
    raise :class:`InputError` ``"{path}: {invalid} (why)"`` when it does not parse."""
    raw = read_bounded(path, limit, what)
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: {invalid} (not UTF-8: byte 0x{raw[exc.start]:02x} at "
                         f"offset {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: {invalid} ({exc})") from None
    except RecursionError:
        raise InputError(f"{path}: {invalid} (nested too deeply)") from None


def json_path(text: str | Path, origin: Path, invalid: str) -> Path:
    """The path ``text`` a JSON file gives, absolute with symlinks resolved; a NUL byte in it
    is an :class:`InputError` ``"{origin}: {invalid} (...)"``."""
    if "\0" in str(text):
        raise InputError(f"{origin}: {invalid} (a NUL byte in the path {str(text)!r})")
    return real(Path(text))
