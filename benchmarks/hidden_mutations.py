"""Mutation test of AM206 on a real CMake project: delete one ``#include`` at a time.

Usage::

    python benchmarks/hidden_mutations.py TREE WORK [--cmake-dir SUB] [--cmake-arg=-DX=OFF]
        [--max N] [--seed S] [--frontend tree-sitter|libclang] [--max-sources K]
        [--record FILE] [--truth-only]

1. Copies the project to ``WORK/src`` (``TREE`` is a checkout, copied without ``.git``, or a
   bare git directory, whose ``HEAD`` is exported; the original is never modified) and
   configures it with ``-DCMAKE_EXPORT_COMPILE_COMMANDS=ON`` (plain build) in ``WORK/build``.
2. Groups the compile commands by directory and flags (the sources one unity unit of a target
   could hold) and writes an umbrella per group that includes, in order (as CMake's unity
   sources do), the sources that compile alone and with those before them (``-fsyntax-only``,
   the compiler of the entry): projects that are not unity-clean still give a unit.
3. Picks up to N ``#include`` lines at random from the sources that are not first in their
   group; for each, blanks that line, compiles the umbrella and the source alone, lints the
   umbrella (``--select AM206``), and restores the line.

C is compiled with ``-Werror=implicit-function-declaration`` (C99; the default of GCC 14 and
Clang 16). A mutation where the umbrella compiles and the source alone does not must get an
AM206 finding in that source or a project header it reads alone, as ``-MM`` lists them
(recall: brotli's ``prefix.c`` reads the table ``prefix_inc.h``, whose uses are the ones
that need the deleted header); one where both compile must get none there (precision); one
where the umbrella fails too is not counted. Counted separately: deleted
includes of project headers and of system headers (whose declarations amalint does not read,
so does not report).
Prints one table per front end and every misjudged mutation; ``--baseline`` also lints each
unit unmutated (every source of it compiles alone, so every finding there is false).

``--record FILE`` keeps the compilers' verdict of each mutation (JSON): a later run with the
same arguments reuses it and only lints, so ``--truth-only`` can run the compilers first;
``--log FILE`` appends each verdict as it comes (a run stopped early still has its verdicts).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

_INCLUDE = re.compile(rb"^[ \t]*#[ \t]*include[ \t]*([<\"])([^>\"]+)[>\"]", re.M)
_DROP = ("-o", "-MF", "-MT", "-MQ")


def export(git_dir: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as archive:
        subprocess.run(["git", "--git-dir", str(git_dir), "archive", "HEAD"], stdout=archive,
                       check=True)
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(dest, filter="data")


def copy(tree: Path, dest: Path) -> None:
    """``tree`` (a checkout or a bare git directory) copied to ``dest``."""
    if (tree / "HEAD").is_file() and (tree / "objects").is_dir():
        export(tree, dest)
    else:
        shutil.copytree(tree, dest, symlinks=True, ignore=shutil.ignore_patterns(".git"))


def flags_of(entry: dict[str, object]) -> tuple[str, list[str]]:
    """The compiler and the flags of a compile command, without output, input and dep files."""
    args = entry["arguments"] if "arguments" in entry else shlex.split(str(entry["command"]))
    assert isinstance(args, list)
    out: list[str] = []
    skip = False
    for arg in args[1:]:
        if skip:
            skip = False
            continue
        if arg in _DROP:
            skip = True
            continue
        if arg in ("-c", "-MD", "-MMD") or arg == entry["file"] or arg.endswith(
                str(entry["file"])):
            continue
        out.append(arg)
    return str(args[0]), out


def syntax_ok(compiler: str, flags: list[str], source: Path, cwd: Path) -> bool:
    """Whether ``source`` compiles; in C an implicit function declaration is an error, as
    C99 says and GCC 14 and Clang 16 do by default (older ones only warn)."""
    strict = ["-Werror=implicit-function-declaration"] if source.suffix == ".c" else []
    return subprocess.run([compiler, *flags, *strict, "-fsyntax-only", str(source)], cwd=cwd,
                          capture_output=True, timeout=300).returncode == 0


def lint_files(umbrella: Path, flags: list[str], cwd: Path, frontend: str) -> set[Path]:
    """The files AM206 findings of the umbrella are in."""
    done = subprocess.run([sys.executable, "-m", "amalint", "check", "--no-cache", "--select",
                           "AM206", "--format", "json", "--frontend", frontend, str(umbrella),
                           "--", *flags], cwd=cwd, capture_output=True, text=True, timeout=600)
    if done.returncode == 2:
        raise RuntimeError(done.stderr)
    return {Path(f["filename"]).resolve() if Path(f["filename"]).is_absolute()
            else (cwd / f["filename"]).resolve() for f in json.loads(done.stdout or "[]")}


def project_reads(compiler: str, flags: list[str], source: Path, cwd: Path) -> set[Path]:
    """``source`` and the project files it reads compiled alone (``-MM``: no system header).
    A finding in one of them is about ``source``: the mutation changed only what it reads."""
    done = subprocess.run([compiler, *flags, "-MM", "-MG", str(source)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    listed = done.stdout.replace("\\\n", " ").split(":", 1)[-1].split()
    return {source.resolve(), *((cwd / p).resolve() for p in listed)}


Unit = tuple[Path, str, list[str], Path, list[Path]]


def _units(groups: dict[tuple[str, str, tuple[str, ...]], list[Path]], work: Path,
           max_sources: int) -> list[Unit]:
    """One umbrella per group, of the sources that compile alone and with those before them."""
    units: list[Unit] = []
    for number, ((directory, compiler, group_flags), sources) in enumerate(groups.items()):
        flags = list(group_flags)
        sources = sources[:max_sources]
        if len(sources) < 2:
            continue
        umbrella = work / f"unit_{number}{sources[0].suffix}"
        cwd = Path(directory)
        kept: list[Path] = []
        for source in sources:  # the sources that compile alone and together, in order
            umbrella.write_text("".join(f'#include "{s}"\n' for s in [*kept, source]))
            if syntax_ok(compiler, flags, source, cwd) and syntax_ok(compiler, flags,
                                                                      umbrella, cwd):
                kept.append(source)
        umbrella.write_text("".join(f'#include "{s}"\n' for s in kept))
        if len(kept) >= 2:
            units.append((umbrella, compiler, flags, cwd, kept))
    return units


def _mutated(source: Path, offset: int) -> tuple[bytes, bytes]:
    """The source's bytes, and the ``#include`` line at ``offset`` (blanked in the mutant)."""
    original = source.read_bytes()
    end = original.find(b"\n", offset)
    line = original[offset:end if end >= 0 else len(original)]
    return original, line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree", type=Path)
    ap.add_argument("work", type=Path)
    ap.add_argument("--cmake-dir", default="")
    ap.add_argument("--cmake-arg", action="append", default=[])
    ap.add_argument("--max", type=int, default=50)
    ap.add_argument("--max-sources", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--frontend", action="append", choices=["tree-sitter", "libclang"])
    ap.add_argument("--record", type=Path)
    ap.add_argument("--truth-only", action="store_true")
    ap.add_argument("--baseline", action="store_true")
    ap.add_argument("--log", type=Path, help="append each verdict as a JSON line")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # restore the mutated line first
    frontends = [] if args.truth_only else (args.frontend or ["tree-sitter"])
    work = args.work.resolve()
    src = work / "src"
    if not src.exists():
        copy(args.tree.resolve(), src)
    record: dict[str, dict[str, object]] = {}
    if args.record is not None and args.record.exists():
        record = json.loads(args.record.read_text())
    build = work / "build"
    if not (build / "compile_commands.json").exists():
        subprocess.run(["cmake", "-S", str(src / args.cmake_dir), "-B", str(build), "-G",
                        "Ninja", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", *args.cmake_arg],
                       capture_output=True, check=True)
    entries = json.loads((build / "compile_commands.json").read_text())
    groups: dict[tuple[str, str, tuple[str, ...]], list[Path]] = {}
    for entry in entries:
        compiler, written = flags_of(entry)
        path = (Path(entry["directory"]) / entry["file"]).resolve()
        if src in path.parents:
            groups.setdefault((entry["directory"], compiler, tuple(written)), []).append(path)
    rng = random.Random(args.seed)
    units = _units(groups, work, args.max_sources)
    candidates = [(unit, source, match.start(), match.group(1) == b'"')
                  for unit in units for source in unit[4][1:]
                  for match in _INCLUDE.finditer(source.read_bytes())]
    rng.shuffle(candidates)
    counts: dict[str, Counter[str]] = {f: Counter() for f in frontends}
    problems: list[str] = []
    started = time.monotonic()
    if args.baseline:
        for frontend in frontends:
            for umbrella, _, flags, cwd, kept in units:
                found = lint_files(umbrella, flags, cwd, frontend)
                counts[frontend]["baseline sources"] += len(kept)
                counts[frontend]["baseline false"] += len(found)
                problems.extend(f"{frontend} baseline FP: {p}" for p in sorted(found))
    for (umbrella, compiler, flags, cwd, _), source, offset, quoted in candidates[:args.max]:
        original, line = _mutated(source, offset)
        key = f"{source.relative_to(src)}:{offset}"
        source.write_bytes(original[:offset] + b" " * len(line) + original[offset + len(line):])
        try:
            truth = record.get(key)
            if truth is None:
                unit_ok = syntax_ok(compiler, flags, umbrella, cwd)
                truth = {"unit_ok": unit_ok, "line": line.decode(errors="replace").strip(),
                         "alone_ok": unit_ok and syntax_ok(compiler, flags, source, cwd)}
                record[key] = truth
            if not truth["unit_ok"]:
                for f in frontends:
                    counts[f]["unit fails"] += 1
                continue
            kind = "project" if quoted else "system"
            reads = project_reads(compiler, flags, source, cwd)
            for frontend in frontends:
                flagged = bool(reads & lint_files(umbrella, flags, cwd, frontend))
                verdict = ("FN" if not flagged else "TP") if not truth["alone_ok"] else \
                    ("FP" if flagged else "TN")
                counts[frontend][f"{verdict} {kind}"] += 1
                if args.log is not None:
                    with args.log.open("a") as log:
                        log.write(json.dumps({"mutation": key, "frontend": frontend,
                                              "kind": kind, "verdict": verdict}) + "\n")
                if verdict in ("FN", "FP"):
                    problems.append(f"{frontend} {verdict}: {key} without {truth['line']}")
        finally:
            source.write_bytes(original)
    if args.record is not None:
        args.record.write_text(json.dumps(record, indent=1))
    _report(args.tree.name, units, candidates, min(args.max, len(candidates)), counts,
            time.monotonic() - started)
    for problem in problems:
        print("  " + problem)
    return 0


def _report(name: str, units: list[Unit], candidates: Sequence[object], mutations: int,
            counts: dict[str, Counter[str]], seconds: float) -> None:
    print(f"{name}: {len(units)} units, {len(candidates)} include lines, {mutations} "
          f"mutations, {seconds:.0f} s")
    for frontend, c in counts.items():
        for kind in ("project", "system"):
            tp, fn, fp, tn = (c[f"{v} {kind}"] for v in ("TP", "FN", "FP", "TN"))
            recall = f"{tp / (tp + fn):.1%}" if tp + fn else "-"
            precision = f"{tp / (tp + fp):.1%}" if tp + fp else "-"
            print(f"{frontend:<12} {kind:<8} fail alone {tp + fn:>4} named {tp:>4} missed "
                  f"{fn:>4} | compile alone {tn + fp:>4} false alarms {fp:>4} | recall "
                  f"{recall:>6} precision {precision:>6}")
        print(f"{frontend:<12} unit fails too (not counted): {c['unit fails']}")
        if c["baseline sources"]:
            print(f"{frontend:<12} unmutated: {c['baseline false']} finding(s) on "
                  f"{c['baseline sources']} sources that compile alone")


if __name__ == "__main__":
    sys.exit(main())
