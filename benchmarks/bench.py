"""Benchmark: `amalint check` against the compiler on the same unity build, side by side.

For each unit (synthetic amalgamations of N sources, see ``synthetic.py``, or a real umbrella
given with ``--umbrella PATH``), one run measures, as whole processes:

* ``clang++ -fsyntax-only`` and ``clang++ -E`` (preprocessing only, the practical floor) of
  the umbrella with the same flags (``-std=c++17 -w`` added);
* ``amalint check --frontend F UMBRELLA -- FLAGS`` for each front end asked for, *cold* (with
  a fresh, empty cache directory, ``AMALINT_CACHE_DIR``) and *warm* (run again right after,
  the cache kept); Python's bytecode
  cache is kept in both, as in a normal install;

and prints, per command, medians over ``--repeat`` rounds of CPU seconds (user + system, child
processes included), wall seconds and peak memory (the largest resident set of the process
tree), with amalint's CPU time as a multiple of each compiler command's. Every command runs
once untimed first (the file-system cache warm), then the rounds interleave the commands, so a
machine that gets busier slows them alike.

``--python [LABEL=]PATH`` times ``PATH -m amalint`` (repeat it to compare two installs, say a
branch and main, in the same rounds); the default is the Python running this script.

Usage:
  python benchmarks/bench.py [--frontend tree-sitter,libclang] [--sizes 40,200]
                             [--repeat 3] [--reference-up-to 200] [--python [LABEL=]PATH ...]
  python benchmarks/bench.py --umbrella PATH [--cwd DIR] [--frontend ...]
                             [--commands check,diff,order,graph] -- FLAGS...

``--commands`` times other amalint commands than ``check`` the same way, cold and warm: ``diff``
(``check --diff``, which lints the umbrella and then the fixed text), ``order`` and ``graph``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import generate, unit_bytes


@dataclass
class Command:
    """One command line to measure, and its samples."""

    label: str
    argv: list[str]
    #: ``None`` for the compilers; ``"cold"`` or ``"warm"`` for amalint.
    mode: str | None = None
    samples: list[tuple[float, float, float]] = field(default_factory=list)

    def median(self, index: int) -> float:
        return statistics.median(s[index] for s in self.samples)


def measure(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """CPU seconds (user + system, waited-for descendants included), wall seconds and peak
    resident memory in MB of one run; exit codes 0 and 1 (findings) are fine."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n"
                         f"{err.decode(errors='replace')[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def clear_cache(cache: Path) -> None:
    """Make ``cache`` a fresh, empty directory."""
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)


def run_unit(commands: list[Command], cwd: Path, repeat: int, scratch: Path) -> None:
    """One untimed run of each command, then ``repeat`` interleaved rounds."""
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base_env["NO_COLOR"] = "1"
    for round_number in range(repeat + 1):
        for command in commands:
            env = dict(base_env)
            if command.mode is not None:
                cache = scratch / f"cache-{command.label}"
                if command.mode == "cold":
                    clear_cache(cache)
                env["AMALINT_CACHE_DIR"] = str(cache)
            sample = measure(command.argv, cwd, env)
            if round_number:
                command.samples.append(sample)


def table(title: str, commands: list[Command]) -> str:
    syntax = next((c for c in commands if c.label.endswith("-fsyntax-only")), None)
    preprocess = next((c for c in commands if c.label.endswith(" -E")), None)
    lines = [f"### {title}", "",
             "| command | CPU s | wall s | peak MB | CPU vs -fsyntax-only | CPU vs -E |",
             "|---|---|---|---|---|---|"]
    for command in commands:
        cpu = command.median(0)
        ratios = ("", "") if command.mode is None else (
            _ratio(cpu, syntax.median(0)) if syntax is not None else "-",
            _ratio(cpu, preprocess.median(0)) if preprocess is not None else "-")
        lines.append(f"| {command.label} | {cpu:.2f} | {command.median(1):.2f} | "
                     f"{command.median(2):.0f} | {ratios[0]} | {ratios[1]} |")
    return "\n".join(lines)


def _ratio(value: float, reference: float) -> str:
    """``value`` as a multiple of ``reference`` (and how many times less, when less)."""
    if value >= reference:
        return f"{value / reference:.2f}x"
    return f"{value / reference:.2f}x ({reference / value:.1f}x less)"


