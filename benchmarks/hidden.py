"""A campaign of the hidden-dependency differential test (AM206 against g++ and clang++).

Usage::

    python benchmarks/hidden.py [--examples N] [--seed S] [--frontend tree-sitter|libclang]
                                [--fix]

Generates N random unity builds with deleted includes (``tests/hidden_programs.py``; seeds S,
S+1, ...), compiles each unit and each source alone with g++ and clang++, lints the unit, and
prints per front end the sources that fail alone and that amalint names (true positives), that
it misses, that it flags while they compile alone, and recall and precision; with ``--fix``
also how many sources still fail alone after ``amalint check --fix``. Exit code 1 when any
source was misjudged; every misjudged source is printed.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hidden_programs import (  # noqa: E402  (tests/ is not a package)
    Verdict,
    compile_program,
    findings_of,
    fixed_sources_compile,
    generate,
    judge,
)

from amalint.config.settings import Settings, parse_compiler_args  # noqa: E402
from amalint.engine.run import lint  # noqa: E402


def _lint(directory: Path, frontend: str) -> object:
    search, defines = parse_compiler_args(("-std=c++17",), directory)
    return lint(directory / "unity.cc", Settings(search=search, defines=defines,
                                                 compiler_args=("-std=c++17",),
                                                 frontend=frontend, select=("AM206",),
                                                 flags_origin="the campaign"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--frontend", choices=["tree-sitter", "libclang"], action="append")
    ap.add_argument("--fix", action="store_true")
    args = ap.parse_args(argv)
    frontends = args.frontend or ["tree-sitter", "libclang"]
    totals = {f: Verdict() for f in frontends}
    units = discarded = still_failing = 0
    started = time.monotonic()
    for seed in range(args.seed, args.seed + args.examples):
        program = generate(random.Random(seed))
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            program.write(directory)
            truth = compile_program(program, directory)
            if not truth.unit_ok:
                discarded += 1
                continue
            units += 1
            for frontend in frontends:
                verdict = judge(program, truth, findings_of(
                    functools.partial(_lint, frontend=frontend), directory))
                total = totals[frontend]
                total.true_positive += verdict.true_positive
                total.false_negative += verdict.false_negative
                total.false_positive += verdict.false_positive
                total.true_negative += verdict.true_negative
                total.problems += [f"seed {seed} {frontend}: {p}" for p in verdict.problems]
            if args.fix:
                still_failing += len(fixed_sources_compile(program, directory))
    print(f"{units} unity builds ({discarded} discarded: the unit did not compile), "
          f"{time.monotonic() - started:.0f} s")
    print("front end     fail alone  named  missed  false alarms  compile alone  recall  "
          "precision")
    for frontend, t in totals.items():
        positives = t.true_positive + t.false_negative
        flagged = t.true_positive + t.false_positive
        recall = t.true_positive / positives if positives else 1.0
        precision = t.true_positive / flagged if flagged else 1.0
        print(f"{frontend:<13} {positives:>10}  {t.true_positive:>5}  {t.false_negative:>6}  "
              f"{t.false_positive:>12}  {t.true_negative:>13}  {recall:>6.1%}  {precision:>9.1%}")
        for problem in t.problems:
            print("  " + problem)
    if args.fix:
        print(f"after --fix: {still_failing} source(s) still fail alone")
    return 1 if any(t.problems for t in totals.values()) or still_failing else 0


if __name__ == "__main__":
    sys.exit(main())
