"""Meson's introspection files (``BUILD/meson-info``): targets with their C and C++ sources in
``meson.build`` order, the unity sources Meson generated
(``<target file>.p/<target>-unity<n>.<ext>``, batches of ``unity_size`` sources), and where each
target is defined.

``meson setup`` always writes these files, so a Meson build directory needs no query, unlike
CMake's file API. Meson has no per-source opt-out of unity builds: a target is in or out
(``override_options: ['unity=off']``). A target without unity sources in a build whose ``unity``
option is on is out, and so is one whose call in ``meson.build`` says ``unity=off`` (read
literally: the introspection does not give a target's options). Only JSON and ``meson.build``
are read; nothing is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amalint.config.buildsystems.compdb import language_of
from amalint.config.buildsystems.fileapi import Reply, ReplyTarget
from amalint.config.buildsystems.targets import TargetSource
from amalint.config.jsonfile import json_path, read_json
from amalint.errors import InputError
from amalint.model import Location
from amalint.scan.sources import exists, read_bounded

INFO = Path("meson-info") / "meson-info.json"
_LANGUAGES = {"c": "C", "cpp": "CXX"}
_KINDS = ("executable", "static library", "shared library", "shared module", "both libraries")


def is_meson(build: Path) -> bool:
    """Whether ``build`` is a directory ``meson setup`` configured."""
    return (build / INFO).is_file()


_INVALID = "not valid Meson introspection"
#: The largest ``meson.build`` read (for where a target is defined).
_MAX_MESON_BUILD = 16 * 1024 * 1024


def _load(path: Path) -> Any:
    return read_json(path, "Meson introspection file", _INVALID)


def _bad(path: Path, what: str) -> InputError:
    return InputError(f"{path}: {_INVALID} ({what})")


def _path(text: str, origin: Path) -> Path:
    return json_path(text, origin, _INVALID)


@dataclass(frozen=True)
class MesonBuild:
    reply: Reply
    #: The build's ``unity`` option is ``on`` (or ``subprojects``).
    unity_on: bool
    #: Targets whose call in ``meson.build`` sets ``unity=off``.
    unity_off: frozenset[str]


def read_build(build: Path) -> MesonBuild:
    """The targets of the Meson build in ``build``; raise :class:`InputError` naming the file
    when an introspection file is broken."""
    info_path = build / INFO
    info = _load(info_path)
    directories = info.get("directories") if isinstance(info, dict) else None
    source = directories.get("source") if isinstance(directories, dict) else None
    if not isinstance(source, str):
        raise _bad(info_path, "no directories.source string")
    source_dir = _path(source, info_path)
    targets_path = build / "meson-info" / "intro-targets.json"
    data = _load(targets_path)
    if not isinstance(data, list):
        raise _bad(targets_path, "expected a list")
    root = build.resolve()
    targets = [t for entry in data if (t := _target(entry, targets_path, root)) is not None]
    unity_off = frozenset(t.name for t in targets
                          if t.defined_at is not None and _says_unity_off(t.defined_at))
    return MesonBuild(Reply(targets_path, source_dir, tuple(targets), ()), _unity_on(build),
                      unity_off)


def _target(entry: Any, path: Path, build: Path) -> ReplyTarget | None:
    """The target of ``entry``; a source in the build directory is one the build generates
    (not a source of the project: it may not exist yet)."""
    if not isinstance(entry, dict):
        raise _bad(path, "a target that is not an object")
    name, kind, defined_in = entry.get("name"), entry.get("type"), entry.get("defined_in")
    if not isinstance(name, str) or not isinstance(defined_in, str):
        raise _bad(path, "a target without name or defined_in")
    if kind not in _KINDS:
        return None
    sources: dict[Path, TargetSource] = {}
    generated: list[Path] = []
    for group in _list(entry, "target_sources", path):
        if not isinstance(group, dict):
            raise _bad(path, f"target {name!r}: a target_sources entry that is not an object")
        if group.get("language") not in _LANGUAGES:
            continue
        language = _LANGUAGES[group["language"]]
        listed = [*_strings(group, "sources", path), *_strings(group, "unity_sources", path)]
        for item in listed:
            where = _path(item, path)
            if where.is_relative_to(build):
                generated.append(where)
            elif language_of(where) == language:
                sources.setdefault(where, TargetSource(where, language))
        generated.extend(_path(item, path) for item in _strings(group, "generated_sources", path))
    meson_build = _path(defined_in, path)
    return ReplyTarget(name, meson_build.parent, tuple(sources.values()), tuple(generated),
                       _defined_at(meson_build, name))


def _list(table: dict[str, Any], key: str, path: Path) -> list[Any]:
    """``table[key]``: a list, or none if missing."""
    value = table.get(key, [])
    if not isinstance(value, list):
        raise _bad(path, f"{key!r} must be a list, not {type(value).__name__}")
    return value


def _strings(table: dict[str, Any], key: str, path: Path) -> list[str]:
    """``table[key]``: a list of strings, or none if missing."""
    value = _list(table, key, path)
    if not all(isinstance(v, str) for v in value):
        raise _bad(path, f"{key!r} must be a list of strings")
    return value


def _text(path: Path) -> str | None:
    """The text of ``meson.build`` at ``path``, or ``None`` if there is none (a FIFO, a device
    or a huge file there is an error naming it)."""
    if not exists(path):
        return None
    return read_bounded(path, _MAX_MESON_BUILD, "meson.build").decode("utf-8", "replace")


def _defined_at(meson_build: Path, name: str) -> Location:
    """The first line of ``meson.build`` that names the target as a string literal (Meson's
    introspection gives the file, not the line), else its first line."""
    text = _text(meson_build)
    if text is None:
        return Location(meson_build, 1)
    literal = re.compile("['\"]" + re.escape(name) + "['\"]")
    for number, line in enumerate(text.splitlines(), 1):
        if literal.search(line):
            return Location(meson_build, number)
    return Location(meson_build, 1)


def _says_unity_off(call: Location) -> bool:
    """Whether the call that starts at ``call`` (its parentheses balanced, strings skipped
    roughly) sets ``unity=off``."""
    text = _text(call.path)
    if text is None:
        return False
    lines = text.splitlines()
    text = "\n".join(lines[call.line - 1:])
    start = text.find("(")
    depth = 0
    for index in range(max(start, 0), len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return re.search(r"""['"]unity\s*=\s*off['"]""", text[start:index]) is not None
    return False


def _unity_on(build: Path) -> bool:
    path = build / "meson-info" / "intro-buildoptions.json"
    if not exists(path):
        return False
    options = _load(path)
    for option in options if isinstance(options, list) else []:
        if isinstance(option, dict) and option.get("name") == "unity":
            return option.get("value") in ("on", "subprojects")
    return False
