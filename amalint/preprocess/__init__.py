"""Preprocessor-true view of a unit: takes an umbrella file, a build ``Config`` and file-reading
callables; runs the C/C++ preprocessor over the whole unit in compile order and gives a ``Unit``
(inclusions, active code, macro events and tables by position, macro expansion, diagnostics)."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable

from . import files
from .compiler import configure
from .config import CompilerInfo, Config, Features, ParsedArgs, parse_args
from .engine import Engine
from .macros import Macro
from .tokens import Token, tokenize
from .unit import (
    Diagnostic,
    Inclusion,
    MacroEvent,
    Position,
    Unit,
    UnresolvedInclude,
)

__all__ = [
    "CompilerInfo", "Config", "Diagnostic", "Features", "Inclusion", "Macro", "MacroEvent",
    "ParsedArgs", "Position", "Token", "Unit", "UnresolvedInclude", "configure", "parse_args",
    "preprocess", "tokenize",
]


def preprocess(umbrella: str | os.PathLike[str], config: Config, *,
               read: Callable[[str], bytes | None] = files.read,
               is_file: Callable[[str], bool] = files.is_file,
               identity: Callable[[str], str] | None = None) -> Unit:
    """Preprocess the unit of ``umbrella`` as the compiler would with ``config``. An umbrella
    that cannot be read is an InputError; every problem inside the unit is a diagnostic.

    ``read``/``is_file`` are all the I/O there is (real files by default); ``identity`` says
    which paths are one file for ``#pragma once`` (default: real paths when reading real files,
    else the normalized path)."""
    if identity is None:
        identity = files.identity if read is files.read else os.path.normpath
    # The walk allocates many small objects and makes no garbage cycles worth collecting
    # mid-way; the collector's passes over the (large, cached) scans cost more than the walk.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return Engine(config, read, is_file, identity).run(os.fspath(umbrella))
    finally:
        if collecting:
            gc.enable()
