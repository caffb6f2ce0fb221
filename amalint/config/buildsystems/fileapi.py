"""CMake's file API reply (``BUILD/.cmake/api/v1/reply``): targets, their sources in CMake's
order with the language each compiles as, where each target is defined, and the project's own
CMake files.

The reply exists when a query asked for it before CMake configured the build directory:

    mkdir -p build/.cmake/api/v1/query && touch build/.cmake/api/v1/query/codemodel-v2

(and ``cmakeFiles-v1`` for the list of CMake files). Only JSON is read; nothing is run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from amalint.config.buildsystems.targets import TargetSource
from amalint.config.jsonfile import json_path, read_json
from amalint.errors import InputError
from amalint.model import Location

REPLY = Path(".cmake/api/v1/reply")
_KINDS = ("EXECUTABLE", "STATIC_LIBRARY", "SHARED_LIBRARY", "MODULE_LIBRARY", "OBJECT_LIBRARY")
T = TypeVar("T")


@dataclass(frozen=True)
class ReplyTarget:
    name: str
    directory: Path
    sources: tuple[TargetSource, ...]
    #: Generated sources compiled for the target (unity sources among them).
    generated: tuple[Path, ...]
    defined_at: Location | None


@dataclass(frozen=True)
class Reply:
    index: Path
    source_dir: Path
    targets: tuple[ReplyTarget, ...]
    #: The project's CMake files (empty if the reply has no cmakeFiles object).
    cmake_files: tuple[Path, ...]


def _bad(path: Path, why: str) -> InputError:
    return InputError(f"{path}: not a valid CMake file API reply ({why})")


def _load(path: Path) -> dict[str, Any]:
    value = read_json(path, "CMake file API reply", "not a valid CMake file API reply")
    if not isinstance(value, dict):
        raise _bad(path, "expected an object")
    return value


_NAMES = {str: "a string", int: "a whole number", list: "a list", dict: "an object"}


def _get(table: Any, key: str, kind: type[T], path: Path, default: T | None = None) -> T:
    """``table[key]``, which must be a ``kind`` (or missing, if there is a ``default``)."""
    if not isinstance(table, dict):
        raise _bad(path, f"an entry with '{key}' is not an object")
    value = table.get(key, default)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _bad(path, f"'{key}' must be {_NAMES.get(kind, kind.__name__)}")
    return value


def _index(table: Any, key: str, items: list[Any], path: Path) -> int | None:
    """``table[key]`` (if given), which must be an index into ``items``."""
    if _get(table, key, object, path, 0) is None or key not in table:
        return None
    value = _get(table, key, int, path)
    if not 0 <= value < len(items):
        raise _bad(path, f"'{key}' {value} is out of range")
    return value


def _objects(index: dict[str, Any], path: Path) -> dict[str, str]:
    """``kind-vN`` -> JSON file of the reply, from the shared query or any client's."""
    out: dict[str, str] = {}
    replies = _get(index, "reply", dict, path, {})
    tables = [replies] + [v for k, v in replies.items() if k.startswith("client-")
                          and isinstance(v, dict)]
    for table in tables:
        for key, value in table.items():
            if isinstance(value, dict) and isinstance(value.get("jsonFile"), str):
                out.setdefault(key, value["jsonFile"])
    return out


