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
from amalint.scan.sources import real
from amalint.scan.walk import Exclude

COMPILERS = ("gcc", "clang", "msvc", "other")
FRONTENDS = ("auto", "tree-sitter", "libclang")
#: Which findings make ``amalint check`` exit 1: any (``warning``, as ruff), or only errors
#: (``error``, as clang-tidy).
FAIL_ON = ("warning", "error")


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
    #: Compiler arguments: the compilation database's, then those after ``--``, as
    #: :func:`amalint.config.trust.screen` kept them (all of them go to libclang).
    compiler_args: tuple[str, ...] = ()
    #: Flags from the linted tree the allowlist dropped, by where they came from (a note).
    dropped_flags: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Flags given after ``--`` the allowlist dropped (a warning: the user asked for them).
    refused_flags: tuple[str, ...] = ()
    #: clang's resource directory (builtin headers) for libclang.
    resource_dir: Path | None = None
    #: Where compiler flags came from, if any are known (``auto`` picks libclang then).
    flags_origin: str | None = None
    #: Where AM205 looks for sources the umbrella does not include: globs inside the project
    #: (empty: the directories of the umbrella and of the sources it includes).
    sources: tuple[Glob, ...] = ()
    #: gitignore-style patterns of files and directories amalint never looks at on its own.
    exclude: tuple[Exclude, ...] = ()
    #: The least severity that makes the run exit 1 (see :data:`FAIL_ON`).
    fail_on: str = "warning"
    #: Where the rule documentation is published (a finding's ``url`` is this plus an anchor);
    #: ``None``: the package's Documentation URL.
    docs_url: str | None = None
    #: Where the cache is (config ``cache-dir``); ``None``: at the project root.
    cache_dir: Path | None = None
    #: The baseline file whose findings are not reported (config ``baseline``; see
    #: :mod:`amalint.engine.baseline`); ``None``: none.
    baseline: Path | None = None
    #: Whether the front ends extract the file-scope facts (what the AM2xx rules read). The
    #: orphan search's trial builds (AM205), which read only the start-up model, do without.
    file_scope: bool = True

    @property
    def root(self) -> Path:
        """The project root: the config file's directory, else the working directory."""
        return self.config_file.parent if self.config_file else real(Path.cwd())

    @property
    def registry(self) -> Registry:
        return Registry(self.profiles)

    @property
    def gnu(self) -> bool:
        """Whether the compiler has ``__attribute__((constructor))`` (gcc, clang)."""
        return self.compiler in ("gcc", "clang")

    def runs_preview(self, code: str) -> bool:
        """Whether the preview rule ``code`` runs (as
        :func:`amalint.engine.run.selected_rules` chooses): ``select`` or ``extend-select``
        names it in full and no ``ignore`` prefix covers it. The front ends skip the facts
        only a preview rule reads (AM206's references: a quarter of a cold run on TVM)."""
        return code in (*self.select, *self.extend_select) \
            and not any(p == "ALL" or code.startswith(p) for p in self.ignore)


def parse_compiler_args(args: Sequence[str], cwd: Path) -> tuple[SearchPath, tuple[str, ...]]:
    """Read ``-I``/``-iquote``/``-D``/``-U`` from compiler arguments, and ``-isystem``/
    ``-idirafter`` (system headers: never parsed, only recognized); ignore the rest."""
    include: list[Path] = []
    quote: list[Path] = []
    system: list[Path] = []
    defines: list[str] = []
    it = iter(args)
    for arg in it:
        if "\0" in arg:
            raise InputError(f"compiler argument {arg!r} holds a NUL byte")
        for flag, sink in (("-I", include), ("-iquote", quote), ("-isystem", system),
                           ("-idirafter", system)):
            if arg == flag:
                value = next(it, None)
                if value is None or "\0" in value:
                    raise InputError(f"compiler argument {flag} needs a directory")
                sink.append(real(cwd / value))
                break
            if arg.startswith(flag) and len(arg) > len(flag):
                sink.append(real(cwd / arg[len(flag):]))
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
    return SearchPath(tuple(quote), tuple(include), tuple(system)), tuple(defines)
