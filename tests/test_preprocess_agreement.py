"""Where amalint's preprocessor once disagreed with gcc and clang on real code: each case is a
small program the compilers judge, and amalint must see what they see."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import C_COMPILERS, COMPILERS, amalint, compile_unit


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _preprocessed(compiler: str, root: Path, source: str,
                  *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([compiler, *flags, "-E", "-P", source], cwd=root, capture_output=True,
                          text=True, timeout=60)


MACRO_ARGUMENTS = {
    "a.h": "#define DECL(a, b) static int a = b;\n"
           "#define G DECL\n"
           "#define RETURN(Type, Name, ...) static Type Name() { return __VA_ARGS__; }\n",
    "a.cc": '#include "a.h"\n'
            "RETURN (int, knuth,\n"
            "  /* Knuth's */ 1)\n"
            "DECL(p /* it's, here */, 2)\n"
            "DECL(q, 1'000)\n"
            "G(n, 1)\n"
            "int use_a() { return knuth() + p + q + n; }\n",
    "b.cc": "static int knuth() { return 2; }\n"
            "static int p = 3;\n"
            "static int q = 4;\n"
            "static int n = 5;\n"
            "int use_b() { return knuth() + p + q + n; }\n",
    "umbrella.cc": '#include "a.cc"\n#include "b.cc"\n',
}


@pytest.mark.parametrize("compiler", COMPILERS)
def test_comments_literals_and_aliases_in_macro_arguments(compiler: str, tmp_path: Path) -> None:
    """A comment in an argument list is one space (its apostrophe opens no literal, its comma
    separates nothing), ``1'000`` is one number, and an object-like alias of a function-like
    macro takes the argument list after it: the compiler sees every declaration."""
    _write(tmp_path, MACRO_ARGUMENTS)
    built = compile_unit(compiler, tmp_path, "umbrella.cc")
    assert {("b.cc", line) for line in (1, 2, 3, 4)} == {
        (m.split(":")[0].removeprefix("./"), int(m.split(":")[1]))
        for m in built.stderr.splitlines() if ": error: redefinition" in m}
    text = _preprocessed(compiler, tmp_path, "a.cc", "-std=c++17").stdout
    assert "static int p = 2;" in text and "static int q = 1'000;" in text
    assert "static int n = 1;" in text
    result = amalint("check", "umbrella.cc", "--frontend", "tree-sitter", "--format", "json",
                     "--", "-std=c++17", cwd=tmp_path)
    assert "stopped" not in result.stderr, result.stderr
    assert {(f["code"], f["filename"], f["location"]["row"]) for f in result.json} == {
        ("AM201", "b.cc", line) for line in (1, 2, 3, 4)}


CYCLES = {
    "inactive": {"a.h": '#if 0\n#include "b.h"\n#endif\nint a;\n', "b.h": '#include "a.h"\n',
                 "s.c": '#include "a.h"\nint s;\n'},
    "self include": {"s.c": "#ifdef SECOND_PASS\nint second;\n#else\n#define SECOND_PASS\n"
                            'int first;\n#include "s.c"\n#endif\n'},
    "self include after code": {"s.c": "#define NAME(n) int n##_x;\n#ifndef SECOND_PASS\n"
                                       '#define SECOND_PASS\nNAME(a)\n#include "s.c"\n'
                                       "#else\nNAME(b)\n#endif\n"},
    "self include by __FILE__": {"s.c": "#ifndef SECOND_PASS\n#define SECOND_PASS\nint first;\n"
                                        "#include __FILE__\n#else\nint second;\n#endif\n"},
}


@pytest.mark.parametrize("forced", ["-include", "-imacros"])
def test_a_forced_header_that_includes_itself(forced: str, tmp_path: Path) -> None:
    """clang reads ``-include``/``-imacros`` files one level deeper than gcc (from its
    predefines buffer), so it stops the cycle one inclusion earlier; what an ``-imacros`` file
    includes gives no code either."""
    from test_preprocess_differential import compare
    from test_preprocess_programs import Program

    program = Program({"u.c": b'#include "s0.c"\n', "s0.c": b"int s;\n",
                       "inc/h0.h": b'#include "h0.h"\nint z;\n'},
                      "c", ("-Iinc", forced, "h0.h", "-std=c99"))
    for name, data in program.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    for compiler in C_COMPILERS:
        compare(compiler, program, tmp_path)


@pytest.mark.parametrize("case", sorted(CYCLES))
@pytest.mark.parametrize("flags", [(), ("--", "-std=c11")], ids=["scan", "preprocessor"])
def test_a_cycle_an_if_breaks_is_no_cycle(case: str, flags: tuple[str, ...],
                                          tmp_path: Path) -> None:
    _write(tmp_path, {**CYCLES[case], "u.c": '#include "s.c"\n'})
    for compiler in C_COMPILERS:
        assert _preprocessed(compiler, tmp_path, "u.c").returncode == 0
    result = amalint("check", "u.c", *flags, cwd=tmp_path)
    assert result.returncode == 0 and "cycle" not in result.stderr, result.stderr


def test_an_unconditional_cycle_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, {"a.h": '#include "b.h"\nint a;\n', "b.h": '#include "a.h"\n',
                      "s.c": '#include "a.h"\n', "u.c": '#include "s.c"\n'})
    for compiler in C_COMPILERS:
        assert "nested" in _preprocessed(compiler, tmp_path, "u.c").stderr
    result = amalint("check", "u.c", cwd=tmp_path)
    assert result.returncode == 2
    assert "include cycle that no include guard breaks: a.h -> b.h -> a.h" in result.stderr


#: Programs where the preprocessor once disagreed with the compilers (issue 19); ``compare``
#: checks errors or not, the files entered, every code line's expansion and the final macros.
#: Programs that fail must fail in both (they are only judged for an error, not crashes).
AGREEMENT = {
    "comment after #": {"u.c": b"#/* x\n */define G 1\nint g = G;\n#if 1 /* a\n b */\n"
                               b"int y;\n# /* c\n */ endif\n%:/**/define H 2\nint h = H;\n"},
    "has_attribute of a macro": {
        "u.c": b"#define ATTR noreturn\n#if __has_attribute(ATTR)\nint attr;\n#endif\n"
               b"#define BI __builtin_expect\n#if __has_builtin(BI)\nint builtin;\n#endif\n"},
    "header name with //": {
        "u.c": b"#include <sub//x.h>\n#if __has_include(<sub//x.h>)\nint found;\n#endif\n"
               b"#if __has_include(<sub/*x*/x.h>)\nint odd;\n#endif\n",
        "sub/x.h": b"int x;\n"},
    "header name with blanks": {
        "u.c": b"#if __has_include(< h1.h >)\nint both;\n#endif\n"
               b"#if __has_include(<h1.h >)\nint trailing;\n#endif\n"
               b"#if __has_include(<h1.h>)\nint exact;\n#endif\n"
               b"#define M <h1.h >\n#if __has_include(M)\nint macro;\n#endif\n",
        "h1.h": b"int h;\n"},
    "computed include with blanks": {"u.c": b"#define A < h1.h >\n#include A\n",
                                     " h1.h": b"int leading;\n"},
    "__VA_OPT__ without parameters": {"u.c": b"#define F() __VA_OPT__(x)\n#if F() + 1\n#endif\n"},
    "__VA_OPT__ without (": {"u.c": b"#define F(...) __VA_OPT__ x\nint a = F(1);\n"},
    "__VA_OPT__ unterminated": {"u.c": b"#define F(...) __VA_OPT__(x\nint a = F(1);\n"},
    # gcc: an ordinary identifier outside variadic macros; clang: an operator in every
    # function-like macro, expanded (to nothing) in those with parameters
    "__VA_OPT__ in macros that are not variadic": {
        "u.c": b"#define F(a, b) a __VA_OPT__(+) b\n#define G() c __VA_OPT__(y) d\n"
               b"#define S(a) #a __VA_OPT__(z)\n#define O e __VA_OPT__(w) f\n"
               b"int x = F(1, 2); int y = G(); int z = S(q); int w = O;\n"},
    "__VA_OPT__ without ( in a macro that is not variadic": {
        "u.c": b"#define F(a) a __VA_OPT__ x\nint x = F(1);\n"},
    # past the include depth bound, clang enters no file it has read before; gcc goes on
    "include cycle past the depth bound": {
        "u.c": b'#include "t.h"\n#include "o.h"\n#include "o.h"\n',
        "t.h": b'#include "t.h"\nint y;\n', "o.h": b"int other;\n"},
    # an argument list over several lines, a comment (with an apostrophe) spanning two of them
    "argument list over lines": {
        "u.c": b"#define F(a, b) a + b\nint m1 = F(1 /* it's\n two */, 2);\n"
               b"int m2 = (F(1,\n 2)) + __LINE__;\nint m3 = 1 /* x\n */ + 2;\n"
               b"int m4 = __LINE__;\n"},
}


@pytest.mark.parametrize("case", sorted(AGREEMENT))
def test_the_preprocessor_agrees_with_the_compilers(case: str, tmp_path: Path) -> None:
    from test_preprocess_differential import compare
    from test_preprocess_programs import Program

    program = Program(AGREEMENT[case], "c", ("-std=c2x", "-I."))
    for name, data in program.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    for compiler in C_COMPILERS:
        compare(compiler, program, tmp_path)


@pytest.mark.parametrize("flags", [(), ("--", "-std=c11")], ids=["scan", "preprocessor"])
def test_bytes_that_are_not_utf8_in_expansions_and_header_names(
        flags: tuple[str, ...], tmp_path: Path) -> None:
    """A Latin-1 byte in a #define body and ``__FILE__`` of a file whose name is not UTF-8
    expand as the bytes they are; ``<sub//x.h>`` is a header name (its ``//`` no comment), with
    flags and without: what the files declare collides as the compiler says."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.h").write_text("static int dup = 1;\n")
    (tmp_path / "a.c").write_bytes(b'#include <sub//x.h>\n#define NAME "caf\xe9"\n'
                                   b"#define DECL(n) static const char *n = NAME;\nDECL(a)\n")
    (tmp_path / "b\xff.c".encode("latin-1").decode("utf-8", "surrogateescape")).write_bytes(
        b"#define WHERE static const char *a = __FILE__;\nWHERE\nstatic int dup = 2;\n")
    (tmp_path / "c.c").write_bytes(b'#include "b\xff.c"\n')
    (tmp_path / "u.c").write_text('#include "a.c"\n#include "c.c"\n')
    for compiler in C_COMPILERS:
        built = subprocess.run([compiler, "-I.", "-fsyntax-only", "u.c"], cwd=tmp_path,
                               capture_output=True)
        assert built.stderr.count(b"error: redefinition of") == 2, built.stderr
    # without flags, <sub//x.h> is found in the project root, tried last as the compiler's
    # default configuration is extended for unity builds
    result = amalint("check", "u.c", "--frontend", "tree-sitter", "--format", "json", *flags,
                     *(("-I.",) if flags else ()), cwd=tmp_path)
    assert "Traceback" not in result.stderr and result.returncode == 1, result.stderr
    assert [(f["code"], f["location"]["row"]) for f in result.json] == [("AM201", 2),
                                                                         ("AM201", 3)]
