"""The benchmark script runs: a tiny synthetic unit, one round, its table complete."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


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


def test_scaling_prints_each_case_at_n_and_4n_against_gxx() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "scaling.py"), "--scale", "0.01",
         "--repeat", "1"], capture_output=True, text=True, timeout=300)
    rows = [row.split("|")[1:-1] for row in proc.stdout.splitlines() if row.startswith("| ")]
    cases = [(cells[0].strip(), int(cells[1])) for cells in rows[1:]]
    assert cases == [(case, n * k) for case, n in (("continuations", 832), ("includes", 25),
                                                   ("declarators", 20)) for k in (1, 4)]
    for cells in rows[1:]:
        assert float(cells[2]) > 0 and float(cells[3]) > 0
        assert re.fullmatch(r"\d+\.\d\dx", cells[4].strip())
    growths = [float(cells[5].strip().rstrip("x")) for cells in rows[2::2]]
    assert len(growths) == 3
    # exit 1 exactly when a case grew past the bound, and then it says which
    assert proc.returncode == (1 if max(growths) > 8 else 0), proc.stdout + proc.stderr
    assert ("grew more than" in proc.stdout) == (proc.returncode == 1)
