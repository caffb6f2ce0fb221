"""What a cold run no longer does: the names each file refers to (AM206's facts) are sought
only when AM206 runs, blanking comments and literals keeps every offset and newline, and
what is remembered by content stays within its budget and apart from each unit's search
path."""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st
from test_preprocess_support import code, errors, pp
from tree_sitter import Tree

from amalint.cache.relocate import Relocation
from amalint.cache.store import Store
from amalint.config.settings import Settings, parse_compiler_args
from amalint.engine.run import Build, build
from amalint.frontends.filescope.macros import last_token, words_at
from amalint.frontends.filescope.reads import read_files
from amalint.frontends.filescope.source import _has_separator, blank
from amalint.frontends.treesitter.syntax import (
    forget_parses,
    parse,
    parser,
    parses_kept,
    reparse,
)
from amalint.model import Location
from amalint.preprocess import scan as pp_scan
from amalint.preprocess.tokens import LexOptions
from amalint.scan.directives import Lines, scan
from amalint.scan.memo import Held, by_content
from amalint.scan.search import SearchPath
from amalint.scan.sources import read_source_remembered
from amalint.scan.unit import load_unit

HIDDEN = FIXTURES / "hidden"


def _references(select: tuple[str, ...], ignore: tuple[str, ...] = ()) -> int:
    search, defines = parse_compiler_args(("-std=c++17", "-Iinclude"), HIDDEN)
    settings = Settings(search=search, defines=defines, frontend="tree-sitter",
                        select=select, ignore=ignore)
    cwd = Path.cwd()
    os.chdir(HIDDEN)
    try:
        built = build(HIDDEN / "umbrella.cc", settings)
    finally:
        os.chdir(cwd)
    return sum(len(f.references) for f in built.model.filescope.files)


def test_references_are_sought_only_when_am206_runs() -> None:
    assert _references(("AM206",)) > 0
    assert _references(("AM1", "AM2")) == 0  # AM206 is a preview rule: not run by prefix
    assert _references(("ALL",)) == 0
    assert _references(("AM206",), ignore=("AM2",)) == 0


def test_settings_runs_preview_as_the_rule_selection_does() -> None:
    assert Settings(extend_select=("AM206",)).runs_preview("AM206")
    assert not Settings(select=("AM2",)).runs_preview("AM206")
    assert not Settings(select=("AM206",), ignore=("ALL",)).runs_preview("AM206")


@pytest.mark.parametrize("text", [
    b"char a; /* one\r\n two\tthree */ int b; // tail \\\n continued\nint c;",
    b'const char* s = "a\\"b /* not */"; char c = \'/\'; /* \xc3\xa9 */',
    b'char* r = R"x(raw\n"still"\n)x"; int n = 1\'000; /* \x0c */',
])
def test_blanking_keeps_offsets_and_newlines(text: bytes) -> None:
    blanked = blank(text)
    assert len(blanked) == len(text)
    assert [m.start() for m in re.finditer(b"\n", blanked)] == \
        [m.start() for m in re.finditer(b"\n", text)]
    assert b"/*" not in blanked and b"//" not in blanked
    assert b"char" in blanked
    lines = Lines.of(text)  # the directive scan's view: comments blanked, line by line
    assert [len(c) for c in lines.code] == [len(r) for r in lines.raw]


def test_remembered_results_stay_within_their_byte_budget() -> None:
    calls: list[bytes] = []

    @by_content(10)
    def length(data: bytes) -> int:
        calls.append(data)
        return len(data)

    assert [length(b"aaaa"), length(b"bbbb"), length(b"aaaa")] == [4, 4, 4]
    assert calls == [b"aaaa", b"bbbb"]  # the second b"aaaa" is remembered
    length(b"cccc")  # 12 bytes held: the least recently used (b"bbbb") goes
    length(b"bbbb")
    assert calls == [b"aaaa", b"bbbb", b"cccc", b"bbbb"]
    assert length(b"x" * 50) == 50 and length(b"x" * 50) == 50  # over budget, still kept last
    assert calls[-1] == b"x" * 50 and calls.count(b"x" * 50) == 1


