"""Settings: everything a run needs besides the paths to lint, and the compiler arguments the
include scan and tree-sitter read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from amalint.config.globs import Glob
from amalint.config.profiles import BUILTIN, Profile, Registry
from amalint.errors import InputError
from amalint.scan.search import SearchPath

COMPILERS = ("gcc", "clang", "msvc", "other")
FRONTENDS = ("auto", "tree-sitter", "libclang")


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know besides the paths to lint."""

    search: SearchPath = field(default_factory=SearchPath)
    defines: tuple[str, ...] = ()
    compiler: str = "gcc"
    frontend: str = "auto"
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: Files whose findings of the given rules are dropped.
    per_file_ignores: tuple[tuple[Glob, tuple[str, ...]], ...] = ()
    #: The umbrella sources of the project (used to map other files to them).
    umbrellas: tuple[Glob, ...] = ()
    #: A compile_commands.json, or the directory holding one (from ``-p`` or config).
    compile_commands: Path | None = None
    profiles: tuple[Profile, ...] = tuple(BUILTIN.values())
    config_file: Path | None = None
    #: Compiler arguments as given after ``--`` (all of them, for libclang).
    compiler_args: tuple[str, ...] = ()
    #: clang's resource directory (builtin headers) for libclang.
    resource_dir: Path | None = None
    #: Where compiler flags came from, if any are known (``auto`` picks libclang then).
    flags_origin: str | None = None
    #: Where AM205 looks for sources the umbrella does not include: absolute glob patterns
    #: (empty: the directories of the umbrella and of the sources it includes).
    sources: tuple[str, ...] = ()
    #: Where the cache is (config ``cache-dir``); ``None``: at the project root.
    cache_dir: Path | None = None

    @property
    def registry(self) -> Registry:
        return Registry(self.profiles)

    @property
    def gnu(self) -> bool:
        """Whether the compiler has ``__attribute__((constructor))`` (gcc, clang)."""
        return self.compiler in ("gcc", "clang")


def parse_compiler_args(args: Sequence[str], cwd: Path) -> tuple[SearchPath, tuple[str, ...]]:
    """Read ``-I``/``-iquote``/``-D``/``-U`` from compiler arguments; ignore the rest.

    ``-isystem`` directories are system headers: never parsed, so not searched.
    """
    include: list[Path] = []
    quote: list[Path] = []
    defines: list[str] = []
    it = iter(args)
    for arg in it:
        for flag, sink in (("-I", include), ("-iquote", quote)):
            if arg == flag:
                value = next(it, None)
                if value is None:
                    raise InputError(f"compiler argument {flag} needs a directory")
                sink.append((cwd / value).resolve())
                break
            if arg.startswith(flag) and flag == "-I":
                sink.append((cwd / arg[2:]).resolve())
                break
        else:
            if arg in ("-D", "-U"):
                value = next(it, None)
                if value is None:
                    raise InputError(f"compiler argument {arg} needs a macro")
                defines.append(("" if arg == "-D" else "-") + value)
            elif arg.startswith("-D"):
                defines.append(arg[2:])
            elif arg.startswith("-U"):
                defines.append("-" + arg[2:])
    return SearchPath(tuple(quote), tuple(include)), tuple(defines)
