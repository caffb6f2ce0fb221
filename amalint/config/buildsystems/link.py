"""A program's link inputs, in order, from a link command line or from a CMake build directory
(the file API reply, :func:`amalint.config.buildsystems.fileapi.read_links`), with the symbols of
every object and archive member (:mod:`amalint.config.buildsystems.objects`) and the source each
was compiled from. Only reading; nothing is run."""

from __future__ import annotations

import itertools
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from amalint.config.buildsystems.fileapi import read_links
from amalint.config.buildsystems.objects import read_archive, read_object
from amalint.errors import InputError
from amalint.program.model import Link, LinkInput, ObjectFile, StartUp

_SOURCE_SUFFIXES = (".cc", ".cpp", ".cxx", ".c++", ".C", ".c")
#: The CMake targets a linker makes: a program, or a shared library (one the loader runs the
#: constructors of when it loads it).
_LINKED = ("EXECUTABLE", "SHARED_LIBRARY", "MODULE_LIBRARY")


@dataclass(frozen=True)
class RawInput:
    """A link input as the command line names it: an object or a static library."""

    path: Path
    archive: bool
    whole: bool
    #: The ``--start-group`` ... ``--end-group`` it is in (numbered from 1), if any.
    group: int | None = None


@dataclass
class _Flags:
    """The linker's state along the command line: ``--whole-archive`` (and the states
    ``--push-state`` saved), the ``--start-group`` open."""

    whole: bool = False
    pushed: list[bool] = field(default_factory=list)
    group: int | None = None
    groups: int = 0

    def take(self, flag: str) -> None:
        if flag in ("--whole-archive", "--no-whole-archive"):
            self.whole = flag == "--whole-archive"
        elif flag == "--push-state":
            self.pushed.append(self.whole)
        elif flag == "--pop-state":
            self.whole = self.pushed.pop() if self.pushed else False
        elif flag in ("--start-group", "-("):
            self.groups += 1
            self.group = self.groups
        elif flag in ("--end-group", "-)"):
            self.group = None

    def archive(self, path: Path) -> RawInput:
        return RawInput(path, True, self.whole, self.group)


def parse_command(argv: Sequence[str], cwd: Path) -> list[RawInput]:
    """The objects and static libraries of a link command (``c++ a.o libx.a -Wl,...``) in
    order, each static library marked when ``--whole-archive`` covers it and with the
    ``--start-group`` it is in; ``-l`` names are searched in the ``-L`` directories (a name
    found only as a shared library is no input here). Pure apart from the ``-l`` search."""
    args = list(argv)
    if args and not args[0].startswith("-") and not _is_input(args[0]):
        args = args[1:]  # the compiler or linker
    search: list[Path] = []
    libraries: list[str] = []
    found: list[RawInput] = []
    flags = _Flags()
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg in ("-o", "-L", "-l", "-T", "-MF", "-Xlinker") and index < len(args):
            value = args[index]
            index += 1
            if arg == "-L":
                search.append(cwd / value)
            elif arg == "-l":
                libraries.append(value)
                found.extend(_library(value, search, flags))
            elif arg == "-Xlinker":
                flags.take(value)
            continue
        if arg.startswith("-L"):
            search.append(cwd / arg[2:])
        elif arg.startswith("-l"):
            found.extend(_library(arg[2:], search, flags))
        elif arg.startswith("-Wl,"):
            for flag in arg[4:].split(","):
                flags.take(flag)
        elif arg in ("--start-group", "--end-group", "--whole-archive", "--no-whole-archive",
                     "--push-state", "--pop-state"):  # the linker's own command line
            flags.take(arg)
        elif not arg.startswith("-") and _is_input(arg):
            path = cwd / arg
            found.append(flags.archive(path) if path.suffix == ".a"
                         else RawInput(path, False, False, flags.group))
    return found


def _is_input(arg: str) -> bool:
    return arg.endswith((".o", ".obj", ".a"))