def test_the_preprocessors_scans_are_held_by_bytes_and_lexing_options(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pp_scan, "_SCANS", Held(100))
    text = b"#define A 1\n#if A\nint a;\n#endif\n"
    cxx, c = LexOptions(), LexOptions(digit_separators=False)
    first = pp_scan.scan(text, cxx)
    assert pp_scan.scan(text, cxx) is first  # remembered
    assert pp_scan.scan(text, c) is not first  # other options, its own scan
    big = b"int b;\n" * 20  # 140 bytes: more than the budget, so the others go
    pp_scan.scan(big, cxx)
    assert pp_scan.scan(text, cxx) is not first


def test_one_text_scanned_under_two_search_paths_resolves_each_its_own_way(
        tmp_path: Path) -> None:
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        (tmp_path / side / "h.h").write_text("int x;\n")
    data = b'#include "h.h"\n#include HEADER\n#include <h.h>\n'
    seen = [[i.resolved for i in scan(data, tmp_path / "s.c",
                                      SearchPath(include_dirs=(tmp_path / side,))).includes]
            for side in ("a", "b")]
    assert seen == [[tmp_path / "a" / "h.h", None, tmp_path / "a" / "h.h"],
                    [tmp_path / "b" / "h.h", None, tmp_path / "b" / "h.h"]]


def test_a_define_read_under_two_paths_records_each_path() -> None:
    # one content, so one shared scan: the macro parsed for the first path is not the second's
    header = "#define LIMIT 4\n"
    unit = pp({"u.cc": '#include "a/h.h"\n#include "b/h.h"\n', "a/h.h": header,
               "b/h.h": header})
    defines = [e for e in unit.events if e.kind == "define" and e.name == "LIMIT"]
    assert [os.path.normpath(str(e.macro.path)) for e in defines if e.macro] == \
        [os.path.normpath("a/h.h"), os.path.normpath("b/h.h")]


def test_remembered_if_results_and_errors_are_each_units_own() -> None:
    files = {"u.cc": "#if 1 == RIGHT\nint one;\n#else\nint other;\n#endif\n"
                     "#if 2 > 1\nint yes;\n#endif\n"}
    seen = []
    for _ in range(2):  # the second time, every evaluation is a remembered one
        empty = pp(files, ["-DRIGHT="])  # `1 ==`: an error, so the group is not taken
        assert code(empty) == ["int other;", "int yes;"]
        assert len(errors(empty)) == 1
        seen.append(errors(empty))
        assert code(pp(files, ["-DRIGHT=1"])) == ["int one;", "int yes;"]
        assert code(pp(files, ["-DRIGHT=2"])) == ["int other;", "int yes;"]
    assert seen[0] == seen[1]


def test_a_source_read_again_is_read_afresh_once_it_changed(tmp_path: Path) -> None:
    path = tmp_path / "h.h"
    path.write_bytes(b"int a;\n")
    assert read_source_remembered(str(path)) == b"int a;\n"
    path.write_bytes(b"int b; int c;\n")  # another size (and mtime)
    assert read_source_remembered(str(path)) == b"int b; int c;\n"
    path.unlink()
    assert read_source_remembered(str(path)) is None
    assert read_source_remembered(str(tmp_path)) is None  # a directory is no source


@pytest.mark.parametrize("old, new", [
    (b"DECL(a)\nint f() { return 1; }\nDECL(b)\n",
     b"  int a ; \nint f() { return 1; }\n  int b ; \n"),
    (b"LONG(x,\n     y) int g();\n", b" static int xy ; int g();\n"),  # over two lines
    (b"RAW int h();\n", b' const char* s = R"(one\ntwo)" ; int h();\n'),  # a newline put in
    (b"static FORCE_INLINE int f(int x) { return x; }\n",
     b"static inline __attribute__((always_inline)) int f(int x) { return x; }\n"),
    (b"BEGIN_NS\nint f();\nEND_NS\n", b"namespace ns {\nint f();\n}\n"),
])
def test_an_edited_text_parses_as_a_fresh_parse_would(old: bytes, new: bytes) -> None:
    """Each unexpanded text has a syntax error that its expansion removes, as the file-scope
    pass's reads do (``parse_edited`` re-parses from such a tree)."""
    body = b"int body() {\n" + b"  int x = 1;\n" * 50 + b"  return x;\n}\n"  # to reuse
    old, new = body + old + body, body + new + body
    assert parser().parse(old).root_node.has_error
    edits = [(a + len(body), b + len(body), c + len(body), d + len(body))
             for a, b, c, d in _edits(old[len(body):-len(body)], new[len(body):-len(body)])]
    tree = reparse(parser().parse(old), old, new, edits)
    assert not tree.root_node.has_error
    assert _shape(tree) == _shape(parser().parse(new))


