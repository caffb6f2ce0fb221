"""Ground truth of unity-only compile diagnostics for any CMake project.

Usage::

    python benchmarks/realworld/unity_truth.py SRC_DIR WORK_DIR [--cmake-arg=-DX=OFF ...]
        [--compilers g++,clang++] [--jobs 2] [--full-build] [--project NAME] [-o OUT.json]

What it does:

1. Configures SRC_DIR twice with ``-G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON`` (and CMake's
   file API query, as amalint's README asks): in
   ``WORK_DIR/unity`` with ``-DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=0`` (one unity
   source per target and language) and in ``WORK_DIR/plain`` without unity.
2. Generates what the compiles need: every ninja output of a ``CUSTOM_COMMAND`` whose name looks
   like a C/C++ source or header (``ninja -k 0``, failures tolerated); ``--full-build`` runs a
   whole ``ninja -k 0`` instead.
3. Runs ``-fsyntax-only`` (``-c``, ``-o``, dep-file flags dropped, plain-text diagnostics, no
   error limit, ``LC_ALL=C``) for every unity source of the unity build and for every source
   those unity sources include, as compiled by the same target in the plain build, under each
   compiler family (``g++`` means gcc for C entries and g++ for C++ entries; ``clang++`` likewise).
   Other entries are not compiled: they are the same in both builds.
4. A diagnostic (error or warning, with its ``note:`` lines) of a unity source is *unity-only*
   when its (file, line, normalized message) is absent from the diagnostics of the unit's sources
   compiled alone with the same compiler (each source as its own target compiles it in the plain
   build, else as another target does: a target may set ``UNITY_BUILD`` itself). Each is
   classified (``redefinition``, ``ambiguous``, ``macro-redefined``, ``undeclared-or-other``)
   and its symbol extracted (the quoted name, the declarator name of a quoted declaration, else
   the identifier at the diagnostic's column).

Writes ``OUT.json`` (default ``WORK_DIR/truth.json``): ``{project, commit, compilers,
cmake_args, unity_sources: [{unity_source, target, sources}], unity_only: [{unity_source,
compiler, severity, kind, symbol, file, line, column, message, notes: [{file, line, message}],
spelled_at?}], counts: {compiler: {severity: {kind: n}}}}``, and every raw diagnostic to
``WORK_DIR/diagnostics.json``. ``file:line`` is where the code is after macro expansion: gcc
reports a diagnostic inside a macro's expansion at the macro's text, which is then kept as
``spelled_at``. Paths are relative to SRC_DIR where possible; files in either build directory
are written ``<build>/REL`` (``REL`` relative to that build directory).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

DIAG_RE = re.compile(
    r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)? "
    r"(?P<sev>fatal error|error|warning|note): (?P<msg>.*)$"
)
UNITY_RE = re.compile(r"CMakeFiles/(?P<target>[^/]+)\.dir/Unity/unity_[^/]*$")
TARGET_RE = re.compile(r"CMakeFiles/(?P<target>[^/]+)\.dir/")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"(?P<path>[^"]+)"', re.MULTILINE)
GENERATED_EXT = (".h", ".hh", ".hpp", ".hxx", ".inc", ".def", ".c", ".cc", ".cpp", ".cxx", ".ipp")
DROP_WITH_VALUE = {"-o", "-MF", "-MT", "-MQ"}
DROP_ALONE = {"-c", "-MD", "-MMD", "-MP"}
FAMILY_FLAGS = {
    "gcc": ["-fdiagnostics-plain-output", "-fmax-errors=0"],
    "clang": ["-fno-color-diagnostics", "-fno-caret-diagnostics",
              "-fno-diagnostics-fixit-info", "-ferror-limit=0"],
}
DRIVERS = {("gcc", False): "gcc", ("gcc", True): "g++", ("clang", False): "clang",
           ("clang", True): "clang++"}
KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("macro-redefined", re.compile(r"^\"[^\"]+\" redefined|macro redefined")),
    ("ambiguous", re.compile(r"\bambiguous\b")),
    ("redefinition", re.compile(
        r"redefinition|conflicting (?:types|declaration|type qualifiers)|redeclared as different"
        r"|different kind of symbol|redeclaration of|follows (?:non-)?static|declared '(?:extern"
        r"|static)' and later|previous declaration as|conflicts with a previous declaration")),
]


@dataclass
class Diagnostic:
    """One compiler diagnostic; ``file`` is already made relative (see ``Paths.show``)."""

    file: str
    line: int
    column: int
    severity: str
    message: str
    notes: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Entry:
    """A compile_commands.json entry: argument vector, working directory, source, target."""

    args: list[str]
    directory: str
    file: str
    target: str


@dataclass
class Paths:
    """Shows absolute paths relative to the source tree or as ``<build>/REL``."""

    src: str
    builds: tuple[str, ...]

    def show(self, path: str, directory: str) -> str:
        full = os.path.normpath(os.path.join(directory, path))
        for build in self.builds:
            if full.startswith(build + os.sep):
                return "<build>/" + os.path.relpath(full, build)
        if full.startswith(self.src + os.sep):
            return os.path.relpath(full, self.src)
        return full


def classify(message: str) -> str:
    """The kind of a diagnostic message (``undeclared-or-other`` when no pattern matches)."""
    for kind, pattern in KINDS:
        if pattern.search(message):
            return kind
    return "undeclared-or-other"


def declarator_name(text: str) -> str:
    """The declared name in a quoted declaration: ``static int foo(int)`` -> ``foo``."""
    t = text.strip()
    for opener, closer in (("(", ")"), ("[", "]"), ("<", ">")):
        t = re.sub(r"\s*\b(?:const|volatile|noexcept|override)\s*$", "", t)
        while t.endswith(closer):
            depth = 0
            for i in range(len(t) - 1, -1, -1):
                depth += {closer: 1, opener: -1}.get(t[i], 0)
                if depth == 0:
                    t = t[:i].rstrip()
                    break
            else:
                break
            if opener == "(":
                break  # one parameter list only: ``int (*fp)(int)`` keeps ``(*fp)``
    names = re.findall(r"[A-Za-z_]\w*", t)
    return names[-1] if names else text


def symbol_of(message: str, source_line: str | None, column: int) -> str:
    """The symbol a diagnostic names: first quoted text, reduced to a declarator name."""
    quoted = re.search(r"'([^']+)'|\"([^\"]+)\"", message)
    if quoted and not message.startswith("typedef redefinition"):
        return declarator_name(quoted.group(1) or quoted.group(2))
    if source_line is not None and column > 0:
        found = re.match(r"[A-Za-z_]\w*", source_line[column - 1:])
        if found:
            return found.group(0)
    return ""


def parse_diagnostics(stderr: str, directory: str, paths: Paths) -> list[Diagnostic]:
    """Errors and warnings of plain-text compiler output, each with the notes that follow it."""
    result: list[Diagnostic] = []
    for raw in stderr.splitlines():
        m = DIAG_RE.match(raw)
        if not m:
            continue
        file = paths.show(m["file"], directory)
        sev = "error" if m["sev"] == "fatal error" else m["sev"]
        if sev == "note":
            if result:
                result[-1].notes.append({"file": file, "line": int(m["line"]),
                                         "message": m["msg"]})
            continue
        result.append(Diagnostic(file, int(m["line"]), int(m["col"] or 0), sev, m["msg"]))
    return result


def expansion_point(d: Diagnostic) -> dict[str, object]:
    """Where code made by a macro really is (gcc puts a diagnostic at the macro's text).

    gcc's ``note: in expansion of macro`` lines directly after the diagnostic go outwards; the
    last one is the place in the source. Returns the new ``file``/``line`` and the old place as
    ``spelled_at``, or nothing (clang already reports the expansion point)."""
    chain = []
    for note in d.notes:
        if not str(note["message"]).startswith("in expansion of macro"):
            break
        chain.append(note)
    if not chain:
        return {}
    return {"file": chain[-1]["file"], "line": chain[-1]["line"],
            "spelled_at": f"{d.file}:{d.line}"}


def normalized(message: str) -> str:
    """A message without its option tag, quote style or spacing differences."""
    message = re.sub(r"\s*\[-W[^\]]*\]\s*$", "", message)
    return re.sub(r"\s+", " ", message.replace("\u2018", "'").replace("\u2019", "'")).strip()


def syntax_command(entry: Entry, family: str) -> list[str]:
    """The entry's compile as a syntax-only check under gcc/g++ or clang/clang++."""
    tool = os.path.basename(entry.args[0])
    is_cxx = tool.endswith("++") or tool in ("c++", "CC") or "-x c++" in " ".join(entry.args)
    out = [DRIVERS[(family, is_cxx)]]
    skip = False
    for arg in entry.args[1:]:
        if skip:
            skip = False
        elif arg in DROP_WITH_VALUE:
            skip = True
        elif arg not in DROP_ALONE and not arg.startswith(("-o", "-MF", "-MT", "-MQ")):
            out.append(arg)
    return [*out, "-fsyntax-only", *FAMILY_FLAGS[family]]


def load_entries(build: Path) -> list[Entry]:
    """The build's compile_commands.json, with targets taken from the object paths."""
    entries = []
    for raw in json.loads((build / "compile_commands.json").read_text()):
        args = raw.get("arguments") or shlex.split(raw["command"])
        file = os.path.normpath(os.path.join(raw["directory"], raw["file"]))
        output = raw.get("output", "")
        if not output and "-o" in args:
            output = args[args.index("-o") + 1]
        m = TARGET_RE.search(output) or TARGET_RE.search(file)
        entries.append(Entry(args, raw["directory"], file, m["target"] if m else ""))
    return entries


def run(cmd: list[str], cwd: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command, echoing it on stderr; raise on failure when ``check``."""
    print("+", shlex.join(cmd), file=sys.stderr)
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {shlex.join(cmd)}\n{result.stdout[-3000:]}"
                 f"{result.stderr[-3000:]}")
    return result


def configure(src: Path, build: Path, unity: bool, extra: list[str], full: bool) -> None:
    """Configure one build tree and generate the sources and headers its compiles need."""
    flags = ["-DCMAKE_UNITY_BUILD=ON", "-DCMAKE_UNITY_BUILD_BATCH_SIZE=0"] if unity else \
        ["-DCMAKE_UNITY_BUILD=OFF"]
    query = build / ".cmake" / "api" / "v1" / "query"  # the file API reply amalint reads
    query.mkdir(parents=True, exist_ok=True)
    for kind in ("codemodel-v2", "cmakeFiles-v1"):
        (query / kind).touch()
    run(["cmake", "-S", str(src), "-B", str(build), "-G", "Ninja",
         "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", *flags, *extra], cwd=build.parent)
    if full:
        run(["ninja", "-C", str(build), "-j2", "-k", "0"], cwd=build, check=False)
        return
    listing = run(["ninja", "-C", str(build), "-t", "targets", "all"], cwd=build).stdout
    wanted = [line.rsplit(": ", 1)[0] for line in listing.splitlines()
              if line.endswith(": CUSTOM_COMMAND") and line.rsplit(": ", 1)[0].endswith(
                  GENERATED_EXT)]
    if wanted:
        done = run(["ninja", "-C", str(build), "-j2", "-k", "0", *wanted], cwd=build,
                   check=False)
        if done.returncode != 0:
            print(f"warning: generating {len(wanted)} files in {build} failed partly",
                  file=sys.stderr)


Job = tuple[str, Entry, str]
JobKey = tuple[str, str, str, str]


def compile_all(jobs: list[Job], paths: Paths, workers: int) -> dict[JobKey, list[Diagnostic]]:
    """Syntax-check (kind, entry, family) jobs in parallel.

    Returns the diagnostics per (kind, target, file, family)."""
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}

    def one(job: Job) -> list[Diagnostic]:
        _, entry, family = job
        done = subprocess.run(syntax_command(entry, family), cwd=entry.directory, env=env,
                              capture_output=True, text=True)
        return parse_diagnostics(done.stderr, entry.directory, paths)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, jobs))
    return {(kind, e.target, e.file, fam): diags
            for (kind, e, fam), diags in zip(jobs, results, strict=True)}


def source_line(src: Path, builds: tuple[Path, ...], file: str, line: int) -> str | None:
    """Line ``line`` of a shown path (relative, ``<build>/...`` or absolute), if readable."""
    bases = builds if file.startswith("<build>/") else (src,)
    for base in bases:
        path = base / file.removeprefix("<build>/")
        try:
            with path.open(errors="replace") as f:
                for i, text in enumerate(f, 1):
                    if i == line:
                        return text
        except OSError:
            continue
    return None


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("work", type=Path)
    ap.add_argument("--cmake-arg", action="append", default=[], help="passed to both configures")
    ap.add_argument("--compilers", default="g++,clang++")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--full-build", action="store_true", help="run a whole `ninja -k 0` first")
    ap.add_argument("--project", help="name in the output (default: SRC_DIR's name)")
    ap.add_argument("-o", "--output", type=Path)
    a = ap.parse_args(argv)
    src, work = a.src.resolve(), a.work.resolve()
    unity_dir, plain_dir = work / "unity", work / "plain"
    work.mkdir(parents=True, exist_ok=True)
    configure(src, unity_dir, True, a.cmake_arg, a.full_build)
    configure(src, plain_dir, False, a.cmake_arg, a.full_build)
    paths = Paths(str(src), (str(unity_dir), str(plain_dir)))
    compilers = [c.strip() for c in a.compilers.split(",") if c.strip()]
    family = {c: "gcc" if os.path.basename(c).startswith("g") else "clang" for c in compilers}

    units = [e for e in load_entries(unity_dir) if UNITY_RE.search(e.file)]
    plain = {(e.target, e.file): e for e in load_entries(plain_dir)}
    for e in list(plain.values()):  # fallback: the same file in another target
        plain.setdefault(("", e.file), e)
    unity_sources: list[dict[str, object]] = []
    jobs: list[Job] = []
    alone_of: dict[str, list[Entry]] = {}
    for unit in units:
        text = Path(unit.file).read_text(errors="replace")
        sources = [os.path.normpath(os.path.join(os.path.dirname(unit.file), m["path"]))
                   for m in INCLUDE_RE.finditer(text)]
        unity_sources.append({"unity_source": paths.show(unit.file, "/"), "target": unit.target,
                              "sources": [paths.show(s, "/") for s in sources]})
        alone_of[unit.file] = []
        for s in sources:
            alone = plain.get((unit.target, s)) or plain.get(("", s))
            if alone is None:
                print(f"warning: {s} of {unit.target} not in the plain build", file=sys.stderr)
            else:
                alone_of[unit.file].append(alone)
        for fam in sorted(set(family.values())):
            jobs.append(("unity", unit, fam))
            jobs.extend(("alone", e, fam) for e in alone_of[unit.file])
    print(f"{len(units)} unity sources, {len(jobs)} syntax checks", file=sys.stderr)
    diags = compile_all(jobs, paths, a.jobs)

    unity_only, counts = [], {c: Counter[str]() for c in compilers}
    builds = (unity_dir, plain_dir)
    for unit, info in zip(units, unity_sources, strict=True):
        for comp in compilers:
            fam = family[comp]
            seen = {(d.file, d.line, normalized(d.message))
                    for e in alone_of[unit.file]
                    for d in diags[("alone", e.target, e.file, fam)]}
            for d in diags[("unity", unit.target, unit.file, fam)]:
                if (d.file, d.line, normalized(d.message)) in seen:
                    continue
                kind = classify(d.message)
                line = source_line(src, builds, d.file, d.line)
                row = {"unity_source": info["unity_source"], "compiler": comp,
                       "severity": d.severity, "kind": kind,
                       "symbol": symbol_of(d.message, line, d.column),
                       **{k: v for k, v in asdict(d).items() if k != "severity"}}
                unity_only.append(row | expansion_point(d))
                counts[comp][f"{d.severity}:{kind}"] += 1

    commit = run(["git", "-C", str(src), "rev-parse", "HEAD"], cwd=src, check=False)
    truth = {
        "project": a.project or src.name,
        "commit": commit.stdout.strip() if commit.returncode == 0 else "",
        "compilers": compilers, "cmake_args": a.cmake_arg,
        "unity_sources": unity_sources, "unity_only": unity_only,
        "counts": {c: {sev: {k.split(":", 1)[1]: n for k, n in sorted(cnt.items())
                             if k.startswith(sev + ":")} for sev in ("error", "warning")}
                   for c, cnt in counts.items()},
    }
    raw = [{"kind": k, "target": t, "file": f, "family": fam,
            "diagnostics": [asdict(d) for d in ds]} for (k, t, f, fam), ds in diags.items()]
    (work / "diagnostics.json").write_text(json.dumps(raw, indent=1))
    out = a.output or work / "truth.json"
    out.write_text(json.dumps(truth, indent=1) + "\n")
    print(f"{out}: {json.dumps(truth['counts'])}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
