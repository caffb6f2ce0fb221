"""Includes the unit could not resolve: which of them mean amalint cannot see the code it is
asked to check, and what to pass so it can.

* An included **source** (``.c``, ``.cc``, ...) that resolves to nothing is an input error:
  its initializers, the very thing checked, are invisible.
* A **header spelled with a directory** (``<tvm/ffi/function.h>``, ``"util/log.h"``) that is not
  on the include path but exists in the project (outside ignored and excluded paths) is an input
  error too: the call chains through it cannot be followed. The message names the ``-I``
  directories that would find them.
* A header spelled as a bare name that exists somewhere in the project (``<zlib.h>``, with a
  vendored copy) is only a warning: it is as likely the system's.
* Anything else (``<vector>``, generated headers) is the system's or not there yet: silent, as
  is everything found in an ``-isystem``/``-idirafter`` directory.

An include inside an ``#if`` branch (other than an include guard) may never be compiled with the
build's configuration (``#ifdef _WIN32``): missing, it is only a warning.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from amalint.config.settings import Settings
from amalint.errors import InputError
from amalint.scan.directives import is_source
from amalint.scan.sources import display
from amalint.scan.unit import Missing, Unit
from amalint.scan.walk import Exclude, repository_top, walk

#: How many ``-I`` suggestions one message names.
_SHOWN = 4


@dataclass(frozen=True)
class _Index:
    """The project's files by name."""

    by_name: dict[str, tuple[Path, ...]]

    def homes(self, spelling: str, within: Path) -> list[Path]:
        """Directories ``d`` under ``within`` with ``d / spelling`` a file."""
        parts = spelling.replace("\\", "/").split("/")
        if parts[0] == "":
            return []  # an absolute path
        parts = [p for p in parts if p]  # sub//x.h is sub/x.h
        if any(p in (".", "..") for p in parts):
            return []
        out = []
        for path in self.by_name.get(parts[-1], ()):
            if len(path.parts) > len(parts) and path.parts[-len(parts):] == tuple(parts):
                home = Path(*path.parts[: -len(parts)])
                if home.is_relative_to(within):
                    out.append(home)
        return out


@functools.lru_cache(maxsize=8)
def _index(root: Path, excludes: tuple[Exclude, ...]) -> _Index:
    by_name: dict[str, list[Path]] = {}
    for path in walk(root, None, excludes):
        by_name.setdefault(path.name, []).append(path)
    return _Index({name: tuple(paths) for name, paths in by_name.items()})


def project_root(umbrella: Path, settings: Settings) -> Path:
    """The umbrella's project: the config file's directory, else the repository holding the
    umbrella, else the working directory if it holds the umbrella, else the umbrella's own
    directory. Only directories in it are suggested for ``-I``: a header of the same name in
    a neighbouring project is not this one's."""
    if settings.config_file is not None:
        return settings.root
    top = repository_top(umbrella.parent)
    if top is not None:
        return top
    return settings.root if umbrella.is_relative_to(settings.root) else umbrella.parent


def check_missing(unit: Unit, settings: Settings) -> tuple[str, ...]:
    """Raise :class:`InputError` when the unit misses included sources or project headers (see
    the module docstring); return warnings for the bare-named headers found in the project."""
    search = settings.search
    candidates = [m for m in unit.missing if not search.is_system(m.include.spelling)]
    if not candidates:
        return ()
    sources = [m for m in candidates if is_source(m.include.spelling)]
    index = _index(settings.root, settings.exclude)
    within = project_root(unit.umbrella.path, settings)
    headers: list[tuple[Missing, list[Path]]] = []
    bare: list[tuple[Missing, list[Path]]] = []
    for m in candidates:
        if is_source(m.include.spelling):
            continue
        homes = index.homes(m.include.spelling, within)
        if homes:
            spelled_with_dir = "/" in m.include.spelling.replace("\\", "/")
            (headers if spelled_with_dir else bare).append((m, homes))
    conditional = [m for m in sources if m.conditional] + \
        [m for m, _ in headers if m.conditional]
    sources = [m for m in sources if not m.conditional]
    headers = [(m, homes) for m, homes in headers if not m.conditional]
    if sources or headers:
        config = settings.config_file or settings.root / "amalint.toml"
        raise InputError(_message(unit, sources, headers, index, within, config))
    return tuple(
        f"{display(m.location.path)}:{m.location.line}: {m.include.target} not found on the "
        "include path, inside an #if branch (if the build compiles it, findings there are "
        "missing)"
        for m in conditional[:_SHOWN]
    ) + tuple(
        f"{display(m.location.path)}:{m.location.line}: {m.include.target} is not on the include "
        f"path but the project has it in {', '.join(display(h) for h in homes[:2])}; if it is "
        "meant, pass -I for it (findings through it may be missing)"
        for m, homes in bare[:_SHOWN]
    )


def _message(unit: Unit, sources: Sequence[Missing],
             headers: Sequence[tuple[Missing, list[Path]]], index: _Index,
             within: Path, config: Path) -> str:
    suggestions: dict[Path, int] = {}
    for m in sources:
        for home in index.homes(m.include.spelling, within):
            suggestions[home] = suggestions.get(home, 0) + 1
    for _, homes in headers:
        for home in homes:
            suggestions[home] = suggestions.get(home, 0) + 1
    what = []
    for kind, found in (("included source", sources), ("project header",
                                                        [m for m, _ in headers])):
        distinct = len({m.include.target for m in found})
        if distinct:
            what.append(f"{distinct} {kind}{'s' if distinct != 1 else ''}")
    first = (sources[0] if sources else headers[0][0])
    where = f"{display(first.location.path)}:{first.location.line}"
    text = (f"{display(unit.umbrella.path)}: {' and '.join(what)} not found on the include "
            f"path (first: {first.include.target} at {where})")
    if suggestions:
        ranked = sorted(suggestions, key=lambda h: (-suggestions[h], str(h)))
        flags = " ".join(f"-I{display(h)}" for h in ranked[:_SHOWN])
        more = " …" if len(ranked) > _SHOWN else ""
        # a pre-commit hook cannot pass `--`: the config line too, relative to where the
        # config file is (or would be: the project root)
        entries = ", ".join(f'"{_relative(h, config.parent)}"' for h in ranked[:_SHOWN])
        table = " under [tool.amalint]" if config.name == "pyproject.toml" else ""
        text += (f"; the project has them: pass `-- {flags}{more}`, or in {display(config)}"
                 f"{table} write `include-paths = [{entries}]`")
        return text
    return text + ("; pass the directories that hold them with -I after `--` (or set "
                   "include-paths in the config)")


def _relative(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:  # another drive
        return str(path)
