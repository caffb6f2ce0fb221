"""How amalint's work grows on the hostile inputs that once took it quadratic time.

    .venv/bin/python benchmarks/scaling.py [--scale 1.0] [--repeat 3] [--case NAME ...]

Each case is an input that a past version handled in quadratic time (the test suite checks what
amalint *says* about each; their timing is measured here, where a slow, shared machine cannot
make a test fail):

* ``continuations``: a ``#define`` continued over N lines before an ``#include`` (the directive
  scan; joining the lines once took 23 s at 333,000);
* ``includes``: an umbrella of N includes of one-line sources (the whole lint, tree-sitter, no
  compiler flags);
* ``declarators``: one declaration of N declarators (``static const int v0 = 0, v1 = 1, ...;``,
  the whole lint, tree-sitter, ``-std=c++17``; 30,000 once took minutes).

Each case runs at size N and 4N. For each run it measures CPU seconds (user + system) of
amalint's call in a fresh interpreter (the call alone, not Python's start-up) and of the
reference, ``g++ -fsyntax-only`` of the same umbrella, in the same session; it prints
amalint's CPU as a multiple of g++'s and how much amalint's CPU grew from N to 4N (linear work
grows about 4x, quadratic 16x). The best of ``--repeat`` runs is kept. Exit status 1 when some
case grew more than :data:`GROWTH_BOUND` times (a quadratic pass is back), else 0.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: Four times the input may cost at most this many times the CPU (quadratic work costs 16x).
GROWTH_BOUND = 8.0

_OURS = r"""
import json, os, sys, time
from pathlib import Path
args = json.loads(sys.argv[1])
umbrella = Path(args["umbrella"])
os.chdir(umbrella.parent)
if args["case"] == "continuations":
    from amalint.scan.directives import scan
    from amalint.scan.search import SearchPath
    data = umbrella.read_bytes()
    start = time.process_time()
    scan(data, umbrella, SearchPath())
else:
    from amalint.config.settings import Settings
    from amalint.engine.run import lint
    flags = tuple(args["flags"])
    settings = Settings(frontend="tree-sitter", compiler_args=flags,
                        flags_origin="the benchmark" if flags else None)
    start = time.process_time()
    lint(umbrella, settings)
print(json.dumps(time.process_time() - start))
"""


def continuations(directory: Path, count: int) -> Path:
    (directory / "a.cc").write_text("int a;\n")
    umbrella = directory / "u.cc"
    umbrella.write_bytes(b"#define X \\\n" + b"  1 + \\\n" * count + b"  1\n#include \"a.cc\"\n")
    return umbrella


def includes(directory: Path, count: int) -> Path:
    for i in range(count):
        (directory / f"s{i}.cc").write_text(f"static int v{i} = {i};\n")
    umbrella = directory / "u.cc"
    umbrella.write_text("".join(f'#include "s{i}.cc"\n' for i in range(count)))
    return umbrella


def declarators(directory: Path, count: int) -> Path:
    (directory / "a.cc").write_text(
        "static const int " + ", ".join(f"v{i} = {i}" for i in range(count)) + ";\n")
    umbrella = directory / "u.cc"
    umbrella.write_text('#include "a.cc"\n')
    return umbrella


#: Each case: how to write its input of a size, its base size N (at --scale 1) and the compiler
#: flags amalint is given (with flags, the preprocessor runs as well).
CASES: dict[str, tuple[Callable[[Path, int], Path], int, list[str]]] = {
    "continuations": (continuations, 83_250, []),
    "includes": (includes, 2_500, []),
    "declarators": (declarators, 2_000, ["-std=c++17"]),
}


@dataclass(frozen=True)
class Measured:
    size: int
    ours: float
    reference: float


def _ours(case: str, umbrella: Path, repeat: int) -> float:
    runs = [json.loads(subprocess.run(
        [sys.executable, "-c", _OURS, json.dumps({"case": case, "umbrella": str(umbrella),
                                         "flags": CASES[case][2]})],
        check=True, capture_output=True, text=True).stdout) for _ in range(repeat)]
    return float(min(runs))


def _reference(umbrella: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(["g++", "-std=c++17", "-fsyntax-only", "-w", umbrella.name],
                       cwd=umbrella.parent, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def measure(case: str, size: int, repeat: int, root: Path) -> Measured:
    directory = root / f"{case}-{size}"
    directory.mkdir()
    umbrella = CASES[case][0](directory, size)
    return Measured(size, _ours(case, umbrella, repeat), _reference(umbrella, repeat))


def _ratio(ours: float, reference: float) -> str:
    return f"{ours / reference:.2f}x" if reference > 0 else "-"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="CPU time of amalint on inputs that were once quadratic, at N and 4N, "
                    "against g++ -fsyntax-only of the same input (writes nothing but a "
                    "temporary directory, removed afterwards).")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every case's base size N (default 1.0)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each command; the best is kept (default 3)")
    parser.add_argument("--case", action="append", choices=sorted(CASES),
                        help="run only this case (repeatable; default all)")
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.repeat < 1:
        parser.error("--scale must be positive and --repeat at least 1")
    failed = []
    print("| case | N | amalint CPU s | g++ CPU s | vs g++ | growth N to 4N |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.case or list(CASES):
            size = max(1, round(CASES[case][1] * args.scale))
            small, large = (measure(case, n, args.repeat, Path(tmp)) for n in (size, 4 * size))
            growth = large.ours / small.ours if small.ours > 0 else 0.0
            for row in (small, large):
                shown = f"{growth:.1f}x" if row is large else ""
                print(f"| {case} | {row.size} | {row.ours:.3f} | {row.reference:.3f} | "
                      f"{_ratio(row.ours, row.reference)} | {shown} |")
            if growth > GROWTH_BOUND:
                failed.append(case)
    if failed:
        print(f"grew more than {GROWTH_BOUND:g}x from N to 4N: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
