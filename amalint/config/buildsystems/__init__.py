"""Build-system input: what a configured CMake or Meson build directory says about unity builds.

Takes a build directory (``-p``, config ``compile-commands``); gives a
:class:`~amalint.config.buildsystems.targets.Build`: its targets with their sources in CMake's
order, the unity sources CMake generated (:mod:`.compdb`), and the pools of sources that some
batching could put in one unit (:mod:`.pools`). Targets come from CMake's file API reply where
the build has one (:mod:`.fileapi`), else from ``compile_commands.json``; unity properties from
the project's CMake files, read literally (:mod:`.cmakelists`, :mod:`.properties`). A Meson
build directory is read from its introspection files instead (:mod:`.meson`). A program's link
(``--program``) comes from the file API reply or a link command (:mod:`.link`; the symbols of
its objects from :mod:`.objects` and :mod:`.wasmobjects`), or from Meson's ``build.ninja``
(:mod:`.mesonlink`). Nothing found in the project or the build directory is ever run.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from amalint.config.buildsystems import compdb, fileapi, meson
from amalint.config.buildsystems.pools import pools
from amalint.config.buildsystems.properties import Properties, read_properties
from amalint.config.buildsystems.targets import Build, Pool, Target
from amalint.config.flags import DATABASE, read_entries
from amalint.errors import InputError

__all__ = ["Build", "Pool", "Target", "build_dir", "load"]


def build_dir(compile_commands: Path) -> Path:
    """The build directory of ``-p`` (a directory, or its ``compile_commands.json``)."""
    return compile_commands if compile_commands.is_dir() else compile_commands.parent


def load(directory: Path) -> Build:
    """The build in ``directory``; raise :class:`InputError` naming the file if it has no
    compilation database or a broken one, or a broken file API reply or CMake file. A reply
    or introspection file of a shape CMake and Meson do not write (a node that is no object, a
    number where a name belongs) is an input error too, not a crash."""
    try:
        return _read(directory)
    except (TypeError, KeyError, IndexError, AttributeError, ValueError) as exc:
        raise InputError(f"{directory}: the build directory's CMake file API reply or Meson "
                         f"introspection is not as CMake or Meson write it ({type(exc).__name__}:"
                         f" {exc}); configure it again") from None


def _read(directory: Path) -> Build:
    database = directory / DATABASE
    if not database.is_file():
        raise InputError(f"{directory}: no {DATABASE} there (configure with "
                         "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON)")
    if meson.is_meson(directory):
        targets_file = directory / "meson-info" / "intro-targets.json"
        return _load_meson(directory.resolve(), database.stat().st_mtime_ns,
                           targets_file.stat().st_mtime_ns if targets_file.exists() else 0)
    reply = fileapi.read_reply(directory)
    stamp = database.stat().st_mtime_ns
    return _load(directory.resolve(), stamp, None if reply is None else reply.index)


@functools.lru_cache(maxsize=4)
def _load_meson(directory: Path, stamp: int, targets_stamp: int) -> Build:
    del stamp, targets_stamp  # cache keys only
    database = directory / DATABASE
    found_build = meson.read_build(directory)
    reply = found_build.reply
    entries = read_entries(database)
    unity = compdb.unity_files(entries)
    listed = compdb.listed_unity_targets(entries)
    notes = compdb.unity_notes(unity, entries)
    targets: list[Target] = []
    for t in reply.targets:
        if not t.sources and t.name not in unity:
            notes.append(f"target `{t.name}` has no C or C++ source of the project (only "
                         "generated ones, or none); not checked")
            continue
        if t.name in found_build.unity_off or (found_build.unity_on and t.name not in listed):
            notes.append(f"target `{t.name}` is built without unity "
                         "(override_options unity=off); not checked")
            continue
        targets.append(Target(t.name, t.directory, t.sources, tuple(unity.get(t.name, ())),
                              t.defined_at))
    props = Properties()  # Meson has no per-source or per-target unity settings to read
    found = [pool for target in targets for pool in pools(target, props, notes)]
    return Build(directory, database, reply.source_dir, tuple(targets), tuple(found),
                 f"Meson's introspection {reply.index}", tuple(dict.fromkeys(notes)), props,
                 system="Meson")


@functools.lru_cache(maxsize=4)
def _load(directory: Path, stamp: int, index: Path | None) -> Build:
    del stamp, index  # cache keys only
    database = directory / DATABASE
    entries = read_entries(database)
    reply = fileapi.read_reply(directory)
    unity = compdb.unity_files(entries)
    if reply is not None:
        root: Path | None = reply.source_dir
        targets = [Target(t.name, t.directory, t.sources, tuple(unity.get(t.name, ())),
                          t.defined_at) for t in reply.targets]
        origin = f"the CMake file API reply {reply.index}"
        cmake_files = list(reply.cmake_files)
    else:
        root = compdb.source_dir(directory)
        targets = compdb.targets(directory, entries, root)
        origin = f"{database} (no CMake file API reply; see docs/cmake-meson.md, Configure)"
        cmake_files = []
    if not cmake_files and root is not None:
        cmake_files = cmake_files_below(root, directory)
    props = read_properties(cmake_files)
    notes = [*compdb.unity_notes(unity, entries), *props.notes]
    found: list[Pool] = []
    for target in targets:
        found.extend(pools(target, props, notes))
    return Build(directory, database, root, tuple(targets), tuple(found), origin,
                 tuple(dict.fromkeys(notes)), props)


def cmake_files_below(root: Path, build: Path) -> list[Path]:
    """``CMakeLists.txt`` and ``*.cmake`` files below ``root``, outside hidden directories and
    the build directory."""
    out: list[Path] = []
    skip = build.resolve()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and Path(folder, d).resolve() != skip)
        out.extend(Path(folder, f).resolve() for f in sorted(files)
                   if f == "CMakeLists.txt" or f.endswith(".cmake"))
    return out

