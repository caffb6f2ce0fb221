"""Walking the project: the files below a directory that amalint may read on its own (umbrella
discovery, the owners of a changed file, AM205's candidates, where a missing include lives).

Only regular files inside the project are yielded: symlinked directories are not entered, a
symlinked file counts only when it points to a regular file inside the project, and FIFOs,
devices and sockets are skipped. Hidden directories (``.git``, ``.venv``) are skipped, and so is
whatever ``.gitignore`` files (from the repository's top down) and the ``exclude`` setting
ignore, with git's pattern rules (the ``pathspec`` library). The walk is iterative and stops
with an error past :data:`MAX_FILES` entries, so pointing it at ``/`` cannot run for hours.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from amalint.errors import InputError
from amalint.scan.sources import is_regular, read_bounded, real

if TYPE_CHECKING:
    import pathspec

#: Entries (files and directories) one walk looks at before giving up.
MAX_FILES = 300_000
_GITIGNORE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Exclude:
    """gitignore-style patterns relative to ``base`` (a config file's directory, or the working
    directory for ``--exclude``)."""

    base: Path
    patterns: tuple[str, ...]


@functools.lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    import pathspec  # only a walk of a directory (or --exclude) needs it

    return pathspec.GitIgnoreSpec.from_lines(patterns)


class Ignored:
    """What ``.gitignore`` files and ``exclude`` patterns ignore. Among ``.gitignore`` files a
    deeper one overrides (as in git); ``exclude`` patterns override them all."""

    def __init__(self, excludes: Iterable[Exclude] = ()) -> None:
        self._gitignores: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
        self._excludes = [(real(e.base), _spec(e.patterns)) for e in excludes if e.patterns]
        self._loaded: set[Path] = set()

    def load_gitignore(self, directory: Path) -> None:
        """Add ``directory/.gitignore`` (read once, bounded; an unreadable one is skipped).
        Directories are loaded parents first, so the list stays ordered by depth."""
        if directory in self._loaded:
            return
        self._loaded.add(directory)
        path = directory / ".gitignore"
        if not is_regular(path):
            return
        try:
            text = read_bounded(path, _GITIGNORE_BYTES).decode("utf-8", "replace")
        except InputError:
            return
        self._gitignores.append((directory, _spec(tuple(text.splitlines()))))

    def __call__(self, path: Path, is_dir: bool) -> bool:
        verdict = False
        for base, spec in (*self._gitignores, *self._excludes):
            try:
                relative = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if relative == ".":
                continue
            result = spec.check_file(relative + ("/" if is_dir else ""))
            if result.include is not None:
                verdict = result.include
        return verdict


def repository_top(path: Path) -> Path | None:
    """The nearest directory at or above ``path`` holding ``.git``."""
    for directory in (path, *path.parents):
        try:
            os.lstat(directory / ".git")
        except (OSError, ValueError):
            continue
        return directory
    return None


def ignored_for(root: Path, excludes: Sequence[Exclude] = (), gitignore: bool = True) -> Ignored:
    """The ignore rules in force at ``root``: ``excludes`` and, with ``gitignore``, the
    ``.gitignore`` files from the repository's top down to ``root``."""
    ignored = Ignored(excludes)
    if gitignore:
        top = repository_top(root)
        if top is not None:
            chain = [root, *root.parents]
            for directory in reversed(chain[: chain.index(top) + 1]):
                ignored.load_gitignore(directory)
    return ignored


def walk(root: Path, suffixes: tuple[str, ...] | None = None, excludes: Sequence[Exclude] = (),
         gitignore: bool = True, project: Path | None = None,
         recursive: bool = True, visited: list[Path] | None = None) -> Iterator[Path]:
    """Regular files below ``root`` whose names end with one of ``suffixes`` (any, if
    ``None``; case-insensitive), in a stable order, inside ``project`` (default: ``root``);
    each directory listed is added to ``visited``."""
    root = real(root)
    inside = real(project) if project is not None else root
    ignored = ignored_for(root, excludes, gitignore)
    seen = 0
    todo = [root]
    lowered = tuple(s.lower() for s in suffixes) if suffixes is not None else None
    while todo:
        directory = todo.pop()
        if visited is not None:
            visited.append(directory)
        if gitignore:
            ignored.load_gitignore(directory)
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except (OSError, ValueError):
            continue
        subdirs: list[Path] = []
        for entry in entries:
            seen += 1
            if seen > MAX_FILES:
                raise InputError(f"{root}: more than {MAX_FILES:,} files below it; narrow "
                                 "the search with `exclude` (or a .gitignore)")
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith(".") and recursive \
                            and not ignored(path, True):
                        subdirs.append(path)
                    continue
                if lowered is not None and not entry.name.lower().endswith(lowered):
                    continue
                if entry.is_symlink():
                    target = real(path)
                    if not is_regular(target) or not target.is_relative_to(inside):
                        continue
                elif not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                    continue
            except OSError:
                continue
            if not ignored(path, False):
                yield path
        todo.extend(reversed(subdirs))
