"""Run amalint on hand-written amalgamations and judge it by the compiler (issue 18).

Usage::

    python benchmarks/handwritten/run.py --root /work/corpus [--amalint PATH]
        [--corpus corpus.toml] [--only NAME ...] [--frontend tree-sitter|libclang ...]
        [--mode flags|none ...] [--timeout S] [--json OUT] [--findings-md OUT]

For every umbrella of the corpus (``corpus.toml`` beside this script: checkout, umbrella path,
the build's flags, the judging compiler), every mode (``flags``: the build's flags; ``none``: no
flags at all) and every front end, in the checkout ``ROOT/<checkout>``:

* the judge, once per mode: ``gcc|g++ -fsyntax-only [FLAGS] UMBRELLA``; whether it compiles
  (exit 0), how many ``error:`` lines it printed, its first error and its CPU time;
* ``amalint check UMBRELLA --no-cache --frontend FE --format json [-- FLAGS]``: its exit code
  (2, a usage or input error such as headers not found, is shown with its one-line message; a
  time-out as ``timeout``), its findings by severity, the warnings it printed on stderr and its
  CPU time.

CPU times are the children's user+system time (``resource.getrusage``). Prints a markdown table;
on an umbrella that compiles every error finding is false (the compiler is the judge), so
``--findings-md`` lists every finding, grouped by umbrella, run and rule, for a person to give
verdicts, and ``--json`` holds the rows and every finding.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "realworld"))

from score import timed  # noqa: E402  (the CMake scorer's: one way to time a command)

FRONT_ENDS = ("tree-sitter", "libclang")
MODES = ("flags", "none")
COMPILER_ERROR = re.compile(r"^[^:\n]+:(?:\d+:)*\s*(?:fatal )?error: .*$", re.MULTILINE)


@dataclass(frozen=True)
class Umbrella:
    """One hand-written amalgamation of the corpus."""

    name: str
    checkout: str
    repo: str
    commit: str
    umbrella: str
    language: str
    compiler: str
    flags: tuple[str, ...]


@dataclass
class Judge:
    """The compiler's verdict on one umbrella with one set of flags."""

    compiles: bool
    errors: int
    first_error: str
    cpu: float


@dataclass
class Finding:
    """One amalint finding, as a person reviews it."""

    code: str
    severity: str
    message: str
    place: str


@dataclass
class Row:
    """One amalint run: an umbrella, a mode, a front end, and what came out."""

    umbrella: str
    mode: str
    frontend: str
    compiles: bool
    compiler_errors: int
    compiler_cpu: float
    exit: str
    errors: int = 0
    warnings: int = 0
    stderr_warnings: int = 0
    cpu: float = 0.0
    message: str = ""
    findings: list[Finding] = field(default_factory=list)


def load_corpus(path: Path) -> list[Umbrella]:
    """The umbrellas of a corpus file (TOML, ``[[umbrella]]`` tables)."""
    data = tomllib.loads(path.read_text())
    return [Umbrella(u["name"], u["checkout"], u["repo"], u["commit"], u["umbrella"],
                     u["language"], u["compiler"], tuple(u.get("flags", ())))
            for u in data["umbrella"]]


def judge(u: Umbrella, flags: Iterable[str], cwd: Path, timeout: float) -> Judge:
    """``-fsyntax-only`` of the umbrella under its compiler with these flags."""
    done, cpu = timed([u.compiler, "-fsyntax-only", *flags, u.umbrella], str(cwd), timeout)
    if done is None:
        return Judge(False, 0, "timeout", cpu)
    errors = COMPILER_ERROR.findall(done.stderr)
    return Judge(done.returncode == 0, len(errors), errors[0] if errors else "", cpu)


