"""The batching judge on a real CMake project: amalint's prediction against the compiler.

Usage::

    python benchmarks/batching_real.py SOURCE_DIR [--cmake-args "..."] [--batchings K]
                                       [--seed S] [--sizes 1,2,3,4,8,0]

Copies the project (its tree is never written), configures the copy without unity builds
(the pip ``cmake`` and ``ninja``, with CMake's file API), asks amalint for the relations of
every pool (a target, language and unity group that CMake would batch), and times them against
one ``-fsyntax-only`` of the pool's sources as one unit with the pool's flags. Then it makes K
random batchings (a pool, its sources shuffled, a batch size), writes each batch as CMake
writes a unity source (one ``#include`` of each absolute path) and compiles it
(``-fsyntax-only``, the pool's flags from ``compile_commands.json``), and compares each batch's
outcome with :func:`amalint.analysis.batching.failures`; it also compiles every unit of the
grouping amalint proposes for each pool (:func:`amalint.analysis.batching.grouping`: its
groups, and each source it keeps alone). Exit code 1 when a batch was misjudged or a proposed
unit fails (each is printed with the compiler's first error).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from batching_programs import configure  # noqa: E402  (tests/ is not a package)

from amalint.analysis.batching import Relations, failures, grouping  # noqa: E402
from amalint.config.buildsystems import Pool, load  # noqa: E402
from amalint.config.settings import Settings  # noqa: E402
from amalint.engine.batching import relations  # noqa: E402


def _command(database: Path, pool: Pool, unit: Path) -> list[str]:
    """The compile command of the pool's flags entry, made to check ``unit`` only."""
    for entry in json.loads(database.read_text()):
        path = Path(entry["directory"], entry["file"]).resolve()
        if path == pool.flags_of.resolve():
            args = entry.get("arguments") or shlex.split(entry["command"])
            out: list[str] = []
            skip = False
            for arg in args:
                if skip:
                    skip = False
                elif arg in ("-o", "-MF", "-MT", "-MQ"):
                    skip = True
                elif arg in ("-c", "-MD", "-MMD") or Path(arg).resolve() == path:
                    continue
                else:
                    out.append(arg)
            return [*out, "-fsyntax-only", str(unit)]
    raise SystemExit(f"no compile command for {pool.flags_of}")


def _batch(database: Path, build: Path, pool: Pool, name: str, members: list[int]
           ) -> tuple[bool, str]:
    """Writes ``members`` of the pool (indexes, in this order) as CMake writes a unity source,
    ``build/name``, and compiles it: whether it builds, and the compiler's first error."""
    unit = build / f"{name}{pool.suffix}"
    unit.write_text("".join(f'#include "{pool.sources[i]}"\n' for i in members))
    return _compile(_command(database, pool, unit), build)


def _compile(command: list[str], cwd: Path) -> tuple[bool, str]:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    first = next((line for line in done.stderr.splitlines() if ": error:" in line), "")
    return done.returncode == 0, first


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("--subdir", default="", help="the CMakeLists.txt's folder in the tree")
    ap.add_argument("--cmake-args", default="")
    ap.add_argument("--batchings", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sizes", default="1,2,3,4,8,0")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="amalint-batching-real-") as directory:
        tree = Path(directory) / args.source.name
        shutil.copytree(args.source, tree, symlinks=True)
        build = Path(directory) / "build"
        configure(tree / args.subdir, build, *shlex.split(args.cmake_args))
        loaded = load(build)
        pools = [p for p in loaded.pools if len(p.sources) > 1]
        found: dict[Pool, Relations] = {}
        os.chdir(tree)
        for pool in pools:
            start = time.perf_counter()
            found[pool] = relations(pool, Settings(), loaded)
            took = time.perf_counter() - start
            start = time.perf_counter()
            _batch(loaded.database, build, pool, f"whole-{len(found)}",
                   list(range(len(pool.sources))))
            syntax = time.perf_counter() - start
            print(f"{pool.describe()}: {len(pool.sources)} sources, "
                  f"{len(found[pool].clashes)} clash(es), {len(found[pool].needs)} need(s), "
                  f"{len(found[pool].macro_breaks)} macro break(s), "
                  f"{len(found[pool].startups)} start-up; amalint {took:.2f} s, one "
                  f"-fsyntax-only of the pool {syntax:.2f} s")
        built = 0
        for number, pool in enumerate(pools):  # the proposed grouping: each unit must build
            proposal = grouping(found[pool])
            units = [*proposal.groups, *([i] for i in proposal.alone)]
            failed = []
            for index, group in enumerate(units):
                ok, error = _batch(loaded.database, build, pool, f"proposal-{number}-{index}",
                                   group)
                if not ok:
                    failed.append(f"[{' '.join(pool.sources[i].name for i in group)}]: {error}")
            built += not failed
            print(f"{pool.describe()}: proposed {len(proposal.groups)} group(s) and "
                  f"{len(proposal.alone)} alone, {len(proposal.unsolved)} to fix first: "
                  + ("builds" if not failed else "fails " + "; ".join(failed)))
        counts = {"failed as predicted": 0, "built as predicted": 0, "misjudged": 0}
        for number in range(args.batchings):
            pool = rng.choice(pools)
            order = list(range(len(pool.sources)))
            rng.shuffle(order)
            size = rng.choice(sizes) or len(order)
            for start in range(0, len(order), size):
                batch = order[start:start + size]
                ok, error = _batch(loaded.database, build, pool, f"batch-{number}-{start}",
                                   batch)
                said = [f.message for f in failures(found[pool], [batch])
                        if f.kind != "start-up"]
                if ok != bool(said):
                    counts["failed as predicted" if said else "built as predicted"] += 1
                    continue
                counts["misjudged"] += 1
                names = " ".join(pool.sources[i].name for i in batch)
                print(f"misjudged {pool.describe()} batch size {size}: [{names}] "
                      f"{'builds' if ok else 'fails: ' + error}; amalint: "
                      f"{'; '.join(said) or 'builds'}")
        print(f"{args.source.name}: {args.batchings} batchings over {len(pools)} pool(s): "
              + ", ".join(f"{k} {v}" for k, v in counts.items())
              + f"; proposed groupings built {built} of {len(pools)}")
        return 1 if counts["misjudged"] or built < len(pools) else 0


if __name__ == "__main__":
    sys.exit(main())
