"""The key of a cached lint result: everything besides the unit's files that changes it.

amalint itself (a stamp of its own source files: a new version, or an edited checkout, never
reads results of the old code), the parsers (stamps of the installed tree-sitter and its C++
grammar; of libclang's wheel and the clangs on ``PATH`` whose builtin headers it may take, when
libclang may run), the
Python version, every setting (flags, profiles, rule selection, compiler, front end...) but
where the cache lives, the working directory (messages name files relative to it), the
umbrella's path and its bytes (read from it, or given: an editor's unsaved text, a fix not yet
written), so that a lint of bytes given and a later one of the same bytes written share an
entry (``check --fix`` lints the fixed umbrella; the next ``check`` finds that result). The other
files the unit read are not in the key: they are checked against the entry
(:mod:`amalint.cache.stamps`).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import os
import shutil
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from amalint.cache.relocate import Relocation
from amalint.config.settings import Settings

#: The entry format; part of the cache directory's layout, so an older or newer amalint never
#: reads what it cannot understand.
FORMAT = 2

#: Settings that change where the cache is or what is reported, not what a lint finds (the
#: baseline hides findings after the lint).
_NOT_IN_KEY = frozenset({"cache_dir", "baseline"})


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data, the same in every process: dataclasses as their fields,
    sets sorted, paths as strings. Raise :class:`TypeError` for anything else, so that a new
    kind of setting cannot silently drop out of the key."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name not in _NOT_IN_KEY}
    if isinstance(value, tuple | list):
        return [canonical(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted((canonical(v) for v in value), key=json.dumps)
    if isinstance(value, dict):
        return sorted(([canonical(k), canonical(v)] for k, v in value.items()), key=json.dumps)
    raise TypeError(f"cannot put a {type(value).__name__} into a cache key")


def digest(value: Any, relocation: Relocation | None = None) -> str:
    data = canonical(value)
    if relocation is not None:
        data = relocation.out(data)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _files(root: Path, suffixes: tuple[str, ...], content: bool) -> list[tuple[str, Any]]:
    """Name and size (or, with ``content``, the SHA-256) of the files below ``root`` ending
    in ``suffixes``. Never their modification times: a CI job installs the same release again
    in every run, with new times, and must still hit the cache it restored."""
    stamps: list[tuple[str, Any]] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(suffixes):
                path = os.path.join(directory, name)
                if content:
                    with open(path, "rb") as fh:
                        value: Any = hashlib.sha256(fh.read()).hexdigest()
                else:
                    value = os.stat(path).st_size
                stamps.append((os.path.relpath(path, root), value))
    return stamps


@functools.lru_cache(maxsize=1)
def code_stamp() -> str:
    """A stamp of amalint's own source files, by content: a new version, or an edited
    checkout (a millisecond or two for its few hundred kilobytes)."""
    import amalint
    import amalint.rules

    return digest([_files(Path(p.__file__ or "").parent, (".py",), content=True)
                   for p in (amalint, amalint.rules)])


def _package(name: str, distribution: str | None = None) -> str | None:
    """A stamp of an installed package (the names and sizes of its Python files and extension
    modules, and the name of its ``.dist-info`` directory: its version), found without
    importing it (nor ``importlib.metadata``, slow to import); ``None`` if it is not
    installed."""
    try:
        spec = find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    where = Path(spec.origin).parent
    try:
        infos = sorted(n for n in os.listdir(where.parent)
                       if n.endswith(".dist-info") and n.split("-")[0].lower()
                       == (distribution or name).replace("-", "_").lower())
    except OSError:
        infos = []
    return digest([infos, _files(where, (".py", ".so", ".pyd", ".dylib"), content=False)])


@functools.lru_cache(maxsize=1)
def _tools() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "code": code_stamp(),
        "python": list(sys.version_info[:2]),
        "tree-sitter": _package("tree_sitter"),
        "tree-sitter-cpp": _package("tree_sitter_cpp"),
    }


@functools.lru_cache(maxsize=1)
def _libclang() -> dict[str, Any]:
    """libclang's wheel (the bindings and the library they load), and the clangs whose
    resource directory (builtin headers) it may take
    (:func:`amalint.frontends.libclang.library.find_resource_dir`)."""
    names = [f"clang-{n}" for n in range(10, 30)] + [f"clang++-{n}" for n in range(10, 30)]
    return {"libclang": _package("clang", "libclang"),
            "clangs": [shutil.which(n) for n in ("clang", "clang++", *names)]}


def may_use_libclang(settings: Settings) -> bool:
    """Whether the front end :func:`amalint.frontends.select` picks may be libclang."""
    return settings.frontend == "libclang" or (
        settings.frontend == "auto" and settings.flags_origin is not None)


def unit_key(umbrella: Path, settings: Settings, data: bytes,
             relocation: Relocation | None = None) -> str:
    """The key of the lint of ``umbrella`` with ``settings`` (as
    :func:`amalint.engine.run.prepare` made them) and ``data``, its bytes; with a
    ``relocation``, the paths below the project root relative to it (the same key in every
    checkout of the project)."""
    return digest({
        "tools": _tools(),
        "libclang": _libclang() if may_use_libclang(settings) else None,
        "settings": settings,
        "cwd": Path.cwd(),
        "umbrella": umbrella.resolve(),
        "data": hashlib.sha256(data).hexdigest(),
    }, relocation)