def _library(name: str, search: list[Path], flags: _Flags) -> list[RawInput]:
    """``-lname``: the first ``libname.a`` in the ``-L`` directories, unless a shared
    ``libname.so`` comes first there (the linker prefers it)."""
    file = name[1:] if name.startswith(":") else None
    for folder in search:
        if file is not None:
            if (folder / file).is_file():
                return [flags.archive(folder / file) if file.endswith(".a")
                        else RawInput(folder / file, False, False)]
            continue
        if (folder / f"lib{name}.so").is_file():
            return []
        if (folder / f"lib{name}.a").is_file():
            return [flags.archive(folder / f"lib{name}.a")]
    return []


def collects(argv: Sequence[str]) -> bool:
    """Whether wasm-ld collects garbage: by default, unless told not to or to export all."""
    flags = {flag for arg in argv
             for flag in (arg[4:].split(",") if arg.startswith("-Wl,") else [arg])}
    return not flags & {"--no-gc-sections", "--export-all", "-r", "--relocatable"}


def startup_of(argv: Sequence[str], wasm_objects: bool) -> tuple[StartUp, tuple[str, ...]]:
    """How a link's constructors come to run, and the symbols it must define (its roots): ELF,
    a shared library with ``-shared`` (no roots: the libraries give what the objects need),
    unless the objects are WebAssembly or the command targets it (``--target=wasm32-wasi``,
    ``-target wasm32-*``, ``wasm-ld``, emscripten's ``emcc``/``em++``); then a reactor with
    ``-mexec-model=reactor`` or ``--no-entry`` (for emscripten, with ``-sSTANDALONE_WASM``:
    otherwise its JavaScript runs the constructors), else a command. A reactor's roots are
    the symbols ``--export=NAME`` exports; a command's, ``main``. Pure."""
    args = list(argv)
    tool = Path(args[0]).name if args else ""
    flags = [flag for arg in args
             for flag in (arg[4:].split(",") if arg.startswith("-Wl,") else [arg])]
    targets = [value for key, value in itertools.pairwise(args)
               if key in ("-target", "--target")]
    targets += [a.split("=", 1)[1] for a in args if a.startswith(("--target=", "-target="))]
    emscripten = tool.startswith(("emcc", "em++"))
    wasm = (wasm_objects or emscripten or "wasm-ld" in tool
            or any(t.startswith(("wasm32", "wasm64")) for t in targets))
    if not wasm:
        shared = "-shared" in args or "--shared" in args or "-shared" in flags
        return (StartUp.SHARED, ()) if shared else (StartUp.ELF, ("main",))
    standalone = any(f.startswith("STANDALONE_WASM") and not f.endswith("=0")
                     for f in _settings(args))
    reactor = "-mexec-model=reactor" in args or (
        "--no-entry" in flags and (standalone or not emscripten))
    if not reactor:
        return StartUp.COMMAND, ("main", "__main_argc_argv")
    exports = [f.split("=", 1)[1] for f in flags if f.startswith("--export=")]
    exports += [value for key, value in itertools.pairwise(flags) if key == "--export"]
    return StartUp.REACTOR, tuple(dict.fromkeys(exports))


def _settings(args: Sequence[str]) -> list[str]:
    """Emscripten's ``-sNAME[=VALUE]`` and ``-s NAME[=VALUE]`` settings."""
    found = [a[2:] for a in args if a.startswith("-s") and len(a) > 2]
    found += [value for key, value in itertools.pairwise(args) if key == "-s"]
    return found


def read_inputs(raw: Sequence[RawInput], target: str, build_system: str = "command",
                argv: Sequence[str] = ()) -> Link:
    """The link of ``target`` with the symbols and sources of its inputs; ``argv``, the link
    command, says how its start-up happens (:func:`startup_of`)."""
    inputs = []
    for item in raw:
        if item.archive:
            members = tuple(_with_source(obj, name) for obj, name in read_archive(item.path))
            inputs.append(LinkInput(item.path, members, True, item.whole, item.group))
        else:
            obj, name = read_object(item.path)
            inputs.append(LinkInput(item.path, (_with_source(obj, name),), group=item.group))
    wasm = any(obj.wasm for item in inputs for obj in item.objects)
    startup, roots = startup_of(argv, wasm)
    return Link(target, tuple(inputs), build_system, roots, startup,
                startup.wasm and collects(argv))


