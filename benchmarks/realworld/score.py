"""Score amalint against a unity-only ground truth made by ``unity_truth.py``.

Usage::

    python benchmarks/realworld/score.py TRUTH.json SRC_DIR BUILD_DIR
        [--frontend tree-sitter|libclang ...] [--amalint PATH] [--compiler g++|clang++ ...]
        [--timeout S] [--json OUT]

BUILD_DIR is the unity build (``WORK_DIR/unity`` of ``unity_truth.py``). For every unity source
and front end it runs ``amalint check UNIT -p BUILD_DIR --format json --frontend F --exit-zero``
in SRC_DIR (an exit code other than 0, or a time-out, is recorded as an error of that unit), and
once ``-fsyntax-only`` of the unit under the gcc family for comparison; CPU times are the
children's user+system time (``resource.getrusage``).

Matching (``match``; paths compared after resolving; a finding *names* a truth row when the row's
symbol is an identifier inside one of the message's backquoted spans, file names excepted, or when
the message quotes the row's compiler message, ``[-W...]`` tag aside: a macro-renamed function is
spelled one way in the source and another way by the compiler):

* the truth rows are the unity-only diagnostics of kind ``redefinition`` or ``ambiguous`` with
  compiler severity ``error``, and (a separate row) every ``macro-redefined`` one; rows from
  several compilers with the same (unit, kind, symbol, file, line) count once (``--compiler``
  keeps one compiler's rows: gcc and clang do not report the same follow-on errors);
* a row is *found* when an AM201/AM202/AM203 finding of the same unit names it and has its file
  as location or related location, or when one of its related notes at the row's file names it
  (a leaked directive's finding lists each name it makes ambiguous, file by file, as notes);
* an error-severity AM2xx finding is *real* when it names a unity-only compiler error (any kind)
  of the same unit, or when it points at one: the error's file and line are the finding's
  location (a leaked macro that rewrites a declaration gets "expected identifier" there, which
  names no symbol).

Prints, per front end: truth/found/recall per kind (and how many distinct (unit, symbol) pairs
have some row found: a header without include guard repeats one symbol on many lines),
error-findings/real/precision, CPU times, then every missed row and every false finding.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

ROWS = ("redefinition", "ambiguous", "macro-redefined")
MATCH_CODES = ("AM201", "AM202", "AM203")
SOURCE_SUFFIX = re.compile(r"\.(?:c|cc|cpp|cxx|c\+\+|h|hh|hpp|hxx|inc|ipp)$")


@dataclass(frozen=True)
class TruthRow:
    """One unity-only compiler diagnostic, paths resolved."""

    unit: str
    kind: str
    severity: str
    symbol: str
    file: str
    line: int
    message: str
    compiler: str = ""


@dataclass(frozen=True)
class Finding:
    """One amalint finding: its unit, code, severity, message and every file it points at."""

    unit: str
    code: str
    severity: str
    message: str
    files: frozenset[str]
    #: Where it points: (file, line) of its location.
    place: tuple[str, int] = ("", 0)
    #: (file, message) of each related location.
    notes: tuple[tuple[str, str], ...] = ()


@dataclass
class Result:
    """Which truth rows were found and which error findings were real."""

    found: list[tuple[TruthRow, bool]]
    real: list[tuple[Finding, bool]]


@functools.cache
def named(message: str) -> frozenset[str]:
    """Identifiers inside the backquoted spans of a finding's message (file names skipped)."""
    names: set[str] = set()
    for span in re.findall(r"`([^`]+)`", message):
        if "/" in span or SOURCE_SUFFIX.search(span.strip()):
            continue
        names.update(re.findall(r"[A-Za-z_]\w*", span))
    return frozenset(names)


def counted(rows: Iterable[TruthRow]) -> list[TruthRow]:
    """The rows that count for recall, one per (unit, kind, symbol, file, line)."""
    keep: dict[tuple[str, str, str, str, int], TruthRow] = {}
    for r in rows:
        if r.kind in ROWS and (r.severity == "error" or r.kind == "macro-redefined"):
            keep.setdefault((r.unit, r.kind, r.symbol, r.file, r.line), r)
    return list(keep.values())


