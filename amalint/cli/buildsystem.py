"""``amalint check`` on a build system's units: which to lint for the paths, ``--target`` and
``--unity-readiness`` given, and ``--fix``/``--diff`` of the CMake files they fix.

The build directory is the one of ``-p``, else config ``compile-commands``, else
``build/compile_commands.json`` or ``compile_commands.json`` in the working directory (as for
flags). With no paths, every unity source of the build is linted (or, with
``--unity-readiness``, every pool). A path that is a generated unity source is linted as one; a
source of a target with unity sources today, or of any target with ``--unity-readiness``, is
checked against every source it can share a unit with (readiness for that file: the findings
that involve it). A directory lints every unity source of the build that is below it or whose
sources are (``amalint check .`` in a project whose ``build/`` is git-ignored lints the build's
units, as ``amalint check`` does), and goes on to the umbrella search too. Other paths go on to
the umbrella search.
"""

from __future__ import annotations

import difflib
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from amalint.cli.options import Configs
from amalint.config.flags import find_database
from amalint.engine.parallel import Runner
from amalint.engine.result import Result
from amalint.engine.rule import Finding, Fix, display
from amalint.errors import InputError
from amalint.fix.solver import apply_fixes
from amalint.fix.writer import check_writable, write_atomic
from amalint.model import Severity
from amalint.scan.sources import check_utf8

if TYPE_CHECKING:  # a run without a build directory imports none of it
    from amalint.config.buildsystems import Build, Pool
    from amalint.config.buildsystems.targets import Target, UnityFile
    from amalint.engine.buildunits import BuildUnit


@dataclass
class BuildRun:
    """What the build system's units gave, and the paths left for the umbrella search."""

    build: Build | None
    results: list[Result] = field(default_factory=list)
    rest: tuple[Path, ...] = ()
    #: Why there was nothing to lint in the build (no unity sources): the error when the
    #: umbrella search below the working directory finds nothing either.
    idle: str = ""
    #: Directories given whose build units were linted here, and those units' unity sources.
    directories: frozenset[Path] = frozenset()
    linted: frozenset[Path] = frozenset()

    def claims(self, umbrella: Path) -> bool:
        """Whether an umbrella the search found is a generated unity source (linted here)."""
        return self.build is not None and self.build.unity_file(umbrella) is not None


def run(paths: Sequence[Path], configs: Configs, names: Sequence[str], readiness: bool,
        verbose: bool, runner: Runner) -> BuildRun:
    """Lint the build-system units for ``paths`` (see the module docstring)."""
    database = find_database(configs(Path.cwd()).compile_commands, Path.cwd())
    if database is None:
        if readiness or names:
            raise InputError("--unity-readiness and --target need a build directory: -p "
                             "BUILD_DIR, or `compile-commands` in the config")
        return BuildRun(None, rest=tuple(paths))
    from amalint.config.buildsystems import build_dir, load
    from amalint.engine.buildunits import lint_units
    from amalint.engine.readiness import generated_unit, virtual_unit

    build = load(build_dir(database))
    targets = selected(build, names)
    if verbose:
        click.echo(f"amalint: targets from {build.origin}", err=True)
        for note in build.notes:
            click.echo(f"amalint: note: {note}", err=True)
    pools = [p for p in build.pools if p.target in targets]
    if not paths:
        if readiness:
            units = [virtual_unit(p) for p in pools]
        else:
            unity = [(t, u) for t in targets for u in t.unity_files]
            units = [generated_unit(t, u, build.pools) for t, u in unity if u.sources]
            if not units:
                setting = "CMake's UNITY_BUILD" if build.system == "CMake" else \
                    "Meson's unity option"
                why = (f"{setting} is off" if not unity else
                       "those there include only files the build generates, not there yet")
                idle = (f"{display(build.directory)}: no unity sources ({why}); "
                        "--unity-readiness checks what a unity build would meet")
                if names:
                    raise InputError(idle)
                return BuildRun(build, idle=idle)
        return BuildRun(build, lint_units(units, configs, build, runner))
    generated: list[BuildUnit] = []
    readied: dict[Pool, None] = {}
    only: set[Path] = set()
    rest: list[Path] = []
    directories: set[Path] = set()
    linted: set[Path] = set()
    for path in paths:
        if path.is_dir():
            below = [(t, u) for t in targets for u in t.unity_files
                     if u.sources and _below(path.resolve(), u) and u.path not in linted]
            generated += [generated_unit(t, u, build.pools) for t, u in below]
            linted.update(u.path for _, u in below)
            if below:
                directories.add(path)
            rest.append(path)  # and the umbrellas written by hand below it
            continue
        found = build.unity_file(path)
        if found is not None:
            generated.append(generated_unit(*found, build.pools))
            continue
        mine = [p for p in build.pools_of(path) if p in pools
                and (readiness or p.target.unity_files)]
        if mine:
            readied.update(dict.fromkeys(mine))
            only.add(path.resolve())
        else:
            rest.append(path)
    results = lint_units(generated, configs, build, runner)
    if readied:
        results += lint_units([virtual_unit(p) for p in readied], configs, build, runner,
                              frozenset(only))
    return BuildRun(build, results, tuple(rest), directories=frozenset(directories),
                    linted=frozenset(linted))


