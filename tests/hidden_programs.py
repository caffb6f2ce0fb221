"""Random small unity builds with hidden dependencies, and the compilers' verdict on them.

A program has headers ``h0.h``... each declaring one name of every kind AM206 knows (a type, a
function, an enumerator, an inline variable, a function template, a namespace, an object-like
and a function-like macro), some including an earlier header and using its names; and sources
``s0.cc``... each using names of a few headers, with each needed ``#include`` deleted at random.
Some sources also declare a name of their own that a header declares too (a local that hides
it, or a redeclaration of the function): uses that need no header.

The truth is the compilers': the unit is compiled as one and each source alone
(``-fsyntax-only``) with g++ and clang++. ``judge`` compares amalint's AM206 findings with it;
``tests/test_hidden_differential.py`` runs a fixed slice, ``benchmarks/hidden.py`` a campaign.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

COMPILERS = [c for c in ("g++", "clang++") if shutil.which(c)]
KINDS = ("type", "function", "enumerator", "variable", "template", "namespace", "macro",
         "function-macro")
_QUOTED = re.compile("['\u2018]([A-Za-z_]\\w*)['\u2019]")


def _declare(i: int) -> str:
    return (f"#define M{i} ({i} + 1)\n#define FM{i}(x) ((x) * {i})\n"
            f"struct T{i} {{ int v; }};\ninline int f{i}(int x) {{ return x + {i}; }}\n"
            f"enum E{i} {{ E{i}_A, E{i}_B }};\ninline int v{i} = {i};\n"
            f"template <class T> T tmax{i}(T a, T b) {{ return a < b ? b : a; }}\n"
            f"namespace n{i} {{ inline int g{i}() {{ return {i}; }} }}\n")


def _use(kind: str, i: int, k: int) -> str:
    return {
        "type": f"T{i} t{i}_{k}{{{i}}}; total += t{i}_{k}.v;",
        "function": f"total += f{i}(1);",
        "enumerator": f"total += E{i}_B;",
        "variable": f"total += v{i};",
        "template": f"total += tmax{i}(1, 2);",
        "namespace": f"total += n{i}::g{i}();",
        "macro": f"total += M{i};",
        "function-macro": f"total += FM{i}(2);",
    }[kind]


@dataclass
class Program:
    files: dict[str, str]
    sources: list[str]

    def write(self, directory: Path) -> None:
        for name, text in self.files.items():
            (directory / name).write_text(text)


def generate(rng: random.Random, headers: int = 4, sources: int = 4,
             drop: float = 0.4) -> Program:
    files: dict[str, str] = {}
    #: the headers each header reads (itself included)
    reads: dict[int, set[int]] = {}
    for i in range(headers):
        body = ""
        reads[i] = {i}
        if i and rng.random() < 0.5:
            j = rng.randrange(i)
            reads[i] |= reads[j]
            body += f'#include "h{j}.h"\ninline int uses{i}() {{ return f{j}(M{j}); }}\n'
        body += _declare(i)
        if rng.random() < 0.5:
            files[f"h{i}.h"] = f"#pragma once\n{body}"
        else:
            files[f"h{i}.h"] = f"#ifndef H{i}_H\n#define H{i}_H\n{body}#endif\n"
    names = []
    seen: set[int] = set()  # the headers earlier sources read: the unit compiles
    for k in range(sources):
        used = rng.sample(range(headers), rng.randint(1, min(2, headers)))
        includes, top, lines = [], [], []
        for i in used:
            if i not in seen or rng.random() >= drop:
                includes.append(f'#include "h{i}.h"')
                seen |= reads[i]
            for kind in rng.sample(KINDS, rng.randint(1, 3)):
                if kind == "variable" and rng.random() < 0.2:
                    lines.append(f"int v{i} = 7; total += v{i};")  # a local hides it
                    continue
                if kind == "function" and rng.random() < 0.2:
                    top.append(f"int f{i}(int x);")  # a redeclaration of its own
                lines.append(_use(kind, i, k))
        if rng.random() < 0.3:
            includes.insert(0, "#include <cstdio>")
            lines.append("std::printf(\"%d\\n\", total);")
        body = "\n  ".join(lines)
        files[f"s{k}.cc"] = "\n".join([*includes, *top, f"int s{k}_fn() {{\n  int total = 0;\n"
                                       f"  {body}\n  return total;\n}}\n"])
        names.append(f"s{k}.cc")
    files["unity.cc"] = "".join(f'#include "{n}"\n' for n in names)
    return Program(files, names)


def _undeclared(stderr: str) -> list[str]:
    """The names the compiler's errors quote, first error first."""
    out = []
    for line in stderr.splitlines():
        if ": error:" in line:
            found = _QUOTED.findall(line)
            if found:
                out.append(found[0])
    return out