@functools.cache
def words(message: str) -> str:
    """A compiler message without its ``[-W...]`` tag; empty when too short to be telling."""
    said = re.sub(r"\s*\[-W[^\]]*\]\s*$", "", message).strip()
    return said if len(said) > 8 else ""


def names_row(finding: Finding, row: TruthRow) -> bool:
    """Whether a finding names a row: its symbol in backquotes, or the compiler's words quoted."""
    said = words(row.message)
    return row.symbol in named(finding.message) or (bool(said) and said in finding.message)


def match(truth: list[TruthRow], findings: list[Finding]) -> Result:
    """Match truth rows and findings (see the module docstring for the rules)."""
    found = []
    for r in counted(truth):
        hit = any(f.unit == r.unit and f.code in MATCH_CODES
                  and ((names_row(f, r) and r.file in f.files)
                       or any(file == r.file and r.symbol in named(text)
                              for file, text in f.notes))
                  for f in findings)
        found.append((r, hit))
    errors: dict[str, list[TruthRow]] = {}
    for r in truth:
        if r.severity == "error" and r.symbol:
            errors.setdefault(r.unit, []).append(r)
    places = {(r.unit, r.file, r.line) for r in truth if r.severity == "error"}
    real = [(f, (f.unit, *f.place) in places
             or any(names_row(f, r) for r in errors.get(f.unit, [])))
            for f in findings if f.severity == "error" and f.code.startswith("AM2")]
    return Result(found, real)


def load_truth(truth: Mapping[str, object], resolve: Callable[[str], str]) -> list[TruthRow]:
    """Truth rows of a truth JSON, paths made absolute with ``resolve``."""
    rows = truth["unity_only"]
    assert isinstance(rows, list)
    return [TruthRow(resolve(r["unity_source"]), r["kind"], r["severity"], r["symbol"],
                     resolve(r["file"]), int(r["line"]), r["message"], r["compiler"])
            for r in rows]


def load_findings(unit: str, report: list[dict[str, object]],
                  resolve: Callable[[str], str]) -> list[Finding]:
    """Findings of one unit from amalint's ``--format json`` list."""
    out = []
    for f in report:
        related = f.get("related") or []
        assert isinstance(related, list)
        files = {resolve(str(f["filename"]))} | {resolve(str(r["filename"])) for r in related}
        location = f.get("location")
        row = int(location["row"]) if isinstance(location, dict) else 0
        notes = tuple((resolve(str(r["filename"])), str(r.get("message", ""))) for r in related)
        out.append(Finding(unit, str(f["code"]), str(f["severity"]), str(f["message"]),
                           frozenset(files), (resolve(str(f["filename"])), row), notes))
    return out


