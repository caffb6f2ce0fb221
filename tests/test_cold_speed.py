"""What a cold run no longer does: the names each file refers to (AM206's facts) are sought
only when AM206 runs, blanking comments and literals keeps every offset and newline, and
what is remembered by content stays within its budget and apart from each unit's search
path."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import FIXTURES
from test_preprocess_support import code, errors, pp

from amalint.config.settings import Settings, parse_compiler_args
from amalint.engine.run import build
from amalint.frontends.filescope.source import blank
from amalint.scan.directives import Lines, scan
from amalint.scan.memo import by_content
from amalint.scan.search import SearchPath
from amalint.scan.sources import read_source_remembered

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
