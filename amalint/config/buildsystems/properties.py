"""What a project's CMake files say about unity builds, read literally: the source properties
that keep a source out of unity sources or put it in a group, the targets' unity properties, and
the literal source lists of ``add_library``/``add_executable``/``target_sources`` (which a fix
may reorder).

Source properties are scoped as CMake scopes them: to the directory whose ``CMakeLists.txt``
sets them, or the ``DIRECTORY``/``TARGET_DIRECTORY`` named. A property set on sources named
through a variable, or to a value that is not literal, cannot be read; each such place becomes
a note (``--verbose``), and the source is treated as if the property were not set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from amalint.config.buildsystems.cmakelists import Argument, Command, read, truthy

#: Source properties that decide unity-build membership (CMake's cmLocalGenerator): any of the
#: last five set keeps the source out; UNITY_GROUP names its group in group mode.
SKIP = "SKIP_UNITY_BUILD_INCLUSION"
GROUP = "UNITY_GROUP"
EXCLUDING = (SKIP, "HEADER_FILE_ONLY", "COMPILE_OPTIONS", "COMPILE_DEFINITIONS", "COMPILE_FLAGS",
             "INCLUDE_DIRECTORIES")
_SOURCE_PROPERTIES = {*EXCLUDING, GROUP}
_TARGET_PROPERTIES = {"UNITY_BUILD", "UNITY_BUILD_MODE", "UNITY_BUILD_CODE_BEFORE_INCLUDE",
                      "UNITY_BUILD_CODE_AFTER_INCLUDE"}
_SOURCE_LISTS = ("add_library", "add_executable", "target_sources")
_LIST_KEYWORDS = {"PRIVATE", "PUBLIC", "INTERFACE", "STATIC", "SHARED", "MODULE", "OBJECT",
                  "EXCLUDE_FROM_ALL", "WIN32", "MACOSX_BUNDLE"}

#: Where a source property applies: a directory, or the directory of a named target.
Scope = tuple[str, str]


@dataclass(frozen=True)
class Listed:
    """A source written literally in a command's source list."""

    source: Path
    argument: Argument
    command: Command


