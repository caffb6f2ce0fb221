"""The walk over a unit: inclusions, include search, guards, macro events, built-ins,
diagnostics, and input that must neither recurse deeply nor hang."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_preprocess_support import CLANG_CXX, code, config, errors, expanded, pp

from amalint.errors import InputError
from amalint.preprocess import preprocess


def test_inclusions_record_parent_unit_prefix_and_skips() -> None:
    files = {
        "u.cc": '#include "a.cc"\n#include "b.cc"\n#include "a.cc"\n',
        "a.cc": '#include "g.h"\n#include "p.h"\n#include "n.h"\nint a;\n',
        "b.cc": '#include "g.h"\n#include "p.h"\n#include "n.h"\n',
        "g.h": "#ifndef G_H\n#define G_H\nint g;\n#endif\n",
        "p.h": "#pragma once\nint p;\n",
        "n.h": "int n;\n",
    }
    unit = pp(files)
    rows = [(i.path, i.parent, i.line, i.unit, i.prefix, i.skipped) for i in unit.inclusions]
    assert rows == [
        ("u.cc", None, 0, None, (), None),
        ("a.cc", 0, 1, 1, (0,), None),
        ("g.h", 1, 1, 1, (0, 0), None),
        ("p.h", 1, 2, 1, (0, 15), None),
        ("n.h", 1, 3, 1, (0, 30), None),
        ("b.cc", 0, 2, 5, (16,), None),
        ("g.h", 5, 1, 5, (16, 0), "guard"),
        ("p.h", 5, 2, 5, (16, 15), "pragma once"),
        ("n.h", 5, 3, 5, (16, 30), None),
        ("a.cc", 0, 3, 9, (32,), None),
        ("g.h", 9, 1, 9, (32, 0), "guard"),
        ("p.h", 9, 2, 9, (32, 15), "pragma once"),
        ("n.h", 9, 3, 9, (32, 30), None),
    ]
    assert code(unit, "n.h") == ["int n;"] * 3
    assert unit.inclusions[2].guard == "G_H"
    guard_tests = [e for e in unit.events if e.kind == "test" and e.test == "guard"]
    assert [e.inclusion for e in guard_tests] == [6, 10]


def test_first_inclusion_of_a_guarded_file_is_entered_even_if_its_macro_is_defined() -> None:
    unit = pp({"u.cc": '#define G_H\n#include "g.h"\n#include "g.h"\n',
               "g.h": "#ifndef G_H\n#define G_H\nint g;\n#endif\n"})
    assert [i.skipped for i in unit.inclusions[1:]] == [None, "guard"]
    assert code(unit, "g.h") == []


def test_clang_forgets_a_guard_whose_group_was_skipped_the_first_time() -> None:
    files = {"u.cc": '#define V 1\n#include "g.h"\n#include "g.h"\n',
             "g.h": "#ifndef V\n#define V 2\n#endif\n"}
    assert [i.skipped for i in pp(files).inclusions[1:]] == [None, "guard"]
    assert [i.skipped for i in pp(files, compiler=CLANG_CXX).inclusions[1:]] == [None, None]


def test_search_order_quote_iquote_i_isystem_system_idirafter() -> None:
    files = {"u.cc": '#include "x.h"\n#include <x.h>\n#include <y.h>\n#include "z.h"\n',
             "q/x.h": "int from_q;\n", "i/x.h": "int from_i;\n", "s/y.h": "int from_s;\n",
             "/sys/include/z.h": "int from_system;\n", "after/z.h": "int from_after;\n"}
    unit = pp(files, ["-iquote", "q", "-Ii", "-isystem", "s", "-idirafter", "after"])
    assert [(i.path, i.system) for i in unit.inclusions[1:]] == [
        ("q/x.h", False), ("i/x.h", False), ("s/y.h", True), ("/sys/include/z.h", True)]


def test_a_quoted_include_looks_next_to_the_including_file_first() -> None:
    unit = pp({"u.cc": '#include "sub/a.h"\n', "sub/a.h": '#include "b.h"\n',
               "sub/b.h": "int near;\n", "b.h": "int far;\n"})
    assert [i.path for i in unit.inclusions] == ["u.cc", "sub/a.h", "sub/b.h"]


def test_include_next_and_has_include_next() -> None:
    files = {"u.cc": "#include <w.h>\n", "one/w.h": "#include_next <w.h>\nint one;\n",
             "two/w.h": "#if __has_include_next(<w.h>)\n#include_next <w.h>\n#endif\nint two;\n",
             "three/w.h": "#if __has_include_next(<w.h>)\nint wrong;\n#endif\nint three;\n"}
    unit = pp(files, ["-Ione", "-Itwo", "-Ithree"])
    assert [i.path for i in unit.inclusions[1:]] == ["one/w.h", "two/w.h", "three/w.h"]
    assert code(unit, "three/w.h") == ["int three;"]


def test_computed_includes() -> None:
    unit = pp({"u.cc": '#define H "a.h"\n#define S(x) <x.h>\n#include H\n#include S(b)\n'
                       "#define EMPTY\n#include EMPTY\n",
               "a.h": "int a;\n", "i/b.h": "int b;\n"}, ["-Ii"])
    assert [i.path for i in unit.inclusions[1:]] == ["a.h", "i/b.h"]
    assert errors(unit) == ['#include expects "FILENAME" or <FILENAME>']


def test_unresolved_includes_are_recorded_and_the_walk_goes_on() -> None:
    unit = pp({"u.cc": '#include "missing.cc"\n#include <gone.h>\nint after;\n'})
    assert [(u.spelling, u.angled, u.source, u.line) for u in unit.unresolved] == [
        ("missing.cc", False, True, 1), ("gone.h", True, False, 2)]
    assert code(unit) == ["int after;"]
    assert len(errors(unit)) == 2


def test_an_include_cycle_without_guards_stops_at_the_depth_limit() -> None:
    unit = pp({"u.cc": '#include "a.h"\n', "a.h": '#include "b.h"\nint a;\n',
               "b.h": '#include "a.h"\nint b;\n'})
    assert max(i.depth for i in unit.inclusions) == 199
    assert len(unit.inclusions) == 200
    assert errors(unit) == ["#include nested depth 200 exceeds maximum of 200"]
    cyc = pp({"u.cc": '#include "a.h"\n', "a.h": '#include "a.h"\n'}, ["-fmax-include-depth=20"])
    assert len(cyc.inclusions) == 20


def test_exponential_includes_are_bounded() -> None:
    # 2**200 inclusions asked for; the walk stops at the bound and says so once.
    unit = pp({"u.cc": '#include "a.h"\n', "a.h": '#include "a.h"\n#include "a.h"\n'},
              max_inclusions=5000)
    assert len(unit.inclusions) == 5000
    assert errors(unit).count("more than 5000 inclusions; the rest are not followed") == 1


def test_thousand_nested_conditionals() -> None:
    text = "#if 1\n" * 1000 + "int deep;\n" + "#endif\n" * 1000
    text += "#if 0\n" * 1000 + "int never;\n" + "#else\n#endif\n" * 1000
    unit = pp({"u.cc": text})
    assert code(unit) == ["int deep;"]
    assert not unit.diagnostics


def test_unterminated_and_unbalanced_conditionals() -> None:
    unit = pp({"u.cc": '#include "a.h"\nint after;\n#endif\n', "a.h": "#if 1\nint a;\n"})
    assert code(unit) == ["int after;"]
    assert errors(unit) == ["unterminated conditional directive", "#endif without #if"]


def test_macro_events_tests_and_table() -> None:
    unit = pp({"u.cc": "#define A 1\n#ifdef A\n#endif\n#if defined(B) || A > 0 || C\n#endif\n"
                       "#undef A\n#ifndef A\n#endif\n"}, ["-DB=2", "-UC"])
    events = [(e.kind, e.name, e.test) for e in unit.events if e.inclusion is not None]
    assert events == [("define", "A", ""), ("test", "A", "ifdef"), ("test", "A", "if"),
                      ("test", "C", "if"), ("test", "B", "defined"), ("undef", "A", ""),
                      ("test", "A", "ifndef")]
    assert unit.initial["B"].replacement == "2" and "A" not in unit.macros
    assert unit.macros["B"].replacement == "2"
    assert [e.kind for e in unit.history("A")] == ["define", "test", "test", "undef", "test"]


def test_redefinitions_are_warnings_and_identical_ones_are_silent() -> None:
    unit = pp({"u.cc": "#define A 1 + 2\n#define A 1 /**/ +   2\n#define A 1+2\n"})
    assert [(d.severity, d.message, d.line) for d in unit.diagnostics] == [
        ("warning", '"A" redefined', 3)]


def test_error_warning_line_and_builtins() -> None:
    unit = pp({"u.cc": "#line 100 \"renamed.cc\"\nint l = __LINE__;\n#error stop here\n"
                       "#warning careful\n#if __LINE__ == 103 && __INCLUDE_LEVEL__ == 0\nint ok;\n"
                       '#endif\n#include "a.h"\n',
               "a.h": "#if __INCLUDE_LEVEL__ == 1\nint level;\n#endif\n"})
    assert [(d.severity, d.message, d.line, d.reported) for d in unit.diagnostics] == [
        ("error", "#error stop here", 3, "renamed.cc:101"),
        ("warning", "#warning careful", 4, "renamed.cc:102")]
    assert code(unit)[-1] == "int ok;"
    assert code(unit, "a.h") == ["int level;"]
    umbrella = unit.umbrella
    assert [t.text for t in unit.expand("__LINE__ __FILE__", umbrella.position(40))] == \
        ["2", '"u.cc"']


def test_push_pop_macro() -> None:
    unit = pp({"u.cc": '#define A 1\n#pragma push_macro("A")\n#undef A\n#define A 2\n'
                       '#pragma pop_macro("A")\n'})
    assert unit.macros["A"].replacement == "1"


def test_command_line_include_imacros_and_preinclude() -> None:
    files = {"u.cc": "int x = FORCED + MAC;\n", "f.h": "#define FORCED 1\nint forced;\n",
             "m.h": "#define MAC 2\nint discarded;\n"}
    unit = pp(files, ["-include", "f.h", "-imacros", "m.h"])
    assert [(i.path, i.kind, i.prefix, i.parent) for i in unit.inclusions] == [
        ("u.cc", "main", (), None), ("./m.h", "-imacros", (-2,), None),
        ("./f.h", "-include", (-1,), None)]
    assert code(unit, "./f.h") == ["int forced;"]
    assert code(unit, "./m.h") == []
    assert expanded(unit, "FORCED + MAC") == "1 + 2"


def test_elifdef_depends_on_the_compiler_mode() -> None:
    text = "#ifdef X\nint a;\n#elifdef Y\nint b;\n#else\nint c;\n#endif\n"
    assert code(pp({"u.cc": text}, ["-DY"], compiler=CLANG_CXX)) == ["int b;"]
    strict = pp({"u.cc": text}, ["-DY"])  # GCC_CXX has __STRICT_ANSI__ unset: GNU mode
    assert code(strict) == ["int b;"]


def test_a_missing_umbrella_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"u\.cc: cannot read the file"):
        pp({"other.cc": ""}, main="u.cc")


def test_hostile_file_names_and_kinds_with_real_files(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.h")
    (tmp_path / "dir.h").mkdir()
    (tmp_path / "loop.h").symlink_to(tmp_path / "loop.h")
    (tmp_path / "u.cc").write_bytes(
        b'#include "fifo.h"\n#include "dir.h"\n#include "loop.h"\n#include "' + b"x" * 300
        + b'.h"\n#include "nul\\0.h"\n#if __has_include("fifo.h") || __has_include("dir.h")\n'
        b"int wrong;\n#endif\nint fine;\n")
    unit = preprocess(tmp_path / "u.cc", config())  # the FIFO is never opened (no hang)
    assert len(unit.unresolved) == 5
    assert code(unit, str(tmp_path / "u.cc")) == ["int fine;"]


@pytest.mark.parametrize("number", ["²", "٣", "\uff11"])  # ², Arabic-Indic 3, fullwidth 1
def test_line_with_a_digit_that_is_not_ascii_is_an_error(number: str) -> None:
    # str.isdigit() is true of all three (int() refuses '²'); the compilers want 0-9.
    for text in (f"#line {number}\n", f"#define N {number}\n#line N\n"):
        lines = text.count("\n")
        unit = pp({"u.cc": text + f"#if __LINE__ == {lines + 1}\nint physical;\n#endif\n"})
        assert errors(unit) == [f'"{number}" after #line is not a positive integer']
        assert code(unit) == ["int physical;"]


def test_line_number_of_thousands_of_digits_is_out_of_range() -> None:
    text = "#line " + "9" * 5000 + "\n#if __LINE__ == 2\nint physical;\n#endif\n"
    gcc = pp({"u.cc": text})
    assert [(d.severity, d.message) for d in gcc.diagnostics] == [
        ("warning", "line number out of range")]
    assert code(gcc) == ["int physical;"]
    clang = pp({"u.cc": text}, compiler=CLANG_CXX)
    assert errors(clang) == ["line number out of range"]