def read_reply(build: Path) -> Reply | None:
    """The newest reply in ``build``, or ``None`` if there is none with a codemodel. Raise
    :class:`InputError` naming the file when a reply file is broken."""
    directory = build / REPLY
    indexes = sorted(directory.glob("index-*.json")) if directory.is_dir() else []
    if not indexes:
        return None
    index_path = indexes[-1]
    objects = _objects(_load(index_path), index_path)
    if "codemodel-v2" not in objects:
        return None
    path = directory / objects["codemodel-v2"]
    codemodel = _load(path)
    source_dir = _path(_get(_get(codemodel, "paths", dict, path), "source", str, path), path)
    configurations = _get(codemodel, "configurations", list, path)
    if not configurations:
        raise _bad(path, "no configurations")
    entries = _get(configurations[0], "targets", list, path)
    directories = _get(configurations[0], "directories", list, path)
    targets = []
    for entry in entries:
        target_path = directory / _get(entry, "jsonFile", str, path)
        number = _index(entry, "directoryIndex", directories, path)
        if number is None:
            raise _bad(path, "a target without 'directoryIndex'")
        folder = source_dir / _get(directories[number], "source", str, path)
        found = _target(_load(target_path), target_path, source_dir, folder)
        if found is not None:
            targets.append(found)
    cmake_files: tuple[Path, ...] = ()
    if "cmakeFiles-v1" in objects:
        files_path = directory / objects["cmakeFiles-v1"]
        inputs = _get(_load(files_path), "inputs", list, files_path, [])
        named = [(item, _get(item, "path", str, files_path)) for item in inputs]
        # only files in the CMake language: a configure step also lists what it reads
        # (configure_file templates, libpng's awk scripts), which is no CMake to fix
        cmake_files = tuple(
            _path(source_dir / name, files_path) for item, name in named
            if not (item.get("isExternal") or item.get("isCMake") or item.get("isGenerated"))
            and _is_cmake_language(name)
        )
    return Reply(index_path, source_dir, tuple(targets), cmake_files)


def _is_cmake_language(name: str) -> bool:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return base == "cmakelists.txt" or base.endswith(".cmake")


def _path(text: str | Path, origin: Path) -> Path:
    return json_path(text, origin, "not a valid CMake file API reply")


def _target(data: dict[str, Any], path: Path, root: Path, folder: Path) -> ReplyTarget | None:
    if _get(data, "type", str, path) not in _KINDS:
        return None
    groups = _get(data, "compileGroups", list, path, [])
    languages = [_get(g, "language", str, path) for g in groups]
    own = _own_flag_groups(groups, path)
    sources: list[TargetSource] = []
    generated: list[Path] = []
    for source in _get(data, "sources", list, path, []):
        where = _path(root / _get(source, "path", str, path), path)
        group = _index(source, "compileGroupIndex", groups, path)
        language = languages[group] if group is not None else None
        if source.get("isGenerated") or "/CMakeFiles/" in where.as_posix():
            generated.append(where)
            continue
        sources.append(TargetSource(where, language, group in own))
    return ReplyTarget(_get(data, "name", str, path), _path(folder, path), tuple(sources),
                       tuple(generated), _backtrace(data, path, root))


def _settings(group: dict[str, Any], path: Path) -> frozenset[str]:
    return frozenset(
        [f"-D{_get(d, 'define', str, path)}" for d in _get(group, "defines", list, path, [])]
        + [f"-I{_get(i, 'path', str, path)}" for i in _get(group, "includes", list, path, [])]
        + [_get(f, "fragment", str, path)
           for f in _get(group, "compileCommandFragments", list, path, [])]
    )


def _own_flag_groups(groups: list[dict[str, Any]], path: Path) -> set[int]:
    """Compile groups of sources with settings of their own: for each language, every group
    but the base one, whose settings all the others extend (or, failing that, the largest)."""
    own: set[int] = set()
    by_language: dict[str, list[int]] = {}
    for number, group in enumerate(groups):
        by_language.setdefault(group["language"], []).append(number)
    for numbers in by_language.values():
        if len(numbers) < 2:
            continue
        settings = {n: _settings(groups[n], path) for n in numbers}
        bases = [n for n in numbers if all(settings[n] <= settings[m] for m in numbers)]
        base = bases[0] if len(bases) == 1 else max(
            numbers, key=lambda n: len(_get(groups[n], "sourceIndexes", list, path, [])))
        own.update(n for n in numbers if n != base)
    return own


def _backtrace(data: dict[str, Any], path: Path, root: Path) -> Location | None:
    graph = data.get("backtraceGraph")
    if not isinstance(graph, dict):
        return None
    nodes = _get(graph, "nodes", list, path, [])
    node = _index(data, "backtrace", nodes, path)
    if node is None or "line" not in nodes[node]:
        return None
    files = _get(graph, "files", list, path, [])
    file = _index(nodes[node], "file", files, path)
    if file is None:
        return None
    if not isinstance(files[file], str):
        raise _bad(path, "'files' must hold strings")
    return Location(_path(root / files[file], path), _get(nodes[node], "line", int, path))


