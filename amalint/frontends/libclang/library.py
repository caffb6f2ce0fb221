"""Loading libclang and finding clang's builtin headers (its resource directory)."""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from amalint.errors import InputError

_RESOURCE_ROOTS = (
    "/usr/lib/llvm-*/lib/clang/*", "/usr/lib/clang/*", "/usr/lib64/clang/*",
    "/usr/local/lib/clang/*", "/usr/local/opt/llvm/lib/clang/*",
    "/opt/homebrew/opt/llvm/lib/clang/*", "/Library/Developer/CommandLineTools/usr/lib/clang/*",
)


def load() -> ModuleType:
    """The ``clang.cindex`` bindings with a working libclang; raise :class:`InputError` saying
    why not."""
    try:
        from clang import cindex
    except ImportError:
        raise InputError("libclang is not installed (pip install libclang)") from None
    try:
        lib = cindex.conf.lib
    except Exception as exc:  # cindex raises its own LibclangError, or OSError from ctypes
        raise InputError(f"libclang does not load: {exc}".splitlines()[0]) from None
    _declare(cindex, lib)
    module: ModuleType = cindex
    return module


def _declare(cindex: ModuleType, lib: Any) -> None:
    """Declare the C functions these bindings do not wrap."""
    lib.clang_getClangVersion.restype = cindex._CXString
    lib.clang_getClangVersion.errcheck = cindex._CXString.from_result
    lib.clang_getClangVersion.argtypes = []
    lib.clang_getCursorPrintingPolicy.argtypes = [cindex.Cursor]
    lib.clang_getCursorPrintingPolicy.restype = ctypes.c_void_p
    lib.clang_PrintingPolicy_setProperty.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                                     ctypes.c_uint]
    lib.clang_PrintingPolicy_dispose.argtypes = [ctypes.c_void_p]
    lib.clang_getCursorPrettyPrinted.argtypes = [cindex.Cursor, ctypes.c_void_p]
    lib.clang_getCursorPrettyPrinted.restype = cindex._CXString
    lib.clang_getCursorPrettyPrinted.errcheck = cindex._CXString.from_result


def version(cindex: ModuleType) -> str:
    """libclang's version string, e.g. ``clang version 18.1.1``."""
    return str(cindex.conf.lib.clang_getClangVersion())


def major_version(text: str) -> int | None:
    m = re.search(r"(\d+)(?:\.\d+)*", text)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------- resource dir


@dataclass(frozen=True)
class ResourceDir:
    """Where clang's builtin headers are, how it was found, and whether its version matches."""

    path: Path | None
    origin: str
    matches: bool = True


def _is_resource_dir(path: Path) -> bool:
    return (path / "include" / "stddef.h").is_file()


def _from_path_clangs(major: int | None) -> Iterator[Path]:
    names = [f"clang-{major}", f"clang++-{major}"] if major is not None else []
    for name in (*names, "clang", "clang++"):
        exe = shutil.which(name)
        if exe is None or not os.path.isabs(exe):  # an empty or relative PATH entry
            continue
        try:
            out = subprocess.run([exe, "-print-resource-dir"], capture_output=True, text=True,
                                 timeout=20, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode == 0 and out.stdout.strip():
            yield Path(out.stdout.strip())


def _from_wheel() -> Iterator[Path]:
    """The builtin headers the ``clang-tidy`` wheel carries (``clang_tidy/data/lib/clang/N``):
    a dependency pinned to libclang's major version, so pip alone brings matching ones."""
    try:
        spec = importlib.util.find_spec("clang_tidy")
    except (ImportError, ValueError):
        return
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        yield from sorted((Path(location) / "data" / "lib" / "clang").glob("*"))


def _candidates(major: int | None) -> Iterator[tuple[Path, str]]:
    """Possible resource directories, best first: the wheel's, a clang's on PATH, installed."""
    yield from ((p, "the clang-tidy wheel") for p in _from_wheel())
    yield from ((p, "clang on PATH") for p in _from_path_clangs(major))
    for pattern in _RESOURCE_ROOTS:
        yield from ((p, "installed clang") for p in sorted(Path("/").glob(pattern.lstrip("/"))))


def find_resource_dir(explicit: Path | None, libclang_version: str) -> ResourceDir:
    """The builtin-header directory to give libclang: ``explicit`` if given (it must be one),
    else the first of :func:`_candidates` of libclang's major version (the ones after it are
    not even looked for), else the newest found."""
    if explicit is not None:
        if not _is_resource_dir(explicit):
            raise InputError(f"{explicit}: not a clang resource directory (no include/stddef.h)")
        named = major_version(explicit.name)  # lib/clang/18, lib/clang/14.0.6, or not a version
        return ResourceDir(explicit, "--resource-dir",
                           matches=named is None or named == major_version(libclang_version))
    major = major_version(libclang_version)
    others: list[tuple[Path, str]] = []
    for path, how in _candidates(major):
        if not _is_resource_dir(path):
            continue
        if major_version(path.name) == major:
            return ResourceDir(path, how)
        others.append((path, how))
    if not others:
        return ResourceDir(None, "none found", matches=False)
    newest = max(others, key=lambda item: major_version(item[0].name) or 0)
    return ResourceDir(newest[0], newest[1], matches=False)


def install_hint(libclang_version: str) -> str:
    """How to get builtin headers that match libclang."""
    major = major_version(libclang_version)
    if major is None:
        return "pip install clang-tidy of libclang's version, or pass --resource-dir"
    return f"pip install 'clang-tidy=={major}.*', or pass --resource-dir of clang {major}"


def available() -> str | None:
    """``None`` if the libclang front end can run here, else why not."""
    try:
        load()
    except InputError as exc:
        return str(exc)
    return None


