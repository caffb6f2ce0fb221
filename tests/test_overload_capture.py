"""AM201's overload capture on small programs of the shapes real projects have, each held
against what g++ binds the call to when the unity build runs (and the type model's conversions
on their own)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import amalint

from amalint.analysis.convert import BOOLEAN, CONVERSION, EXACT, PROMOTION, disjoint, rank

HEAD = "#include <cstdio>\n#include <cstdint>\n"
#: name -> (a.cc's function, b.cc's function, b.cc's call, whether the unity build binds the
#: call to a.cc's function or rejects it)
CASES = {
    # a `const char**` argument cannot bind to a `const char*` parameter (HarfBuzz's parse_uint)
    "pointer_levels": ("static void parse(const char* p, const char* e, uint32_t* v) {}",
                       "static void parse(const char** p, const char* e, unsigned* v) {}",
                       "const char* s = \"1\"; unsigned v; parse(&s, s, &v);", False),
    # three arguments never bind to five parameters without defaults
    "arity": ("static void reorder(const char* plan, int* face, int* b, unsigned s, unsigned e)"
              " {}", "static void reorder(int* b, unsigned s, unsigned e) {}",
              "int b = 0; reorder(&b, 1u, 2u);", False),
    # ... but do with two default arguments, and the other function matches better
    "defaults": ("static void step(long s, long e, int x = 0, int y = 0) {}",
                 "static void step(double s, double e) {}", "step(1L, 2L);", True),
    "literal": ("static int Half(int x) { return x / 2; }",
                "static double Half(double x) { return x / 2; }", "Half(3);", True),
    "variable": ("static int Half(int x) { return x / 2; }",
                 "static double Half(double x) { return x / 2; }",
                 "double d = 3; Half(d);", False),
    "const_lvalue": ("static void take(int&& x) {}", "static void take(short x, ...) {}",
                     "const int k = 8; take(k);", False),
    "ambiguous": ("static void Scale(long x) {}", "static void Scale(unsigned x) {}",
                  "Scale(3);", True),
    "qualification": ("static void put(char* s) {}", "static void put(const char* s) {}",
                      "char buf[4] = \"ab\"; put(buf);", True),
}


def _program(directory: Path, a: str, b: str, call: str) -> None:
    (directory / "a.cc").write_text(f"{HEAD}{a}\n")
    (directory / "b.cc").write_text(f"{HEAD}{b}\nvoid run() {{ {call} }}\n")
    (directory / "unity.cc").write_text('#include "a.cc"\n#include "b.cc"\n')


def _calls(directory: Path, source: str) -> list[str] | None:
    """The functions ``run()`` calls in ``source`` as g++ compiles it (their mangled names
    spell their parameter types); ``None`` if it does not compile."""
    done = subprocess.run(["g++", "-std=c++17", "-w", "-O0", "-S", "-o", "-", source],
                          cwd=directory, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        return None
    body = done.stdout.split("_Z3runv:", 1)[1].split(".cfi_endproc", 1)[0]
    return [line.split()[-1] for line in body.splitlines() if line.startswith("\tcall\t")]


def _binds_elsewhere(directory: Path) -> bool:
    """Whether g++ rejects the unity build, or its run() calls other functions than b.cc's
    alone does."""
    alone = _calls(directory, "b.cc")
    assert alone is not None
    return _calls(directory, "unity.cc") != alone


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_finding_iff_the_unity_build_binds_elsewhere(tmp_path: Path, name: str,
                                                       frontend: str) -> None:
    a, b, call, expected = CASES[name]
    _program(tmp_path, a, b, call)
    assert _binds_elsewhere(tmp_path) == expected
    result = amalint("check", "--format", "json", "--select", "AM201", "--frontend", frontend,
                     "unity.cc", "--", "-std=c++17", cwd=tmp_path)
    assert bool(result.findings) == expected, result.json


def test_an_inner_namespace_hides_the_other_files_function(tmp_path: Path) -> None:
    """glog's WriteToStderr: a call inside the anonymous namespace finds only its own."""
    _program(tmp_path, "namespace g { static void Write(const char* s) {} }",
             "namespace g { namespace { void Write(const char* s) {}\n"
             "void (*writer)(const char*) = Write;\nvoid call() { Write(\"x\"); } } }", "")
    result = amalint("check", "--format", "json", "--select", "AM201", "unity.cc", cwd=tmp_path)
    assert result.returncode == 0 and result.json == [], result.stdout


