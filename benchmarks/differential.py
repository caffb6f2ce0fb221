"""A long differential campaign: amalint against gcc/g++ and clang/clang++ on many random unity
builds (the generator and the checks are ``tests/scu_programs.py`` and
``tests/test_differential.py``; CI runs 40 fixed examples per front end).

Usage::

    python benchmarks/differential.py [--examples N] [--frontend tree-sitter|libclang] [--seed S]
    python benchmarks/differential.py --suite overloads [--examples N] [--seed S]

Runs the same property with N examples (default 400), random rather than fixed (``--seed``
makes a run repeatable), and prints hypothesis' statistics: how many programs were checked, how
many were discarded because a source did not compile alone, which kinds of unity-only errors
they had. Exit code 0 when every program agreed; otherwise pytest prints the smallest program
that did not.

``--suite overloads`` runs the overload-capture campaign instead (``tests/overload_programs.py``,
``tests/test_overload_differential.py``): N programs of 8 cases (default 50), and prints per
front end how many cases amalint and the compilers agree on, and each one they do not.

``--suite preprocessor`` runs N random preprocessor programs (``tests/test_preprocess_programs.py``)
against ``gcc -E -dD``/``-dM`` and clang's (``tests/test_preprocess_differential.py``: errors or
not, files entered, every code line's expansion, the final macro table); ``--suite cli`` runs N
hostile trees and command lines through the real CLI (``tests/test_fuzz_cli.py``: exit 0/1/2, no
traceback, bounded time, nothing written) and prints how many runs ended with each exit code.
Both stop at the first failing program and print it as generated (no shrinking).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=400)
    ap.add_argument("--frontend", choices=["tree-sitter", "libclang"])
    ap.add_argument("--seed", type=int)
    ap.add_argument("--suite", choices=["scu", "overloads", "preprocessor", "cli"],
                    default="scu")
    args = ap.parse_args(argv)
    if args.suite in ("preprocessor", "cli"):
        return _fuzz(args.suite, args.examples, args.seed)
    if args.suite == "overloads":
        return _overloads(args.examples if args.examples != 400 else 50, args.seed,
                          [args.frontend] if args.frontend else ["tree-sitter", "libclang"])
    env = {**os.environ, "AMALINT_DIFFERENTIAL_EXAMPLES": str(args.examples),
           "AMALINT_DIFFERENTIAL_RANDOM": "1"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "--hypothesis-show-statistics", str(ROOT / "tests" / "test_differential.py")]
    if args.frontend:
        cmd += ["-k", args.frontend]
    if args.seed is not None:
        cmd += [f"--hypothesis-seed={args.seed}"]
    return subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode


def _fuzz(suite: str, examples: int, seed: int | None) -> int:
    chosen = seed if seed is not None else int.from_bytes(os.urandom(4), "big")
    prefix, test = (("AMALINT_DIFF", "test_preprocess_differential.py") if suite == "preprocessor"
                    else ("AMALINT_FUZZ", "test_fuzz_cli.py"))
    log = ROOT / "build" / f"campaign-{suite}-{chosen}.jsonl"
    log.parent.mkdir(exist_ok=True)
    log.unlink(missing_ok=True)
    env = {**os.environ, f"{prefix}_EXAMPLES": str(examples), f"{prefix}_SEED": str(chosen),
           "AMALINT_DIFF_NOSHRINK": "1", "AMALINT_FUZZ_LOG": str(log)}
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
           str(ROOT / "tests" / test)]
    code = subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode
    print(f"suite {suite}, seed {chosen}, {examples} examples: "
          + ("all agreed" if code == 0 else "FAILED (the program is above)"))
    if log.exists():
        runs = [json.loads(line) for line in log.read_text().splitlines()]
        exits = Counter(run["rc"] for run in runs)
        print("  exit codes: " + ", ".join(f"{k}: {n}" for k, n in sorted(exits.items()))
              + f"; longest run {max(run['seconds'] for run in runs):.1f} s")
    return code


def _overloads(programs: int, seed: int | None, frontends: list[str]) -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_overload_differential import campaign

    chosen = seed if seed is not None else int.from_bytes(os.urandom(4), "big")
    tally = campaign(chosen, programs, frontends)
    print(f"seed {chosen}, {programs} programs")
    for key, count in sorted(tally.counts.items()):
        print(f"  {key}: {count}")
    for line in tally.wrong:
        print(line)
    return 1 if tally.wrong else 0


if __name__ == "__main__":
    sys.exit(main())