def link_from_command(command: str, cwd: Path, target: str | None = None) -> Link:
    """The link a command line (one string, shell-quoted) makes."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise InputError(f"the link command cannot be split into arguments ({exc})") from exc
    raw = parse_command(argv, cwd)
    if not any(not item.archive for item in raw):
        raise InputError("the link command names no object file (`.o`)")
    name = target
    if name is None and "-o" in argv[:-1]:
        name = argv[argv.index("-o") + 1]
    return read_inputs(raw, name or "a.out", argv=argv)


def link_from_cmake(build: Path, target: str) -> Link:
    """The link of ``target`` from the CMake file API reply in ``build``: its own objects
    (Ninja puts those of object libraries first, the Makefile generators last), then the
    libraries of its link command fragments, ``--whole-archive`` regions kept."""
    links = read_links(build)
    if links is None:
        raise InputError(f"{build}: no CMake file API reply with a codemodel (create "
                         f"{build}/.cmake/api/v1/query/codemodel-v2 and configure again)")
    if target not in links.targets:
        known = ", ".join(sorted(n for n, t in links.targets.items() if t.kind in _LINKED))
        raise InputError(f"{build}: no target `{target}` in the CMake build "
                         f"(executables and shared libraries: {known or 'none'})")
    reply = links.targets[target]
    if reply.kind not in _LINKED:
        raise InputError(f"`{target}` is a {reply.kind.lower().replace('_', ' ')}, not an "
                         "executable or a shared library")
    objects = ([*reply.external_objects, *reply.objects] if "Ninja" in links.generator
               else [*reply.objects, *reply.external_objects])
    missing = [o for o in objects if not o.is_file()]
    if missing:
        raise InputError(f"{missing[0]}: no such object file; build `{target}` first")
    argv = [str(o) for o in objects]
    for fragment, role in reply.fragments:
        if role in ("libraries", "libraryPath"):
            argv.extend(shlex.split(fragment))
    raw = parse_command(argv, links.build)
    for item in raw:
        if not item.path.is_file():
            raise InputError(f"{item.path}: no such library; build `{target}` first")
    flags = [arg for fragment, role in reply.fragments if role == "flags"
             for arg in shlex.split(fragment)]
    if reply.kind != "EXECUTABLE" and "-shared" not in flags:
        flags.append("-shared")
    link = read_inputs(raw, target, "cmake", ["c++", *flags, *argv])
    # the sources CMake compiled each object (and each library's member) from
    by_object = {o: s for t in links.targets.values()
                 for o, s in zip(t.objects, t.sources, strict=True)}
    by_member = {(a, o.name): s for t in links.targets.values() for a in t.artifacts
                 for o, s in zip(t.objects, t.sources, strict=True)}
    inputs = tuple(replace(item, objects=tuple(
        replace(obj, source=by_object.get(obj.path) if obj.member is None
                else by_member.get((obj.path, obj.member), obj.source))
        if (obj.path in by_object or (obj.path, obj.member) in by_member) else obj
        for obj in item.objects)) for item in link.inputs)
    return replace(link, inputs=inputs)


def _with_source(obj: ObjectFile, recorded: str | None) -> ObjectFile:
    """``obj`` with the source it was compiled from: ``x.cc.o`` or ``x.o`` beside ``x.cc``, a
    CMake object below ``CMakeFiles/T.dir/`` (its unity source, or the source at the same
    relative path), else the file name the compiler recorded, beside the object."""
    name = obj.member if obj.member is not None else obj.path.name
    folder = obj.path.parent
    stem = name.rsplit(".", 1)[0]
    candidates = [folder / stem] + [folder / f"{stem}{s}" for s in _SOURCE_SUFFIXES]
    if obj.member is None and "CMakeFiles" in obj.path.parts:
        cut = obj.path.parts.index("CMakeFiles")
        relative = Path(*obj.path.parts[cut + 2:])
        candidates.insert(0, obj.path.with_suffix(""))
        candidates.append(Path(*obj.path.parts[:cut]) / relative.with_suffix(""))
    if recorded:
        candidates.append(folder / recorded)
    for candidate in candidates:
        if candidate.suffix in _SOURCE_SUFFIXES and candidate.is_file():
            return replace(obj, source=candidate)
    return obj
