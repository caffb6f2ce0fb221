"""A campaign of the batching judge: amalint's readiness for every batching against CMake.

Usage::

    python benchmarks/batching.py [--examples N] [--seed S] [--batchings K]

Generates N random CMake projects (``tests/batching_programs.py``; seeds S, S+1, ...), asks
amalint once per project for the relations of its library's sources, then builds K random
batchings of each (a shuffled source list and ``CMAKE_UNITY_BUILD_BATCH_SIZE`` 0 to 4, with the
pip ``cmake`` and ``ninja``) and compares every unity source's outcome with the prediction;
then applies amalint's proposed grouping (``amalint batching --fix``) and builds it. Prints
the units that failed and built as predicted, every misjudged unit, the proposals built, the
projects whose proposal needs a source fixed first, and amalint's time against one
``g++ -fsyntax-only`` of all the sources as one unit. Exit code 1 when anything was misjudged.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from batching_programs import (  # noqa: E402  (tests/ is not a package)
    Verdict,
    generate,
    judge,
    random_batchings,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--examples", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batchings", type=int, default=5)
    args = ap.parse_args(argv)
    total = Verdict()
    started = time.monotonic()
    for seed in range(args.seed, args.seed + args.examples):
        rng = random.Random(seed)
        project = generate(rng)
        with tempfile.TemporaryDirectory(prefix="amalint-batching-") as directory:
            verdict = judge(project, Path(directory),
                            random_batchings(project, rng, args.batchings))
        for wrong in verdict.wrong:
            print(f"seed {seed}: {wrong}")
        total.add(verdict)
    print(f"{args.examples} projects (seeds {args.seed}..{args.seed + args.examples - 1}), "
          f"{total.batchings} batchings, {total.units} unity sources built")
    print(f"  failed as predicted: {total.failed_as_predicted}")
    print(f"  built as predicted:  {total.built_as_predicted}")
    print(f"  misjudged:           {len(total.wrong)}")
    print(f"  proposals built:     {total.proposals_built} of {total.proposals} "
          f"({total.unsolvable} more need a source fixed first)")
    print(f"  amalint's relations: {total.seconds_relations:.2f} s in all, one g++ "
          f"-fsyntax-only of each project's sources: {total.seconds_syntax:.2f} s in all")
    print(f"  wall time: {time.monotonic() - started:.0f} s")
    return 1 if total.wrong else 0


if __name__ == "__main__":
    sys.exit(main())
