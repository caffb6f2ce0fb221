"""AM206 stays quiet on sources that compile alone (``fixtures/hidden_alone``), each a way real
code reaches a name without the header that defines it, with the compilers as the judge: a
forward declaration where only a declaration is needed (``b.cc``), a namespace another header
also opens (``c.cc``), ``std`` extended by a project header but declared by the system headers
the source includes (``d.cc``), enumerators an X-macro declares (``e.cc``), a name of the
forced prelude (``-include``, as CMake's precompiled headers, ``f.cc``), and a member
function's use of its class's own enumerator, named like an earlier source's (``j.cc``).
``g.cc`` (a project header's function), ``h.cc`` (``strlen``, only ``<cstring>`` declares it)
and ``i.cc`` (``std::vector``, included by neither) really fail alone: they are the ones
reported, and the fix makes them compile alone."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import COMPILERS, FIXTURES, amalint, lint_in

HERE = FIXTURES / "hidden_alone"
ARGS = ("-std=c++20", "-Iinclude", "-include", "include/prelude.h")
SOURCES = ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")


def _compiles(compiler: str, source: str, where: Path = HERE) -> bool:
    return subprocess.run([compiler, *ARGS, "-fsyntax-only", source], cwd=where,
                          capture_output=True, timeout=300).returncode == 0


def _reported(frontend: str) -> set[str]:
    result = lint_in(HERE, "umbrella.cc", ARGS, frontend, "the test", ("AM206",))
    return {f.location.path.stem for f in result.findings}


@pytest.mark.parametrize("compiler", COMPILERS)
def test_the_unit_compiles_and_only_g_h_i_fail_alone(compiler: str) -> None:
    assert _compiles(compiler, "umbrella.cc")
    assert {s for s in SOURCES if not _compiles(compiler, f"src/{s}.cc")} == {"g", "h", "i"}


def test_only_the_source_that_fails_alone_is_reported(frontend: str) -> None:
    failing = {s for s in SOURCES if not all(_compiles(c, f"src/{s}.cc") for c in COMPILERS)}
    assert _reported(frontend) == failing


def test_the_fix_includes_the_system_headers_the_earlier_source_does(tmp_path: Path) -> None:
    copy = tmp_path / "hidden_alone"
    shutil.copytree(HERE, copy)
    run = amalint("check", "--fix", "--select", "AM206", "umbrella.cc", "--", *ARGS, cwd=copy)
    assert "3 fixed" in run.stdout, run.stdout + run.stderr
    assert "#include <cstring>" in (copy / "src" / "h.cc").read_text()
    for compiler in COMPILERS:
        assert _compiles(compiler, "umbrella.cc", copy)
        assert all(_compiles(compiler, f"src/{s}.cc", copy) for s in SOURCES)
