"""Compiler flags for an umbrella: from ``compile_commands.json``, ``--`` arguments or config.

A compilation database entry is *parsed*, never run: ``arguments`` is taken as is, ``command`` is
split as a POSIX shell would split it. The compiler itself, the source file, and the flags that
only concern outputs (``-c``, ``-o``, dependency files) are dropped; the rest pass the allowlist
of :mod:`amalint.config.trust` (what it drops is kept for a note under ``--verbose``); paths in
the remaining flags are made absolute against the entry's ``directory`` so they mean the same
from any working directory.
"""

from __future__ import annotations

import functools
import itertools
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from amalint.config.jsonfile import read_json
from amalint.config.settings import Settings, parse_compiler_args
from amalint.config.trust import screen
from amalint.errors import InputError
from amalint.scan.sources import is_directory, is_regular, real

DATABASE = "compile_commands.json"
#: The largest compilation database read (Chromium's is about 200 MB).
MAX_DATABASE_BYTES = 512 * 1024 * 1024

#: Flags that take a value, in the next argument or glued on, and whose value is a path.
_PATH_FLAGS = ("-I", "-iquote", "-isystem", "-idirafter", "-include", "-imacros", "-isysroot",
               "--sysroot", "-iprefix", "-F", "-resource-dir")
#: Output and dependency-file flags with a value: dropped together with it.
_DROPPED_WITH_VALUE = ("-o", "-MF", "-MT", "-MQ")
#: Output and dependency flags without a value: dropped.
_DROPPED = ("-c", "-S", "-E", "-M", "-MM", "-MD", "-MMD", "-MP", "-MG", "-fsyntax-only",
            "-fcolor-diagnostics", "-fdiagnostics-color", "-pipe")


@dataclass(frozen=True)
class Flags:
    """The compiler arguments for one umbrella and where they came from (for ``--verbose``)."""

    args: tuple[str, ...]
    origin: str
    #: The flags :func:`amalint.config.trust.screen` dropped.
    dropped: tuple[str, ...] = ()


def find_database(explicit: Path | None, cwd: Path) -> Path | None:
    """The compilation database to use: ``explicit`` (a file or a build directory; it must
    exist), else ``build/compile_commands.json`` or ``compile_commands.json`` in ``cwd``."""
    if explicit is not None:
        path = explicit / DATABASE if is_directory(explicit) else explicit
        if not is_regular(path):
            raise InputError(f"{explicit}: no {DATABASE} there")
        return path
    for candidate in (cwd / "build" / DATABASE, cwd / DATABASE):
        if is_regular(candidate):
            return candidate
    return None


def database_entry(database: Path, source: Path) -> Flags | None:
    """The flags the database gives for ``source``, or ``None`` if it has no entry for it."""
    entry = read_database(database).get(real(source))
    return None if entry is None else entry.flags


@dataclass(frozen=True)
class Entry:
    """One entry of a compilation database: the source, the directory it is compiled in, the
    object file it makes (``output``, or the ``-o`` argument; ``None`` if neither), its flags."""

    file: Path
    directory: Path
    output: Path | None
    flags: Flags


def read_database(database: Path) -> dict[Path, Entry]:
    """Every source of a compilation database with its entry (the first entry of a source
    counts), read once per version of the file (``--fix`` passes, AM205 and the build-system
    units look sources up many times)."""
    return _by_source(real(database), _stamp(database))


def read_entries(database: Path) -> tuple[Entry, ...]:
    """Every entry of a compilation database, in order: a source built by two targets has two
    (each target's object file)."""
    return _read(real(database), _stamp(database))


def _stamp(database: Path) -> int:
    try:
        return database.stat().st_mtime_ns
    except OSError as exc:
        raise InputError(f"{database}: cannot read ({exc.strerror or exc})") from None


@functools.lru_cache(maxsize=8)
def _by_source(database: Path, stamp: int) -> dict[Path, Entry]:
    out: dict[Path, Entry] = {}
    for entry in _read(database, stamp):
        out.setdefault(entry.file, entry)
    return out


