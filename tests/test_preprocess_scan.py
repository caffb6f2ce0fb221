"""Reading a file as the compiler does: line ends, BOM, splices, comments, literals, digraphs."""

from __future__ import annotations

import pytest
from test_preprocess_support import code, expanded, pp

from amalint.preprocess.scan import scan
from amalint.preprocess.tokens import LexOptions


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_every_line_end_convention(eol: str) -> None:
    text = eol.join(["#define A 1", "#if A", "int yes;", "#else", "int no;", "#endif", ""])
    unit = pp({"u.cc": text})
    assert code(unit) == ["int yes;"]
    inc = unit.umbrella
    assert unit.line_of(inc, unit.active_ranges(inc)[0][0]) == 3
    assert [e.line for e in unit.events if e.kind == "define" and e.name == "A"] == [1]


def test_a_bom_before_the_first_directive() -> None:
    unit = pp({"u.cc": b"\xef\xbb\xbf#include \"a.h\"\nint x = A;\n", "a.h": "#define A 2\n"})
    assert [i.path for i in unit.inclusions] == ["u.cc", "a.h"]
    assert unit.active_text(unit.umbrella).startswith(b"   ")  # the BOM is blanked
    assert expanded(unit, "A") == "2"


def test_splices_in_tokens_directives_and_line_comments() -> None:
    unit = pp({"u.cc": "#def\\\nine A 1 \\\n + 2\n"
                       "// a comment \\\n#define B 3\n"
                       "#define C 4 // \\\n #define D\n"
                       "int x\\\ny;\n"})
    assert unit.macros["A"].replacement == "1 + 2"
    assert "B" not in unit.macros and "D" not in unit.macros
    assert unit.macros["C"].replacement == "4"
    # Physical lines as they are: the comment's second line is text, not a directive.
    assert code(unit) == ["#define B 3", "int x\\", "y;"]
    assert [e.line for e in unit.events if e.kind == "define" and e.inclusion == 0] == [1, 6]


def test_blank_after_backslash_still_splices() -> None:
    unit = pp({"u.cc": "#define A 1 \\  \n + 2\n"})
    assert unit.macros["A"].replacement == "1 + 2"


def test_block_comments_hide_directives_and_may_come_first() -> None:
    unit = pp({"u.cc": "/* a\n#define HIDDEN\n*/ int a;\n"
                       "/* lead */ #define LEAD 1\n"
                       "/* over\n lines */ #define OVER 2\n"
                       "int b; /* not at the start */ #define NOT 3\n"
                       "#define SPAN 1 /* comment\n that spans */ + 2\n"})
    assert "HIDDEN" not in unit.macros and "NOT" not in unit.macros
    assert unit.macros["LEAD"].replacement == "1"
    assert unit.macros["OVER"].replacement == "2"
    assert unit.macros["SPAN"].replacement == "1 + 2"
    assert code(unit) == ["int a;", "int b;   #define NOT 3"]


def test_literals_hide_comment_starts() -> None:
    unit = pp({"u.cc": 'const char* s = "/* not a comment";\n#define A 1\n'
                       "char c = '\"'; /* real */\n#define B 2\n"
                       'const char* r = R"x(\n#define RAW 1\n)x";\n#define C 3\n'})
    assert set(unit.macros) >= {"A", "B", "C"}
    assert "RAW" not in unit.macros


def test_digit_separators_are_not_character_literals() -> None:
    unit = pp({"u.cc": "int x = 1'000'000; /* c */\n#define A 0x1'F\n#if A == 31\nint y;\n"
                       "#endif\n"})
    assert code(unit) == ["int x = 1'000'000;", "int y;"]
    c_unit = pp({"u.c": "int x = 1'0; /* ' */\n#define A 1\n"}, language="c")
    assert "A" in c_unit.macros  # in C17 the quote begins a character literal, to the line end


def test_digraph_directives_and_double_hash_lines() -> None:
    unit = pp({"u.cc": "%:define A 1\n  %: if A\nint yes;\n%:endif\n## not a directive\n"})
    assert unit.macros["A"].replacement == "1"
    assert code(unit) == ["int yes;", "## not a directive"]
    assert not unit.diagnostics


def test_binary_and_invalid_utf8_do_not_crash() -> None:
    data = bytes(range(256)) * 4 + b"\n#define A \xff\xfe\n\x00#define B 1\n"
    unit = pp({"u.cc": data})
    assert "A" in unit.macros
    assert unit.macros["A"].replacement == "\udcff\udcfe"


def test_the_scan_is_cached_per_content() -> None:
    data = b"#define X 1\n"
    assert scan(data, LexOptions()) is scan(bytes(data), LexOptions())


def test_include_guard_detection() -> None:
    opts = LexOptions()
    assert scan(b"// c\n#ifndef G\n#define G\nint x;\n#endif\n/* end */\n", opts).guard == "G"
    assert scan(b"#if !defined(G)\n#endif\n", opts).guard == "G"
    assert scan(b"#if !defined G\n#endif\n", opts).guard == "G"
    assert scan(b"int x;\n#ifndef G\n#endif\n", opts).guard is None
    assert scan(b"#ifndef G\n#else\n#endif\n", opts).guard is None
    assert scan(b"#ifndef G\n#endif\nint after;\n", opts).guard is None
    assert scan(b"#ifndef G\n#endif\n#define AFTER\n", opts).guard is None
    assert scan(b"#if !defined(G) && 1\n#endif\n", opts).guard is None
