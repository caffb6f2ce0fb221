"""Suppression comments (amalint's and clang-tidy's NOLINT), file-level ignores, and AM901 for
suppressions that are unused or name no rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, amalint

from amalint.engine import suppressions
from amalint.engine.rule import Finding
from amalint.engine.suppressions import IncludeGraph
from amalint.model import Location, Severity
from amalint.scan.directives import scan
from amalint.scan.search import SearchPath

ARGS = ("--", "-Iinclude", "-Ieager")


@pytest.fixture
def tvm(tmp_path: Path) -> Path:
    """A copy of the TVM-shaped fixture: AM101 on umbrella lines 7 and 8."""
    copy = tmp_path / "tvm"
    shutil.copytree(FIXTURES / "tvm_shape", copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def findings(directory: Path, *extra: str) -> list[tuple[str, str, int]]:
    result = amalint("check", "umbrella.cc", "--format", "json", *extra, *ARGS, cwd=directory)
    return [(f["code"], f["filename"], f["location"]["row"]) for f in result.findings]


FILE_UTILS = '#include "src/file_utils.cc"'


@pytest.mark.parametrize("comment", [
    "// amalint: ignore[AM101]",
    "// amalint: ignore[am101]",
    "// amalint: ignore",
    "/* amalint: ignore[AM101] */",
    "// NOLINT(amalint-AM101)",
    "// NOLINT(bugprone-branch-clone, amalint-AM101)",
    "// NOLINT(amalint-*)",
    "// NOLINT(amalint-AM1*)",
])
def test_line_suppressions(tvm: Path, comment: str) -> None:
    edit(tvm / "umbrella.cc", FILE_UTILS, f"{FILE_UTILS}  {comment}")
    assert findings(tvm) == [("AM101", "umbrella.cc", 8)]


def test_nolintnextline_and_unrelated_nolint(tvm: Path) -> None:
    edit(tvm / "umbrella.cc", FILE_UTILS, f"// NOLINTNEXTLINE(amalint-AM101)\n{FILE_UTILS}")
    assert findings(tvm) == [("AM101", "umbrella.cc", 9)]
    # NOLINT without amalint- entries belongs to clang-tidy: not a suppression, not AM901
    edit(tvm / "umbrella.cc", '#include "src/profiling.cc"',
         '#include "src/profiling.cc"  // NOLINT(bugprone-x) NOLINT')
    assert findings(tvm) == [("AM101", "umbrella.cc", 9)]


def test_file_level_suppression_in_the_included_source(tvm: Path) -> None:
    edit(tvm / "src" / "file_utils.cc", "\n", "\n// amalint: ignore-file[AM101]\n")
    assert findings(tvm) == [("AM101", "umbrella.cc", 8)]
    edit(tvm / "umbrella.cc", "// An amalgamation", "// amalint: ignore-file\n// An amalgamation")
    assert findings(tvm) == []


def test_include_line_suppression_covers_findings_inside_the_included_file(
    tmp_path: Path,
) -> None:
    # no rule of this branch flags a line inside an included source, so this drives the
    # generic mechanism directly: a finding in b.h, reached through u.cc -> a.cc -> b.h
    files = {
        "u.cc": '#include "a.cc"  // amalint: ignore[AM202]\n#include "c.cc"\n',
        "a.cc": '#include "b.h"\n',
        "b.h": "using namespace std;\n",
        "c.cc": '// amalint: ignore-file[AM202]\n#include "b.h"\n',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    found = {name: (tmp_path / name).resolve() for name in files}
    scanned = {name: scan((tmp_path / name).read_bytes(), found[name], SearchPath())
               for name in files}
    graph = IncludeGraph.of((found[n], scanned[n].includes) for n in files)
    sups = [s for n in files for s in suppressions.scan(found[n], (tmp_path / n).read_bytes())]

    def finding(code: str, name: str, line: int) -> Finding:
        where = Location(found[name], line, 1)
        return Finding(code, "x", Severity.WARNING, "m", where, where)

    inside = finding("AM202", "b.h", 1)
    other_rule = finding("AM201", "b.h", 1)
    outcome = suppressions.apply([inside, other_rule], sups, graph, (), {"AM201", "AM202"},
                                 {"AM201", "AM202"})
    assert outcome.kept == [other_rule]
    # c.cc's file-level ignore covers a finding on c.cc's lines, and on u.cc's include of it
    on_include = finding("AM202", "u.cc", 2)
    outcome = suppressions.apply([on_include], sups, graph, (), {"AM202"}, {"AM202"})
    assert outcome.kept == []
    assert [s.text for s, _, _ in outcome.unused] == ["amalint: ignore[AM202]"]


def test_nolintbegin_and_nolintend_cover_the_lines_between(tvm: Path) -> None:
    """clang-tidy's region form; the END names the checks its BEGIN named."""
    edit(tvm / "umbrella.cc", FILE_UTILS, f"// NOLINTBEGIN(amalint-AM101)\n{FILE_UTILS}")
    edit(tvm / "umbrella.cc", '#include "src/profiling.cc"',
         '#include "src/profiling.cc"\n// NOLINTEND(amalint-AM101)')
    assert findings(tvm) == []


