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

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amalint.config.buildsystems.fileapi import Reply, ReplyTarget
from amalint.config.buildsystems.targets import TargetSource
from amalint.errors import InputError
from amalint.model import Location

INFO = Path("meson-info") / "meson-info.json"
_LANGUAGES = {"c": "C", "cpp": "CXX"}
_KINDS = ("executable", "static library", "shared library", "shared module", "both libraries")


def is_meson(build: Path) -> bool:
    """Whether ``build`` is a directory ``meson setup`` configured."""
    return (build / INFO).is_file()


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not valid Meson introspection ({exc})") from None


def _bad(path: Path, what: str) -> InputError:
    return InputError(f"{path}: not valid Meson introspection ({what})")


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
    try:
        source_dir = Path(info["directories"]["source"]).resolve()
    except (KeyError, TypeError):
        raise _bad(info_path, "no directories.source") from None
    targets_path = build / "meson-info" / "intro-targets.json"
    data = _load(targets_path)
    if not isinstance(data, list):
        raise _bad(targets_path, "expected a list")
    targets = [t for entry in data if (t := _target(entry, targets_path)) is not None]
    unity_off = frozenset(t.name for t in targets
                          if t.defined_at is not None and _says_unity_off(t.defined_at))
    return MesonBuild(Reply(targets_path, source_dir, tuple(targets), ()), _unity_on(build),
                      unity_off)


def _target(entry: Any, path: Path) -> ReplyTarget | None:
    if not isinstance(entry, dict):
        raise _bad(path, "a target that is not an object")
    name, kind, defined_in = entry.get("name"), entry.get("type"), entry.get("defined_in")
    if not isinstance(name, str) or not isinstance(defined_in, str):
        raise _bad(path, "a target without name or defined_in")
    if kind not in _KINDS:
        return None
    sources: dict[Path, TargetSource] = {}
    generated: list[Path] = []
    groups = entry.get("target_sources", [])
    for group in groups if isinstance(groups, list) else []:
        if not isinstance(group, dict) or group.get("language") not in _LANGUAGES:
            continue
        language = _LANGUAGES[group["language"]]
        listed = [*_strings(group.get("sources")), *_strings(group.get("unity_sources"))]
        for item in listed:
            where = Path(item).resolve()
            if _language_of(where) == language:
                sources.setdefault(where, TargetSource(where, language))
        generated.extend(Path(item).resolve() for item in _strings(group.get("generated_sources")))
    meson_build = Path(defined_in).resolve()
    return ReplyTarget(name, meson_build.parent, tuple(sources.values()), tuple(generated),
                       _defined_at(meson_build, name))


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _language_of(path: Path) -> str:
    return "C" if path.suffix == ".c" else "CXX"


def _defined_at(meson_build: Path, name: str) -> Location:
    """The first line of ``meson.build`` that names the target as a string literal (Meson's
    introspection gives the file, not the line), else its first line."""
    try:
        text = meson_build.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return Location(meson_build, 1)
    literal = re.compile("['\"]" + re.escape(name) + "['\"]")
    for number, line in enumerate(text.splitlines(), 1):
        if literal.search(line):
            return Location(meson_build, number)
    return Location(meson_build, 1)


def _says_unity_off(call: Location) -> bool:
    """Whether the call that starts at ``call`` (its parentheses balanced, strings skipped
    roughly) sets ``unity=off``."""
    try:
        lines = call.path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
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
    try:
        options = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False
    for option in options if isinstance(options, list) else []:
        if isinstance(option, dict) and option.get("name") == "unity":
            return option.get("value") in ("on", "subprojects")
    return False