def _below(directory: Path, unity: UnityFile) -> bool:
    """Whether a unity source, or one of the sources it includes, is below ``directory``."""
    return any(directory == p or directory in p.parents for p in (unity.path, *unity.sources))


def claimed(build_run: BuildRun, umbrellas: Sequence[Path], configs: Configs,
            runner: Runner) -> list[Result]:
    """Lint the generated unity sources among the umbrellas the search found."""
    build = build_run.build
    if build is None:
        return []
    from amalint.engine.buildunits import lint_units
    from amalint.engine.readiness import generated_unit

    units = [generated_unit(*found, build.pools) for u in umbrellas
             if (found := build.unity_file(u)) is not None
             and found[1].path not in build_run.linted]
    return lint_units(units, configs, build, runner) if units else []


def selected(build: Build, names: Sequence[str]) -> list[Target]:
    if not names:
        return list(build.targets)
    known = {t.name: t for t in build.targets}
    unknown = [n for n in names if n not in known]
    if unknown:
        shown = ", ".join(sorted(known)[:10]) + (", ..." if len(known) > 10 else "")
        raise InputError(f"{display(build.directory)}: no target {unknown[0]!r} (targets: "
                         f"{shown})")
    return [known[n] for n in dict.fromkeys(names)]


def fix_files(results: Sequence[Result], unsafe: bool,
              diff: bool) -> tuple[bool, Counter[Severity], list[Result]]:
    """Apply (or, with ``diff``, print) the fixes of the build units' findings, which edit the
    project's CMake files; return whether anything changed, how many findings were fixed (by
    severity), and the results without them. CMake must configure the build again for the new
    order to count, so nothing is linted again."""
    edited = edited_files([f for r in results for f in r.fixes(unsafe)])
    changed = bool(edited)
    write_or_diff(edited, diff)
    if not changed or diff:
        return changed, Counter(), list(results)
    done = {id(f): f.severity for r in results for f in r.fixes(unsafe)}
    left = [replace(r, findings=tuple(f for f in r.findings if id(f) not in done))
            for r in results]
    return changed, Counter(done.values()), left


def edited_files(findings: Sequence[Finding]) -> list[tuple[Path, bytes, bytes]]:
    """``(path, old, new)`` of each build-system file the fixes of ``findings`` edit."""
    fixes: dict[Path, list[Fix]] = {}
    for finding in findings:
        assert finding.fix is not None
        for path in {e.location.path for e in finding.fix.edits}:
            fixes.setdefault(path, []).append(replace(finding.fix, edits=tuple(
                e for e in finding.fix.edits if e.location.path == path)))
    edited: list[tuple[Path, bytes, bytes]] = []
    if fixes:
        from amalint.config.buildsystems.cmakelists import read_bytes
    for path, found in fixes.items():
        data = read_bytes(path)
        new = apply_fixes(data, [fix.byte_edits(data) for fix in found])
        if new != data:
            edited.append((path, data, new))
    return edited


def write_or_diff(edited: Sequence[tuple[Path, bytes, bytes]], diff: bool) -> None:
    """Write each file's new bytes (``(path, old, new)``), or print them as a unified diff."""
    if diff:  # a diff is text: one that cannot be shown is an error, before any is printed
        for path, data, _ in edited:
            check_utf8(path, data)
    for path, data, new in edited:
        if diff:
            name = display(path)
            sys.stdout.writelines(difflib.unified_diff(
                data.decode("utf-8").splitlines(keepends=True),
                new.decode("utf-8").splitlines(keepends=True), f"a/{name}", f"b/{name}"))
        else:
            check_writable(path, Path.cwd())
            write_atomic(path, new)
