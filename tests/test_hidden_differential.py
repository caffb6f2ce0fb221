"""AM206 against the compilers on random unity builds with deleted includes (see
``hidden_programs.py``): where the unit compiles and a source alone fails, amalint names the
dependency; where the source compiles alone, it says nothing; and ``--fix`` makes every source
compile alone. A fixed slice of seeds runs here; ``benchmarks/hidden.py`` runs a campaign."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import lint_in
from hidden_programs import (
    COMPILERS,
    compile_program,
    findings_of,
    fixed_sources_compile,
    generate,
    judge,
)

pytestmark = pytest.mark.skipif(len(COMPILERS) < 2, reason="needs g++ and clang++")

SEEDS = range(3)


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_dependencies_match_the_compilers(tmp_path: Path, seed: int) -> None:
    program = generate(random.Random(seed))
    program.write(tmp_path)
    truth = compile_program(program, tmp_path)
    assert truth.unit_ok, "the generator makes units that compile"
    for frontend in ("tree-sitter", "libclang"):
        def run(directory: Path, chosen: str = frontend) -> object:
            return lint_in(directory, "unity.cc", ("-std=c++17",), chosen, "the test",
                           ("AM206",))
        found = findings_of(run, tmp_path)
        verdict = judge(program, truth, found)
        assert not verdict.problems, f"{frontend}:\n" + "\n".join(verdict.problems)
    assert fixed_sources_compile(program, tmp_path) == []
