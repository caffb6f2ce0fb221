"""``amalint batching``: readiness for every batching of each target's sources, and a grouping
that builds, as CMake text (``--fix`` appends it to the CMake file that defines the target,
``--diff`` shows it)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from amalint.analysis.batching import Grouping, Relations, constraints, failures, grouping
from amalint.cli.buildsystem import selected, write_or_diff
from amalint.cli.options import EXIT_CODES, Configs, common, fail, output
from amalint.config.buildsystems import Build, Pool, build_dir, load
from amalint.config.buildsystems.cmakelists import read_bytes
from amalint.config.flags import find_database
from amalint.engine.batching import relations
from amalint.engine.rule import display
from amalint.errors import InputError


@click.command(epilog=EXIT_CODES)
@click.option("--target", "target_names", multiple=True, metavar="NAME",
              help="Only this build-system target (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--fix", is_flag=True, help="Append the proposed grouping to the CMake file "
              "that defines each target that needs one.")
@click.option("--diff", is_flag=True, help="Print the grouping as a unified diff of those "
              "files; write nothing.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of stdout.")
@common
def batching(target_names: tuple[str, ...], fmt: str, fix: bool, diff: bool,
             output_file: Path | None, config: Path | None, isolated: bool,
             frontend: str | None, compiler: str | None, compile_commands: Path | None,
             resource_dir: Path | None, verbose: bool) -> None:
    """Say whether each target of a CMake or Meson build (-p) builds and starts under every
    unity batch size and source order, or which constraints fail (sources that must not share
    a unit, orders that fail, sources that need an earlier one), and propose a grouping that
    builds (UNITY_BUILD_MODE GROUP). Exit 1 when some target is not ready."""
    if fix and diff:
        fail("--fix and --diff cannot be combined")
    try:
        configs = Configs(config, isolated, frontend=frontend, compiler=compiler,
                          compile_commands=compile_commands, resource_dir=resource_dir)
        database = find_database(configs(Path.cwd()).compile_commands, Path.cwd())
        if database is None:
            raise InputError("batching needs a build directory: -p BUILD_DIR, or "
                             "`compile-commands` in the config")
        build = load(build_dir(database))
        targets = selected(build, target_names)
        reports = []
        for pool in (p for p in build.pools if p.target in targets):
            start = time.perf_counter()
            found = relations(pool, configs(pool.sources[0]), build)
            reports.append(_report(pool, found, build, time.perf_counter() - start))
        if fix or diff:
            edits = _edits(reports, build)
            write_or_diff(edits, diff)
            if diff:  # as `check --diff`: the diff alone, exit 1 when it changes something
                sys.exit(1 if edits else 0)
            for path, _, _ in edits:
                click.echo(f"amalint: appended a grouping to {display(path)}; CMake "
                           "configures again on the next build", err=True)
    except InputError as exc:
        fail(str(exc))
    try:
        with output(output_file) as out:
            if fmt == "json":
                json.dump([{k: v for k, v in r.items() if not k.startswith("_")}
                           for r in reports], out, indent=2)
                out.write("\n")
            else:
                for report in reports:
                    _text(report, out, verbose)
    except InputError as exc:
        fail(str(exc))
    sys.exit(1 if any(not r["ready"] for r in reports) else 0)


def _name(path: Path, pool: Pool) -> str:
    return Path(os.path.relpath(path, pool.target.directory)).as_posix()


def _report(pool: Pool, found: Relations, build: Build, seconds: float) -> dict[str, Any]:
    lines = constraints(found)
    proposal: Grouping | None = grouping(found) if lines else None
    cmake = _cmake(pool, proposal) if proposal is not None and build.system == "CMake" \
        and pool.group is None else ""
    groups = [] if proposal is None else proposal.groups
    return {
        "target": pool.target.name, "language": pool.language, "group": pool.group,
        "sources": [display(s) for s in pool.sources],
        "ready": not lines, "constraints": lines,
        "proposal": None if proposal is None else {
            "groups": [[display(pool.sources[i]) for i in g] for g in groups],
            "alone": [display(pool.sources[i]) for i in proposal.alone],
            "unsolved": proposal.unsolved,
            "builds": not failures(found, groups) and not proposal.unsolved,
            "cmake": cmake,
        },
        "seconds": round(seconds, 3),
        "_pool": pool,
    }


def _cmake(pool: Pool, proposal: Grouping) -> str:
    """The grouping as CMake text for the file that defines the target."""
    name = pool.target.name
    lines = [f"# amalint batching: a grouping of `{name}` that builds (no two sources that",
             "# clash share a unit; each source that needs another comes after it)",
             f"set_target_properties({name} PROPERTIES UNITY_BUILD_MODE GROUP)"]
    for number, group in enumerate(proposal.groups, 1):
        files = " ".join(_name(pool.sources[i], pool) for i in group)
        lines.append(f"set_source_files_properties({files} PROPERTIES UNITY_GROUP "
                     f"{name}_{number})")
    if proposal.alone:
        files = " ".join(_name(pool.sources[i], pool) for i in proposal.alone)
        lines.append(f"set_source_files_properties({files} PROPERTIES "
                     "SKIP_UNITY_BUILD_INCLUSION ON)")
    return "\n".join(lines) + "\n"


def _edits(reports: list[dict[str, Any]], build: Build) -> list[tuple[Path, bytes, bytes]]:
    """The CMake files with each proposal appended (to the file that defines its target)."""
    texts: dict[Path, list[str]] = {}
    for report in reports:
        proposal, pool = report["proposal"], report["_pool"]
        if proposal is None or not proposal["cmake"]:
            continue
        defined = pool.target.defined_at
        path = defined.path if defined is not None else \
            pool.target.directory / "CMakeLists.txt"
        texts.setdefault(path, []).append(proposal["cmake"])
    out = []
    for path, added in texts.items():
        data = read_bytes(path)
        new = data + (b"" if data.endswith(b"\n") or not data else b"\n") + \
            "".join(f"\n{t}" for t in added).encode("utf-8")
        out.append((path, data, new))
    return out


def _text(report: dict[str, Any], out: Any, verbose: bool) -> None:
    pool: Pool = report["_pool"]
    head = f"{pool.describe()}, {len(report['sources'])} sources"
    took = f" ({report['seconds']:.2f} s)" if verbose else ""
    if report["ready"]:
        out.write(f"{head}: builds under every batch size and order{took}\n")
        return
    out.write(f"{head}: {len(report['constraints'])} constraint(s) fail under some "
              f"batching{took}\n")
    for line in report["constraints"]:
        out.write(f"  {line}\n")
    proposal = report["proposal"]
    for line in proposal["unsolved"]:
        out.write(f"  no grouping fixes: {line}\n")
    if proposal["cmake"]:
        verdict = "builds" if proposal["builds"] else "builds once those are fixed"
        out.write(f"A grouping that {verdict} (amalint batching --fix appends it):\n")
        for line in proposal["cmake"].splitlines():
            out.write(f"  {line}\n")
    out.write("\n")