def test_a_function_of_a_header_the_source_includes_is_its_own(tmp_path: Path,
                                                              frontend: str) -> None:
    """bx's ``write``: the best match is declared in a header both sources include, which the
    earlier source reads first in the unity build; the later source sees it alone too."""
    (tmp_path / "io.h").write_text("#pragma once\ninline int put(char v) { return v; }\n")
    _program(tmp_path, '#include "io.h"\nstatic int put(long v) { return 2; }',
             '#include "io.h"\nstatic int put(int v, int extra = 0) { return 3; }',
             "char c = 'x'; put(c);")
    assert not _binds_elsewhere(tmp_path)
    result = amalint("check", "--format", "json", "--select", "AM201", "--frontend", frontend,
                     "unity.cc", "--", "-std=c++17", cwd=tmp_path)
    assert result.returncode == 0 and result.json == [], result.stdout


def test_a_function_the_source_declares_alone_may_be_defined_by_the_other(
        tmp_path: Path, frontend: str) -> None:
    """Tracy's ``GetThreadNameData``: a.cc defines the function that b.cc's call binds to
    through the header both include; clang names a.cc's definition, which is b.cc's own."""
    (tmp_path / "sys.h").write_text("#pragma once\nnamespace t { int name(unsigned id); }\n")
    _program(tmp_path, '#include "sys.h"\nnamespace t { int& name();\n'
             "int name(unsigned id) { return name() + int(id); } }",
             '#include "sys.h"\nnamespace t { static int v; int& name() { return v; }\n'
             "int call(long x) { return name((unsigned)x); } }", "")
    assert _calls(tmp_path, "unity.cc") is not None  # the unity build compiles
    result = amalint("check", "--format", "json", "--select", "AM201", "--frontend", frontend,
                     "unity.cc", "--", "-std=c++17", cwd=tmp_path)
    assert result.returncode == 0 and result.json == [], result.stdout


def test_libclang_takes_the_compilers_choice_for_arguments_of_unknown_type(
        tmp_path: Path) -> None:
    _program(tmp_path, "static int Half(int x) { return x / 2; }",
             "static double Half(double x) { return x / 2; }\n"
             "static double twice() { return 2.0; }\nstatic int one() { return 1; }",
             "Half(twice());")
    found = amalint("check", "--format", "json", "--select", "AM201", "--frontend",
                     "tree-sitter", "unity.cc", cwd=tmp_path).json
    assert [f["message"].count("may silently bind") for f in found] == [1]
    clang = amalint("check", "--format", "json", "--select", "AM201", "--frontend", "libclang",
                    "unity.cc", "--", "-std=c++17", cwd=tmp_path).json
    assert clang == []


@pytest.mark.parametrize(("arg", "param", "expected"), [
    ("int", "long", (CONVERSION, "value", 0)), ("short", "int", (PROMOTION, "value", 0)),
    ("const char*", "bool", (BOOLEAN, "value", 0)), ("0", "char*", (CONVERSION, "value", 0)),
    ("char*", "const char*", (EXACT, "value", 1)), ("int&", "int&", (EXACT, "ref", 0)),
    ("int", "int&", None), ("const char**", "const char*", None), ("char**", "const char**", None),
    ("int*", "void*", (CONVERSION, "value", 0)), ("const int*", "void*", None),
    ("const int&", "int&&", None), ("nullptr", "int", None),
    ("unsigned&", "uint32_t", (EXACT, "value", 0)),
])
def test_conversion_ranks(arg: str, param: str, expected: object) -> None:
    assert rank(arg, param) == expected


def test_disjoint_parameters() -> None:
    assert disjoint("const char**", "const char*")
    assert disjoint("int", "char*")
    assert not disjoint("unsigned*", "uint32_t*")
    assert not disjoint("char*", "bool") and not disjoint("int*", "void*")
    assert not disjoint("Foo*", "Bar*")  # perhaps a derived class
