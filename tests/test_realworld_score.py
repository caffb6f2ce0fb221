"""The real-world harness's pure parts on tiny hand-written inputs (no compiler, no repository)."""

from __future__ import annotations

import sys
from typing import Any

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks" / "realworld"))

import score
import unity_truth

TRUTH: dict[str, Any] = {
    "project": "toy", "commit": "0" * 40, "compilers": ["g++", "clang++"],
    "unity_sources": [{"unity_source": "<build>/u.c", "target": "t", "sources": ["a.c", "b.c"]}],
    "unity_only": [
        # the same redefinition from both compilers: one row
        {"unity_source": "<build>/u.c", "compiler": "g++", "severity": "error",
         "kind": "redefinition", "symbol": "helper", "file": "b.c", "line": 3,
         "message": "redefinition of 'helper'", "notes": [{"file": "a.c", "line": 2}]},
        {"unity_source": "<build>/u.c", "compiler": "clang++", "severity": "error",
         "kind": "redefinition", "symbol": "helper", "file": "b.c", "line": 3,
         "message": "redefinition of 'helper'", "notes": []},
        {"unity_source": "<build>/u.c", "compiler": "g++", "severity": "error",
         "kind": "ambiguous", "symbol": "Point", "file": "b.c", "line": 9,
         "message": "reference to 'Point' is ambiguous", "notes": []},
        {"unity_source": "<build>/u.c", "compiler": "g++", "severity": "warning",
         "kind": "macro-redefined", "symbol": "SIZE", "file": "b.c", "line": 1,
         "message": '"SIZE" redefined', "notes": []},
        # not a recall row (other kind), but makes a finding on `LIMIT` real
        {"unity_source": "<build>/u.c", "compiler": "g++", "severity": "error",
         "kind": "undeclared-or-other", "symbol": "LIMIT", "file": "b.c", "line": 12,
         "message": "expected identifier", "notes": []},
        # a warning of a recall kind does not count
        {"unity_source": "<build>/u.c", "compiler": "g++", "severity": "warning",
         "kind": "redefinition", "symbol": "w", "file": "b.c", "line": 20,
         "message": "redefinition of 'w'", "notes": []},
    ],
}


def resolve(path: str) -> str:
    return "/b/" + path.removeprefix("<build>/") if path.startswith("<build>/") else "/s/" + path


def finding(code: str, severity: str, message: str, filename: str,
            related: tuple[str, ...] = (), notes: tuple[tuple[str, str], ...] = ()
            ) -> dict[str, Any]:
    return {"code": code, "severity": severity, "message": message, "filename": filename,
            "related": [{"filename": r} for r in related]
            + [{"filename": f, "message": m} for f, m in notes]}


def run_match(report: list[dict[str, Any]]) -> score.Result:
    rows = score.load_truth(TRUTH, resolve)
    return score.match(rows, score.load_findings("/b/u.c", report, resolve))


def test_named_takes_identifiers_in_backquotes_but_not_file_names() -> None:
    names = score.named("`helper(const char*)` (static) is also defined in `a.c` and `src/x`")
    assert names == {"helper", "const", "char"}


def test_counted_merges_compilers_and_keeps_recall_kinds_only() -> None:
    rows = score.counted(score.load_truth(TRUTH, resolve))
    assert sorted((r.kind, r.symbol) for r in rows) == [
        ("ambiguous", "Point"), ("macro-redefined", "SIZE"), ("redefinition", "helper")]


def test_found_needs_symbol_and_file() -> None:
    result = run_match([
        finding("AM201", "error", "`helper(int)` (static) is also defined in `a.c`", "b.c",
                ("a.c",)),
        # names the symbol but not the error's file b.c: not a hit
        finding("AM202", "error", "in `c.c`, `Point` is ambiguous", "a.c", ("c.c",)),
        # right file and symbol, but not an AM2 matching code
        finding("AM301", "warning", "`SIZE`", "b.c"),
    ])
    hits = {r.symbol: hit for r, hit in result.found}
    assert hits == {"helper": True, "Point": False, "SIZE": False}


def test_found_by_a_related_note_at_the_rows_file_that_names_it() -> None:
    """A leaked directive's finding names one ambiguous name in its message and lists the
    others, file by file, as notes: a note at the row's file naming its symbol finds it."""
    message = "`using namespace geo;` in `a.c` stays in effect: in `c.c`, `Line` is ambiguous"
    hit = run_match([finding("AM202", "error", message, "a.c",
                             notes=(("b.c", "in `b.c`: `Point` is ambiguous"),))])
    assert {r.symbol: h for r, h in hit.found}["Point"]
    elsewhere = run_match([finding("AM202", "error", message, "a.c",
                                   notes=(("c.c", "in `c.c`: `Point` is ambiguous"),))])
    assert not {r.symbol: h for r, h in elsewhere.found}["Point"]


def test_macro_row_found_by_a_warning_finding_with_related_file() -> None:
    result = run_match([finding("AM203", "warning", "`SIZE` is defined in `a.c` ...", "a.c",
                                ("b.c",))])
    assert {r.symbol: hit for r, hit in result.found}["SIZE"]
    assert result.real == []  # warnings are not judged for precision


def test_precision_counts_error_findings_against_any_unity_only_error() -> None:
    result = run_match([
        finding("AM201", "error", "`helper` collides", "b.c"),
        finding("AM203", "error", "`LIMIT` rewrites an identifier", "b.c"),
        finding("AM201", "error", "`other` collides", "b.c"),
        finding("AM201", "error", "`w` collides", "b.c"),  # only a compiler warning names w
        finding("AM101", "error", "`helper` init order", "b.c"),  # not AM2: not judged
    ])
    assert [(f.message.split("`")[1], ok) for f, ok in result.real] == [
        ("helper", True), ("LIMIT", True), ("other", False), ("w", False)]


