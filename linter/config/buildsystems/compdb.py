"""Targets as a compilation database shows them: CMake's generated unity sources
(``CMakeFiles/<target>.dir/Unity/unity_<n>_<lang>.<ext>``, ``<n>`` a batch number or a
``UNITY_GROUP``) and Meson's (``<target file>.p/<target>-unity<n>.<ext>``) with the sources each
includes, and, for builds without a file API reply, each
target's sources from the object files the entries make (``CMakeFiles/<target>.dir/...``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from amalint.config.buildsystems.targets import Target, TargetSource, UnityFile
from amalint.config.flags import Entry
from amalint.errors import InputError
from amalint.scan.directives import scan
from amalint.scan.search import SearchPath
from amalint.scan.sources import exists, read_bounded, read_source, real

_UNITY = re.compile(r"/CMakeFiles/(?P<target>[^/]+)\.dir/Unity/"
                    r"unity_(?P<label>.+)_(?P<lang>c|cxx)\.(?:c|cxx)\Z")
_MESON_UNITY = re.compile(r"\.p/(?P<target>[^/]+)-unity(?P<label>\d+)\.(?P<lang>c|cpp|cc|cxx)\Z")
_OBJECT = re.compile(r"(?:\A|/)CMakeFiles/(?P<target>[^/]+)\.dir/")
#: The largest ``CMakeCache.txt`` read.
MAX_CACHE_BYTES = 64 * 1024 * 1024
_CXX = (".cc", ".cpp", ".cxx", ".c++", ".cp", ".C")


def language_of(path: Path) -> str | None:
    """The language CMake and Meson compile a source as, by its suffix: ``C``, ``CXX``, or
    ``None`` for a header (``.h``, ``.hpp``) or a source of another language."""
    if path.suffix == ".c":
        return "C"
    return "CXX" if path.suffix in _CXX or path.suffix.lower() in _CXX else None


def unity_file(path: Path) -> UnityFile | None:
    """The unity source at ``path`` with the sources it includes, or ``None`` if ``path`` is
    not named as CMake or Meson name unity sources."""
    match = _UNITY.search(path.as_posix()) or _MESON_UNITY.search(path.as_posix())
    if match is None:
        return None
    try:
        data = read_source(path)
    except InputError:
        return None  # listed but not generated yet (or removed): nothing to lint
    includes = scan(data, path, SearchPath()).includes
    sources = tuple(inc.resolved for inc in includes if inc.resolved is not None)
    return UnityFile(path, match.group("target"), "C" if match.group("lang") == "c" else "CXX",
                     match.group("label"), sources)


def unity_files(entries: Iterable[Entry]) -> dict[str, list[UnityFile]]:
    """The unity sources of the database, by target."""
    out: dict[str, list[UnityFile]] = {}
    for entry in entries:
        found = unity_file(entry.file)
        if found is not None:
            out.setdefault(found.target, []).append(found)
    return out


def source_dir(build: Path) -> Path | None:
    """The project's source directory, from ``CMakeCache.txt`` (``CMAKE_HOME_DIRECTORY``)."""
    cache = build / "CMakeCache.txt"
    if not exists(cache):
        return None
    text = read_bounded(cache, MAX_CACHE_BYTES, "CMake cache").decode("utf-8", "replace")
    for line in text.splitlines():
        if line.startswith("CMAKE_HOME_DIRECTORY:"):
            home = line.split("=", 1)[-1]
            if "\0" in home:
                raise InputError(f"{cache}: a NUL byte in CMAKE_HOME_DIRECTORY")
            return real(Path(home))
    return None


def targets(build: Path, entries: Sequence[Entry], root: Path | None) -> list[Target]:
    """Targets from the object files the entries make; a source whose flags differ from most
    of its target's (same language) has settings of its own. The target's directory is the
    build subdirectory of its ``CMakeFiles`` taken back to the source tree (``root``)."""
    found: dict[str, list[tuple[Entry, str | None]]] = {}
    folders: dict[str, Path] = {}
    unity = unity_files(entries)
    for entry in entries:
        if entry.output is None or _UNITY.search(entry.file.as_posix()):
            continue
        try:
            relative = entry.output.relative_to(build.resolve()).as_posix()
        except ValueError:
            continue
        match = _OBJECT.search(relative)
        if match is None:
            continue
        name = match.group("target")
        found.setdefault(name, []).append((entry, language_of(entry.file)))
        prefix = relative[: match.start()].strip("/")
        folders[name] = (root / prefix).resolve() if root is not None else entry.file.parent
    for name in unity:
        found.setdefault(name, [])
    out = []
    for name, items in found.items():
        common: dict[str | None, tuple[str, ...]] = {}
        for language in {lang for _, lang in items}:
            counts = Counter(e.flags.args for e, lang in items if lang == language)
            common[language] = counts.most_common(1)[0][0]
        sources = tuple(TargetSource(e.file, lang, e.flags.args != common[lang])
                        for e, lang in items)
        folder = folders.get(name) or (root if root is not None else build)
        out.append(Target(name, folder, sources, tuple(unity.get(name, ()))))
    return out