def one_line(stderr: str) -> str:
    """amalint's error line from its stderr (the last ``error:`` line, else the last line)."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    said = [line for line in lines if "error:" in line]
    return (said or lines or [""])[-1].strip()[:300]


def lint(u: Umbrella, flags: tuple[str, ...], frontend: str, amalint: str, cwd: Path,
         timeout: float, verdict: Judge, mode: str) -> Row:
    """One amalint run on the umbrella, as a row of the table."""
    cmd = [amalint, "check", u.umbrella, "--no-cache", "--frontend", frontend, "--format",
           "json"]
    done, cpu = timed([*cmd, "--", *flags] if flags else cmd, str(cwd), timeout)
    row = Row(u.name, mode, frontend, verdict.compiles, verdict.errors,
              round(verdict.cpu, 2), "timeout" if done is None else str(done.returncode),
              cpu=round(cpu, 2))
    if done is None:
        row.message = f"no result within {timeout:.0f} s"
        return row
    row.stderr_warnings = sum("warning:" in line for line in done.stderr.splitlines())
    if done.returncode not in (0, 1):
        row.message = one_line(done.stderr)
        return row
    try:
        report = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        row.exit += " (bad JSON)"
        row.message = done.stdout.strip()[:300]
        return row
    for f in report:
        location = f.get("location") or {}
        row.findings.append(Finding(str(f["code"]), str(f["severity"]), str(f["message"]),
                                    f"{f['filename']}:{location.get('row', 0)}"))
    row.errors = sum(f.severity == "error" for f in row.findings)
    row.warnings = sum(f.severity == "warning" for f in row.findings)
    return row


def head_commit(path: Path) -> str:
    """The checked-out commit of a checkout (empty when it is not a git work tree)."""
    done = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def table(rows: list[Row]) -> str:
    """The markdown table of the runs."""
    out = ["| umbrella | flags | front end | compiles? | errors | warnings | exit | "
           "amalint CPU s | compiler CPU s |",
           "|---|---|---|---|---:|---:|---|---:|---:|"]
    for r in rows:
        compiles = "yes" if r.compiles else f"no ({r.compiler_errors} errors)"
        exit_ = r.exit + (f": {r.message}" if r.message else "")
        out.append(f"| {r.umbrella} | {r.mode} | {r.frontend} | {compiles} | {r.errors} | "
                   f"{r.warnings} | {exit_.replace('|', '/')} | {r.cpu:.1f} | "
                   f"{r.compiler_cpu:.1f} |")
    return "\n".join(out)


def findings_markdown(rows: list[Row], judges: dict[tuple[str, str], Judge]) -> str:
    """Every finding, umbrella by umbrella and run by run, with a blank verdict to fill in."""
    out = ["# Findings on hand-written amalgamations", "",
           "On an umbrella that compiles, every error finding is false. Verdict: true, "
           "false or debatable, and why.", ""]
    for r in rows:
        verdict = judges[(r.umbrella, r.mode)]
        if not r.findings and not r.message:
            continue
        state = "compiles" if verdict.compiles else \
            f"does not compile ({verdict.errors} errors; first: {verdict.first_error})"
        out += [f"## {r.umbrella}, {r.mode}, {r.frontend} ({state}; exit {r.exit})", ""]
        if r.message:
            out += [f"amalint: {r.message}", ""]
        for f in sorted(r.findings, key=lambda f: (f.code, f.severity, f.place)):
            out.append(f"* [ ] {f.code} {f.severity} {f.place}: {f.message}")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, required=True, help="where the checkouts are")
    ap.add_argument("--amalint", default="amalint")
    ap.add_argument("--corpus", type=Path, default=HERE / "corpus.toml")
    ap.add_argument("--only", action="append", help="only this umbrella (by name; repeatable)")
    ap.add_argument("--frontend", action="append", choices=FRONT_ENDS)
    ap.add_argument("--mode", action="append", choices=MODES)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--json", type=Path, help="write the rows and every finding here")
    ap.add_argument("--findings-md", type=Path, help="write every finding here, for verdicts")
    a = ap.parse_args(argv)
    amalint = os.path.abspath(a.amalint) if os.sep in a.amalint else a.amalint
    try:
        corpus = load_corpus(a.corpus)
    except (OSError, tomllib.TOMLDecodeError, KeyError) as e:
        print(f"run.py: error: {a.corpus}: {e}", file=sys.stderr)
        return 2
    unknown = set(a.only or ()) - {u.name for u in corpus}
    if unknown:
        print(f"run.py: error: no umbrella named {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    rows: list[Row] = []
    judges: dict[tuple[str, str], Judge] = {}
    commits: dict[str, str] = {}
    for u in corpus:
        if a.only and u.name not in a.only:
            continue
        cwd = a.root / u.checkout
        if not (cwd / u.umbrella).is_file():
            print(f"-- {u.name}: {cwd / u.umbrella} not found, skipped", file=sys.stderr)
            continue
        commits[u.name] = head_commit(cwd)
        if commits[u.name] and commits[u.name] != u.commit:
            print(f"-- {u.name}: checkout at {commits[u.name][:12]}, corpus says "
                  f"{u.commit[:12]}", file=sys.stderr)
        for mode in a.mode or MODES:
            flags = u.flags if mode == "flags" else ()
            verdict = judges[(u.name, mode)] = judge(u, flags, cwd, a.timeout)
            for fe in a.frontend or FRONT_ENDS:
                row = lint(u, flags, fe, amalint, cwd, a.timeout, verdict, mode)
                print(f"-- {u.name} {mode} {fe}: compiles={verdict.compiles} exit {row.exit} "
                      f"errors {row.errors} warnings {row.warnings} {row.cpu:.1f} s",
                      file=sys.stderr, flush=True)
                rows.append(row)
    print(table(rows))
    if a.json:
        a.json.write_text(json.dumps(
            {"amalint": amalint, "commits": commits,
             "judges": {f"{n} {m}": asdict(j) for (n, m), j in judges.items()},
             "rows": [asdict(r) for r in rows]}, indent=1) + "\n")
    if a.findings_md:
        a.findings_md.write_text(findings_markdown(rows, judges) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
