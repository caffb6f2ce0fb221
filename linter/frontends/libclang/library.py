"""Loading libclang and finding clang's builtin headers (its resource directory)."""

from __future__ import annotations

import ctypes
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


def _major(text: str) -> int | None:
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
        if exe is None:
            continue
        try:
            out = subprocess.run([exe, "-print-resource-dir"], capture_output=True, text=True,
                                 timeout=20, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode == 0 and out.stdout.strip():
            yield Path(out.stdout.strip())


def find_resource_dir(explicit: Path | None, libclang_version: str) -> ResourceDir:
    """The builtin-header directory to give libclang: ``explicit`` if given (it must be one),
    else one of a clang on PATH or of a well-known install, the libclang version first."""
    if explicit is not None:
        if not _is_resource_dir(explicit):
            raise InputError(f"{explicit}: not a clang resource directory (no include/stddef.h)")
        return ResourceDir(explicit, "--resource-dir")
    major = _major(libclang_version)
    found: list[tuple[Path, str]] = [(p, "clang on PATH") for p in _from_path_clangs(major)]
    for pattern in _RESOURCE_ROOTS:
        found.extend((p, "installed clang") for p in sorted(Path("/").glob(pattern.lstrip("/"))))
    valid = [(p, how) for p, how in found if _is_resource_dir(p)]
    if not valid:
        return ResourceDir(None, "none found", matches=False)
    same = [(p, how) for p, how in valid if _major(p.name) == major]
    if same:
        return ResourceDir(same[0][0], same[0][1])
    newest = max(valid, key=lambda item: _major(item[0].name) or 0)
    return ResourceDir(newest[0], newest[1], matches=False)


def available() -> str | None:
    """``None`` if the libclang front end can run here, else why not."""
    try:
        load()
    except InputError as exc:
        return str(exc)
    return None


