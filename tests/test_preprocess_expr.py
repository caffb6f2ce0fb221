"""``#if`` arithmetic: types, literals, operators, short-circuits, errors, depth."""

from __future__ import annotations

import pytest
from test_preprocess_support import CLANG_CXX, code, errors, pp

from amalint.preprocess.expr import ExprError, ExprOptions, evaluate
from amalint.preprocess.tokens import tokenize

GCC = ExprOptions(family="gcc")
CLANG = ExprOptions(family="clang")
C = ExprOptions(cplusplus=False)


def value(text: str, opts: ExprOptions = GCC) -> int:
    return evaluate(tokenize(text), opts)[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("7 / 2", 3), ("-7 / 2", -3), ("-7 % 3", -1),
    ("7 % -3", 1), ("1 << 62", 1 << 62), ("-1 >> 1", -1), ("~0", -1), ("!0 + !5", 1),
    ("-1 < 0u", 0), ("-1 > 0u", 1), ("0u - 1 == 18446744073709551615u", 1),
    ("-1 / 2u", 9223372036854775807), ("0xffffffffffffffff == -1", 1),
    ("18446744073709551615 > 0", 1), ("9223372036854775807 + 1 < 0", 1),
    ("0x10 + 010 + 0b101", 29), ("1'000 == 1000", 1), ("10ull + 5LL + 2uL", 17),
    ("'a'", 97), ("'\\n'", 10), ("'\\0'", 0), ("'\\377'", -1), ("'\\x41'", 65), ("'ab'", 24930),
    ("u'x'", 120), ("L'\\377'", 255),
    ("1 ? 2 : 3", 2), ("0 ? 2 : 3", 3), ("1 ? -1 : 0u", 18446744073709551615),
    ("0 ? 1 : 2 ? 3 : 4", 3), ("1 ? 2 ? 3 : 4 : 5", 3), ("0 ? 2 ? 3 : 4 : 5", 5),
    ("1 ? 2, 3 : 4", 3), ("1 ? 0 ? 1 / 0 : 7 : 1 / 0", 7), ("(1, 2)", 2), ("1 || 1 / 0", 1),
    ("0 && 1 / 0", 0),
    ("0 ? 1 / 0 : 5", 5), ("1 ? 5 : 1 % 0", 5), ("true + true", 2), ("false || unknown", 0),
    ("1 and not 0", 1), ("2 bitand 3", 2), ("1 xor 3", 2), ("1 or 0", 1), ("compl 0", -1),
    ("2 not_eq 3", 1), ("(((((((((1)))))))))", 1), ("- - 1", 1), ("+ -1", -1),
])
def test_values(text: str, expected: int) -> None:
    assert value(text) == expected


def test_true_and_named_operators_are_identifiers_in_c() -> None:
    assert value("true", C) == 0
    with pytest.raises(ExprError):
        value("1 and 1", C)


@pytest.mark.parametrize(("text", "gcc", "clang"), [
    ("1 << 64", 0, 0), ("1 << -1", 0, 0), ("4 >> -1", 8, 0), ("4 << -1", 2, 0),
    ("-8 >> 64", -1, -1), ("0x8000000000000000u >> 64", 0, 1), ("1 >> 70", 0, 0),
    ("2 >> -0x7fffffffffffffff", 0, 1),
])
def test_undefined_shifts_follow_the_compiler_family(text: str, gcc: int, clang: int) -> None:
    assert value(text, GCC) == gcc
    assert value(text, CLANG) == clang


def test_an_unmatched_close_paren_ends_the_expression_in_clang() -> None:
    assert evaluate(tokenize("1 + 2 )"), CLANG)[0] == 3
    assert evaluate(tokenize("0 , 1"), CLANG) == (0, [
        ("error", "expected end of line in preprocessor expression")])
    assert evaluate(tokenize("0 , 1"), GCC) == (1, [])
    assert evaluate(tokenize("1 ? 2, 3 : 4"), CLANG) == (3, [])
    with pytest.raises(ExprError):
        evaluate(tokenize("1 + 2 )"), GCC)
    with pytest.raises(ExprError):
        evaluate(tokenize("(1 2)"), CLANG)


def test_division_by_zero_gcc_goes_on_clang_stops() -> None:
    result, notes = evaluate(tokenize("-(16 / 0)"), GCC)
    assert result == -16 and notes == [("error", "division by zero in #if")]
    with pytest.raises(ExprError):
        evaluate(tokenize("-(16 / 0)"), CLANG)


def test_overflow_is_a_warning() -> None:
    result, notes = evaluate(tokenize("9223372036854775807 * 2"), GCC)
    assert result == -2 and notes == [("warning", "integer overflow in preprocessor expression")]


@pytest.mark.parametrize("text", ["", "1 +", "(1", "1 2", '"s"', "1 = 1", "a++",
                                  "1 ? 2", "1 : 2", "()"])
def test_errors(text: str) -> None:
    with pytest.raises(ExprError):
        value(text, GCC)
    with pytest.raises(ExprError):
        value(text, CLANG)


@pytest.mark.parametrize(("text", "gcc", "clang"), [
    ("08 + 1", 1, None), ("1.5 + 1", 1, None), ("1e3 + 1", 1, None), ("1foo + 1", 2, None),
    ("0b101C == 5", 1, None), ("1uu + 1", 2, None), ("0x + 1", 1, None), ("'' + 1", 1, None),
    ("99999999999999999999 == 7766279631452241919", 1, 1),
])
def test_bad_literals_gcc_goes_on_clang_mostly_not(text: str, gcc: int,
                                                   clang: int | None) -> None:
    # What g++ 12 and clang++ 14 do: each is an error (the too-large one a warning in gcc).
    result, notes = evaluate(tokenize(text), GCC)
    assert result == gcc and notes
    if clang is None:
        with pytest.raises(ExprError):
            evaluate(tokenize(text), CLANG)
    else:
        assert evaluate(tokenize(text), CLANG)[0] == clang


