"""Strict readers of untrusted JSON data (cache entries): each returns the value if it has the
expected type and shape, else raises :class:`Malformed`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class Malformed(ValueError):
    """A cache entry that is not what this amalint writes."""


def expect(kind: type[T], value: Any) -> T:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Malformed(f"expected {kind.__name__}")
    return value


def string(value: Any) -> str:
    return expect(str, value)


def integer(value: Any) -> int:
    return expect(int, value)


def optional(item: Callable[[Any], T], value: Any) -> T | None:
    return None if value is None else item(value)


def items(value: Any, item: Callable[[Any], T]) -> tuple[T, ...]:
    return tuple(item(v) for v in expect(list, value))


def fields(value: Any, count: int) -> list[Any]:
    found = expect(list, value)
    if len(found) != count:
        raise Malformed(f"expected {count} fields")
    return found


def file_path(value: Any) -> Path:
    """A path as a file system can hold it (no NUL byte), else :class:`Malformed`."""
    text = string(value)
    if "\0" in text:
        raise Malformed(f"a NUL byte in the path {text!r}")
    return Path(text)
