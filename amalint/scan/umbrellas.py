"""Which umbrellas to lint for the paths a user (or pre-commit) names.

A named file is linted as an umbrella when it matches the ``umbrellas`` globs of its config, or,
with no globs configured, when it ``#include``s a source file (``.c``, ``.cc``, ``.cpp``, ...).
Any other C/C++ file (an included source or header that changed) stands for the umbrellas that
reach it, directly or through other included files: the configured umbrellas, or else every file
below the project root (the config file's directory, or the working directory) that includes a
source. A named directory stands for the umbrellas below it. The project walks honour
``.gitignore`` files and the ``exclude`` setting (:mod:`amalint.scan.walk`).

A path that stands for no umbrella (a file no umbrella reaches, a file that is not C/C++, an
excluded file, a directory without umbrellas) gets a one-line note, never a silent pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from amalint.config.settings import Settings
from amalint.errors import InputError
from amalint.scan.directives import SOURCE_SUFFIXES, scan
from amalint.scan.sources import BOM, compiler_view, is_directory, read_source, real
from amalint.scan.walk import Ignored, walk

#: Files that may be umbrellas.
UMBRELLA_SUFFIXES = (*SOURCE_SUFFIXES, ".cu")
#: Files that may be part of a unit without being umbrellas.
HEADER_SUFFIXES = (".h", ".hh", ".hpp", ".hxx", ".h++", ".cuh", ".inc", ".inl", ".ipp", ".tcc",
                   ".tpp", ".txx", ".def", ".ixx", ".cppm", ".i", ".ii")
C_SUFFIXES = (*UMBRELLA_SUFFIXES, *HEADER_SUFFIXES)

_SOURCE_INCLUDE = re.compile(
    rb"^[ \t]*#[ \t]*include[ \t]*[<\"][^>\"\n]*\.(?:c|cc|cpp|cxx|c\+\+)[>\"]",
    re.M | re.I,
)


def includes_source(data: bytes) -> bool:
    """Whether a file ``#include``s a C/C++ source file (the mark of an umbrella)."""
    return _SOURCE_INCLUDE.search(compiler_view(data.removeprefix(BOM))) is not None


def configured(settings: Settings) -> list[Path]:
    """The files matching the config's ``umbrellas`` globs (``.gitignore`` does not hide them:
    they are named on purpose; ``exclude`` does). Without such globs, nothing is walked."""
    if not settings.umbrellas:
        return []
    return [p for p in walk(settings.root, UMBRELLA_SUFFIXES, settings.exclude, gitignore=False)
            if any(g.matches(p) for g in settings.umbrellas)]


@dataclass
class Targets:
    """What one run lints: each umbrella once, with its settings, in the order first named."""

    settings_for: Callable[[Path], Settings]
    umbrellas: dict[Path, tuple[Path, Settings]] = field(default_factory=dict)
    #: One line for each named path that stands for no umbrella.
    notes: list[str] = field(default_factory=list)
    _reach: dict[Path, frozenset[Path]] = field(default_factory=dict)
    _candidates: dict[tuple[Path, tuple[object, ...]], list[Path]] = field(default_factory=dict)

    def add(self, path: Path) -> None:
        if is_directory(path):
            self._add_directory(path)
            return
        settings = self.settings_for(path)
        if any(g.matches(path) for g in settings.umbrellas):
            self.umbrellas.setdefault(real(path), (path, settings))
            return
        if _excluded(path, settings):
            self.notes.append(f"{path}: excluded by the `exclude` setting; not checked")
            return
        if not path.name.lower().endswith(C_SUFFIXES):
            read_source(path)  # a missing or unreadable path is still an error
            self.notes.append(f"{path}: not a C/C++ file; not checked")
            return
        data = read_source(path)
        if not settings.umbrellas and includes_source(data):
            self.umbrellas.setdefault(real(path), (path, settings))
            return
        resolved = real(path)
        owners = [u for u in self._candidates_for(settings) if resolved in self._reaches(u)]
        if not owners:
            self.notes.append(f"{path}: no umbrella includes it; nothing to check")
        for owner in owners:
            self.umbrellas.setdefault(owner, (owner, self.settings_for(owner)))

    def _add_directory(self, directory: Path) -> None:
        settings = self.settings_for(directory)
        before = len(self.umbrellas)
        inside = real(directory)
        project = settings.root if settings.root in (inside, *inside.parents) else None
        for path in walk(directory, UMBRELLA_SUFFIXES, settings.exclude, project=project):
            shown = _under(directory, path)
            file_settings = self.settings_for(path)
            if file_settings.umbrellas:
                if any(g.matches(path) for g in file_settings.umbrellas):
                    self.umbrellas.setdefault(real(path), (shown, file_settings))
            elif _readable_umbrella(path):
                self.umbrellas.setdefault(real(path), (shown, file_settings))
        if len(self.umbrellas) == before:
            self.notes.append(f"{directory}: no umbrella below it (a C/C++ file that #includes "
                              "a source file); nothing to check")

    def _candidates_for(self, settings: Settings) -> list[Path]:
        key = (settings.root, (settings.umbrellas, settings.exclude))
        if key not in self._candidates:
            if settings.umbrellas:
                self._candidates[key] = [real(p) for p in configured(settings)]
            else:
                self._candidates[key] = [real(p) for p in walk(settings.root, UMBRELLA_SUFFIXES,
                                                               settings.exclude)
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


def _under(directory: Path, path: Path) -> Path:
    """``path`` (found below the real ``directory``) as spelled from the named one."""
    try:
        return directory / path.relative_to(real(directory))
    except ValueError:
        return path


def _excluded(path: Path, settings: Settings) -> bool:
    if not settings.exclude:
        return False
    ignored = Ignored(settings.exclude)
    resolved = real(path)
    return any(ignored(p, p != resolved) for p in (resolved, *resolved.parents))


def _readable_umbrella(path: Path) -> bool:
    try:
        return includes_source(read_source(path))
    except InputError:
        return False


def targets(paths: Sequence[Path], settings_for: Callable[[Path], Settings],
            quiet: Collection[Path] = ()) -> Targets:
    """The umbrellas to lint for ``paths`` (see the module docstring); a directory in ``quiet``
    (whose build units are linted) gets no note when no umbrella is below it."""
    found = Targets(settings_for)
    for path in paths:
        notes = len(found.notes)
        found.add(path)
        if path in quiet:
            del found.notes[notes:]
    return found
