"""Overload capture against the real compilers: amalint's AM201 finds a case iff the unity build
binds its call to the other file's function, or rejects it (``overload_programs.py``).

A fixed-seed slice runs here (``AMALINT_OVERLOAD_PROGRAMS`` programs of 8 cases each, default
3); ``benchmarks/differential.py --suite overloads`` runs a long random campaign and prints the
counts.
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import CXX_COMPILERS, lint_in
from overload_programs import Program, Truth, make_program, run_program, temporary

PROGRAMS = int(os.environ.get("AMALINT_OVERLOAD_PROGRAMS", "3"))
SEED = int(os.environ.get("AMALINT_OVERLOAD_SEED", "2026"))
COMPILERS = CXX_COMPILERS


def findings(program: Program, directory: Path, truth: Truth, frontend: str) -> dict[int, str]:
    """Per case: the severity of amalint's AM201 finding about ``f<k>``, if any."""
    args = ("-std=c++17", *(f"-DNO_CASE_{k}" for k in sorted(truth.alone_bad)))
    result = lint_in(directory, "unity.cc", args, frontend, "the overload differential test",
                     ("AM201",))
    out: dict[int, str] = {}
    for finding in result.findings:
        quoted = finding.message.split("`")
        named = re.search(r"(?:\A|::)f(\d+)(?:\(|\Z)", quoted[1]) if len(quoted) > 1 else None
        # else by place (clang may name another symbol first: `redefinition of default
        # argument` names the parameter)
        at = program.case_at(finding.location.line) \
            if finding.location.path.name == "b.cc" else None
        number = int(named.group(1)) if named is not None else at
        if number is not None:
            kind = "may" if "may silently bind" in finding.message else \
                finding.severity.value
            if out.get(number) != "error":
                out[number] = kind
    return out


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)


def campaign(seed: int, programs: int, frontends: list[str]) -> Tally:
    """Generate ``programs`` programs from ``seed``; count, per front end, the cases where
    amalint and the compilers agree (``hazard found``, ``no hazard, silent``), where amalint
    warns that a call of arguments it cannot type may bind to the other function and it does
    not (``no hazard, may-bind warning``), and where they disagree (``missed``, ``false``)."""
    rng = random.Random(seed)
    tally = Tally()
    for number in range(programs):
        program = make_program(rng)
        with temporary() as tmp:
            directory = Path(tmp)
            truth = run_program(program, directory, COMPILERS)
            if truth is None:
                tally.counts["programs not usable"] += 1
                continue
            tally.counts["cases"] += len(program.cases)
            tally.counts["left out: call invalid alone"] += len(truth.alone_bad)
            tally.counts["left out: compilers disagree"] += len(truth.disagree)
            for frontend in frontends:
                said = findings(program, directory, truth, frontend)
                for k, hazard in sorted(truth.hazard.items()):
                    found = said.get(k)
                    key = ("hazard found" if found else "missed") if hazard else \
                        "no hazard, silent" if not found else \
                        "no hazard, may-bind warning" if found == "may" else "false"
                    tally.counts[f"{frontend}: {key}"] += 1
                    if key in ("missed", "false"):
                        case = program.cases[k]
                        tally.wrong.append(f"{frontend} {key} (program {number}, seed {seed}): "
                                           f"{case}")
    return tally


@pytest.mark.parametrize("frontend", ["tree-sitter", "libclang"])
def test_overload_findings_are_the_unity_builds_changed_bindings(frontend: str) -> None:
    tally = campaign(SEED, PROGRAMS, [frontend])
    assert tally.counts[f"{frontend}: hazard found"] > 0, tally.counts
    assert tally.counts[f"{frontend}: no hazard, silent"] > 0, tally.counts
    assert not tally.wrong, "\n".join(tally.wrong)
