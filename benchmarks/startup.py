"""Benchmark: amalint's start-up, as whole processes, side by side with the compilers.

Times, in CPU seconds (user + system of the child, medians over ``--repeat`` interleaved
rounds after one untimed run each): ``amalint --version``; ``amalint check`` of a two-file
umbrella (written into a temporary directory; ``--no-cache``, so each run lints) in the text
format to a pipe and as JSON; a bare ``python -c pass`` (the interpreter's floor); and
``g++ -fsyntax-only`` and ``clang++ -fsyntax-only`` of the same umbrella. ``--python
[LABEL=]PATH`` (repeatable) times ``PATH -m amalint``, so two installs (a branch and main) are
compared in the same rounds. Bytecode is cached as in a normal install (without
``PYTHONDONTWRITEBYTECODE``; in a temporary ``PYTHONPYCACHEPREFIX``, so no tree is written).

Usage:
  python benchmarks/startup.py [--repeat 5] [--python [LABEL=]PATH ...]
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
from pathlib import Path

SOURCES = {
    "a.cc": "static int a = 1;\nint fa() { return a; }\n",
    "b.cc": "static int b = 2;\nint fb() { return b; }\n",
    "u.cc": '#include "a.cc"\n#include "b.cc"\n',
}


def cpu(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """The CPU seconds of one run of ``argv`` (its children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def commands(pythons: list[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"python -c pass": [sys.executable, "-c", "pass"]}
    for compiler in ("g++", "clang++"):
        if shutil.which(compiler):
            found[f"{compiler} -fsyntax-only"] = [compiler, "-fsyntax-only", "u.cc"]
    for label, python in pythons:
        amalint = [python, "-m", "amalint"]
        found[f"{label}: --version"] = [*amalint, "--version"]
        found[f"{label}: check (text)"] = [*amalint, "check", "--no-cache", "u.cc"]
        found[f"{label}: check (json)"] = [*amalint, "check", "--no-cache", "--format",
                                            "json", "u.cc"]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--python", action="append", default=[], metavar="[LABEL=]PATH")
    args = parser.parse_args()
    pythons = [(label, str(Path(path).absolute())) for label, _, path in
               (p.rpartition("=") for p in args.python)] \
        or [("amalint", sys.executable)]
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp) / "unit"
        cwd.mkdir()
        env = {k: v for k, v in os.environ.items()
               if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("AMALINT_")}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        for name, text in SOURCES.items():
            (cwd / name).write_text(text)
        todo = commands([(label or path, path) for label, path in pythons])
        samples: dict[str, list[float]] = {label: [] for label in todo}
        for argv in todo.values():
            cpu(argv, cwd, env)  # untimed: the file-system and bytecode caches warm
        for _ in range(args.repeat):
            for label, argv in todo.items():
                samples[label].append(cpu(argv, cwd, env))
    print(f"CPU seconds, medians of {args.repeat} (load {os.getloadavg()[0]:.1f}):")
    for label, values in samples.items():
        print(f"  {statistics.median(values):7.3f}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