@dataclass
class Properties:
    sources: dict[tuple[Scope, Path], dict[str, str]] = field(default_factory=dict)
    targets: dict[str, dict[str, str]] = field(default_factory=dict)
    lists: dict[str, list[Listed]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Directories whose CMake files set UNITY_BUILD off on targets named through a variable
    #: (``set_target_properties(${name} PROPERTIES UNITY_BUILD OFF)`` in a loop), with where.
    unity_off: dict[Path, str] = field(default_factory=dict)

    def of_source(self, target: str, directory: Path, source: Path) -> dict[str, str]:
        """The properties of ``source`` as seen by ``target`` (defined in ``directory``)."""
        out: dict[str, str] = {}
        for scope in (("any", ""), ("dir", str(directory)), ("target", target)):
            out.update(self.sources.get((scope, source), {}))
        return out

    def skipped(self, target: str, directory: Path, source: Path) -> str | None:
        """The property that keeps ``source`` out of ``target``'s unity sources, if any."""
        props = self.of_source(target, directory, source)
        for name in EXCLUDING:
            if name in props and (name not in (SKIP, "HEADER_FILE_ONLY") or truthy(props[name])):
                return name
        return None


def _split(args: Sequence[Argument], keywords: Iterable[str]) -> dict[str, list[Argument]]:
    """Arguments by the keyword before them (``""`` for those before any keyword)."""
    out: dict[str, list[Argument]] = {"": []}
    current = ""
    words = set(keywords)
    for arg in args:
        if arg.literal and arg.text in words:
            current = arg.text
            out.setdefault(current, [])
        else:
            out[current].append(arg)
    return out


def _where(command: Command, arg: Argument | None = None) -> str:
    return f"{command.path}:{arg.line if arg else command.line}"


def _pairs(args: list[Argument]) -> Iterable[tuple[Argument, str | None]]:
    for index in range(0, len(args) - 1, 2):
        name, value = args[index], args[index + 1]
        yield name, value.text if value.literal else None


def read_properties(cmake_files: Iterable[Path]) -> Properties:
    """The unity-build properties and literal source lists of every file in ``cmake_files``."""
    props = Properties()
    for path in cmake_files:
        for command in read(path):
            _command(props, command)
    return props


def _command(props: Properties, command: Command) -> None:
    base = command.path.parent
    own: Scope = ("dir", str(base)) if command.path.name == "CMakeLists.txt" else ("any", "")
    if command.name == "set_source_files_properties":
        parts = _split(command.args, ("DIRECTORY", "TARGET_DIRECTORY", "PROPERTIES"))
        settings = list(_pairs(parts.get("PROPERTIES", [])))
        _sources(props, command, parts, own, settings)
    elif command.name == "set_property" and command.args and command.args[0].text == "SOURCE":
        parts = _split(command.args[1:], ("DIRECTORY", "TARGET_DIRECTORY", "APPEND",
                                          "APPEND_STRING", "PROPERTY"))
        values = parts.get("PROPERTY", [])
        if values:
            value = None if not all(v.literal for v in values[1:]) else \
                ";".join(v.text for v in values[1:])
            _sources(props, command, parts, own, [(values[0], value)])
    elif command.name == "set_target_properties":
        parts = _split(command.args, ("PROPERTIES",))
        _targets(props, command, parts[""], list(_pairs(parts.get("PROPERTIES", []))))
    elif command.name == "set_property" and command.args and command.args[0].text == "TARGET":
        parts = _split(command.args[1:], ("APPEND", "APPEND_STRING", "PROPERTY"))
        values = parts.get("PROPERTY", [])
        if values:
            value = None if not all(v.literal for v in values[1:]) else \
                ";".join(v.text for v in values[1:])
            _targets(props, command, parts[""], [(values[0], value)])
    elif command.name in _SOURCE_LISTS and command.args and command.args[0].literal:
        name = command.args[0].text
        for arg in command.args[1:]:
            if arg.literal and arg.text not in _LIST_KEYWORDS and ";" not in arg.text:
                props.lists.setdefault(name, []).append(
                    Listed((base / arg.text).resolve(), arg, command))


def _sources(props: Properties, command: Command, parts: dict[str, list[Argument]], own: Scope,
             settings: list[tuple[Argument, str | None]]) -> None:
    relevant = [(n.text, v) for n, v in settings if n.literal and n.text in _SOURCE_PROPERTIES]
    if not relevant:
        return
    for name, value in relevant:
        if value is None:
            props.notes.append(f"{_where(command)}: {name} is set to a value that is not "
                               "literal; amalint reads it as not set")
    files = parts[""]
    if any(not f.literal for f in files):
        names = ", ".join(name for name, _ in relevant)
        props.notes.append(f"{_where(command)}: {names} set on sources named through a variable; "
                           "amalint cannot tell which")
    scopes: list[Scope] = []
    for arg in parts.get("DIRECTORY", []):
        scopes.append(("dir", str((command.path.parent / arg.text).resolve())))
    for arg in parts.get("TARGET_DIRECTORY", []):
        scopes.append(("target", arg.text))
    if not scopes:
        scopes.append(own)
    for arg in files:
        if not arg.literal:
            continue
        for text in arg.text.split(";"):
            source = (command.path.parent / text).resolve()
            for scope in scopes:
                entry = props.sources.setdefault((scope, source), {})
                entry.update({name: value for name, value in relevant if value is not None})


def _targets(props: Properties, command: Command, targets: list[Argument],
             settings: list[tuple[Argument, str | None]]) -> None:
    relevant = [(n.text, v) for n, v in settings if n.literal and n.text in _TARGET_PROPERTIES]
    if not relevant:
        return
    if any(not t.literal for t in targets):
        props.notes.append(f"{_where(command)}: unity properties set on targets named through a "
                           "variable; amalint cannot tell which")
        off = dict(relevant).get("UNITY_BUILD")
        if off is not None and not truthy(off):
            props.unity_off.setdefault(command.path.parent.resolve(), _where(command))
    for arg in targets:
        if arg.literal:
            entry = props.targets.setdefault(arg.text, {})
            entry.update({name: value for name, value in relevant if value is not None})