def test_comments_meant_for_amalint_that_it_does_not_read_are_am901(tvm: Path) -> None:
    """As ruff reports a `noqa` it cannot parse: each says what to write; the finding stays."""
    edit(tvm / "umbrella.cc", FILE_UTILS, f"{FILE_UTILS}  // noqa: AM101")
    edit(tvm / "umbrella.cc", '#include "src/profiling.cc"',
         '#include "src/profiling.cc"  // NOLINT(AM101)')
    edit(tvm / "umbrella.cc", '#include "src/registry.cc"',
         '// amalint: disable AM202\n// NOLINTBEGIN(amalint-AM202)\n#include "src/registry.cc"')
    edit(tvm / "umbrella.cc", "int main", "// NOLINTEND(amalint-AM205)\nint main")
    result = amalint("check", "umbrella.cc", "--format", "concise", *ARGS, cwd=tvm)
    assert result.returncode == 1
    assert [line for line in result.stdout.splitlines() if "AM901" in line] == [
        "umbrella.cc:6:4: AM901 suppression comment `amalint: disable AM202` is not one "
        "amalint reads: write `amalint: ignore[AM202]`",
        "umbrella.cc:7:4: AM901 `NOLINTBEGIN(amalint-AM202)` has no partner: it needs a "
        "NOLINTEND(amalint-AM202) after it",
        "umbrella.cc:9:34: AM901 suppression comment `noqa: AM101` is not one amalint reads: "
        "write `amalint: ignore[AM101]`",
        "umbrella.cc:10:33: AM901 suppression comment `NOLINT(AM101)` is not one amalint "
        "reads: write `NOLINT(amalint-AM101)`",
        "umbrella.cc:14:4: AM901 `NOLINTEND(amalint-AM205)` has no partner: it needs a "
        "NOLINTBEGIN(amalint-AM205) before it",
    ]
    assert [line.split(":")[1] for line in result.stdout.splitlines() if "AM101" in line
            and "AM901" not in line] == ["9", "10"]
    # prose that mentions a rule is no suppression
    edit(tvm / "umbrella.cc", "// the FFI core", "// the FFI core: see AM101 and amalint's docs")
    again = amalint("check", "umbrella.cc", "--format", "concise", *ARGS, cwd=tvm)
    assert again.stdout.count("AM901") == result.stdout.count("AM901")


def test_unused_and_unknown_suppressions_are_am901(tvm: Path) -> None:
    edit(tvm / "umbrella.cc", '#include "src/registry.cc"',
         '#include "src/registry.cc"  // amalint: ignore[AM101]')
    edit(tvm / "umbrella.cc", FILE_UTILS, f"{FILE_UTILS}  // amalint: ignore[AM101, AM110]")
    edit(tvm / "umbrella.cc", "int main", "// NOLINTNEXTLINE(amalint-AM102)\nint main")
    edit(tvm / "src" / "object.cc", "\n", "\n// amalint: ignore-file\n")
    result = amalint("check", "umbrella.cc", "--format", "concise", *ARGS, cwd=tvm)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "src/object.cc:2:4: AM901 suppression `amalint: ignore-file` is unused",
        "umbrella.cc:6:32: AM901 suppression `amalint: ignore[AM101]` is unused "
        "(unused: AM101)",
        "umbrella.cc:7:34: AM901 suppression `amalint: ignore[AM101, AM110]` names no rule "
        "(unknown: AM110)",
        "umbrella.cc:8:1: AM101 [*] `src/profiling.cc` looks up `ffi.GetKwargsObject` at "
        "start-up before `src/object.cc` (included at line 10) registers it",
        "umbrella.cc:12:4: AM901 suppression `NOLINTNEXTLINE(amalint-AM102)` is unused "
        "(unused: AM102)",
    ]
    # codes of rules not selected are not reported as unused; AM901 can be ignored itself
    selected = findings(tvm, "--select", "AM101,AM901", "--ignore", "AM1")
    assert selected == [("AM901", "src/object.cc", 2), ("AM901", "umbrella.cc", 7)]
    assert findings(tvm, "--ignore", "AM901") == [("AM101", "umbrella.cc", 8)]


def test_a_suppressed_finding_is_not_fixed(tvm: Path) -> None:
    edit(tvm / "umbrella.cc", FILE_UTILS, f"{FILE_UTILS}  // amalint: ignore[AM101]")
    fixed = amalint("check", "umbrella.cc", "--fix", *ARGS, cwd=tvm)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    lines = (tvm / "umbrella.cc").read_text().splitlines()
    includes = [line.split('"')[1] for line in lines if line.startswith("#include \"")]
    # profiling.cc moved below object.cc; the suppressed file_utils.cc stayed where it was
    assert includes == ["src/registry.cc", "src/file_utils.cc", "src/object.cc",
                        "src/profiling.cc"]


def test_shared_file_suppression_is_used_through_either_umbrella(tmp_path: Path) -> None:
    (tmp_path / "a.cc").write_text(
        '// amalint: ignore-file[AM102]\n__attribute__((constructor)) static void f() '
        '{ tvm::ffi::Function::GetGlobal("k"); }\n')
    (tmp_path / "b.cc").write_text("int b;\n")
    (tmp_path / "one.cc").write_text('#include "a.cc"\n')
    (tmp_path / "two.cc").write_text('#include "b.cc"\n#include "a.cc"\n')
    result = amalint("check", "one.cc", "two.cc", "--format", "json", cwd=tmp_path)
    assert (result.returncode, result.json) == (0, [])
