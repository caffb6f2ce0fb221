"""Config files: finding the nearest one, reading ``[tool.amalint]`` / ``amalint.toml`` into
:class:`~amalint.config.settings.Settings` (validated strictly, one key table), and printing the
effective settings."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from amalint.config.globs import Glob
from amalint.config.profiles import BUILTIN, Role, profile_from_config
from amalint.config.settings import COMPILERS, FAIL_ON, FRONTENDS, Settings
from amalint.config.trust import screen
from amalint.errors import InputError
from amalint.scan.sources import exists, is_directory, is_regular, line_number, read_bounded, real
from amalint.scan.walk import Exclude, repository_top

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAMES = ("amalint.toml", ".amalint.toml", "pyproject.toml")


#: The largest config file read.
MAX_CONFIG_BYTES = 1024 * 1024


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above ``start``: amalint.toml, .amalint.toml, or a
    pyproject.toml with a ``[tool.amalint]`` table."""
    start = real(start)
    directory = start if is_directory(start) else start.parent
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            path = candidate_dir / name
            if not is_regular(path):
                continue
            if name != "pyproject.toml" or "amalint" in _tool_table(path):
                return path
    return None


def repository_root(cwd: Path) -> Path:
    """The repository root: the nearest directory at or above ``cwd`` holding ``.git``, else
    ``cwd`` itself."""
    cwd = real(cwd)
    return repository_top(cwd) or cwd


def _tool_table(path: Path) -> dict[str, Any]:
    tool = _read_toml(path).get("tool", {})
    if not isinstance(tool, dict):
        raise InputError(f"{path}: 'tool' must be a table, not {type(tool).__name__}")
    return tool


def _read_toml(path: Path) -> dict[str, Any]:
    raw = read_bounded(path, MAX_CONFIG_BYTES, "config file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}:{line_number(raw, exc.start)}: not valid UTF-8 (byte "
                         f"0x{raw[exc.start]:02x} at offset {exc.start})") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML ({exc})") from None
    except RecursionError:
        raise InputError(f"{path}: invalid TOML (nested too deeply)") from None
    return data


# --- the config keys -------------------------------------------------------------------------
# One entry per key: what its value must be, and how it changes the settings. Adding a key is
# one line in _KEYS (plus the Settings field it sets).

Apply = Callable[[Settings, Any, Path], Settings]


@dataclass(frozen=True)
class _Type:
    name: str
    valid: Callable[[Any], bool]


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


STRING = _Type("a string", lambda v: isinstance(v, str))
STRINGS = _Type("a list of strings", _strings)
TABLE = _Type("a table", lambda v: isinstance(v, dict))
TABLE_OF_STRINGS = _Type(
    "a table of lists of strings",
    lambda v: isinstance(v, dict) and all(_strings(x) for x in v.values()),
)


def _choice(key: str, choices: Sequence[str], field_name: str) -> Apply:
    def apply(settings: Settings, value: Any, origin: Path) -> Settings:
        if value not in choices:
            raise InputError(
                f"{origin}: '{key}' must be one of {', '.join(choices)}, not {value!r}")
        return replace(settings, **{field_name: value})
    return apply


def _codes(key: str, field_name: str) -> Apply:
    def apply(settings: Settings, value: Any, origin: Path) -> Settings:
        codes: Any = rule_selectors(value, f"{origin}: '{key}'")
        return replace(settings, **{field_name: codes})
    return apply


def _include_paths(settings: Settings, value: Any, origin: Path) -> Settings:
    dirs = tuple(real(origin.parent / p) for p in value)
    return replace(settings, search=replace(settings.search, include_dirs=dirs),
                   flags_origin=f"{origin} (include-paths)")


def _defines(settings: Settings, value: Any, origin: Path) -> Settings:
    # each becomes one -D/-U argument: through the allowlist (a value starting with @ would be
    # split off as a response file); what it drops is named under --verbose
    refused = tuple(d for d in value if screen([f"-U{d[1:]}" if d.startswith("-")
                                                else f"-D{d}"]).dropped)
    dropped = ((f"{origin} (defines)", refused),) if refused else ()
    return replace(settings, defines=tuple(d for d in value if d not in refused),
                   flags_origin=settings.flags_origin or f"{origin} (defines)",
                   dropped_flags=settings.dropped_flags + dropped)


def _compile_commands(settings: Settings, value: Any, origin: Path) -> Settings:
    path = real(origin.parent / value)
    if not exists(path):
        raise InputError(f"{origin}: 'compile-commands': no such file or directory {value!r}")
    return replace(settings, compile_commands=path)


def _per_file_ignores(settings: Settings, value: Any, origin: Path) -> Settings:
    entries = tuple(
        (Glob(real(origin.parent), pattern),
         rule_selectors(codes, f"{origin}: 'per-file-ignores.{pattern}'"))
        for pattern, codes in value.items()
    )
    return replace(settings, per_file_ignores=entries)