@dataclass(frozen=True)
class ReplyLink:
    """What the reply says about linking one target: its kind, its artifacts (the library or
    executable built), its own object files in CMake's order (those of its sources, unity
    sources among them, then those of the object libraries it uses), and the link command
    fragments with their roles (``flags``, ``libraries``, ``libraryPath``)."""

    name: str
    kind: str
    artifacts: tuple[Path, ...]
    objects: tuple[Path, ...]
    external_objects: tuple[Path, ...]
    fragments: tuple[tuple[str, str], ...]
    #: The source of each of ``objects``.
    sources: tuple[Path, ...] = ()


@dataclass(frozen=True)
class ReplyLinks:
    build: Path
    generator: str
    targets: dict[str, ReplyLink]


def read_links(build: Path) -> ReplyLinks | None:
    """Every target's link of the newest reply in ``build`` (``None`` without a codemodel)."""
    directory = build / REPLY
    indexes = sorted(directory.glob("index-*.json")) if directory.is_dir() else []
    if not indexes:
        return None
    index = _load(indexes[-1])
    objects = _objects(index, indexes[-1])
    if "codemodel-v2" not in objects:
        return None
    generator = str(index.get("cmake", {}).get("generator", {}).get("name", ""))
    path = directory / objects["codemodel-v2"]
    codemodel = _load(path)
    paths = _get(codemodel, "paths", dict, path)
    source_dir = _path(_get(paths, "source", str, path), path)
    build_dir = _path(_get(paths, "build", str, path), path)
    configurations = _get(codemodel, "configurations", list, path)
    if not configurations:
        raise _bad(path, "no configurations")
    directories = _get(configurations[0], "directories", list, path)
    links: dict[str, ReplyLink] = {}
    for entry in _get(configurations[0], "targets", list, path):
        target_path = directory / _get(entry, "jsonFile", str, path)
        data = _load(target_path)
        kind = _get(data, "type", str, target_path)
        if kind not in _KINDS:
            continue
        number = _index(entry, "directoryIndex", directories, path)
        folder = directories[number] if number is not None else {"source": ".", "build": "."}
        own_source = source_dir / _get(folder, "source", str, path)
        own_build = build_dir / _get(folder, "build", str, path)
        name = _get(data, "name", str, target_path)
        object_dir = own_build / "CMakeFiles" / f"{name}.dir"
        own: list[Path] = []
        compiled: list[Path] = []
        external: list[Path] = []
        for source in _get(data, "sources", list, target_path, []):
            where = source_dir / _get(source, "path", str, target_path)
            if where.suffix in (".o", ".obj"):
                external.append(where)
            elif "compileGroupIndex" in source:
                own.append(_object_of(where, object_dir, own_source, own_build))
                compiled.append(where)
        link = data.get("link") or data.get("archive") or {}
        fragments = tuple(
            (_get(f, "fragment", str, target_path), str(f.get("role", "")))
            for f in _get(link, "commandFragments", list, target_path, []))
        artifacts = tuple(build_dir / _get(a, "path", str, target_path)
                          for a in _get(data, "artifacts", list, target_path, []))
        links[name] = ReplyLink(name, kind, artifacts, tuple(own), tuple(external), fragments,
                                 tuple(compiled))
    return ReplyLinks(build_dir, generator, links)


def _object_of(source: Path, object_dir: Path, source_dir: Path, build_dir: Path) -> Path:
    """Where CMake puts the object of ``source``: below the target's object directory, at the
    source's path relative to the target's object, source or build directory."""
    for base in (object_dir, source_dir, build_dir):
        try:
            relative = source.relative_to(base)
        except ValueError:
            continue
        return object_dir / f"{relative.as_posix()}.o"
    return object_dir / f"{source.name}.o"
