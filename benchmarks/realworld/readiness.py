"""Score ``--unity-readiness`` on a project's non-unity build against the unity-only ground
truth of the same project built with ``-DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=0``
(made by ``unity_truth.py``).

Usage::

    python benchmarks/realworld/readiness.py TRUTH.json SRC_DIR PLAIN_BUILD UNITY_BUILD
        [--amalint PATH] [--compiler g++|clang++ ...] [--timeout S] [--json OUT]

PLAIN_BUILD is the build without unity sources (``WORK_DIR/plain`` of ``unity_truth.py``),
UNITY_BUILD the one with (``WORK_DIR/unity``). It runs ``amalint check --no-cache -p
PLAIN_BUILD --unity-readiness --select AM2 --format json --exit-zero -q`` in SRC_DIR and matches
its findings with the truth as ``score.py`` does, project-wide (a readiness finding belongs to a
pool, not to a unity source; a pool is a target's sources that share flags): *reported /
confirmed* are the error findings and those that name a unity-only compiler error or point at
one, *redefinitions / named* the compiler's unity-only redefinition rows and those a finding
names. CPU seconds (user + system) of amalint and of ``gcc -fsyntax-only`` of each unity source
are printed with them, as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from score import common_options, load_findings, load_truth, match, resolver, timed
from unity_truth import load_entries, syntax_command

#: Every row and finding is matched in this one unit (see the module docstring).
PROJECT = "<project>"


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("truth", type=Path)
    ap.add_argument("src", type=Path)
    ap.add_argument("plain", type=Path)
    ap.add_argument("unity", type=Path)
    common_options(ap)
    a = ap.parse_args(argv)
    src, unity = str(a.src.resolve()), str(a.unity.resolve())
    amalint = os.path.abspath(a.amalint) if os.sep in a.amalint else a.amalint
    resolve = resolver(src, unity)

    truth = json.loads(a.truth.read_text())
    units = [resolve(u["unity_source"]) for u in truth["unity_sources"]]
    entries = {e.file: e for e in load_entries(Path(unity))}
    gcc_cpu = sum(timed(syntax_command(entries[u], "gcc"), entries[u].directory, a.timeout)[1]
                  for u in units)
    rows = [replace(r, unit=PROJECT) for r in load_truth(truth, resolve)
            if not a.compiler or r.compiler in a.compiler]
    done, cpu = timed([amalint, "check", "--no-cache", "-p", str(a.plain.resolve()),
                       "--unity-readiness", "--select", "AM2", "--format", "json",
                       "--exit-zero", "-q"], src, a.timeout)
    if done is None or done.returncode != 0:
        why = "time-out" if done is None else f"exit {done.returncode}: {done.stderr[-300:]}"
        print(f"{truth['project']}: amalint failed: {why}", file=sys.stderr)
        return 1
    findings = load_findings(PROJECT, json.loads(done.stdout or "[]"), resolve)
    result = match(rows, findings)
    redefinitions = [(r, hit) for r, hit in result.found if r.kind == "redefinition"]
    row = {"project": truth["project"], "units": len(units),
           "reported": len(result.real), "confirmed": sum(ok for _, ok in result.real),
           "redefinitions": len(redefinitions), "named": sum(hit for _, hit in redefinitions),
           "warnings": sum(f.severity == "warning" for f in findings),
           "amalint_cpu": round(cpu, 2), "gcc_cpu": round(gcc_cpu, 2)}
    print(json.dumps(row))
    if a.json:
        unconfirmed = [f"{f.place[0]}:{f.place[1]} {f.message}" for f, ok in result.real if not ok]
        missed = [f"{r.file}:{r.line} {r.message}" for r, hit in redefinitions if not hit]
        a.json.write_text(json.dumps({"row": row, "unconfirmed": unconfirmed, "missed": missed},
                                     indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
