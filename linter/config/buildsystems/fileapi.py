"""CMake's file API reply (``BUILD/.cmake/api/v1/reply``): targets, their sources in CMake's
order with the language each compiles as, where each target is defined, and the project's own
CMake files.

The reply exists when a query asked for it before CMake configured the build directory:

    mkdir -p build/.cmake/api/v1/query && touch build/.cmake/api/v1/query/codemodel-v2

(and ``cmakeFiles-v1`` for the list of CMake files). Only JSON is read; nothing is run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amalint.config.buildsystems.targets import TargetSource
from amalint.errors import InputError
from amalint.model import Location

REPLY = Path(".cmake/api/v1/reply")
_KINDS = ("EXECUTABLE", "STATIC_LIBRARY", "SHARED_LIBRARY", "MODULE_LIBRARY", "OBJECT_LIBRARY")


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


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a valid CMake file API reply ({exc})") from None


def _objects(index: dict[str, Any]) -> dict[str, str]:
    """``kind-vN`` -> JSON file of the reply, from the shared query or any client's."""
    out: dict[str, str] = {}
    replies = index.get("reply", {})
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
    objects = _objects(_dict(_load(index_path), index_path))
    if "codemodel-v2" not in objects:
        return None
    codemodel_path = directory / objects["codemodel-v2"]
    codemodel = _dict(_load(codemodel_path), codemodel_path)
    try:
        source_dir = Path(codemodel["paths"]["source"])
        configuration = codemodel["configurations"][0]
        entries = configuration["targets"]
        directories = configuration["directories"]
    except (KeyError, IndexError, TypeError) as exc:
        raise InputError(f"{codemodel_path}: not a valid CMake file API reply (no {exc})") \
            from None
    targets = []
    for entry in entries:
        try:
            target_path = directory / entry["jsonFile"]
            folder = directories[entry["directoryIndex"]]["source"]
        except (KeyError, IndexError, TypeError) as exc:
            raise InputError(f"{codemodel_path}: not a valid CMake file API reply (target "
                             f"entry without {exc})") from None
        found = _target(_dict(_load(target_path), target_path), target_path, source_dir,
                        source_dir / folder)
        if found is not None:
            targets.append(found)
    cmake_files: tuple[Path, ...] = ()
    if "cmakeFiles-v1" in objects:
        files_path = directory / objects["cmakeFiles-v1"]
        inputs = _dict(_load(files_path), files_path).get("inputs", [])
        cmake_files = tuple(
            (source_dir / item["path"]).resolve() for item in inputs
            if isinstance(item, dict) and isinstance(item.get("path"), str)
            and not (item.get("isExternal") or item.get("isCMake") or item.get("isGenerated"))
        )
    return Reply(index_path, source_dir.resolve(), tuple(targets), cmake_files)


def _dict(value: Any, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{path}: not a valid CMake file API reply (expected an object)")
    return value


def _target(data: dict[str, Any], path: Path, root: Path, folder: Path) -> ReplyTarget | None:
    try:
        if data["type"] not in _KINDS:
            return None
        groups = data.get("compileGroups", [])
        languages = [g["language"] for g in groups]
        own = _own_flag_groups(groups)
        sources: list[TargetSource] = []
        generated: list[Path] = []
        for source in data.get("sources", []):
            where = (root / source["path"]).resolve()
            group = source.get("compileGroupIndex")
            language = languages[group] if group is not None else None
            if source.get("isGenerated") or "/CMakeFiles/" in where.as_posix():
                generated.append(where)
                continue
            sources.append(TargetSource(where, language, group in own))
        defined_at = _backtrace(data, data.get("backtrace"), root)
        return ReplyTarget(data["name"], folder.resolve(), tuple(sources), tuple(generated),
                           defined_at)
    except (KeyError, IndexError, TypeError) as exc:
        raise InputError(f"{path}: not a valid CMake file API reply (no {exc})") from None


def _settings(group: dict[str, Any]) -> frozenset[str]:
    return frozenset(
        [f"-D{d['define']}" for d in group.get("defines", [])]
        + [f"-I{i['path']}" for i in group.get("includes", [])]
        + [f["fragment"] for f in group.get("compileCommandFragments", [])]
    )


def _own_flag_groups(groups: list[dict[str, Any]]) -> set[int]:
    """Compile groups of sources with settings of their own: for each language, every group
    but the base one, whose settings all the others extend (or, failing that, the largest)."""
    own: set[int] = set()
    by_language: dict[str, list[int]] = {}
    for number, group in enumerate(groups):
        by_language.setdefault(group["language"], []).append(number)
    for numbers in by_language.values():
        if len(numbers) < 2:
            continue
        settings = {n: _settings(groups[n]) for n in numbers}
        bases = [n for n in numbers if all(settings[n] <= settings[m] for m in numbers)]
        base = bases[0] if len(bases) == 1 else max(
            numbers, key=lambda n: len(groups[n].get("sourceIndexes", [])))
        own.update(n for n in numbers if n != base)
    return own


def _backtrace(data: dict[str, Any], node: int | None, root: Path) -> Location | None:
    graph = data.get("backtraceGraph")
    if node is None or not isinstance(graph, dict):
        return None
    entry = graph["nodes"][node]
    if "line" not in entry:
        return None
    return Location((root / graph["files"][entry["file"]]).resolve(), entry["line"])
