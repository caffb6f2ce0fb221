"""Settings: from ``[tool.amalint]`` / ``amalint.toml`` and the command line, validated strictly."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from amalint.errors import InputError
from amalint.preprocessor import SearchPath
from amalint.profiles import BUILTIN, Profile, Registry, profile_from_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

COMPILERS = ("gcc", "clang", "msvc", "other")
CONFIG_NAMES = ("amalint.toml", ".amalint.toml", "pyproject.toml")


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know besides the paths to lint."""

    search: SearchPath = field(default_factory=SearchPath)
    defines: tuple[str, ...] = ()
    compiler: str = "gcc"
    frontend: str = "auto"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    profiles: tuple[Profile, ...] = tuple(BUILTIN.values())
    config_file: Path | None = None
    #: Compiler arguments as given after ``--`` (all of them, for libclang).
    compiler_args: tuple[str, ...] = ()
    #: A compilation database (file or build directory) from ``-p`` or config.
    compile_commands: Path | None = None
    #: clang's resource directory (builtin headers) for libclang.
    resource_dir: Path | None = None
    #: Where compiler flags came from, if any are known (``auto`` picks libclang then).
    flags_origin: str | None = None
    #: Where AM205 looks for sources the umbrella does not include: absolute glob patterns
    #: (empty: the directories of the umbrella and of the sources it includes).
    sources: tuple[str, ...] = ()

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


_KEYS: Mapping[str, type | tuple[type, ...]] = {
    "include-paths": list,
    "defines": list,
    "compiler": str,
    "frontend": str,
    "select": list,
    "ignore": list,
    "profiles": dict,
    "compile-commands": str,
    "resource-dir": str,
    "sources": list,
}


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above ``start``: amalint.toml, .amalint.toml, or a
    pyproject.toml with a ``[tool.amalint]`` table."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            path = candidate_dir / name
            if not path.is_file():
                continue
            if name != "pyproject.toml" or "amalint" in _read_toml(path).get("tool", {}):
                return path
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML ({exc})") from None


def load_config(path: Path, base: Settings) -> Settings:
    """Apply the amalint table of ``path`` on top of ``base``."""
    data = _read_toml(path)
    table: Any = data.get("tool", {}).get("amalint", {}) if path.name == "pyproject.toml" else data
    if not isinstance(table, dict):
        raise InputError(f"{path}: [tool.amalint] must be a table")
    for key, value in table.items():
        expected = _KEYS.get(key)
        if expected is None:
            raise InputError(f"{path}: unknown key '{key}'")
        if not isinstance(value, expected):
            raise InputError(f"{path}: '{key}' must be a {_type_name(expected)}")
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise InputError(f"{path}: '{key}' must be a list of strings")
    root = path.parent
    settings = replace(base, config_file=path)
    if "include-paths" in table:
        dirs = tuple((root / p).resolve() for p in table["include-paths"])
        settings = replace(settings, search=SearchPath(base.search.quote_dirs, dirs),
                           flags_origin=f"{path} (include-paths)")
    if "defines" in table:
        settings = replace(settings, defines=tuple(table["defines"]),
                           flags_origin=settings.flags_origin or f"{path} (defines)")
    if "compile-commands" in table:
        settings = replace(settings, compile_commands=(root / table["compile-commands"]))
    if "resource-dir" in table:
        settings = replace(settings, resource_dir=(root / table["resource-dir"]))
    if "compiler" in table:
        settings = replace(settings, compiler=_choice(path, "compiler", table, COMPILERS))
    if "frontend" in table:
        frontends = ("auto", "tree-sitter", "libclang")
        settings = replace(settings, frontend=_choice(path, "frontend", table, frontends))
    if "select" in table:
        settings = replace(settings, select=tuple(table["select"]))
    if "ignore" in table:
        settings = replace(settings, ignore=tuple(table["ignore"]))
    if "sources" in table:
        settings = replace(settings, sources=tuple(str(root / p) for p in table["sources"]))
    if "profiles" in table:
        custom = []
        for name, spec in table["profiles"].items():
            if not isinstance(spec, dict):
                raise InputError(f"{path}: 'profiles.{name}' must be a table")
            custom.append(profile_from_config(name, spec, str(path)))
        settings = replace(settings, profiles=base.profiles + tuple(custom))
    return settings


def _choice(path: Path, key: str, table: Mapping[str, Any], choices: Sequence[str]) -> str:
    value = table[key]
    if value not in choices:
        raise InputError(f"{path}: '{key}' must be one of {', '.join(choices)}, not {value!r}")
    return str(value)


def _type_name(expected: type | tuple[type, ...]) -> str:
    names: dict[type, str] = {list: "list", str: "string", dict: "table"}
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names.get(t, t.__name__) for t in types)