def test_deep_parentheses_and_chains_use_no_recursion() -> None:
    assert value("(" * 1000 + "1" + ")" * 1000) == 1
    assert value(" + ".join(["1"] * 1000)) == 1000
    assert value("0 ? 0 : " * 1000 + "7") == 7
    assert value("- " * 1001 + "1") == -1


def test_in_directives_with_macros_defined_and_has_include() -> None:
    unit = pp({"u.cc": "#define A 2\n#define B A * 3\n#define F(x) (x + 1)\n"
                       "#define D defined(A)\n"
                       "#if B == 6 && F(B) == 7 && defined A && !defined(Z) && D\nint one;\n"
                       "#endif\n#if __has_include(\"a.h\") && !__has_include(<none.h>)"
                       " && __has_include(<s.h>)\nint two;\n#endif\n"
                       "#if __has_attribute(__noreturn__) && __has_cpp_attribute(nodiscard)"
                       " == 201907 && !__has_attribute(no_such_thing)"
                       " && __has_builtin(__builtin_expect)\n"
                       "int three;\n#endif\n"
                       "#if defined(__has_include) && !defined(__has_feature)\nint four;\n#endif\n"
                       "#ifdef __has_feature\nint never;\n#endif\n",
               "a.h": "", "/sys/include/s.h": ""})
    assert code(unit) == ["int one;", "int two;", "int three;", "int four;"]
    assert not errors(unit)


def test_feature_operators_this_compiler_lacks_are_identifiers() -> None:
    gcc = pp({"u.cc": "#if __has_feature(cxx_rtti)\n#endif\n"})
    assert errors(gcc)  # gcc 12: "missing binary operator before token "(""
    clang = pp({"u.cc": "#if __has_feature(cxx_rtti)\n#endif\n"}, compiler=CLANG_CXX)
    assert not errors(clang)


def test_an_error_makes_the_group_false_and_elif_after_a_taken_group_is_not_evaluated() -> None:
    unit = pp({"u.cc": "#if 1 +\nint a;\n#elif 1\nint b;\n#endif\n"
                       "#if 1\nint c;\n#elif 1 / 0 +\nint d;\n#endif\n"})
    assert code(unit) == ["int b;", "int c;"]
    assert len(errors(unit)) == 1


ERRORS = """#define P(a,b) a##b
#define F(a,b) a
#if P(1,+) 1
paste_true
#endif
#if F(1) + 1
argc_true
#endif
#if defined() + 1
def_true
#endif
#if defined(X + 1
def2_true
#endif
#if defined 3 + 1
def3_true
#endif
#if F(1,2,3) + 1
argc2_true
#endif
#if 1 || F(1
unterminated_true
#endif
"""


def test_after_an_error_gcc_goes_on_where_clang_gives_up() -> None:
    # What g++ 12 and clang++ 14 do with these (each line is also an error for both).
    gcc = pp({"u.cc": ERRORS})
    assert code(gcc) == ["paste_true", "argc_true", "def_true", "def3_true", "argc2_true",
                         "unterminated_true"]
    clang = pp({"u.cc": ERRORS}, compiler=CLANG_CXX)
    assert code(clang) == ["paste_true", "argc_true", "argc2_true"]
    assert len(errors(gcc)) >= 7 and len(errors(clang)) >= 7


def test_counter_is_not_advanced_after_an_error() -> None:
    # gcc and clang read no token after a syntax error: the __COUNTER__ there never counts.
    unit = pp({"u.cc": "#if (F(1) >= __COUNTER__)\n#endif\n#if __COUNTER__ == 0\nint zero;\n"
                       "#endif\n"})
    assert code(unit) == ["int zero;"]


def test_integer_constants_of_thousands_of_digits_are_too_large_not_a_crash() -> None:
    # Python's int() refuses decimal strings of over 4300 digits; g++ 12 keeps the low 64 bits
    # (10**5000 - 1 == 2**64 - 1 modulo 2**64) with a warning, clang rejects the constant.
    nines = "9" * 5000
    for text in (f"{nines} == 18446744073709551615u", f"0x{'f' * 5000} == -1"):
        result, notes = evaluate(tokenize(text), GCC)
        assert result == 1
        assert notes == [("warning", "integer constant is too large for its type")]
        assert evaluate(tokenize(text), CLANG)[0] == 1
    unit = pp({"u.cc": f"#if {nines}\nint big;\n#endif\n"})
    assert code(unit) == ["int big;"]
    assert [d.message for d in unit.diagnostics] == ["integer constant is too large for its type"]


@pytest.mark.parametrize(("text", "message"), [
    ("'\\uZZZZ'", "incomplete universal character name \\u"),
    ("'\\u12'", "incomplete universal character name \\u"),
    ("U'\\UFFFFFFFF'", "\\UFFFFFFFF is not a valid universal character"),
    ("'\\uD800'", "\\uD800 is not a valid universal character"),
])
def test_bad_universal_character_names_are_errors(text: str, message: str) -> None:
    # gcc's messages; clang rejects each too.
    with pytest.raises(ExprError, match=message.replace("\\", "\\\\")):
        value(text, CLANG)
    unit = pp({"u.cc": f"#if {text}\nint wrong;\n#endif\n"})
    assert errors(unit) == [message] and code(unit) == []
