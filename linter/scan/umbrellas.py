"""Which umbrellas to lint for the files a user (or pre-commit) names.

A named file is linted as an umbrella when it matches the ``umbrellas`` globs of its config, or,
with no globs configured, when it ``#include``s a source file (``.c``, ``.cc``, ``.cpp``, ...).
Any other file (an included source or header that changed) stands for the umbrellas that reach
it, directly or through other included files: the configured umbrellas, or else every file below
the project root (the config file's directory, or the working directory) that includes a
source. A file no umbrella reaches is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from amalint.config.globs import Glob, walk
from amalint.config.settings import Settings
from amalint.errors import InputError
from amalint.scan.directives import SOURCE_SUFFIXES, scan
from amalint.scan.sources import read_source

#: Files that may be umbrellas.
UMBRELLA_SUFFIXES = (*SOURCE_SUFFIXES, ".cu")

_SOURCE_INCLUDE = re.compile(
    rb"^[ \t]*#[ \t]*include[ \t]*[<\"][^>\"\n]*\.(?:c|cc|cpp|cxx|c\+\+)[>\"]",
    re.M | re.I,
)


def includes_source(data: bytes) -> bool:
    """Whether a file ``#include``s a C/C++ source file (the mark of an umbrella)."""
    return _SOURCE_INCLUDE.search(data) is not None


def root_of(settings: Settings) -> Path:
    """The project root: where the config file is, else the working directory."""
    return (settings.config_file.parent if settings.config_file else Path.cwd()).resolve()


def configured(settings: Settings) -> list[Path]:
    """The files matching the config's ``umbrellas`` globs."""
    return [p for p in walk(root_of(settings), UMBRELLA_SUFFIXES)
            if any(g.matches(p) for g in settings.umbrellas)]


@dataclass
class Targets:
    """What one run lints: each umbrella once, with its settings, in the order first named."""

    settings_for: Callable[[Path], Settings]
    umbrellas: dict[Path, tuple[Path, Settings]] = field(default_factory=dict)
    skipped: list[Path] = field(default_factory=list)
    _reach: dict[Path, frozenset[Path]] = field(default_factory=dict)
    _candidates: dict[tuple[Path, tuple[Glob, ...]], list[Path]] = field(default_factory=dict)

    def add(self, path: Path) -> None:
        settings = self.settings_for(path)
        data = read_source(path)
        if (any(g.matches(path) for g in settings.umbrellas)
                or (not settings.umbrellas and includes_source(data))):
            self.umbrellas.setdefault(path.resolve(), (path, settings))
            return
        resolved = path.resolve()
        owners = [u for u in self._candidates_for(settings) if resolved in self._reaches(u)]
        if not owners:
            self.skipped.append(path)
        for owner in owners:
            self.umbrellas.setdefault(owner, (owner, self.settings_for(owner)))

    def _candidates_for(self, settings: Settings) -> list[Path]:
        root = root_of(settings)
        key = (root, settings.umbrellas)
        if key not in self._candidates:
            if settings.umbrellas:
                self._candidates[key] = [p.resolve() for p in configured(settings)]
            else:
                self._candidates[key] = [p.resolve() for p in walk(root, UMBRELLA_SUFFIXES)
                                         if _readable_umbrella(p)]
        return self._candidates[key]

    def _reaches(self, umbrella: Path) -> frozenset[Path]:
        """Every file the umbrella includes, directly or not."""
        if umbrella not in self._reach:
            search = self.settings_for(umbrella).search
            seen: set[Path] = set()
            todo = [umbrella]
            while todo:
                current = todo.pop()
                try:
                    data = read_source(current)
                except InputError:
                    continue
                for inc in scan(data, current, search).includes:
                    if inc.resolved is not None and inc.resolved not in seen:
                        seen.add(inc.resolved)
                        todo.append(inc.resolved)
            self._reach[umbrella] = frozenset(seen)
        return self._reach[umbrella]


def _readable_umbrella(path: Path) -> bool:
    try:
        return includes_source(read_source(path))
    except InputError:
        return False


def targets(paths: Sequence[Path], settings_for: Callable[[Path], Settings]) -> Targets:
    """The umbrellas to lint for ``paths`` (see the module docstring)."""
    found = Targets(settings_for)
    for path in paths:
        found.add(path)
    return found

