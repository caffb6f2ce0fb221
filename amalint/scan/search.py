"""Where includes are looked for, as the compiler looks: a quoted include next to the including
file, then in ``-iquote`` and ``-I`` directories; an angled include in ``-I`` directories.

Two additions the compiler does not make: ``-isystem``/``-idirafter`` directories are recorded
only to know that an include found there is a system header (never parsed), and the project
root is tried last for a quoted include (as ``-idirafter``: most unity builds spell their
sources from the root, ``#include "src/runtime/x.cc"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from amalint.scan.sources import exists, is_directory, is_regular, per_command, real


@dataclass(frozen=True)
class SearchPath:
    """Where includes are looked for (besides the including file's directory)."""

    quote_dirs: tuple[Path, ...] = ()
    include_dirs: tuple[Path, ...] = ()
    #: ``-isystem``/``-idirafter`` directories: headers there are the system's, never parsed.
    system_dirs: tuple[Path, ...] = ()
    #: The project root, tried last for a quoted include (``None``: not tried).
    root: Path | None = None

    def resolve(self, spelling: str, angled: bool, including_dir: Path) -> Path | None:
        """The file an ``#include`` names, or ``None`` if it is not a project file."""
        found = self.resolve_without_root(spelling, angled, including_dir)
        if found is None and not angled and self.root is not None:
            found = _lookup((self.root,), spelling)
        return found

    def resolve_without_root(self, spelling: str, angled: bool,
                             including_dir: Path) -> Path | None:
        """:meth:`resolve` as the compiler would, given only the flags."""
        if not spelling or "\0" in spelling:
            return None
        if spelling.startswith("/"):  # the compiler opens the path itself, no search
            return _lookup((Path("/"),), spelling)
        if not angled:
            local = including_dir / spelling
            if is_regular(local):
                return real(local)
            return _lookup(self.quote_dirs + self.include_dirs, spelling)
        return _lookup(self.include_dirs, spelling)

    def irregular(self, spelling: str, angled: bool, including_dir: Path) -> Path | None:
        """Something that is not a regular file (a FIFO, a device, a directory) where the
        include would be found first, if anything: reading it could block the compiler."""
        if not spelling or "\0" in spelling:
            return None
        dirs = (Path("/"),) if spelling.startswith("/") else self.include_dirs if angled \
            else (including_dir, *self.quote_dirs, *self.include_dirs)
        return _irregular(dirs, spelling)

    def is_system(self, spelling: str) -> bool:
        """Whether the include is found in a system directory (``-isystem``, ``-idirafter``)."""
        return _lookup(self.system_dirs, spelling) is not None


@per_command
def _lookup(directories: tuple[Path, ...], spelling: str) -> Path | None:
    """First ``directory / spelling`` that is a regular file (remembered within a command:
    system headers are asked for by every file of every unit)."""
    for directory in directories:
        path = directory / spelling
        if is_regular(path):
            return real(path)
    return None


@per_command
def _irregular(directories: tuple[Path, ...], spelling: str) -> Path | None:
    """The first ``directory / spelling`` that exists but is neither a regular file nor a
    directory (which compilers skip), unless a regular file comes first."""
    for directory in directories:
        candidate = directory / spelling
        if is_regular(candidate):
            return None
        if exists(candidate) and not is_directory(candidate):
            return candidate
    return None
