"""The program oracle's full campaign: N generated programs (``tests/program_oracle.py``; CI
runs 8 fixed seeds in ``tests/test_program_oracle.py``), each compiled once with g++ (or
clang++, ``--compiler``), linked
with GNU ld, gold and lld (those installed), run, and compared with amalint's program model:
the link fails or not, which start-up entries run in which order, and where start-up aborts.

With ``--wasm``, the same programs are compiled for wasm32-wasi by the ``ziglang`` package,
linked by its wasm-ld as a command and as a reactor, and run under ``wasmtime``
(``tests/wasm_oracle.py``; CI runs 4 fixed seeds in ``tests/test_wasm.py``).

Usage::

    python benchmarks/program_campaign.py [--programs N] [--first SEED] [--compiler clang++]
                                          [--groups] [--wasm]

Prints, per linker, how many links agreed and what they covered (link errors, start-up
aborts, library members left out and those among them that register at start-up, entries
with a priority); exit code 0 when every link agreed, else 1 after printing each disagreement.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from program_oracle import (
    LINKERS,
    available,
    compile_program,
    describe,
    generate,
    model,
    run,
)
from wasm_oracle import MODES, compile_wasm, model_wasm, run_wasm
from wasm_oracle import available as wasm_missing

from amalint.analysis.effects import Analysis


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=300)
    parser.add_argument("--first", type=int, default=1000, help="the first seed")
    parser.add_argument("--compiler", choices=("g++", "clang++"), default="g++",
                        help="what compiles the ELF programs (the link is g++'s)")
    parser.add_argument("--groups", action="store_true",
                        help="the libraries of half the programs in one --start-group")
    parser.add_argument("--wasm", action="store_true",
                        help="WebAssembly (command and reactor) instead of the ELF linkers")
    args = parser.parse_args()
    if args.wasm:
        return wasm(args.programs, args.first)
    linkers = [name for name in LINKERS if available(name)]
    for name in LINKERS:
        if name not in linkers:
            print(f"warning: ld.{name} is not installed: not judged", file=sys.stderr)
    counts: dict[str, Counter[str]] = {name: Counter() for name in linkers}
    started = time.monotonic()
    for seed in range(args.first, args.first + args.programs):
        program = generate(seed, args.groups)
        with tempfile.TemporaryDirectory() as folder:
            where = Path(folder)
            compile_program(program, where, args.compiler)
            analyses: dict[Path, Analysis] = {}
            for name in linkers:
                real = run(program, where, name)
                predicted, ctx = model(program, where, name, analyses)
                count = counts[name]
                count["links"] += 1
                count["agree"] += real == predicted
                count["link errors"] += real.link_error
                count["start-up aborts"] += real.failure is not None
                count["members left out"] += len(ctx.resolution.dropped)
                count["left out, registering"] += sum(
                    bool(ctx.registrations(obj)) for obj in ctx.resolution.dropped)
                count["entries run"] += len(real.ran)
                count["prioritized entries"] += sum(
                    s.entry.priority < 65535 for s in ctx.sequence.steps)
                count["grouped"] += program.grouped
                if real != predicted:
                    print(f"DISAGREE seed {seed} {name}\n  ran: {real}\n  model: {predicted}\n"
                          f"{describe(ctx)}")
    seconds = time.monotonic() - started
    keys = ["links", "agree", "link errors", "start-up aborts", "members left out",
            "left out, registering", "entries run", "prioritized entries", "grouped"]
    print(f"{args.programs} programs (seeds {args.first}..{args.first + args.programs - 1}) "
          f"compiled by {args.compiler} in {seconds:.0f} s")
    return table("linker", counts, keys)


def wasm(programs: int, first: int) -> int:
    """The WebAssembly campaign: each program linked as a command and as a reactor."""
    missing = wasm_missing()
    if missing is not None:
        print(f"error: {missing}", file=sys.stderr)
        return 2
    counts: dict[str, Counter[str]] = {mode: Counter() for mode in MODES}
    started = time.monotonic()
    for seed in range(first, first + programs):
        program = generate(seed)
        with tempfile.TemporaryDirectory() as folder:
            where = Path(folder)
            compile_wasm(program, where)
            analyses: dict[Path, Analysis] = {}
            for mode in MODES:
                real = run_wasm(program, where, mode)
                predicted, ctx = model_wasm(program, where, mode, analyses)
                count = counts[mode]
                count["links"] += 1
                count["agree"] += real == predicted
                count["link errors"] += real.link_error
                count["start-up aborts"] += any(r.failure is not None for r in real.runs)
                count["members left out"] += len(ctx.resolution.dropped)
                count["collected as garbage"] += len(ctx.resolution.collected)
                count["entries run"] += sum(len(r.ran) for r in real.runs)
                if real != predicted:
                    print(f"DISAGREE seed {seed} {mode}\n  ran: {real}\n  model: {predicted}\n"
                          f"{describe(ctx)}")
    keys = ["links", "agree", "link errors", "start-up aborts", "members left out",
            "collected as garbage", "entries run"]
    print(f"{programs} programs (seeds {first}..{first + programs - 1}) for wasm32-wasi in "
          f"{time.monotonic() - started:.0f} s")
    return table("mode", counts, keys)


def table(column: str, counts: dict[str, Counter[str]], keys: list[str]) -> int:
    """Print the counts as a Markdown table, a row per linker (or mode); 0 when every link
    agreed, else 1."""
    print(f"| {column} | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, count in counts.items():
        print(f"| {name} | " + " | ".join(str(count[k]) for k in keys) + " |")
    return 0 if all(c["agree"] == c["links"] for c in counts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
