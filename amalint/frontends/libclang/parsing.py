"""Parsing a unit with libclang: the arguments (the build's flags, the resource directory,
no error limit), the parse itself (of the umbrella's in-memory bytes) and the model's
construction in a child process (:mod:`.isolation`), with a spinner on a terminal, and the
tree-sitter file-scope pass in this process meanwhile."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from amalint.config.flags import unit_flags
from amalint.config.settings import Settings
from amalint.config.trust import screen
from amalint.errors import InputError
from amalint.frontends.filescope import HIDDEN_RULE
from amalint.frontends.filescope import extract as extract_filescope
from amalint.frontends.libclang.builder import Builder, Parsed
from amalint.frontends.libclang.diagnostics import WARNING_ARGS
from amalint.frontends.libclang.isolation import Child
from amalint.frontends.libclang.library import ResourceDir, find_resource_dir, load, version
from amalint.frontends.treesitter.syntax import forget_parses
from amalint.model import CodeModel, FileScope
from amalint.scan.sources import text_lines
from amalint.scan.unit import Unit

#: CXTranslationUnit_KeepGoing: do not stop at a fatal error (a missing header).
_KEEP_GOING = 0x200
_PARSE_ARGS = ("-ferror-limit=0", *WARNING_ARGS, "-Qunused-arguments")


@contextmanager
def progress(message: str) -> Iterator[None]:
    """A spinner on stderr while a parse takes more than a second; only on a terminal."""
    if not sys.stderr.isatty():  # rich is not even imported then
        yield
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    done = threading.Event()

    def show() -> None:
        if done.wait(1.0):
            return
        with console.status(message):
            done.wait()

    thread = threading.Thread(target=show, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def parse_args(settings: Settings, resource: ResourceDir) -> list[str]:
    """The arguments libclang parses the umbrella with: the build's flags, include directories
    and defines, all through the allowlist of :mod:`amalint.config.trust` (nothing that loads
    a plugin or writes a file), then amalint's own."""
    args = unit_flags(settings)
    if resource.path is not None and "-resource-dir" not in args:
        args += ["-resource-dir", str(resource.path)]
    return [*screen(args).kept, *_PARSE_ARGS]


def parse(unit: Unit, settings: Settings) -> CodeModel:
    """Build the code model of ``unit`` with libclang."""
    cindex = load()
    return parse_with(cindex, unit, settings,
                      find_resource_dir(settings.resource_dir, version(cindex)))


def parse_with(
    cindex: ModuleType, unit: Unit, settings: Settings, resource: ResourceDir
) -> CodeModel:
    """Build the code model of ``unit`` with libclang and the builtin headers of ``resource``."""
    args = parse_args(settings, resource)
    path = unit.umbrella.path
    # the umbrella's bytes may be a fix being checked before it is written
    unsaved = [(str(path), unit.umbrella.data.decode("utf-8"))]

    def build() -> Parsed:  # in the child process
        try:
            tu = cindex.Index.create().parse(str(path), args=args, unsaved_files=unsaved,
                                             options=_KEEP_GOING)
        except cindex.TranslationUnitLoadError:
            raise InputError(f"{path}: libclang could not parse it with these flags: "
                             f"{' '.join(args)}") from None
        return Builder(cindex, tu, unit, settings, resource).build()

    with Child(build, str(path)) as child, progress(f"libclang: parsing {path.name}"):
        # the file-scope facts come from tree-sitter, here, while the child parses
        filescope = extract_filescope(unit, settings.registry.macros,
                                      settings.runs_preview(HIDDEN_RULE)) \
            if settings.file_scope else FileScope()
        forget_parses()
        parsed = child.result()
    return CodeModel(
        umbrella=unit.umbrella,
        functions=parsed.functions,
        entry_points=parsed.entry_points,
        files=tuple(src.path for src in unit.files),
        diagnostics=(*unit.diagnostics, *parsed.diagnostics),
        source_lines={src.path: text_lines(src.data) for src in unit.files},
        filescope=filescope,
        compiler_diagnostics=parsed.compiler_diagnostics,
        inputs=parsed.inputs,
        call_targets=dict(parsed.call_targets),
    )