def children_cpu() -> float:
    """User+system CPU seconds of every waited-for child so far."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd: list[str], cwd: str, timeout: float) -> tuple[subprocess.CompletedProcess[str]
                                                             | None, float]:
    """Run a command; its result (None on time-out) and its CPU seconds."""
    before = children_cpu()
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "LC_ALL": "C", "NO_COLOR": "1"})
    except subprocess.TimeoutExpired:
        return None, children_cpu() - before
    return done, children_cpu() - before


def pct(part: int, whole: int) -> str:
    """``part/whole`` as a percentage, ``-`` when whole is 0."""
    return f"{100 * part / whole:5.1f}%" if whole else "     -"


def common_options(ap: argparse.ArgumentParser) -> None:
    """The options of every scoring script: which amalint, which compilers judge, limits."""
    ap.add_argument("--amalint", default="amalint")
    ap.add_argument("--compiler", action="append",
                    help="judge by this compiler's diagnostics only (default: all of the truth's)")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--json", type=Path, help="write the numbers and unmatched items here")


def resolver(src: str, build: str) -> Callable[[str], str]:
    """A truth path made absolute: ``<build>/REL`` in the unity build, else below ``src``."""
    def resolve(path: str) -> str:
        if path.startswith("<build>/"):
            return os.path.realpath(os.path.join(build, path.removeprefix("<build>/")))
        return os.path.realpath(os.path.join(src, path))
    return resolve


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from unity_truth import load_entries, syntax_command

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("truth", type=Path)
    ap.add_argument("src", type=Path)
    ap.add_argument("build", type=Path)
    ap.add_argument("--frontend", action="append", choices=["tree-sitter", "libclang"])
    common_options(ap)
    a = ap.parse_args(argv)
    src, build = str(a.src.resolve()), str(a.build.resolve())
    amalint = os.path.abspath(a.amalint) if os.sep in a.amalint else a.amalint
    resolve = resolver(src, build)
    truth = json.loads(a.truth.read_text())
    rows = [r for r in load_truth(truth, resolve) if not a.compiler or r.compiler in a.compiler]
    units = [resolve(u["unity_source"]) for u in truth["unity_sources"]]
    entries = {e.file: e for e in load_entries(Path(build))}
    gcc_cpu = 0.0
    for unit in units:
        _, cpu = timed(syntax_command(entries[unit], "gcc"), entries[unit].directory, a.timeout)
        gcc_cpu += cpu

    report: dict[str, object] = {"project": truth["project"], "commit": truth["commit"],
                                 "units": len(units), "gcc_cpu": round(gcc_cpu, 2),
                                 "compilers": a.compiler or truth["compilers"]}
    print(f"== {truth['project']} {truth['commit'][:12]}: {len(units)} unity sources, "
          f"g++ -fsyntax-only {gcc_cpu:.1f} s CPU, judged by {report['compilers']}")
    for fe in a.frontend or ["tree-sitter", "libclang"]:
        findings: list[Finding] = []
        failures: list[str] = []
        cpu = wall = 0.0
        for unit in units:
            start = time.monotonic()
            done, used = timed([amalint, "check", unit, "-p", build, "--format", "json",
                                "--frontend", fe, "--exit-zero", "-q"], src, a.timeout)
            cpu, wall = cpu + used, wall + time.monotonic() - start
            if done is None or done.returncode != 0:
                why = "time-out" if done is None else f"exit {done.returncode}: " + \
                    done.stderr.strip()[-300:]
                failures.append(f"{os.path.relpath(unit, build)}: {why}")
                continue
            findings += load_findings(unit, json.loads(done.stdout or "[]"), resolve)
        result = match(rows, findings)
        print(f"-- front end {fe}: amalint {cpu:.1f} s CPU ({wall:.1f} s wall), "
              f"{len(findings)} findings, {len(failures)} units failed")
        numbers: dict[str, object] = {"cpu": round(cpu, 2), "failures": failures}
        for kind in (*ROWS[:2], "errors", ROWS[2]):
            sel = [(r, hit) for r, hit in result.found if r.kind == kind or
                   (kind == "errors" and r.kind != "macro-redefined")]
            found = sum(hit for _, hit in sel)
            symbols: dict[tuple[str, str], bool] = {}
            for r, hit in sel:
                symbols[(r.unit, r.symbol)] = symbols.get((r.unit, r.symbol), False) or hit
            numbers[kind] = {"truth": len(sel), "found": found, "symbols": len(symbols),
                             "symbols_found": sum(symbols.values())}
            print(f"   {kind:16} truth {len(sel):4}  found {found:4}  recall "
                  f"{pct(found, len(sel))}   distinct symbols {sum(symbols.values())}/"
                  f"{len(symbols)}")
        real = sum(ok for _, ok in result.real)
        numbers["error_findings"] = {"total": len(result.real), "real": real}
        print(f"   error findings   {len(result.real):4}  real {real:4}  precision "
              f"{pct(real, len(result.real))}")
        for failure in failures:
            print(f"   FAILED {failure}")
        missed = [r for r, hit in result.found if not hit]
        false = [f for f, ok in result.real if not ok]
        for r in missed:
            print(f"   MISSED {r.kind} `{r.symbol}` {os.path.relpath(r.file, src)}:{r.line}: "
                  f"{r.message}")
        for f in false:
            print(f"   FALSE {f.code} {f.message}")
        numbers["missed"] = [asdict(r) for r in missed]
        numbers["false"] = [asdict(f) | {"files": sorted(f.files)} for f in false]
        report[fe] = numbers
    if a.json:
        a.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
