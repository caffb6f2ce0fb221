"""Where includes are looked for, as the compiler looks: a quoted include next to the including
file, then in ``-iquote`` and ``-I`` directories; an angled include in ``-I`` directories."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SearchPath:
    """Where includes are looked for (besides the including file's directory)."""

    quote_dirs: tuple[Path, ...] = ()
    include_dirs: tuple[Path, ...] = ()

    def resolve(self, spelling: str, angled: bool, including_dir: Path) -> Path | None:
        """The file an ``#include`` names, or ``None`` if it is not a project file."""
        if not angled:
            local = including_dir / spelling
            if local.is_file():
                return local.resolve()
            found = _lookup(self.quote_dirs + self.include_dirs, spelling)
        else:
            found = _lookup(self.include_dirs, spelling)
        return found


@functools.lru_cache(maxsize=4096)
def _lookup(directories: tuple[Path, ...], spelling: str) -> Path | None:
    """First ``directory / spelling`` that is a file (cached: system headers are asked for by
    every file of a unit)."""
    for directory in directories:
        path = directory / spelling
        if path.is_file():
            return path.resolve()
    return None