@dataclass
class Truth:
    unit_ok: bool
    #: For each source that fails alone (every compiler), the names the errors quote.
    failing: dict[str, list[str]] = field(default_factory=dict)


def compile_program(program: Program, directory: Path) -> Truth:
    def run(compiler: str, source: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([compiler, "-std=c++17", "-fsyntax-only", source], cwd=directory,
                              capture_output=True, text=True, timeout=60)

    unit_ok = all(run(c, "unity.cc").returncode == 0 for c in COMPILERS)
    truth = Truth(unit_ok)
    for source in program.sources:
        done = [run(c, source) for c in COMPILERS]
        if all(d.returncode != 0 for d in done):
            truth.failing[source] = [n for d in done for n in _undeclared(d.stderr)]
        elif any(d.returncode != 0 for d in done):
            raise AssertionError(f"the compilers disagree on {source}: {done}")
    return truth


@dataclass
class Verdict:
    true_positive: int = 0
    false_negative: int = 0
    false_positive: int = 0
    true_negative: int = 0
    problems: list[str] = field(default_factory=list)


def judge(program: Program, truth: Truth, findings: Sequence[tuple[str, str]]) -> Verdict:
    """Compare AM206 findings, as (file name, message with related messages), with the truth:
    a source failing alone needs a finding there naming the first name the compiler rejects;
    a source compiling alone must have none."""
    verdict = Verdict()
    for source in program.sources:
        said = " ".join(text for file, text in findings if file == source)
        named = set(re.findall(r"`([^`]+)`", said))
        failing = truth.failing.get(source)
        if failing is None:
            if said:
                verdict.false_positive += 1
                verdict.problems.append(f"{source} compiles alone, amalint says: {said}")
            else:
                verdict.true_negative += 1
        elif said and (not failing or failing[0] in named):
            verdict.true_positive += 1
        else:
            verdict.false_negative += 1
            verdict.problems.append(f"{source} fails alone on {failing[:3]}, amalint says: "
                                    f"{said or 'nothing'}")
    return verdict


def fixed_sources_compile(program: Program, directory: Path) -> list[str]:
    """Run ``amalint check --fix`` (safe fixes) in ``directory``; the sources that still do not
    compile alone with g++ afterwards."""
    subprocess.run([sys.executable, "-m", "amalint", "check", "--no-cache", "--fix",
                    "--extend-select", "AM206", "unity.cc"], cwd=directory,
                   capture_output=True, text=True, timeout=120)
    return [s for s in program.sources
            if subprocess.run([COMPILERS[0], "-std=c++17", "-fsyntax-only", s], cwd=directory,
                              capture_output=True, timeout=60).returncode != 0]


def findings_of(lint: Callable[[Path], object], directory: Path) -> list[tuple[str, str]]:
    """AM206 findings of the in-process lint ``lint(directory)``, as :func:`judge` takes them."""
    result = lint(directory)
    return [(f.location.path.name, " ".join([f.message, *(r.message for r in f.related)]))
            for f in getattr(result, "findings", ()) if f.code == "AM206"]
