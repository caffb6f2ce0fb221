"""Benchmark of runs over many units and of the cache: `amalint check` cold and warm, with one
worker process and with several.

Generates the synthetic sources of bench.py and lints them as many units, either

* ``--mode umbrellas``: N hand-written umbrellas of B sources each, named on the command line
  (``amalint check u0.cc u1.cc ...``), or
* ``--mode cmake``: a CMake project (one library of all sources, ``UNITY_BUILD`` with batch
  size B), configured with CMake and Ninja, and ``amalint check -p build`` over the unity
  sources CMake generated.

and times, side by side in one run (medians of ``--repeat``; wall seconds and the CPU seconds of
the whole process tree):

* cold: ``--no-cache`` with ``-j 1`` and ``-j N`` for each N of ``--jobs``;
* warm: the cache filled, nothing changed; and warm after one source changed (one unit
  linted again);
* a control: the same CPU work in 1 and in N processes, for what the machine allows at the
  time (on a shared machine, N processes may get much less than N cores).

Also ``--fixtures``: cold and warm on the bundled fixtures (each umbrella, its own flags), and
``--umbrella PATH [--cwd DIR] -- FLAGS``: cold and warm on one real unit.

Usage:
  python benchmarks/many.py --mode cmake --sources 400 --batch 8 --jobs 1,2
  python benchmarks/many.py --mode umbrellas --sources 400 --batch 8
  python benchmarks/many.py --fixtures
  python benchmarks/many.py --umbrella web/emcc/wasm_runtime.cc --cwd ~/tvm -- -I. -Iinclude
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import generate

ROOT = Path(__file__).resolve().parent.parent
AMALINT = [sys.executable, "-m", "amalint", "check"]


def measure(cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the process and its workers) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def median_of(repeat: int, cmd: Sequence[str], cwd: Path, env: dict[str, str],
              before: object = None) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        if callable(before):
            before()
        runs.append(measure(cmd, cwd, env))
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def environment(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("AMALINT_")}
    return {**env, "AMALINT_CACHE_DIR": str(cache)}


def _burn(seconds: float) -> None:
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass


def control(jobs: Sequence[int]) -> None:
    """What the machine allows now: the same CPU work (8 x 0.25 s) in 1 and in N processes.
    On a machine other work keeps busy, N processes get less than N times the CPU."""
    from concurrent.futures import ProcessPoolExecutor

    base = None
    for n in jobs:
        start = time.perf_counter()
        with ProcessPoolExecutor(n) as pool:
            list(pool.map(_burn, [0.25] * 8))
        wall = time.perf_counter() - start
        base = base or wall
        row(f"control: 2 s of CPU in {n} process(es)", wall, 2.0, base)


def row(label: str, wall: float, cpu: float, base: float | None = None) -> None:
    speedup = f"{base / wall:>7.2f}x" if base else ""
    print(f"{label:<44} {wall:>8.2f} {cpu:>8.2f} {speedup}", flush=True)


def table(args: Sequence[str], cwd: Path, jobs: Sequence[int], repeat: int,
          touch: Path | None) -> None:
    """Cold (each -j) and warm rows of ``amalint check ARGS``; ``touch`` is a source to change
    for the warm-after-one-change row."""

    def command(*options: str) -> list[str]:
        return [*AMALINT, *options, *args]  # options before any `--`

    cache = Path(tempfile.mkdtemp(prefix="amalint-bench-")) / "cache"  # never in the tree
    env = environment(cache)
    print(f"{'run':<44} {'wall s':>8} {'CPU s':>8} {'speed-up':>8}")
    if len(jobs) > 1:
        control(jobs)
    measure(command("--no-cache", "-j", "1"), cwd, env)  # warm the page cache, bytecode
    base = None
    for n in jobs:
        wall, cpu = median_of(repeat, command("--no-cache", "-j", str(n)), cwd, env)
        base = base or wall
        row(f"cold (--no-cache), -j {n}", wall, cpu, base)
    shutil.rmtree(cache, ignore_errors=True)
    measure(command("-j", str(max(jobs))), cwd, env)  # fill the cache
    wall, cpu = median_of(repeat, command("-j", str(max(jobs))), cwd, env)
    row(f"warm (nothing changed), -j {max(jobs)}", wall, cpu, base)
    if touch is not None:
        original = touch.read_text()
        count = [0]

        def change() -> None:
            count[0] += 1
            touch.write_text(f"{original}\nstatic int bench_edit_{count[0]};\n")

        wall, cpu = median_of(repeat, command("-j", str(max(jobs))), cwd, env, change)
        touch.write_text(original)
        row(f"warm, one source changed, -j {max(jobs)}", wall, cpu, base)
    shutil.rmtree(cache.parent, ignore_errors=True)


def umbrellas(root: Path, sources: int, batch: int) -> list[str]:
    generate(root, sources)
    (root / "umbrella.cc").unlink()
    names = []
    for first in range(0, sources, batch):
        name = f"u{first // batch}.cc"
        lines = ['#include "src/core.cc"\n'] + [f'#include "src/unit{i}.cc"\n'
                                                for i in range(first, min(sources, first + batch))]
        (root / name).write_text("".join(lines))
        names.append(name)
    return names


CMAKE = """\
cmake_minimum_required(VERSION 3.16)
project(bench CXX)
set(CMAKE_CXX_STANDARD 17)
add_library(bench STATIC
{sources})
target_include_directories(bench PRIVATE ${{CMAKE_CURRENT_SOURCE_DIR}}/include)
set_target_properties(bench PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE {batch})
"""


def cmake_project(root: Path, sources: int, batch: int) -> None:
    generate(root, sources)
    listed = "".join(f"  src/unit{i}.cc\n" for i in range(sources))
    (root / "CMakeLists.txt").write_text(CMAKE.format(sources="  src/core.cc\n" + listed,
                                                      batch=batch))
    query = root / "build" / ".cmake" / "api" / "v1" / "query"
    query.mkdir(parents=True)
    for name in ("codemodel-v2", "cmakeFiles-v1"):
        (query / name).touch()
    cmake = shutil.which("cmake", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    if cmake is None:
        raise SystemExit("--mode cmake needs cmake on PATH (pip install cmake ninja)")
    subprocess.run([cmake, "-S", ".", "-B", "build", "-G", "Ninja",
                    "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"], cwd=root, check=True,
                   capture_output=True)


def fixtures(jobs: Sequence[int], repeat: int) -> None:
    """Cold and warm on the bundled fixtures: each umbrella with its own flags, in one run."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "fixtures"
        shutil.copytree(ROOT / "fixtures", root, ignore=shutil.ignore_patterns(".amalint_cache"))
        cases = [("tvm_shape", ["umbrella.cc", "--", "-Iinclude", "-Ieager"])]
        plug = sorted(p.parent.name for p in (root / "plug").glob("*/umbrella.cc"))
        cases.append(("plug", [f"{name}/umbrella.cc" for name in plug]))
        scu = sorted(p.parent.name for p in (root / "scu").glob("*/umbrella.cc"))
        cases.append(("scu", [f"{name}/umbrella.cc" for name in scu]))
        for frontend in ("tree-sitter", "libclang"):
            for directory, args in cases:
                print(f"\n{directory}, --frontend {frontend}: {len(args)} argument(s)")
                table(["--frontend", frontend, *args], root / directory, jobs, repeat, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["umbrellas", "cmake"], default="cmake")
    parser.add_argument("--sources", type=int, default=400)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fixtures", action="store_true")
    parser.add_argument("--umbrella", type=Path)
    parser.add_argument("--cwd", type=Path, default=Path.cwd())
    parser.add_argument("--touch", type=Path, help="with --umbrella: a source of the unit to "
                        "change for the warm-after-one-change row (restored afterwards)")
    parser.add_argument("--frontend", default="tree-sitter",
                        help="for --mode umbrellas and --umbrella (CMake units: auto)")
    argv = sys.argv[1:]
    flags = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    jobs = [int(n) for n in args.jobs.split(",")]
    print(f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, python "
          f"{sys.version.split()[0]}")
    if args.fixtures:
        fixtures(jobs, args.repeat)
        return
    if args.umbrella is not None:
        cwd = args.cwd.resolve()
        table(["--frontend", args.frontend, str(args.umbrella), "--", *flags], cwd, [1],
              args.repeat, args.cwd.resolve() / args.touch if args.touch else None)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.mode == "umbrellas":
            names = umbrellas(root, args.sources, args.batch)
            command = ["--frontend", args.frontend, *names, "--", "-Iinclude"]
            print(f"{len(names)} umbrellas of {args.batch} sources ({args.sources} sources)")
        else:
            cmake_project(root, args.sources, args.batch)
            command = ["-p", "build"]
            count = len(list((root / "build").rglob("unity_*_cxx.cxx")))
            print(f"CMake: {count} unity sources of {args.batch} ({args.sources} sources)")
        table(command, root, jobs, args.repeat, root / "src" / "unit0.cc")


if __name__ == "__main__":
    main()
