"""Where amalint's preprocessor once disagreed with gcc and clang on real code: each case is a
small program the compilers judge, and amalint must see what they see."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import COMPILERS, amalint, compile_unit

C_COMPILERS = [c for c in ("gcc", "clang") if shutil.which(c)]


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
    assert "include cycle that no include guard breaks: a.h -> b.h -> a.h" in result.stderr