def _shape(tree: Tree) -> list[tuple[str, int, int, tuple[int, ...], tuple[int, ...]]]:
    """Every node of ``tree`` with its bytes and points."""
    out = []
    todo = [tree.root_node]
    while todo:
        node = todo.pop()
        out.append((node.type, node.start_byte, node.end_byte, tuple(node.start_point),
                    tuple(node.end_point)))
        todo.extend(node.children)
    return out


def _edits(old: bytes, new: bytes) -> list[tuple[int, int, int, int]]:
    """The replaced spans of ``old`` and ``new``."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


_EXPANDED = {
    "umbrella.cc": '#include "a.cc"\n#include "b.cc"\n',
    "a.cc": "#define DECLARE(n) int n##_value = 1;\nDECLARE(alpha)\nDECLARE(\n  beta)\n"
            "int f() { return alpha_value + beta_value; }\n#define LOCAL static\n"
            "LOCAL int g() { return 2; }\n",
    "b.cc": "#define REG(x) static int reg_##x = 1;\nREG(three)\nstruct S { int m; };\n"
            "REG(four) int h();\n",
}


@pytest.mark.parametrize("tree", ["written", "tvm_shape"])
def test_each_read_is_parsed_as_its_text_parses_afresh(tree: str, tmp_path: Path) -> None:
    if tree == "written":
        for name, text in _EXPANDED.items():
            (tmp_path / name).write_text(text)
        umbrella, flags = tmp_path / "umbrella.cc", ("-std=c++17", "-I.")
    else:
        umbrella, flags = FIXTURES / "tvm_shape" / "umbrella.cc", ("-Iinclude", "-Ieager")
    search, defines = parse_compiler_args(flags, umbrella.parent)
    settings = Settings(search=search, defines=defines, frontend="tree-sitter")
    cwd = Path.cwd()
    os.chdir(umbrella.parent)
    try:
        unit = load_unit(umbrella, settings)
        for source in unit.files:
            parse(source.text)  # as the front end does first
        reads = read_files(unit, frozenset())
    finally:
        os.chdir(cwd)
        forget_parses()
    assert sum(len(r.expanded.edits()) for r in reads if r.expanded) >= 4
    for read in reads:
        assert read.expanded is not None
        assert _shape(read.tree) == _shape(parser().parse(read.expanded.text))


@pytest.mark.parametrize("root", ["/tmp/plain", '/tmp/a "quoted\\\\ root', "/tmp/ünïcode"])
def test_reading_an_entry_back_replaces_the_root_as_walking_it_would(root: str) -> None:
    """An entry's paths are read back by replacing the root's mark in its JSON text; that
    equals decoding it and walking every string, also for a root JSON must escape, and for a
    string with a NUL elsewhere (which takes the walk)."""
    relocation = Relocation(Path(root))
    value = {"files": [f"{root}/a.c", "/usr/include/stdio.h", root],
             "message": "`x` in a.c", "odd": ["a\0b", f'"{root}/q']}
    stored = json.dumps(relocation.out(value), separators=(",", ":")).encode()
    assert stored.count(b"\\u0000root") == 2
    assert relocation.loads(stored) == relocation.into(json.loads(stored)) == value
    del value["odd"]
    stored = json.dumps(relocation.out(value), separators=(",", ":")).encode()
    assert relocation.loads(stored) == relocation.into(json.loads(stored)) == value


def test_an_entry_is_read_only_as_the_store_writes_it(tmp_path: Path) -> None:
    """The checksum is checked on the value's text as written: the same entry re-spaced, or
    with one byte of its value changed, is a miss."""
    store = Store(tmp_path / "cache", root=tmp_path)
    key = "ab" * 32
    value = {"files": [str(tmp_path / "a.c")], "n": 1}
    assert store.save(key, value) and store.load(key) == value
    path = store.entries / f"{key}.json"
    written = path.read_text()
    path.write_text(json.dumps(json.loads(written)))
    assert store.load(key) is None
    path.write_text(written.replace('"n":1', '"n":2'))
    assert store.load(key) is None
    path.write_text(written)
    assert store.load(key) == value


_SEPARATOR = re.compile(rb"(?<![\w$.'\\])[0-9][\w.]*'[0-9A-Za-z_]")


@given(st.lists(st.sampled_from([b"'", b"1", b"0x", b"F", b"a", b"_", b".", b"$", b"\\", b" ",
                                 b"\n", b"e+", b"u8"]), max_size=40).map(b"".join))
@settings(max_examples=2000, deadline=None)
def test_digit_separators_are_found_as_the_regular_expression_finds_them(data: bytes) -> None:
    """Whether a text may have a digit separator (then numbers are kept whole when it is
    blanked) is decided from each ``'`` back: as the regular expression decides it."""
    assert _has_separator(data) == (_SEPARATOR.search(data) is not None)


