"""Time amalint's preprocessor view against ``clang++ -E`` and ``g++ -E`` on one unit.

    .venv/bin/python benchmarks/preprocess_bench.py [UMBRELLA -- ARGS...] [--profile]

Without an umbrella, a synthetic unit is generated: an umbrella including 40 small ``.cc``
files, each including <string> <vector> <map> <functional> <memory> <unordered_map> <iostream>.
Every measurement is the best of several runs, wall and CPU (user + system, children included
for the compilers). Ours is measured in a fresh interpreter: the ``preprocess`` call with a cold
scan cache (the stage's cost), the same call again in that process (warm: every file already
scanned), and the compiler query that ``configure`` makes once per process. ``--profile`` prints
where the cold call spends its time (cProfile, by own time).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADERS = ["string", "vector", "map", "functional", "memory", "unordered_map", "iostream"]
RUNS = 7

_OURS = r"""
import gc, json, sys, time
args = json.loads(sys.argv[1])
from amalint.preprocess import configure, preprocess
w, c = time.perf_counter(), time.process_time()
config = configure(args["flags"], umbrella=args["umbrella"])
query = (time.perf_counter() - w, time.process_time() - c)
w, c = time.perf_counter(), time.process_time()
unit = preprocess(args["umbrella"], config)
cold = (time.perf_counter() - w, time.process_time() - c)
w, c = time.perf_counter(), time.process_time()
preprocess(args["umbrella"], config)
warm = (time.perf_counter() - w, time.process_time() - c)
files = sum(1 for i in unit.inclusions if i.skipped is None)
print(json.dumps({"query": query, "cold": cold, "warm": warm, "inclusions": len(unit.inclusions),
                  "entered": files, "compiler": config.compiler.name}))
"""


def synthetic(root: Path) -> Path:
    includes = "".join(f"#include <{h}>\n" for h in HEADERS)
    for i in range(40):
        body = f"namespace n{i} {{ static int value = {i}; int get() {{ return value; }} }}\n"
        (root / f"src{i}.cc").write_text(includes + body)
    umbrella = root / "umbrella.cc"
    umbrella.write_text("".join(f'#include "src{i}.cc"\n' for i in range(40))
                        + "int main() { return 0; }\n")
    return umbrella


def _compiler(cmd: list[str]) -> tuple[float, float]:
    best_wall = best_cpu = float("inf")
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu


def _ours(umbrella: Path, flags: list[str]) -> dict[str, object]:
    runs = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", _OURS,
                              json.dumps({"umbrella": str(umbrella), "flags": flags})],
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out))
    best: dict[str, object] = dict(runs[0])
    for key in ("query", "cold", "warm"):
        best[key] = (min(r[key][0] for r in runs), min(r[key][1] for r in runs))
    return best


def _arguments(argv: list[str]) -> tuple[Path | None, list[str], bool]:
    """(umbrella or None for the synthetic unit, compiler flags, --profile)."""
    ours, flags = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv \
        else (argv, [])
    parser = argparse.ArgumentParser(
        description="Time amalint's preprocessor view against clang++ -E and g++ -E on one "
                    "unit (writes nothing but a temporary directory, removed afterwards).",
        usage="%(prog)s [-h] [--profile] [UMBRELLA [-- COMPILER_ARGS...]]")
    parser.add_argument("umbrella", nargs="?", type=Path,
                        help="the unit to preprocess (default: a synthetic unit of 40 sources "
                             "including standard headers, with -std=c++17)")
    parser.add_argument("--profile", action="store_true",
                        help="also print where the cold call spends its time (cProfile)")
    args = parser.parse_args(ours)
    if flags and args.umbrella is None:
        parser.error("compiler arguments after -- need an UMBRELLA")
    if args.umbrella is not None and not args.umbrella.is_file():
        parser.error(f"{args.umbrella}: no such file")
    return (args.umbrella.resolve() if args.umbrella else None), flags, args.profile


def main(argv: list[str]) -> None:
    given, flags, profile = _arguments(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if given is not None:
            umbrella = given
        else:
            umbrella, flags = synthetic(Path(tmp)), ["-std=c++17"]
        print(f"unit: {umbrella} {' '.join(flags)}")
        for comp in ("clang++", "g++"):
            wall, cpu = _compiler([comp, *flags, "-E", str(umbrella), "-o", "/dev/null"])
            print(f"{comp + ' -E':<24} wall {wall * 1000:7.1f} ms   cpu {cpu * 1000:7.1f} ms")
        ours = _ours(umbrella, flags)
        for key, label in (("cold", "preprocess (cold)"), ("warm", "preprocess (warm)"),
                           ("query", "compiler query (once)")):
            wall, cpu = ours[key]  # type: ignore[misc]
            print(f"{label:<24} wall {wall * 1000:7.1f} ms   cpu {cpu * 1000:7.1f} ms")
        print(f"inclusions: {ours['inclusions']} ({ours['entered']} entered); "
              f"compiler asked: {ours['compiler']}")
        if profile:
            _profile(umbrella, flags)


def _profile(umbrella: Path, flags: list[str]) -> None:
    import cProfile
    import pstats

    from amalint.preprocess import configure, preprocess

    config = configure(flags, umbrella=str(umbrella))
    profiler = cProfile.Profile()
    profiler.runcall(preprocess, str(umbrella), config)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main(sys.argv[1:])
