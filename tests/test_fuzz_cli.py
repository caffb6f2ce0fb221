"""Fuzzing the real command line with hostile trees and arguments (issue 12).

Each example builds a small project in a fresh directory: C/C++ files made of directives,
init blocks, registry calls and junk, with LF, CRLF or CR line endings, byte order marks,
bytes that are not UTF-8 and NULs; names that are long, not UTF-8 or point nowhere; FIFOs,
symlinks to ``/dev/zero``, symlink loops and links out of the project; config files and
compilation databases good and bad; and a random command line. Every run must exit 0, 1 or
2, print no traceback, finish within :data:`BOUND` seconds (a hang fails; how long runs take
is benchmarks' business: ``AMALINT_FUZZ_LOG`` records it), and write nothing but the umbrellas
``--fix`` rewrites and the report ``-o`` names.

Hypothesis runs derandomized (the same examples on every CI run); ``AMALINT_FUZZ_EXAMPLES``
sets how many (default 40) and ``AMALINT_FUZZ_SEED`` another seed, so a longer campaign is
two variables away, and ``AMALINT_FUZZ_LOG=FILE`` appends each run's exit code and arguments to
FILE as JSON lines.
Nesting stays shallow here: deep recursion inside the front ends is their own tests' business.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, seed, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("AMALINT_FUZZ_EXAMPLES", "40"))
SEED = os.environ.get("AMALINT_FUZZ_SEED")
#: Seconds one run may take (libclang parsing <map> on a loaded machine included).
BOUND = 90

NAMES = ["u.cc", "a.cc", "b.cc", "c.h", "d.inc", "sub/e.cc", "sub/f.h", "sub/g.cpp",
         os.fsdecode(b"n\xff.cc"), "README.md", "w/x/u2.cc"]
SPELLINGS = [*NAMES, "x" * 300 + ".cc", "missing.cc", "missing.h", "../outside.cc", "sub",
             "tvm/ffi/function.h", "vector", "", "a.cc\\", "fifo.cc", "zero.cc", "loop.cc"]
LINES = [
    "#include {q}", "#include <{s}>", "#if 1", "#ifdef X", "#else", "#endif", "#pragma once",
    "#ifndef G_H", "#define G_H", "#define A(x) x \\", "  + 1 \\", "#undef A",
    "static int v = 1;", "using namespace ns;", "namespace ns {{ int count; }}",
    'TVM_FFI_STATIC_INIT_BLOCK() {{ tvm::ffi::reflection::GlobalDef().def("{k}", f); }}',
    '__attribute__((constructor)) static void c{n}() {{ tvm::ffi::Function::GetGlobalRequired('
    '"{k}"); }}',
    '__attribute__((constructor({n}))) static void p{n}() {{}}',
    "static int f(int x) {{ return x; }}", "int main() {{ return 0; }}",
    "// amalint: ignore[AM101]", "// NOLINT(amalint-AM9*)", "/* unterminated", '"unterminated',
    "struct S{n} : S{m} {{}};", "{junk}",
    # the shapes issues 18 and 19 met: the preprocessor's corners, what is not file scope
    "#define F{m}() __VA_OPT__(x)", "#if F{m}() + 1", "#define V{m}(...) f(__VA_OPT__ x)",
    "#/* c\n */define G{m} 1", "#include <sub//f.h>", "#if __has_include(< c.h >)",
    "#if __has_attribute(G{m}) || __has_builtin(G{m})", "#pragma GCC poison v{m}",
    "#define DECL(n, v) static int n = v;", "DECL(a{m} /* it's */, 1'000)", "#include __FILE__",
    "struct X{n} {{", "#include {q}", "}};", "#define likely(c) (c)",
    "int h{n}(int x) {{ if likely(x) {{ return 1; }} int v = x; return v; }}",
    "typedef void (*cb{m})(int);", "enum A{m}::B : int {{ kEnd }};",
    # an argument list over lines, a comment spanning them; a very long declaration
    "DECL(b{m} /* it's\n */,\n 2)", "static int " + ", ".join(f"w{{n}}_{k}" for k in range(3000))
    + ";",
]
CONFIGS = [
    "", 'select = ["AM1"]\n', 'sources = ["/**"]\n', 'sources = ["sub/*.cc"]\n',
    'exclude = ["sub/"]\n', 'fail-on = "error"\n', 'include-paths = ["sub"]\n',
    'umbrellas = ["*.cc"]\n', 'docs-url = "https://example.invalid/r"\n', "bogus = 1\n",
    "select = [\n", 'frontend = "tree-sitter"\n', "a = " + "[" * 3000 + "]" * 3000 + "\n",
    '[per-file-ignores]\n"*.cc" = ["ALL"]\n', "[profiles.x]\nproviders = [1]\n",
]
DATABASES = [
    '[{"directory": ".", "file": "u.cc", "arguments": ["cc", "-Isub", "-c", "u.cc"]}]',
    '[{"directory": "a\\u0000b", "file": "u.cc", "command": "cc u.cc"}]',
    "[" * 100_000, '{"x": 1}', '[{"directory": ".", "file": "u.cc", "command": "cc \'"}]', "\xff",
    # flags that would run code: dropped (tests/test_trust.py checks that nothing runs)
    '[{"directory": ".", "file": "u.cc", "arguments": ["cc", "-fplugin=./p.so", "@r.rsp", '
    '"-B.", "-Xclang", "-load", "-Xclang", "x.so", "-c", "u.cc"]}]',
]


@dataclass
class Scenario:
    files: dict[str, bytes] = field(default_factory=dict)
    specials: dict[str, str] = field(default_factory=dict)
    config: tuple[str, str] | None = None
    database: str | None = None
    args: list[str] = field(default_factory=list)


@st.composite
def source(draw: st.DrawFn, present: list[str]) -> bytes:
    """A file's bytes: mostly directives and registry code, including mostly files that
    exist (so that runs get past the include check and find things)."""
    lines = []
    spellings = st.sampled_from(present) if present else st.sampled_from(SPELLINGS)
    for template in draw(st.lists(st.sampled_from(LINES), max_size=14)):
        spelled = draw(st.one_of(spellings, spellings, spellings, st.sampled_from(SPELLINGS)))
        lines.append(template.format(
            q=f'"{spelled}"', s=draw(st.sampled_from(SPELLINGS)),
            k=draw(st.sampled_from(["k1", "k2", "ffi.GetKwargsObject"])),
            n=draw(st.integers(0, 70000)), m=draw(st.integers(0, 9)),
            junk=draw(st.text(max_size=30)).replace("\x00", ""),
        ))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    data = eol.join(lines).encode("utf-8", "surrogateescape")
    if draw(st.booleans()):
        data += eol.encode()
    if draw(st.integers(0, 9)) == 0:
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0:
        data += draw(st.binary(max_size=20))
    return data


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    found = Scenario()
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=8, unique=True))
    local = [n for n in names if "/" not in n and n != "u.cc"]
    for name in names:
        found.files[name] = draw(source([n for n in local if n != name]))
    if "u.cc" not in found.files:  # an umbrella of the files there, in a random order
        included = draw(st.permutations(local)) if local else []
        found.files["u.cc"] = "".join(f'#include "{n}"\n' for n in included).encode(
            "utf-8", "surrogateescape") + draw(source(local))
    for name, kind in draw(st.dictionaries(
            st.sampled_from(["fifo.cc", "zero.cc", "loop.cc", "out.cc", "dir.cc", "sub/up"]),
            st.sampled_from(["fifo", "zero", "loop", "outside", "dir", "parent"]),
            max_size=3)).items():
        found.specials[name] = kind
    if draw(st.booleans()):
        found.config = (draw(st.sampled_from(["amalint.toml", "pyproject.toml"])),
                        draw(st.sampled_from(CONFIGS)))
        if found.config[0] == "pyproject.toml":
            found.config = ("pyproject.toml", draw(st.sampled_from(
                ["tool = 5\n", "tool = 'amalint'\n", "[tool.amalint]\n" + found.config[1]])))
    if draw(st.integers(0, 4)) == 0:
        found.database = draw(st.sampled_from(DATABASES))
    found.args = draw(command())
    return found


@st.composite
def command(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from(["check"] * 6 + ["order", "graph", "config", "rule"]))
    if name == "rule":
        return ["rule", draw(st.sampled_from(["AM101", "init-order", "nope", "--all"]))]
    paths = draw(st.lists(st.sampled_from([*NAMES, ".", "sub", "fifo.cc", "zero.cc",
                                           "loop.cc", "nope.cc", "x" * 300 + ".cc"]),
                          min_size=0 if name == "check" else 1, max_size=3))
    if name != "check":
        paths = paths[:1]
    options: list[str] = []
    if name == "check":
        for flag in draw(st.lists(st.sampled_from([
                "--fix", "--diff", "--unsafe-fixes", "--statistics", "-q", "-v", "--exit-zero",
                "--fail-on=error", "--select=AM1", "--exclude=sub", "--no-color",
                "--format=json", "--format=sarif", "--format=concise", "--format=github",
                "--format=json-lines", "--format=gitlab", "--format=junit",
                "-o=report.txt", "-o=planted.txt", "-o=fifo.cc", "--baseline=planted.txt",
                "--baseline=fifo.cc", "--write-baseline=base.json",
                "--write-baseline=planted.txt", "--write-baseline=fifo.cc"]),
                max_size=4, unique=True)):
            options += flag.split("=", 1)
    elif name == "graph":
        options += draw(st.sampled_from([[], ["--format", "mermaid"], ["-o", "planted.txt"]]))
    elif name == "order":
        options += draw(st.sampled_from([[], ["--format", "table"], ["--format", "json"]]))
    frontend = draw(st.sampled_from(["tree-sitter"] * 5 + ["libclang", "auto"]))
    if name != "config":
        options += ["--frontend", frontend]
    compiler = draw(st.lists(st.sampled_from(["-Isub", "-I" + "x" * 300, "-Inope", "-DX=1",
                                              "-isystem", "sub", "-iquote"]), max_size=3))
    return [name, *paths, *options, *(["--", *compiler] if compiler else [])]


def make(root: Path, outside: Path, scenario: Scenario) -> None:
    for name, data in scenario.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    targets = {"zero": Path("/dev/zero"), "outside": outside / "victim.cc",
               "loop": root / "loop.cc", "parent": Path("..")}
    for name, kind in scenario.specials.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            continue
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "dir":
            path.mkdir()
        else:
            path.symlink_to(targets[kind])
    (root / "planted.txt").symlink_to(outside / "victim.txt")
    if scenario.config is not None:
        (root / scenario.config[0]).write_text(scenario.config[1], errors="surrogateescape")
    if scenario.database is not None:
        (root / "compile_commands.json").write_text(scenario.database,
                                                    errors="surrogateescape")


def snapshot(*roots: Path) -> dict[str, str]:
    """Every entry below ``roots``: regular files by content, the rest by kind (no link is
    followed, no FIFO opened)."""
    out = {}
    for root in roots:
        for directory, dirs, files in os.walk(root):
            for name in dirs + files:
                path = Path(directory, name)
                if path.is_symlink():
                    out[str(path)] = "link:" + os.readlink(path)
                elif path.is_file():
                    out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
                else:
                    out[str(path)] = "other"
    return out


def allowed(path: str, root: Path, args: list[str]) -> bool:
    """Whether the run may have written ``path``: an umbrella under --fix, the -o report, the
    baseline written."""
    relative = os.path.relpath(path, root)
    if any(flag in ("-o", "--write-baseline") and value == relative
           for flag, value in pairwise(args)):
        return True
    return "--fix" in args and relative.endswith((".cc", ".cpp"))


def run(scenario: Scenario) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root, outside = Path(tmp, "project"), Path(tmp, "outside")
        root.mkdir()
        outside.mkdir()
        (outside / "victim.txt").write_text("do not touch\n")
        (outside / "victim.cc").write_text('#include "a.cc"\n')
        make(root, outside, scenario)
        before = snapshot(root, outside)
        start = time.monotonic()
        try:
            proc = subprocess.run([sys.executable, "-m", "amalint", *scenario.args], cwd=root,
                                  capture_output=True, timeout=BOUND, stdin=subprocess.DEVNULL,
                                  env={**os.environ, "NO_COLOR": "1"})
        except subprocess.TimeoutExpired:
            pytest.fail(f"amalint {scenario.args} did not finish within {BOUND} s (a hang)")
        elapsed = time.monotonic() - start
        after = snapshot(root, outside)
        stderr = proc.stderr.decode("utf-8", "replace")
        shown = f"{scenario.args}\n{stderr[-3000:]}"
        assert proc.returncode in (0, 1, 2), shown
        assert "Traceback" not in stderr, shown
        changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        assert all(allowed(p, root, scenario.args) for p in changed), (changed, shown)
        log = os.environ.get("AMALINT_FUZZ_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                last = stderr.strip().splitlines()[-1:] or [""]
                fh.write(json.dumps({"rc": proc.returncode, "seconds": round(elapsed, 2),
                                     "args": scenario.args, "stderr": last[0][:200]},
                                    ensure_ascii=True) + "\n")
        return proc.returncode


#: A tree the generated ones are variations of, with findings of every family: an init-order
#: hazard, a redefinition, a leaked macro, a second include of one source.
LINTABLE = {
    "u.cc": b'#include "a.cc"\n#include "b.cc"\n#include "a.cc"\n',
    "a.cc": b'__attribute__((constructor)) static void c1() { '
            b'tvm::ffi::Function::GetGlobalRequired("k1"); }\n'
            b"#define LIMIT 4\nstatic int f(int x) { return x; }\n",
    "b.cc": b'TVM_FFI_STATIC_INIT_BLOCK() { tvm::ffi::reflection::GlobalDef().def("k1", f); }\n'
            b"#ifndef LIMIT\n#define LIMIT 8\n#endif\nstatic int f(int x) { return LIMIT; }\n",
}


@settings(max_examples=EXAMPLES, derandomize=SEED is None, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@seed(int(SEED or 0))
@given(scenarios())
@example(Scenario(files=LINTABLE, args=["check", "--frontend", "tree-sitter"]))
@example(Scenario(files=LINTABLE, args=["check", "--fix", "--unsafe-fixes", "--statistics"]))
@example(Scenario(files=LINTABLE, args=["check", "u.cc", "--diff", "--frontend", "libclang"]))
@example(Scenario(files=LINTABLE, args=["order", "u.cc", "--format", "json"]))
def test_the_cli_survives_hostile_trees_and_arguments(scenario: Scenario) -> None:
    run(scenario)


def test_the_explicit_examples_reach_the_rules() -> None:
    """The fixed examples above lint (exit 1), so the CI slice checks more than input errors."""
    assert run(Scenario(files=LINTABLE, args=["check", "--frontend", "tree-sitter"])) == 1