#: The amalint commands ``--commands`` can time: the arguments before the front end's.
AMALINT_COMMANDS = {
    "check": ["check", "-q"],
    "diff": ["check", "--diff", "-q"],
    "order": ["order", "--format", "json"],
    "graph": ["graph"],
}


def commands_for(umbrella: str, flags: list[str], frontends: list[str],
                 pythons: list[tuple[str, str]], compiler: str, with_compiler: bool,
                 which: tuple[str, ...] = ("check",)) -> list[Command]:
    out = []
    if with_compiler:
        name = Path(compiler).name
        out.append(Command(f"{name} -fsyntax-only",
                           [compiler, "-fsyntax-only", "-std=c++17", "-w", *flags, umbrella]))
        out.append(Command(f"{name} -E",
                           [compiler, "-E", "-std=c++17", "-w", *flags, umbrella, "-o",
                            os.devnull]))
    for name in which:
        for frontend in frontends:
            for label, python in pythons:
                for mode in ("cold", "warm"):
                    what = "" if which == ("check",) else f" {name}"
                    who = f"amalint{f' ({label})' if label else ''}{what} {frontend} {mode}"
                    out.append(Command(who, [python, "-m", "amalint", *AMALINT_COMMANDS[name],
                                             "--frontend", frontend, umbrella, "--", *flags],
                                       mode))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="40,200", help="synthetic units, in sources")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds (medians)")
    parser.add_argument("--reference-up-to", type=int, default=200,
                        help="run the compiler references only up to this many sources")
    parser.add_argument("--frontend", default="tree-sitter,libclang",
                        help="comma-separated front ends to time")
    parser.add_argument("--python", action="append", default=[], metavar="[LABEL=]PATH",
                        help="a Python whose `-m amalint` is timed (repeatable)")
    parser.add_argument("--commands", default="check",
                        help="amalint commands to time, comma-separated: "
                        f"{', '.join(AMALINT_COMMANDS)} (diff: check --diff; order: --format "
                        "json; graph: dot)")
    parser.add_argument("--compiler", default=shutil.which("clang++") or "clang++")
    parser.add_argument("--umbrella", type=Path, help="time this real unit instead")
    parser.add_argument("--cwd", type=Path, default=Path.cwd(),
                        help="directory to run in with --umbrella")
    parser.add_argument("--json", type=Path, help="also write every sample here")
    argv = sys.argv[1:]
    flags = argv[argv.index("--") + 1 :] if "--" in argv else ["-Iinclude"]
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if shutil.which(args.compiler) is None:
        raise SystemExit(f"{args.compiler} not found: the reference runs need it")
    frontends = [f for f in args.frontend.split(",") if f]
    pythons = [(p.split("=", 1)[0], p.split("=", 1)[1]) if "=" in p else ("", p)
               for p in args.python] or [("", sys.executable)]
    print(f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {args.repeat} rounds "
          f"(medians), reference {Path(args.compiler).name}\n")
    results: dict[str, list[dict[str, object]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        units: list[tuple[str, Path, str, bool]] = []
        if args.umbrella is not None:
            root = args.cwd.resolve()
            units.append((f"{args.umbrella} ({(root / args.umbrella).stat().st_size:,} bytes "
                           "umbrella)", root, str(args.umbrella), True))
        else:
            for size in (int(s) for s in args.sizes.split(",")):
                root = scratch / f"synthetic-{size}"
                root.mkdir()
                generate(root, size)
                units.append((f"synthetic, {size} sources ({unit_bytes(root):,} bytes)", root,
                              "umbrella.cc", size <= args.reference_up_to))
        for title, root, umbrella, with_compiler in units:
            which = tuple(c for c in args.commands.split(",") if c)
            if unknown := set(which) - set(AMALINT_COMMANDS):
                raise SystemExit(f"unknown --commands: {', '.join(sorted(unknown))}")
            commands = commands_for(umbrella, flags, frontends, pythons, args.compiler,
                                    with_compiler, which)
            run_unit(commands, root, args.repeat, scratch)
            print(table(title, commands), "\n", flush=True)
            results[title] = [{"command": c.label, "argv": c.argv, "samples": c.samples}
                              for c in commands]
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
