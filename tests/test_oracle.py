"""Oracle tests: what amalint predicts about start-up is checked against real compiled programs.

Every fixture amalgamation is built as one translation unit with g++ (and clang++ when
installed) and run. Each initializer prints ``init FILE:LINE`` first thing, so the program shows
the order its initializers really ran in.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, amalint, build_and_run, compile_unit

#: Rules whose findings mean "this program fails at start-up" (AM105 only as an error: its
#: warning is about a reserved priority).
STARTUP_FAILURES = {"AM101", "AM102", "AM103", "AM104", "AM105"}
TRACE = re.compile(r"^init (.+):(\d+)$")


@dataclass(frozen=True)
class Case:
    name: str
    directory: Path
    include_dirs: tuple[Path, ...]
    defines: tuple[str, ...] = ()
    amalint_args: tuple[str, ...] = ()

    def compiler_args(self) -> list[str]:
        """The flags the program is built with, given to amalint after ``--``."""
        return [*(f"-I{d}" for d in self.include_dirs), *(f"-D{d}" for d in self.defines)]


TVM = FIXTURES / "tvm_shape"
PLUG = FIXTURES / "plug"
CASES = [
    Case("tvm-eager", TVM, (TVM / "include", TVM / "eager")),
    Case("tvm-lazy", TVM, (TVM / "include", TVM / "lazy")),
    # the portable expansion of the init-block macro: static variables with dynamic initializers
    Case("tvm-eager-portable", TVM, (TVM / "include", TVM / "eager"),
         ("FIXTURE_PORTABLE_INIT",), ("--compiler", "other")),
    Case("tvm-lazy-portable", TVM, (TVM / "include", TVM / "lazy"),
         ("FIXTURE_PORTABLE_INIT",), ("--compiler", "other")),
    *(Case(f"plug-{d}", PLUG / d, (PLUG / "include",))
      for d in ("missing", "duplicate", "cycle", "ctor_vs_dynamic", "priorities", "chain",
                "reserved", "inversion", "orphan", "optional")),
    # the same program with the lookups that abort instead of returning nothing
    Case("plug-optional-required", PLUG / "optional", (PLUG / "include",),
         ("PLUG_REQUIRE_CODECS",)),
]


def findings(case: Case, frontend: str, umbrella: str = "umbrella.cc") -> list[dict[str, Any]]:
    result = amalint("check", umbrella, "--format", "json", "--frontend", frontend,
                     *case.amalint_args, "--", *case.compiler_args(), cwd=case.directory)
    rows: list[dict[str, Any]] = result.findings
    return rows


def lint(case: Case, frontend: str, umbrella: str = "umbrella.cc") -> set[str]:
    return {finding["code"] for finding in findings(case, frontend, umbrella)}


def startup_failures(case: Case, frontend: str, umbrella: str = "umbrella.cc") -> set[str]:
    return {f["code"] for f in findings(case, frontend, umbrella)
            if f["code"] in STARTUP_FAILURES and f["severity"] == "error"}


def predicted_order(
    case: Case, frontend: str, umbrella: str = "umbrella.cc"
) -> list[dict[str, object]]:
    result = amalint("order", umbrella, "--format", "json", "--frontend", frontend,
                     *case.amalint_args, "--", *case.compiler_args(), cwd=case.directory)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = result.json
    return rows


def observed_order(case: Case, stdout: str, rows: list[dict[str, object]]) -> list[int]:
    """Map each printed ``init FILE:LINE`` to the entry point whose span holds that line."""
    observed = []
    for line in stdout.splitlines():
        m = TRACE.match(line)
        if not m:
            continue
        path = (case.directory / m.group(1)).resolve()
        row = int(m.group(2))
        owners = [
            entry["index"] for entry in rows
            if (case.directory / str(entry["filename"])).resolve() == path
            and entry["location"]["row"] <= row <= entry["end_location"]["row"]  # type: ignore[index]
        ]
        assert len(owners) == 1, f"{m.group(0)} is in {len(owners)} predicted entry points"
        observed.append(int(str(owners[0])))
    return observed


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_reported_hazard_iff_startup_fails(
    case: Case, frontend: str, compiler: str, tmp_path: Path
) -> None:
    codes = startup_failures(case, frontend)
    run = build_and_run(compiler, case.directory, "umbrella.cc", case.include_dirs, tmp_path,
                        case.defines)
    assert bool(codes) == (run.returncode != 0), (
        f"amalint reported {sorted(codes)}, the program exited {run.returncode}: {run.stderr}"
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_predicted_order_is_the_real_order(
    case: Case, frontend: str, compiler: str, tmp_path: Path
) -> None:
    rows = predicted_order(case, frontend)
    run = build_and_run(compiler, case.directory, "umbrella.cc", case.include_dirs, tmp_path,
                        case.defines)
    observed = observed_order(case, run.stdout, rows)
    predicted = [int(str(r["index"])) for r in rows]
    assert observed, "the program printed no initializer"
    if run.returncode == 0:
        assert observed == predicted
    else:  # it stopped at the failing initializer: what ran is a prefix of the prediction
        assert observed == predicted[: len(observed)]


def _move_include_first(umbrella: str, spelling: str) -> str:
    lines = umbrella.splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if f'"{spelling}"' in line)
    first = next(i for i, line in enumerate(lines) if line.startswith('#include "'))
    moved = lines.pop(target)
    lines.insert(first, moved)
    return "".join(lines)


@pytest.mark.parametrize("portable", [False, True], ids=["gnu", "portable"])
def test_tvm_shape_runs_once_the_provider_comes_first(
    portable: bool, frontend: str, compiler: str, tmp_path: Path
) -> None:
    case = CASES[2] if portable else CASES[0]
    found = findings(case, frontend)
    providers = {
        r["filename"] for f in found if f["code"] == "AM101" for r in f["related"]
        if r["message"] == "the provider is included here"
    }
    assert providers == {"umbrella.cc"}
    lines = {r["location"]["row"] for f in found for r in f["related"]
             if r["message"] == "the provider is included here"}
    (line,) = lines
    text = (TVM / "umbrella.cc").read_text()
    spelling = text.splitlines()[line - 1].split('"')[1]
    reordered = TVM / f"reordered-{tmp_path.name}.cc"
    reordered.write_text(_move_include_first(text, spelling))
    try:
        assert lint(case, frontend, reordered.name) == set()
        run = build_and_run(compiler, TVM, reordered.name, case.include_dirs, tmp_path,
                            case.defines)
        assert run.returncode == 0, run.stderr
        assert run.stdout.endswith("ok\n")
    finally:
        reordered.unlink()


def test_ctor_lookup_of_dynamic_registration_fails_in_every_order(
    frontend: str, compiler: str, tmp_path: Path
) -> None:
    case = next(c for c in CASES if c.name == "plug-ctor_vs_dynamic")
    text = (case.directory / "umbrella.cc").read_text()
    swapped = case.directory / f"swapped-{tmp_path.name}.cc"
    swapped.write_text(_move_include_first(text, "client.cc"))
    try:
        assert lint(case, frontend, swapped.name) == {"AM104"}
        run = build_and_run(compiler, case.directory, swapped.name, case.include_dirs, tmp_path)
        assert run.returncode != 0
    finally:
        swapped.unlink()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_both_front_ends_report_the_same(case: Case) -> None:
    """Where the flags are right and the code has no front-end blind spot, the name-based
    tree-sitter front end and the semantic libclang one agree on every finding and fix."""

    def key(finding: dict[str, Any]) -> tuple[object, ...]:
        return (finding["code"], finding["filename"], finding["location"]["row"],
                finding["message"], finding["severity"], json.dumps(finding["fix"]))

    by_tree_sitter = sorted(map(key, findings(case, "tree-sitter")))
    by_libclang = sorted(map(key, findings(case, "libclang")))
    assert by_tree_sitter == by_libclang


FIXABLE = [c for c in CASES
           if c.name in ("tvm-eager", "tvm-eager-portable", "plug-chain", "plug-orphan")]


@pytest.mark.parametrize("case", FIXABLE, ids=lambda c: c.name)
def test_fixed_umbrella_builds_and_runs(
    case: Case, frontend: str, compiler: str, tmp_path: Path
) -> None:
    top = case.directory if case.directory == TVM else case.directory.parent
    copy = tmp_path / "fixture"
    shutil.copytree(top, copy)
    moved = replace(case, directory=copy / case.directory.relative_to(top),
                    include_dirs=tuple(copy / d.relative_to(top) for d in case.include_dirs))
    run = build_and_run(compiler, moved.directory, "umbrella.cc", moved.include_dirs, tmp_path,
                        moved.defines)
    assert run.returncode != 0  # the hazard is real
    fixed = amalint("check", "umbrella.cc", "--fix", "--unsafe-fixes", "--frontend", frontend,
                    *moved.amalint_args, "--", *moved.compiler_args(), cwd=moved.directory)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "fixed, 0 remaining" in fixed.stdout
    assert lint(moved, frontend) == set()
    run = build_and_run(compiler, moved.directory, "umbrella.cc", moved.include_dirs, tmp_path,
                        moved.defines)
    assert run.returncode == 0, run.stderr
    if case.directory == TVM:
        expected = (TVM / "umbrella.fixed.cc").read_bytes()
        assert (moved.directory / "umbrella.cc").read_bytes() == expected



def test_priority_findings_match_the_order_the_program_prints(
    frontend: str, compiler: str, tmp_path: Path
) -> None:
    """AM105's explanation is the real order: the reserved-priority hook runs before the
    initializer the finding names; the lookup at priority 150 runs (and fails) before the
    registration it names, although the provider is included first."""
    for name, severity, before_after in (("reserved", "warning", ("hook.cc", "logging.cc")),
                                         ("inversion", "error", ("cache.cc", "store.cc"))):
        case = next(c for c in CASES if c.name == f"plug-{name}")
        (finding,) = findings(case, frontend)
        assert (finding["code"], finding["severity"]) == ("AM105", severity)
        assert finding["filename"] == before_after[0]
        assert before_after[1] in {r["filename"] for r in finding["related"]}
        run = build_and_run(compiler, case.directory, "umbrella.cc", case.include_dirs,
                            tmp_path)
        printed = [os.path.normpath(m.group(1))
                   for m in map(TRACE.match, run.stdout.splitlines()) if m]
        assert printed[0] == before_after[0]
        if severity == "error":
            assert run.returncode != 0 and printed == [before_after[0]]
        else:
            assert run.returncode == 0 and printed == list(before_after)


def test_reserved_priority_is_what_gcc_warns_about(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == "plug-reserved")
    built = compile_unit("g++", case.directory, "umbrella.cc", case.include_dirs,
                         output=tmp_path / "prog")
    assert built.returncode == 0 and "reserved for the implementation" in built.stderr


#: Programs only the libclang front end gets right: an overload chosen by argument type, a
#: template specialization, a lookup written through a macro. tree-sitter resolves by name and
#: arity (so it sees every overload and every specialization) and does not expand macros.
PRECISION = [Case(f"plug-{d}", PLUG / d, (PLUG / "include",))
             for d in ("overload", "specialization", "macro_lookup")]


@pytest.mark.parametrize("case", PRECISION, ids=lambda c: c.name)
def test_what_only_libclang_gets_right(case: Case, compiler: str, tmp_path: Path) -> None:
    run = build_and_run(compiler, case.directory, "umbrella.cc", case.include_dirs, tmp_path)
    failed = run.returncode != 0
    assert bool(lint(case, "libclang") & STARTUP_FAILURES) == failed
    # the documented blind spot of the name-based front end (see the README and AM101's docs)
    assert bool(lint(case, "tree-sitter") & STARTUP_FAILURES) != failed


def test_both_front_ends_see_only_the_active_preprocessor_branch(
        compiler: str, tmp_path: Path) -> None:
    """codec.cc registers its key under ``#ifdef PLUG_WITH_CODEC``. With the build's flags
    both front ends see only the branches the compiler compiles (libclang itself, tree-sitter
    through amalint's preprocessor), so they tell "missing" (AM102: no order helps) from "too
    late" (AM101: the reorder helps)."""
    copy = tmp_path / "plug"
    shutil.copytree(PLUG, copy)
    plain = Case("plug-feature_flag", copy / "feature_flag", (copy / "include",))
    with_codec = replace(plain, defines=("PLUG_WITH_CODEC",))
    for frontend in ("libclang", "tree-sitter"):
        assert lint(plain, frontend) == {"AM102"}
        assert lint(with_codec, frontend) == {"AM101"}
    for case in (plain, with_codec):
        run = build_and_run(compiler, case.directory, "umbrella.cc", case.include_dirs,
                            tmp_path, case.defines)
        assert run.returncode != 0
    umbrella = plain.directory / "umbrella.cc"
    umbrella.write_text(_move_include_first(umbrella.read_text(), "codec.cc"))
    for case, runs in ((plain, False), (with_codec, True)):
        run = build_and_run(compiler, case.directory, "umbrella.cc", case.include_dirs,
                            tmp_path, case.defines)
        assert (run.returncode == 0) == runs, run.stderr
