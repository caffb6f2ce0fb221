"""Include search as gcc and clang do it, over an injected ``is_file``.

One chain of directories: ``-iquote``, then ``-I``, ``-isystem``, the compiler's system
directories and ``-idirafter``. A quoted include looks next to the including file first, then the
whole chain; an angled one starts at the ``-I`` part; ``#include_next`` continues after the
directory the current file was found in. As gcc does, a ``-I`` directory that is also a system
directory is dropped (it stays a system directory), later duplicates are dropped, and everything
from ``-isystem`` on is a system directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from .config import ParsedArgs


def join(directory: str, name: str) -> str:
    """``directory/name`` spelled as the compiler spells it (no normalization)."""
    if not directory or name.startswith("/"):
        return name
    return directory + name if directory.endswith("/") else directory + "/" + name


def dirname(path: str) -> str:
    """``os.path.dirname`` for the paths the search makes (``/``-separated)."""
    i = path.rfind("/")
    return path[:i] if i > 0 else "/" if i == 0 else ""


class SearchPath:
    """Resolves include spellings; every answer is cached."""

    def __init__(self, args: ParsedArgs, compiler_dirs: tuple[str, ...],
                 is_file: Callable[[str], bool], family: str = "gcc") -> None:
        system = [] if args.nostdinc else list(compiler_dirs)
        quote = _dedupe(args.quote_dirs)
        bracket: list[tuple[str, bool]] = []
        seen: set[str] = set()
        system_keys = {_key(d) for d in (*args.system_dirs, *system, *args.after_dirs)}
        for d in args.include_dirs:
            if _key(d) not in system_keys and _key(d) not in seen:
                seen.add(_key(d))
                bracket.append((d, False))
        for d in (*args.system_dirs, *system, *args.after_dirs):
            if _key(d) not in seen:
                seen.add(_key(d))
                bracket.append((d, True))
        quote = [d for d in quote if _key(d) not in seen]
        self.dirs: list[str] = quote + [d for d, _ in bracket]
        self.system: list[bool] = [False] * len(quote) + [s for _, s in bracket]
        self.bracket_start = len(quote)
        self._is_file = is_file
        # A file next to one named without a directory: gcc spells it "x.h", clang "./x.h".
        self.here = "." if family == "clang" else ""
        self._file_cache: dict[str, bool] = {}
        self._chain_cache: dict[tuple[str, int], tuple[str, int] | None] = {}

    def is_file(self, path: str) -> bool:
        known = self._file_cache.get(path)
        if known is None:
            known = self._file_cache[path] = bool(self._is_file(path))
        return known

    def find(self, spelling: str, angled: bool, current_dir: str | None,
             next_from: int | None = None) -> tuple[str, int] | None:
        """(path, index of the chain directory or -1) of the file an include names, or None.

        ``current_dir`` is the including file's directory (None: not searched, as for angled
        includes); ``next_from`` is where ``#include_next`` continues in the chain."""
        if spelling.startswith("/"):
            return (spelling, -1) if self.is_file(spelling) else None
        if next_from is not None:
            return self._chain(spelling, next_from)
        if not angled and current_dir is not None:
            local = join(current_dir or self.here, spelling)
            if self.is_file(local):
                return local, -1
        return self._chain(spelling, self.bracket_start if angled else 0)

    def _chain(self, spelling: str, start: int) -> tuple[str, int] | None:
        key = (spelling, start)
        if key in self._chain_cache:
            return self._chain_cache[key]
        found: tuple[str, int] | None = None
        for k in range(start, len(self.dirs)):
            path = join(self.dirs[k], spelling)
            if self.is_file(path):
                found = (path, k)
                break
        self._chain_cache[key] = found
        return found

    def is_system(self, index: int) -> bool:
        return 0 <= index < len(self.system) and self.system[index]


def _key(d: str) -> str:
    return os.path.normpath(d)


def _dedupe(dirs: tuple[str, ...]) -> list[str]:
    seen: set[str] = set()
    out = []
    for d in dirs:
        if _key(d) not in seen:
            seen.add(_key(d))
            out.append(d)
    return out
