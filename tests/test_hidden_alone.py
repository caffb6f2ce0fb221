"""AM206 stays quiet on sources that compile alone (``fixtures/hidden_alone``), each a way real
code reaches a name without the header that defines it, with the compilers as the judge: a
forward declaration where only a declaration is needed (``b.cc``), a namespace another header
also opens (``c.cc``), ``std`` extended by a project header but declared by the system headers
the source includes (``d.cc``), enumerators an X-macro declares (``e.cc``), and a name of the
forced prelude (``-include``, as CMake's precompiled headers, ``f.cc``). ``g.cc`` really fails
alone and is the one reported."""

from __future__ import annotations

import subprocess

import pytest
from conftest import COMPILERS, FIXTURES, lint_in

HERE = FIXTURES / "hidden_alone"
ARGS = ("-std=c++20", "-Iinclude", "-include", "include/prelude.h")
SOURCES = ("a", "b", "c", "d", "e", "f", "g")


def _compiles(compiler: str, source: str) -> bool:
    return subprocess.run([compiler, *ARGS, "-fsyntax-only", source], cwd=HERE,
                          capture_output=True, timeout=300).returncode == 0


def _reported(frontend: str) -> set[str]:
    result = lint_in(HERE, "umbrella.cc", ARGS, frontend, "the test", ("AM206",))
    return {f.location.path.stem for f in result.findings}


@pytest.mark.parametrize("compiler", COMPILERS)
def test_the_unit_compiles_and_only_g_fails_alone(compiler: str) -> None:
    assert _compiles(compiler, "umbrella.cc")
    assert {s for s in SOURCES if not _compiles(compiler, f"src/{s}.cc")} == {"g"}


def test_only_the_source_that_fails_alone_is_reported(frontend: str) -> None:
    failing = {s for s in SOURCES if not all(_compiles(c, f"src/{s}.cc") for c in COMPILERS)}
    assert _reported(frontend) == failing
