"""Random small CMake projects, built with random unity batchings, against amalint's prediction.

A project is one static library of four to seven C++ sources. Each source draws from what a
unity build makes order-dependent: an internal helper whose name a few other sources reuse
(a redefinition when two share a unit), a macro it leaves defined whose name another source
gives a function (the later source no longer compiles), an ``#undef`` that ends such a leak,
and the names of a header (a type, a function, a macro) that it sometimes forgets to include
(it compiles only after a source that includes it).

:func:`judge` configures the project with the pip ``cmake`` and ``ninja``, asks amalint for the
pool's relations once (:func:`amalint.engine.batching.relations`), then for each batching
(a random ``CMAKE_UNITY_BUILD_BATCH_SIZE`` and a shuffled source list) reads the unity sources
CMake generated, builds them all (``ninja -k 0``), and compares each unit's outcome with
:func:`amalint.analysis.batching.failures`; and it builds amalint's proposed grouping
(``UNITY_BUILD_MODE GROUP``, applied by ``amalint batching --fix``), which must build.
``tests/test_batching.py`` runs a fixed slice; ``benchmarks/batching.py`` a campaign.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from amalint.analysis.batching import Relations, failures
from amalint.config.buildsystems import load
from amalint.config.settings import Settings
from amalint.engine.batching import relations

BIN = Path(sys.executable).parent
CMAKE = str(BIN / "cmake") if (BIN / "cmake").exists() else shutil.which("cmake") or "cmake"
NINJA = str(BIN / "ninja") if (BIN / "ninja").exists() else shutil.which("ninja") or "ninja"
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
_INCLUDE = re.compile(r'^#include "([^"]+)"', re.M)
_FAILED = re.compile(r"^FAILED: .*?(\S+\.cxx)\.o", re.M)


@dataclass
class Project:
    files: dict[str, str]
    sources: list[str]

    def write(self, directory: Path, order: list[str]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            (directory / name).write_text(text)
        listed = "\n  ".join(order)
        (directory / "CMakeLists.txt").write_text(
            "cmake_minimum_required(VERSION 3.20)\nproject(p CXX)\n"
            f"set(CMAKE_CXX_STANDARD 17)\nadd_library(lib STATIC\n  {listed})\n")


def generate(rng: random.Random) -> Project:
    files: dict[str, str] = {}
    headers = rng.randint(1, 3)
    for i in range(headers):
        files[f"h{i}.h"] = (f"#pragma once\n#define M{i} ({i} + 1)\nstruct T{i} {{ int v; }};\n"
                            f"inline int f{i}(int x) {{ return x + {i}; }}\n")
    count = rng.randint(4, 7)
    sources = [f"s{k}.cc" for k in range(count)]
    used: set[tuple[int, str]] = set()  # (header, source using its names)
    for k, name in enumerate(sources):
        top: list[str] = []
        body: list[str] = []
        uses: list[str] = []
        for i in rng.sample(range(headers), rng.randint(0, headers)):
            if rng.random() < 0.7:
                top.append(f'#include "h{i}.h"')
            uses.append(rng.choice([f"T{i} t{i}{{{i}}}; total += t{i}.v;",
                                    f"total += f{i}(1);", f"total += M{i};"]))
        if rng.random() < 0.5:
            helper = rng.randrange(3)
            body.append(f"static int helper{helper}(int x) {{ return x + {k}; }}")
            uses.append(f"total += helper{helper}(1);")
        if rng.random() < 0.4:
            counter = rng.randrange(2)
            body.append(f"static int cnt{counter}(int n) {{ return n * {k}; }}")
            uses.append(f"total += cnt{counter}(2);")
        else:
            counter = -1
        body.append(f"int s{k}_fn() {{\n  int total = 0;\n  " + "\n  ".join(uses) +
                    "\n  return total;\n}")
        leak = rng.randrange(2)
        if rng.random() < 0.35 and leak != counter:
            body.append(f"#define cnt{leak} {k}")  # left defined for the sources after it
        elif rng.random() < 0.2:
            body.append(f"#undef cnt{leak}")
        files[name] = "\n".join([*top, *body]) + "\n"
        used.update((i, name) for i in range(headers) if f"{i}" in "".join(
            u for u in uses if f"T{i} " in u or f"f{i}(" in u or f"M{i};" in u))
    for i in range(headers):  # a header some source uses is included by one (the first)
        users = [n for h, n in sorted(used) if h == i]
        if users and not any(f'#include "h{i}.h"' in files[n] for n in sources):
            files[users[0]] = f'#include "h{i}.h"\n' + files[users[0]]
    return Project(files, sources)


def configure(source: Path, build: Path, *args: str) -> None:
    query = build / ".cmake" / "api" / "v1" / "query"
    query.mkdir(parents=True, exist_ok=True)
    for kind in ("codemodel-v2", "cmakeFiles-v1"):
        (query / kind).touch()
    done = subprocess.run([CMAKE, "-S", str(source), "-B", str(build), "-G", "Ninja",
                           f"-DCMAKE_MAKE_PROGRAM={NINJA}",
                           "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", *args],
                          capture_output=True, text=True, env=ENV, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def build_all(build: Path) -> tuple[dict[Path, list[Path]], set[Path]]:
    """Build every object of the unity build; its unity sources (each with the sources it
    includes, in order) and those that failed to compile."""
    done = subprocess.run([NINJA, "-C", str(build), "-k", "0"], capture_output=True,
                          text=True, env=ENV, timeout=600)
    unity = sorted((build / "CMakeFiles" / "lib.dir" / "Unity").glob("*.cxx"))
    units = {u: [Path(m) for m in _INCLUDE.findall(u.read_text())] for u in unity}
    failed = {u for u in unity if u.name in {Path(f).name for f in _FAILED.findall(done.stdout)}}
    return units, failed


@dataclass
class Verdict:
    batchings: int = 0
    units: int = 0
    #: Units predicted to fail that failed, predicted to build that built, and the rest.
    failed_as_predicted: int = 0
    built_as_predicted: int = 0
    wrong: list[str] = field(default_factory=list)
    proposals: int = 0
    proposals_built: int = 0
    #: Projects whose relations say no grouping builds without a source fixed first.
    unsolvable: int = 0
    seconds_relations: float = 0.0
    seconds_syntax: float = 0.0

    def add(self, other: Verdict) -> None:
        for name in ("batchings", "units", "failed_as_predicted", "built_as_predicted",
                     "proposals", "proposals_built", "unsolvable", "seconds_relations",
                     "seconds_syntax"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wrong += other.wrong


def random_batchings(project: Project, rng: random.Random, count: int,
                     sizes: tuple[int, ...] = (0, 1, 2, 3, 4)) -> list[tuple[list[str], int]]:
    """``count`` batchings: a shuffled source list and a batch size each."""
    out = []
    for _ in range(count):
        order = project.sources[:]
        rng.shuffle(order)
        out.append((order, rng.choice(sizes)))
    return out


def judge(project: Project, directory: Path,
          batchings: list[tuple[list[str], int]]) -> Verdict:
    """Compare amalint's prediction with the builds of ``batchings`` (a source list and a
    ``CMAKE_UNITY_BUILD_BATCH_SIZE`` each), and build its proposal."""
    verdict = Verdict()
    source = directory / "src"
    project.write(source, project.sources)
    configure(source, directory / "plain")
    cwd = Path.cwd()
    os.chdir(source)  # amalint reads its config and shows paths from the working directory
    try:
        build = load(directory / "plain")
        (pool,) = [p for p in build.pools if p.target.name == "lib"]
        start = time.perf_counter()
        found = relations(pool, Settings(), build)
        verdict.seconds_relations = time.perf_counter() - start
    finally:
        os.chdir(cwd)
    start = time.perf_counter()
    subprocess.run(["g++", "-std=c++17", "-fsyntax-only", "-x", "c++", "-"],
                   input="".join(f'#include "{s}"\n' for s in project.sources),
                   cwd=source, capture_output=True, text=True, timeout=120)
    verdict.seconds_syntax = time.perf_counter() - start
    index = {path.resolve(): i for i, path in enumerate(pool.sources)}
    unity_build = directory / "unity"
    for order, size in batchings:
        project.write(source, order)
        shutil.rmtree(unity_build / "CMakeFiles" / "lib.dir" / "Unity", ignore_errors=True)
        configure(source, unity_build, "-DCMAKE_UNITY_BUILD=ON",
                  f"-DCMAKE_UNITY_BUILD_BATCH_SIZE={size}")
        units, failed = build_all(unity_build)
        verdict.batchings += 1
        for unity, paths in units.items():
            members = [index[p.resolve()] for p in paths]
            said = [f.message for f in failures(found, [members])
                    if f.kind != "start-up"]
            verdict.units += 1
            if bool(said) == (unity in failed):
                if said:
                    verdict.failed_as_predicted += 1
                else:
                    verdict.built_as_predicted += 1
            else:
                names = " ".join(p.name for p in paths)
                verdict.wrong.append(f"[{names}] (batch size {size}) "
                                     f"{'fails' if unity in failed else 'builds'}; amalint: "
                                     f"{'; '.join(said) or 'builds'}")
    project.write(source, project.sources)
    _judge_proposal(found, source, directory / "grouped", verdict)
    return verdict


def _judge_proposal(found: Relations, source: Path, grouped: Path, verdict: Verdict) -> None:
    """Apply amalint's grouping with ``amalint batching --fix`` and build it."""
    plain = source.parent / "plain"
    done = subprocess.run([sys.executable, "-m", "amalint", "batching", "-p", str(plain),
                           "--fix"], cwd=source, capture_output=True, text=True, env=ENV,
                          timeout=300)
    if done.returncode == 0 or "UNITY_BUILD_MODE GROUP" not in done.stdout:
        return  # ready under every batching: nothing proposed
    if "builds once those are fixed" in done.stdout:
        verdict.unsolvable += 1
        return
    verdict.proposals += 1
    configure(source, grouped, "-DCMAKE_UNITY_BUILD=ON")
    units, failed = build_all(grouped)
    if not any(u.name.startswith("unity_lib_") for u in units):
        verdict.wrong.append(f"the proposed grouping made no groups: {sorted(units)}")
    elif failed:
        verdict.wrong.append(f"the proposed grouping fails: {sorted(u.name for u in failed)}")
    else:
        verdict.proposals_built += 1