@functools.lru_cache(maxsize=8)
def _read(database: Path, stamp: int) -> tuple[Entry, ...]:
    del stamp  # part of the cache key only
    entries = read_json(database, "compilation database", "not a valid compilation database",
                        MAX_DATABASE_BYTES)
    if not isinstance(entries, list):
        raise InputError(f"{database}: not a valid compilation database (expected a list)")
    out: list[Entry] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) \
                or not isinstance(entry.get("directory"), str):
            raise InputError(f"{database}: entry {index} needs 'file' and 'directory' strings")
        if "\0" in entry["file"] or "\0" in entry["directory"]:
            raise InputError(f"{database}: entry {index}: a NUL byte in 'file' or 'directory'")
        directory = real(database.parent / entry["directory"])
        target = real(directory / entry["file"])
        argv = _argv(entry, database, index)
        if any("\0" in a for a in argv):
            raise InputError(f"{database}: entry {index}: a NUL byte in the command")
        inputs = [a for a in argv[1:] if not a.startswith("-") and real(directory / a)
                  == target]
        screened = screen(list(clean_args(argv[1:], *inputs)))
        args = tuple(_absolute(list(screened.kept), directory))
        output = entry.get("output")
        if not isinstance(output, str):
            output = next((b for a, b in itertools.pairwise(argv) if a == "-o"), None)
        out.append(Entry(target, directory,
                         None if output is None else real(directory / output),
                         Flags(args, f"{database} (entry {index})", screened.dropped)))
    return tuple(out)


def _argv(entry: dict[str, object], database: Path, index: int) -> list[str]:
    arguments = entry.get("arguments")
    if isinstance(arguments, list) and all(isinstance(a, str) for a in arguments):
        return [str(a) for a in arguments]
    command = entry.get("command")
    if isinstance(command, str):
        try:
            return shlex.split(command)
        except ValueError as exc:
            raise InputError(f"{database}: entry {index}: cannot split 'command' ({exc})") \
                from None
    raise InputError(f"{database}: entry {index} needs 'arguments' (a list of strings) or "
                     "'command' (a string)")


def clean_args(args: Sequence[str], *sources: str) -> Iterator[str]:
    """``args`` without the source file (as spelled in them) and the flags that only concern
    outputs."""
    it = iter(args)
    for arg in it:
        if arg in _DROPPED_WITH_VALUE:
            next(it, None)
        elif arg in _DROPPED or arg in sources or any(
            arg.startswith(flag) and len(arg) > len(flag) for flag in ("-o", "-MF", "-MT", "-MQ")
        ):
            continue
        else:
            yield arg


def _absolute(args: list[str], directory: Path) -> Iterator[str]:
    it = iter(args)
    for arg in it:
        flag = next((f for f in _PATH_FLAGS if arg == f or (arg.startswith(f) and f in (
            "-I", "-F", "-isystem", "-iquote", "-idirafter"))), None)
        if flag is None:
            yield arg
            continue
        value = arg[len(flag):] if arg != flag else next(it, "")
        yield flag
        yield str(directory / value)


def with_database(umbrella: Path, settings: Settings, cwd: Path) -> tuple[Settings, str | None]:
    """``settings`` with the flags of the compilation database entry for ``umbrella`` (plus
    the ``--`` arguments, which come after it), and a warning if an explicitly given database
    has no entry for it."""
    database = find_database(settings.compile_commands, cwd)
    if database is None:
        return settings, None
    entry = database_entry(database, umbrella)
    if entry is None:
        if settings.compile_commands is None:
            return settings, None
        return settings, f"{database} has no entry for {umbrella}; its flags are not used"
    return with_flags(settings, entry, cwd), None


def with_flags(settings: Settings, entry: Flags, cwd: Path) -> Settings:
    """``settings`` with the flags of a compilation database entry first (the ``--``
    arguments and config come after them)."""
    search, defines = parse_compiler_args(entry.args, cwd)
    merged = replace(settings.search,
                     quote_dirs=search.quote_dirs + settings.search.quote_dirs,
                     include_dirs=search.include_dirs + settings.search.include_dirs,
                     system_dirs=search.system_dirs + settings.search.system_dirs)
    return replace(
        settings, search=merged, defines=defines + settings.defines,
        compiler_args=entry.args + settings.compiler_args, flags_origin=entry.origin,
        dropped_flags=(*settings.dropped_flags, (entry.origin, entry.dropped)) if entry.dropped
        else settings.dropped_flags,
    )


def unit_flags(settings: Settings) -> list[str]:
    """The flags the unit compiles with: the build's (the database's, then ``--``), then the
    config's include paths and defines (what libclang parses with, and what
    ``amalint compile-commands`` gives each source)."""
    args = list(settings.compiler_args)
    args += [f"-I{d}" for d in settings.search.include_dirs if f"-I{d}" not in args]
    args += [f"-D{d}" if not d.startswith("-") else f"-U{d[1:]}" for d in settings.defines]
    return args
