"""A program's link from a Meson build directory: the target's output from the introspection
(``meson-info/intro-targets.json``), its link from the ``build`` statement of ``build.ninja``
that makes that output (the objects it lists, then ``LINK_ARGS``: Meson links the libraries in
one ``--start-group``, from thin archives), and the source of every object and library member
from the targets' sources. Only reading; nothing is run."""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
from pathlib import Path
from typing import Any

from amalint.config.buildsystems.link import parse_command, read_inputs
from amalint.config.jsonfile import read_json
from amalint.errors import InputError
from amalint.program.model import Link, ObjectFile
from amalint.scan.sources import read_bounded

#: The largest ``build.ninja`` read.
_MAX_NINJA = 256 * 1024 * 1024
_ESCAPE = re.compile(r"\$(.)", re.S)
#: The targets a linker makes.
_LINKED = ("executable", "shared library", "shared module")


def _unescape(text: str) -> str:
    """Ninja's ``$ ``, ``$:`` and ``$$``."""
    return _ESCAPE.sub(lambda m: m.group(1), text)


def _words(text: str) -> list[str]:
    """The paths of a ``build`` line, split at unescaped spaces."""
    return [_unescape(w) for w in re.split(r"(?<!\$) +", text.strip()) if w]


def link_statement(ninja: str, output: str) -> tuple[list[str], str] | None:
    """The explicit inputs and ``LINK_ARGS`` of the ``build`` statement whose first output is
    ``output`` (as ``build.ninja`` writes the path), if there is one."""
    lines = ninja.replace("$\n", "").split("\n")
    head = re.compile(r"build (?P<out>(?:\$.|[^ :|$])+)[^:]*?(?<!\$):\s*(?P<rest>.*)")
    for number, line in enumerate(lines):
        m = head.match(line)
        if m is None or _unescape(m["out"]) != output:
            continue
        words = _words(re.split(r"(?<!\$) \|", m["rest"], maxsplit=1)[0])
        variables = {}
        for follow in lines[number + 1:]:
            if not follow.startswith(" "):
                break
            name, _, value = follow.strip().partition(" = ")
            variables[name] = value
        return words[1:], _unescape(variables.get("LINK_ARGS", ""))
    return None


def _targets(build: Path) -> list[dict[str, Any]]:
    path = build / "meson-info" / "intro-targets.json"
    data = read_json(path, "Meson introspection file", "not valid Meson introspection")
    if not isinstance(data, list):
        raise InputError(f"{path}: not valid Meson introspection (expected a list)")
    return [t for t in data if isinstance(t, dict)]


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def link_from_meson(build: Path, target: str) -> Link:
    """The link of the executable or shared library ``target`` of the Meson build in
    ``build``."""
    targets = _targets(build)
    found = next((t for t in targets if t.get("name") == target), None)
    if found is None or found.get("type") not in _LINKED:
        known = ", ".join(sorted(str(t.get("name")) for t in targets
                                 if t.get("type") in _LINKED))
        raise InputError(f"{build}: no executable or shared library `{target}` in the Meson "
                         f"build (those there: {known or 'none'})")
    outputs = _strings(found.get("filename"))
    if not outputs:
        raise InputError(f"{build}: Meson names no output of `{target}`")
    ninja_path = build / "build.ninja"
    ninja = read_bounded(ninja_path, _MAX_NINJA, "Ninja file").decode("utf-8", "replace")
    output = Path(outputs[0])
    statement = link_statement(ninja, str(output.relative_to(build.resolve()))
                               if output.is_absolute() else str(output))
    if statement is None:
        raise InputError(f"{ninja_path}: no link of `{target}`")
    inputs, link_args = statement
    try:
        argv = ["c++", *inputs, *shlex.split(link_args)]
    except ValueError as exc:
        raise InputError(f"{ninja_path}: the link arguments of `{target}` cannot be split "
                         f"({exc})") from exc
    raw = parse_command(argv, build)
    for item in raw:
        if not item.path.is_file():
            raise InputError(f"{item.path}: no such file; build `{target}` first")
    link = read_inputs(raw, target, "meson", argv)
    sources = _sources(build, targets)
    return replace(link, inputs=tuple(replace(item, objects=tuple(
        _with_source(obj, sources) for obj in item.objects)) for item in link.inputs))


def _sources(build: Path, targets: list[dict[str, Any]]) -> dict[Path, list[Path]]:
    """The C and C++ sources of each target, by the directory Meson puts its objects in
    (``<output>.p``)."""
    out: dict[Path, list[Path]] = {}
    for target in targets:
        files = [Path(s) for group in target.get("target_sources") or []
                 if isinstance(group, dict) for s in _strings(group.get("sources"))]
        for output in _strings(target.get("filename")):
            out[(build / output).resolve().with_name(Path(output).name + ".p")] = files
    return out


def _with_source(obj: ObjectFile, sources: dict[Path, list[Path]]) -> ObjectFile:
    """``obj`` with its source: Meson names an object ``<output>.p/<source path>.o``, the
    source's path relative to the source root or to the target's directory, ``/`` made ``_``
    (a thin archive's member is named by that path)."""
    where = (obj.path.parent / obj.member if obj.member is not None else obj.path).resolve()
    candidates = sources.get(where.parent, [])
    mangled = where.name.removesuffix(".o")
    for source in candidates:
        parts = source.parts
        for cut in range(len(parts) - 1, 0, -1):
            if "_".join(parts[cut:]) == mangled:
                return replace(obj, source=source)
    return obj
