"""The benchmark script runs: a tiny synthetic unit, one round, its table complete."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.skipif(not __import__("shutil").which("clang++"), reason="needs clang++")
def test_bench_prints_cpu_and_memory_of_amalint_and_the_compiler() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--sizes", "2", "--repeat",
         "1", "--frontend", "tree-sitter"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    labels = [row.split("|")[1].strip() for row in rows[1:]]
    assert labels == ["clang++ -fsyntax-only", "clang++ -E", "amalint tree-sitter cold",
                      "amalint tree-sitter warm"]
    for row in rows[1:]:
        cpu, wall, peak = (float(cell) for cell in row.split("|")[2:5])
        assert cpu > 0 and wall > 0 and peak > 1
    # amalint's CPU as a multiple of the compiler's, whichever is faster
    assert re.match(r"\d+\.\d+x", rows[3].split("|")[5].strip())