def _inside(key: str) -> Callable[[Any, Path], None]:
    """Check that every pattern of ``key`` stays inside the config file's directory."""
    def check(value: Any, origin: Path) -> None:
        for pattern in value:
            parts = pattern.replace("\\", "/").split("/")
            if pattern.startswith(("/", "~")) or ".." in parts or "\0" in pattern:
                raise InputError(f"{origin}: '{key}': {pattern!r} points outside the project "
                                 f"(patterns are relative to {origin.parent})")
    return check


def _sources(settings: Settings, value: Any, origin: Path) -> Settings:
    _inside("sources")(value, origin)
    return replace(settings, sources=tuple(Glob(real(origin.parent), p) for p in value))


def _exclude(settings: Settings, value: Any, origin: Path) -> Settings:
    return replace(settings, exclude=(Exclude(real(origin.parent), tuple(value)),))


def _profiles(settings: Settings, value: Any, origin: Path) -> Settings:
    custom = []
    for name, spec in value.items():
        if not isinstance(spec, dict):
            raise InputError(f"{origin}: 'profiles.{name}' must be a table")
        custom.append(profile_from_config(name, spec, str(origin)))
    return replace(settings, profiles=tuple(BUILTIN.values()) + tuple(custom))


_KEYS: Mapping[str, tuple[_Type, Apply]] = {
    "umbrellas": (STRINGS, lambda s, v, o: replace(
        s, umbrellas=tuple(Glob(real(o.parent), p) for p in v))),
    "include-paths": (STRINGS, _include_paths),
    "defines": (STRINGS, _defines),
    "compile-commands": (STRING, _compile_commands),
    "resource-dir": (STRING, lambda s, v, o: replace(s, resource_dir=real(o.parent / v))),
    "compiler": (STRING, _choice("compiler", COMPILERS, "compiler")),
    "frontend": (STRING, _choice("frontend", FRONTENDS, "frontend")),
    "select": (STRINGS, _codes("select", "select")),
    "extend-select": (STRINGS, _codes("extend-select", "extend_select")),
    "ignore": (STRINGS, _codes("ignore", "ignore")),
    "per-file-ignores": (TABLE_OF_STRINGS, _per_file_ignores),
    "profiles": (TABLE, _profiles),
    "sources": (STRINGS, _sources),
    "exclude": (STRINGS, _exclude),
    "fail-on": (STRING, _choice("fail-on", FAIL_ON, "fail_on")),
    "docs-url": (STRING, lambda s, v, o: replace(s, docs_url=v)),
    # absolute, a symbolic link not resolved: the cache refuses to follow one
    "cache-dir": (STRING, lambda s, v, o: replace(
        s, cache_dir=Path(os.path.abspath(o.parent / v)))),
    "baseline": (STRING, lambda s, v, o: replace(
        s, baseline=Path(os.path.abspath(o.parent / v)))),
}

#: The config keys, in the order ``amalint config`` prints them.
KEYS = tuple(_KEYS)

#: What each key means, for the configuration reference of the documentation site (generated
#: from this table and :data:`_KEYS` by ``scripts/mkdocs_hooks.py``; a key without an entry
#: fails the site's build).
KEY_DOCS: Mapping[str, str] = {
    "umbrellas": "The project's umbrella sources (globs). A matching path is linted as an "
                 "umbrella; any other C/C++ path stands for the umbrellas that include it; "
                 "`amalint check` with no paths lints these. Empty: a file that `#include`s a "
                 "source file is an umbrella.",
    "include-paths": "Include directories, as `-I`, after those given after `--`. Known flags "
                     "make `--frontend auto` pick libclang.",
    "defines": "Macros, `NAME` or `NAME=VALUE` as `-D` (`-NAME` as `-U`), through the same "
               "flag allowlist as every compiler flag.",
    "compile-commands": "A `compile_commands.json`, or the build directory holding one (as "
                        "`-p`); a CMake or Meson build directory gives its targets and unity "
                        "sources too.",
    "resource-dir": "clang's builtin headers for libclang (as `--resource-dir`). Not set: the "
                    "`clang-tidy` wheel's.",
    "compiler": f"One of {', '.join(COMPILERS)} (as `--compiler`): which compiler on `PATH` is "
                "asked for its predefined macros, and how tree-sitter expands init-block macros "
                "(constructor functions on gcc and clang, dynamic initializers elsewhere).",
    "frontend": f"One of {', '.join(FRONTENDS)} (as `--frontend`): `auto` uses libclang when "
                "compiler flags are known and libclang loads, else tree-sitter.",
    "select": "Rule codes or prefixes to run, or `ALL`. Empty: every rule. `--select` "
              "replaces it.",
    "extend-select": "Codes or prefixes added to `select` (`--extend-select` adds more).",
    "ignore": "Codes or prefixes not run (`--ignore` adds more).",
    "per-file-ignores": "Glob → codes or prefixes: findings of those rules in matching files "
                        "(or on the `#include` line of one) are dropped. A glob without `/` "
                        "matches the file name in any directory.",
    "profiles": "Registry profiles of your own, one table each: `providers` and `consumers` "
                "(qualified names, or tables with `name`, `key-arg` and, for consumers, "
                "`optional`) and `init-blocks` (`macro`, `kind`: constructor, dynamic or "
                "gnu-constructor). Added to the built-in `tvm-ffi` and `tvm` profiles.",
    "sources": "Globs of where AM205 looks for sources the umbrella misses. Empty: the "
               "directories of the umbrella and of the sources it includes. Never outside the "
               "config file's directory.",
    "exclude": "gitignore-style patterns of files and directories amalint never looks at on its "
               "own; they apply to files named on the command line too. `--exclude` adds more.",
    "fail-on": f"One of {', '.join(FAIL_ON)} (as `--fail-on`): the least severity that makes "
               "`amalint check` exit 1.",
    "docs-url": "Where a finding's JSON `url` and SARIF `helpUri` point (plus the rule's "
                "anchor). Not set: the package's Documentation URL.",
    "cache-dir": "The cache directory (as `--cache-dir`). Not set: one per project in the "
                 "user's cache directory, never in the project.",
    "baseline": "A baseline file (as `--baseline`; `--write-baseline` writes one): findings "
                "recorded in it are not reported and do not fail the run. `--no-baseline` "
                "ignores it. See [Baseline and formats](baseline-and-formats.md).",
}