@pytest.mark.parametrize("frontend", ["tree-sitter", "libclang"])
def test_a_trial_build_has_the_start_up_effects_of_the_lint(frontend: str) -> None:
    """AM205's trial builds are tree-sitter's, without the file-scope pass: the start-up
    effects they read (each entry point's registrations and lookups, and where) are the
    lint's, whichever front end it used."""
    umbrella, flags = FIXTURES / "tvm_shape" / "umbrella.cc", ("-Iinclude", "-Ieager")
    search, defines = parse_compiler_args(flags, umbrella.parent)
    settings = Settings(search=search, defines=defines, frontend=frontend)
    cwd = Path.cwd()
    os.chdir(umbrella.parent)
    try:
        full = build(umbrella, settings)
        trial = build(umbrella, replace(settings, file_scope=False, frontend="tree-sitter"))
    finally:
        os.chdir(cwd)
    assert full.frontend == frontend and trial.frontend == "tree-sitter"
    assert full.model.filescope.files and not trial.model.filescope.files

    def effects(built: Build) -> dict[tuple[str, Location], list[tuple[object, ...]]]:
        return {(entry.label, entry.location): [(e.role, e.key, e.site) for e in found]
                for entry, found in built.analysis.effects.items()}

    assert effects(trial) == effects(full) and any(effects(full).values())


def test_parses_are_kept_for_a_lints_trial_builds_and_forgotten_after() -> None:
    text = b"int kept_for_the_trial_builds;\n"
    with parses_kept():
        tree = parse(text)
        forget_parses()  # as each build of the lint does
        assert parse.known(text) is tree
    assert parse.known(text) is None
    parse(text)
    forget_parses()
    assert parse.known(text) is None


@given(st.lists(st.sampled_from([b"A", b"AB", b"B_1", b"_", b"1", b" ", b"(", b"$", b"\n"]),
                max_size=30).map(b"".join),
       st.sets(st.sampled_from(["A", "AB", "B_1", "_", "A_"]), max_size=4))
@settings(max_examples=1000, deadline=None)
def test_macro_uses_are_found_as_the_regular_expression_finds_them(
        code: bytes, names: set[str]) -> None:
    """A read's macro names are found word by word, where the file-scope pass compiled an
    alternation of them: the same places, in the same order."""
    expected = [(m.start(), m.group(0).decode()) for m in re.finditer(
        rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in names) + rb")\b", code)] \
        if names else []
    assert words_at(code, names) == expected


_BEFORE = re.compile(rb"([A-Za-z_]\w*|[*&])\s*$")


@given(st.lists(st.sampled_from([b"a", b"Z9", b"_", b"1", b"*", b"&", b" ", b"\t", b"\n", b"\x0b",
                                 b"(", b"$", b"->"]), max_size=20).map(b"".join))
@settings(max_examples=2000, deadline=None)
def test_the_token_before_a_macro_use_is_the_regular_expressions(window: bytes) -> None:
    """How a macro use is used (a declarator after a type name or ``*``) rests on the token
    before it, read back from the end: as the regular expression found it."""
    found = _BEFORE.search(window)
    assert last_token(window) == (None if found is None else (found.start(), found.group(1)))