def test_findings_of_another_unit_do_not_match() -> None:
    rows = score.load_truth(TRUTH, resolve)
    other = score.load_findings("/b/v.c", [finding("AM201", "error", "`helper`", "b.c")],
                                resolve)
    result = score.match(rows, other)
    assert not any(hit for _, hit in result.found)
    assert [ok for _, ok in result.real] == [False]


def test_classify_and_symbol() -> None:
    cases = [
        ("redefinition of 'static int foo(int)'", "redefinition", "foo"),
        ("conflicting types for 'gz_error'; have 'void(int)'", "redefinition", "gz_error"),
        ("redefinition of 'void {anonymous}::Log(const char*)'", "redefinition", "Log"),
        ("static declaration of 'f' follows non-static declaration", "redefinition", "f"),
        ("'int x' was declared 'extern' and later 'static'", "redefinition", "x"),
        ("conflicting declaration 'typedef struct foo foo_t'", "redefinition", "foo_t"),
        ("redefinition of 'int (* hook)(int)'", "redefinition", "hook"),
        ("reference to 'Point' is ambiguous", "ambiguous", "Point"),
        ("call of overloaded 'Half(int&)' is ambiguous", "ambiguous", "Half"),
        ('"SIZE" redefined', "macro-redefined", "SIZE"),
        ("'SIZE' macro redefined [-Wmacro-redefined]", "macro-redefined", "SIZE"),
        ("'LIMIT' undeclared (first use in this function)", "undeclared-or-other", "LIMIT"),
    ]
    for message, kind, symbol in cases:
        assert unity_truth.classify(message) == kind, message
        assert unity_truth.symbol_of(message, None, 0) == symbol, message
    typedef = "typedef redefinition with different types ('struct a' vs 'struct b')"
    assert unity_truth.symbol_of(typedef, "typedef struct a item_t;", 18) == "item_t"


def test_parse_diagnostics_attaches_notes_and_shows_paths() -> None:
    paths = unity_truth.Paths("/s", ("/w/unity", "/w/plain"))
    stderr = (
        "In file included from /w/unity/CMakeFiles/t.dir/Unity/unity_0_c.c:4:\n"
        "/s/b.c:3:12: error: redefinition of 'helper'\n"
        "a.c:2:12: note: previous definition of 'helper' with type 'int(void)'\n"
        "/w/unity/gen.h:1:1: warning: \"X\" redefined\n"
        "/usr/include/x.h:5: note: this is the location of the previous definition\n"
    )
    diags = unity_truth.parse_diagnostics(stderr, "/s", paths)
    assert [(d.file, d.line, d.column, d.severity) for d in diags] == [
        ("b.c", 3, 12, "error"), ("<build>/gen.h", 1, 1, "warning")]
    assert diags[0].notes == [{"file": "a.c", "line": 2,
                               "message": "previous definition of 'helper' with type 'int(void)'"}]
    assert diags[1].notes[0]["file"] == "/usr/include/x.h"


def test_syntax_command_drops_outputs_and_maps_compilers() -> None:
    entry = unity_truth.Entry(["/usr/bin/c++", "-DX", "-MD", "-MT", "a.o", "-MF", "a.o.d",
                               "-o", "a.o", "-c", "/s/a.cc"], "/w", "/s/a.cc", "t")
    assert unity_truth.syntax_command(entry, "clang")[:3] == ["clang++", "-DX", "/s/a.cc"]
    c_entry = unity_truth.Entry(["/usr/bin/cc", "-c", "a.c"], "/w", "/w/a.c", "t")
    cmd = unity_truth.syntax_command(c_entry, "gcc")
    assert cmd[:3] == ["gcc", "a.c", "-fsyntax-only"]


def test_expansion_point_moves_gcc_macro_diagnostics_to_the_use() -> None:
    d = unity_truth.Diagnostic("m.h", 3, 1, "error", "redefinition of 'f'", [
        {"file": "a.c", "line": 9, "message": "in expansion of macro 'INNER'"},
        {"file": "b.c", "line": 4, "message": "in expansion of macro 'OUTER'"},
        {"file": "c.c", "line": 2, "message": "previous definition of 'f'"}])
    assert unity_truth.expansion_point(d) == {"file": "b.c", "line": 4, "spelled_at": "m.h:3"}
    d.notes = d.notes[2:]
    assert unity_truth.expansion_point(d) == {}


def test_a_finding_quoting_the_compiler_names_the_row() -> None:
    # the source spells `_write_lines` (a macro), the compiler says `write_lines`
    truth = {"unity_only": [
        {"unity_source": "<build>/u.c", "compiler": "clang++", "severity": "error",
         "kind": "redefinition", "symbol": "write_lines", "file": "impl.c", "line": 5,
         "message": "redefinition of 'write_lines'", "notes": []}]}
    report = [finding("AM201", "error", "`_write_lines` is defined twice; the compiler reports: "
                      "redefinition of 'write_lines'", "impl.c")]
    result = score.match(score.load_truth(truth, resolve),
                         score.load_findings("/b/u.c", report, resolve))
    assert [hit for _, hit in result.found] == [True]
    assert [ok for _, ok in result.real] == [True]


def test_rows_keep_their_compiler() -> None:
    rows = score.load_truth(TRUTH, resolve)
    assert [r.compiler for r in rows][:2] == ["g++", "clang++"]