def key_types() -> dict[str, str]:
    """Each config key and the kind of value it takes (``a list of strings``)."""
    return {key: expected.name for key, (expected, _) in _KEYS.items()}


def rule_selectors(codes: Sequence[str], origin: str) -> tuple[str, ...]:
    """Rule codes or code prefixes (``AM1``, ``ALL``), upper-cased; raise :class:`InputError`
    naming ``origin`` for one that selects no rule."""
    from amalint.rules import RULES  # the rules import the analysis, which needs no config

    out = tuple(c.strip().upper() for c in codes if c.strip())
    for code in out:
        if code != "ALL" and not any(rule.startswith(code) for rule in RULES):
            raise InputError(f"{origin}: unknown rule selector {code!r}")
    return out


def load_config(path: Path, base: Settings) -> Settings:
    """Apply the amalint table of ``path`` on top of ``base``."""
    pyproject = path.name == "pyproject.toml"
    table: Any = _tool_table(path).get("amalint", {}) if pyproject else _read_toml(path)
    if not pyproject and "tool" in table:
        table = _pyproject_style(path, table)
    if not isinstance(table, dict):
        raise InputError(f"{path}: [tool.amalint] must be a table")
    settings = replace(base, config_file=real(path))
    for key, value in table.items():
        entry = _KEYS.get(key)
        if entry is None:
            raise InputError(f"{path}: unknown key '{key}'")
        expected, apply = entry
        if not expected.valid(value):
            raise InputError(f"{path}: '{key}' must be {expected.name}")
        settings = apply(settings, value, path)
    return settings


def _pyproject_style(path: Path, table: dict[str, Any]) -> Any:
    """An ``amalint.toml`` written as pyproject's ``[tool.amalint]``: its table, when that is
    all the file holds; else say what to write."""
    tool = table["tool"]
    if len(table) == 1 and isinstance(tool, dict) and list(tool) == ["amalint"]:
        return tool["amalint"]
    raise InputError(f"{path}: unknown key 'tool': in {path.name} the keys go at the top level "
                     "(`[tool.amalint]` is for pyproject.toml)")


def effective(settings: Settings) -> dict[str, Any]:
    """The settings as config keys and plain values (for ``amalint config``)."""

    def paths(items: Sequence[Path]) -> list[str]:
        return [str(p) for p in items]

    return {
        "config-file": None if settings.config_file is None else str(settings.config_file),
        "umbrellas": [str(g) for g in settings.umbrellas],
        "include-paths": paths(settings.search.include_dirs),
        "defines": list(settings.defines),
        "compile-commands": None if settings.compile_commands is None
        else str(settings.compile_commands),
        "resource-dir": None if settings.resource_dir is None else str(settings.resource_dir),
        "compiler": settings.compiler,
        "frontend": settings.frontend,
        "select": list(settings.select),
        "extend-select": list(settings.extend_select),
        "ignore": list(settings.ignore),
        "per-file-ignores": {str(g): list(codes) for g, codes in settings.per_file_ignores},
        "sources": [str(g) for g in settings.sources],
        "exclude": [p for e in settings.exclude for p in e.patterns],
        "fail-on": settings.fail_on,
        "docs-url": settings.docs_url,
        "cache-dir": None if settings.cache_dir is None else str(settings.cache_dir),
        "baseline": None if settings.baseline is None else str(settings.baseline),
        "profiles": {
            p.name: {
                "providers": [{"name": a.name, "key-arg": a.key_arg} for a in p.apis
                              if a.role is Role.PROVIDER],
                "consumers": [{"name": a.name, "key-arg": a.key_arg, "optional": a.optional}
                              for a in p.apis if a.role is Role.CONSUMER],
                "init-blocks": [{"macro": b.macro, "kind": b.kind.value}
                                for b in p.init_blocks],
            }
            for p in settings.profiles
        },
    }
