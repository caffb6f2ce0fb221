"""Differential tests: amalint against the real compilers on random small unity builds.

For each generated program (see ``scu_programs.py``) whose sources each compile alone with
every compiler, the unity build is compiled too, and its unity-only diagnostics are the truth:

* every unity-only collision or ambiguity error that both compilers report is an error finding
  of amalint's, at the place the compiler points to, or naming the symbol and the file;
* every error finding of amalint's is a unity-only compile error of some compiler;
* every unity-only macro redefinition both compilers warn about is an AM203 finding.

A fixed set of examples runs here (``derandomize``); ``benchmarks/differential.py`` runs many
random ones.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import C_COMPILERS, CXX_COMPILERS, lint_in
from hypothesis import HealthCheck, assume, event, given, settings
from scu_programs import AMBIGUITY, COLLISION, MACRO, Compiled, Program, compile_program, programs

from amalint.engine.rule import Finding
from amalint.model import Severity

EXAMPLES = int(os.environ.get("AMALINT_DIFFERENTIAL_EXAMPLES", "40"))
#: Fixed examples (CI) unless a long campaign asks for random ones (benchmarks/differential.py).
DERANDOMIZE = not os.environ.get("AMALINT_DIFFERENTIAL_RANDOM")
COMPILERS = {"c": C_COMPILERS, "c++": CXX_COMPILERS}
_WORD = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class Seen:
    """An amalint finding, reduced to what the comparison needs."""

    code: str
    severity: str
    file: str
    line: int
    symbol: str
    files: frozenset[str]

    @classmethod
    def of(cls, finding: Finding) -> Seen:
        quoted = finding.message.split("`")
        symbol = quoted[1].split("(")[0].rsplit("::", 1)[-1] if len(quoted) > 1 else ""
        files = {finding.location.path.name} | {r.location.path.name for r in finding.related}
        return cls(finding.code, finding.severity.value, finding.location.path.name,
                   finding.location.line, symbol, frozenset(files))


def lint_program(program: Program, directory: Path, frontend: str) -> list[Seen]:
    std = "-std=gnu17" if program.language == "c" else "-std=c++17"
    result = lint_in(directory, program.umbrella, (std, *program.flags), frontend,
                     "the differential test", ("AM2",))
    return [Seen.of(f) for f in result.findings]


def check(program: Program, frontend: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        program.write(directory)
        said: list[Compiled] = [compile_program(program, directory, c)
                                for c in COMPILERS[program.language]]
        assume(all(c.alone_ok for c in said))
        seen = lint_program(program, directory, frontend)
    errors = [s for s in seen if s.severity == Severity.ERROR.value]
    every = [d for c in said for d in c.unity if d.severity == "error"]
    event(f"{program.language}: unity-only errors: {'yes' if every else 'no'}")
    for kind in sorted({d.kind for d in every}):
        event(f"unity-only error kind: {kind}")

    def found(file: str, line: int, message: str) -> bool:
        words = set(_WORD.findall(message))
        return any((s.file, s.line) == (file, line) or (s.symbol in words and file in s.files)
                   for s in errors)

    for compiled in said:
        for diag in compiled.unity:
            agreed = all(any(d.kind == diag.kind and d.file == diag.file
                             and (d.symbol == diag.symbol or d.line == diag.line)
                             for d in other.unity) for other in said)
            if not agreed:
                continue
            if diag.severity == "error" and diag.kind in (COLLISION, AMBIGUITY):
                assert found(diag.file, diag.line, diag.message), \
                    f"missed {compiled.compiler}: {diag}\n{program}\n{seen}"
            if diag.kind == MACRO:
                assert any(s.code == "AM203" and s.file == diag.file and s.symbol in
                           set(_WORD.findall(diag.message)) for s in seen), \
                    f"missed {compiled.compiler}: {diag}\n{program}\n{seen}"
    for error in errors:
        assert any((d.file, d.line) == (error.file, error.line) or (
            error.symbol in set(_WORD.findall(d.message)) and d.file in error.files)
            for d in every), f"not a compile error: {error}\n{program}\n{said}"


@pytest.mark.parametrize("frontend", ["tree-sitter", "libclang"])
@settings(max_examples=EXAMPLES, derandomize=DERANDOMIZE, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(program=programs())
def test_findings_are_the_unity_only_compile_errors(frontend: str, program: Program) -> None:
    check(program, frontend)
