"""The judge of the program model: random programs (units with start-up registrations and
lookups at random priorities, static libraries, whole-archive regions, random link orders) built
with g++, linked with GNU ld, gold and lld, and run; each start-up entry prints ``init FILE:LINE``
first. What ran, and whether and where start-up aborted, must be what amalint's program model
says (:func:`amalint.engine.program.analyze_program`). The CI slice is
``tests/test_program_oracle.py``; the campaign ``benchmarks/program_campaign.py``.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from amalint.analysis.effects import Analysis
from amalint.config.buildsystems.link import link_from_command
from amalint.config.files import load_config
from amalint.config.settings import Settings
from amalint.engine.program import ProgramContext, analyze_program
from amalint.model import EntryPoint
from amalint.program.model import Linker
from amalint.program.sequence import section

#: A registry written for these programs: small, so that units compile fast. Provide aborts on a
#: duplicate key, Require on a missing one; Find returns null.
REGISTRY = """\
#ifndef REG_H_
#define REG_H_
#include <cstdio>
#include <cstdlib>
#include <cstring>
namespace reg {
inline const char* keys[256];
inline int count = 0;
inline void Trace(const char* file, int line) {
  std::printf("init %s:%d\\n", file, line);
  std::fflush(stdout);
}
inline bool Provide(const char* key) {
  for (int i = 0; i < count; ++i)
    if (!std::strcmp(keys[i], key)) { std::printf("duplicate %s\\n", key); std::exit(3); }
  keys[count++] = key;
  return true;
}
inline const char* Find(const char* key) {
  for (int i = 0; i < count; ++i) if (!std::strcmp(keys[i], key)) return keys[i];
  return nullptr;
}
inline const char* Require(const char* key) {
  if (!Find(key)) { std::printf("missing %s\\n", key); std::exit(4); }
  return key;
}
struct Step { explicit Step(bool) {} };
}  // namespace reg
#endif
"""

PROFILE = """\
[profiles.reg]
providers = ["reg::Provide"]
consumers = ["reg::Require", { name = "reg::Find", optional = true }]
"""

TRACE = re.compile(r"^init (?P<file>[^:]+):(?P<line>\d+)$")
FAILURE = re.compile(r"^missing (?P<key>\S+)$")
LINKERS = ("bfd", "gold", "lld")
_PRIORITIES = (None, None, None, None, 101, 200, 200, 300, 65535)


def available(linker: str) -> bool:
    """Whether g++ can link with ``linker`` here."""
    return shutil.which(f"ld.{linker}") is not None


@dataclass
class Unit:
    name: str
    #: (kind, priority, action, key): kind ``ctor`` or ``dyn``, action provide/require/find
    entries: list[tuple[str, int | None, str, str]] = field(default_factory=list)
    #: Units whose anchor this unit's anchor calls.
    calls: list[str] = field(default_factory=list)

    def source(self, main_calls: list[str] | None) -> str:
        lines = ['#include "reg.h"']
        lines += [f"int anchor_{c}();" for c in self.calls + (main_calls or [])]
        body = " + ".join(f"anchor_{c}()" for c in self.calls) or "0"
        lines.append(f"int anchor_{self.name}() {{ return {body}; }}")
        for number, (kind, priority, action, key) in enumerate(self.entries):
            call = {"provide": f'reg::Provide("{key}")', "require": f'reg::Require("{key}")',
                    "find": f'reg::Find("{key}")'}[action]
            trace = "reg::Trace(__FILE__, __LINE__)"
            if kind == "ctor":
                attribute = "constructor" if priority is None else f"constructor({priority})"
                lines.append(f"__attribute__(({attribute})) static void {self.name}_c{number}() "
                             f"{{ {trace}; {call}; }}")
            else:
                prefix = "" if priority is None else f"[[gnu::init_priority({priority})]] "
                lines.append(f"{prefix}static reg::Step {self.name}_d{number}"
                             f"(({trace}, {call}) != 0);")
        if main_calls is not None:
            total = " + ".join(f"anchor_{c}()" for c in main_calls) or "0"
            # referenced, never called (the anchors may call one another in a circle)
            lines.append(f"int main(int argc, char**) {{ return argc > 99 ? {total} : 0; }}")
        return "\n".join(lines) + "\n"


@dataclass
class Program:
    units: list[Unit]
    main_calls: list[str]
    #: Link items in order: ("obj", [unit]) or ("lib", [units]) or ("whole", [units]).
    layout: list[tuple[str, list[str]]]
    #: The libraries, and the objects between them, in one ``--start-group``.
    grouped: bool = False

    def write(self, folder: Path) -> None:
        (folder / "reg.h").write_text(REGISTRY)
        (folder / "amalint.toml").write_text(PROFILE)
        for unit in self.units:
            main = self.main_calls if unit.name == "main" else None
            (folder / f"{unit.name}.cc").write_text(unit.source(main))

    def link_args(self) -> list[str]:
        args: list[str] = []
        libraries = [n for n, (kind, _) in enumerate(self.layout) if kind != "obj"]
        for number, (kind, names) in enumerate(self.layout):
            if self.grouped and number == libraries[0]:
                args.append("-Wl,--start-group")
            if kind == "obj":
                args.append(f"{names[0]}.o")
            elif kind == "whole":
                args += ["-Wl,--whole-archive", f"lib{number}.a", "-Wl,--no-whole-archive"]
            else:
                args.append(f"lib{number}.a")
            if self.grouped and number == libraries[-1]:
                args.append("-Wl,--end-group")
        return args


def generate(seed: int, groups: bool = False) -> Program:
    """A random program: 2 to 7 units (one holds ``main``), each with 0 to 3 start-up entries,
    keys provided at most once, some of the units in static libraries; with ``groups``, the
    libraries of half the programs with two or more in one ``--start-group`` (the programs are
    otherwise those without ``groups``)."""
    rng = random.Random(seed)
    names = ["main"] + [f"u{n}" for n in range(rng.randint(1, 6))]
    keys = [f"k{n}" for n in range(rng.randint(1, 6))]
    free = list(keys)
    rng.shuffle(free)
    units = []
    for name in names:
        unit = Unit(name)
        for _ in range(rng.randint(0, 3)):
            action = rng.choice(("provide", "provide", "require", "find"))
            if action == "provide" and not free:
                action = "find"
            key = free.pop() if action == "provide" else rng.choice(keys)
            unit.entries.append((rng.choice(("ctor", "dyn")), rng.choice(_PRIORITIES),
                                 action, key))
        units.append(unit)
    others = names[1:]
    for unit in units[1:]:
        unit.calls = rng.sample([n for n in others if n != unit.name],
                                k=min(rng.randint(0, 2), len(others) - 1))
    main_calls = rng.sample(others, k=rng.randint(0, len(others)))
    libraries: list[list[str]] = [[] for _ in range(rng.randint(0, 2))]
    layout: list[tuple[str, list[str]]] = [("obj", ["main"])]
    for name in others:
        if libraries and rng.random() < 0.6:
            rng.choice(libraries).append(name)
        else:
            layout.append(("obj", [name]))
    for members in libraries:
        if members:
            layout.append(("whole" if rng.random() < 0.25 else "lib", members))
    rng.shuffle(layout)
    grouped = groups and sum(kind != "obj" for kind, _ in layout) >= 2 and rng.random() < 0.5
    return Program(units, main_calls, layout, grouped)


@dataclass(frozen=True)
class Outcome:
    """What happened (or what the model says happens): the link fails, or the program runs
    these entries (``file:line``) and ends with ``failure`` (a missing key) or normally."""

    link_error: bool
    ran: tuple[str, ...] = ()
    failure: str | None = None


def compile_program(program: Program, folder: Path, compiler: str = "g++") -> None:
    """Write ``program`` and compile its units with ``compiler`` (g++ or clang++)."""
    program.write(folder)
    for unit in program.units:
        subprocess.run([compiler, "-std=c++17", "-c", f"{unit.name}.cc", "-o", f"{unit.name}.o"],
                       cwd=folder, check=True, capture_output=True)
    for number, (kind, names) in enumerate(program.layout):
        if kind != "obj":
            subprocess.run(["ar", "rcs", f"lib{number}.a", *(f"{n}.o" for n in names)],
                           cwd=folder, check=True, capture_output=True)


def run(program: Program, folder: Path, linker: str) -> Outcome:
    """Link with ``linker`` and run: what really happens."""
    out = f"prog_{linker}"
    linked = subprocess.run(["g++", f"-fuse-ld={linker}", *program.link_args(), "-o", out],
                            cwd=folder, capture_output=True, text=True)
    if linked.returncode != 0:
        return Outcome(True)
    ran = subprocess.run([f"./{out}"], cwd=folder, capture_output=True, text=True, timeout=20)
    lines = ran.stdout.splitlines()
    traces = tuple(f"{m['file']}:{m['line']}" for line in lines if (m := TRACE.match(line)))
    failures = [m["key"] for line in lines if (m := FAILURE.match(line))]
    return Outcome(False, traces, failures[0] if failures else None)


def program_model(command: str, folder: Path, target: str, linker: Linker,
                  analyses: dict[Path, Analysis] | None) -> ProgramContext:
    """amalint's model of the link ``command`` makes in ``folder``, with the oracle's
    profile (``analyses``: those of the sources so far, shared by the links of one
    program)."""
    settings = load_config(folder / "amalint.toml", Settings())
    return analyze_program(link_from_command(command, folder, target), lambda _: settings,
                           linker, analyses)


def failing_lookups(ctx: ProgramContext) -> dict[EntryPoint, str]:
    """Each start-up entry whose required lookup fails, with the first key it fails on."""
    return {req.consumer: req.lookup.key for req in reversed(ctx.sequence.requirements)
            if req.status.value != "satisfied" and not req.lookup.optional}


def model(program: Program, folder: Path, linker: str,
          analyses: dict[Path, Analysis] | None = None) -> tuple[Outcome, ProgramContext]:
    """What amalint's program model says happens (``analyses``: those of the sources so far,
    shared by the links of one program)."""
    ctx = program_model(" ".join(["g++", *program.link_args(), "-o", "prog"]), folder, "prog",
                        Linker(linker), analyses)
    if ctx.resolution.unresolved:
        return Outcome(True), ctx
    analysis = ctx.sequence.analysis
    failing = failing_lookups(ctx)
    ran: list[str] = []
    for entry in analysis.order:
        ran.append(f"{entry.location.path.name}:{entry.location.line}")
        if entry in failing:
            return Outcome(False, tuple(ran), failing[entry]), ctx
    return Outcome(False, tuple(ran)), ctx


def describe(ctx: ProgramContext) -> str:
    """The model's sequence, for a failure message."""
    return "\n".join(f"{s.entry.location.path.name}:{s.entry.location.line} "
                     f"{section(s.entry.priority)} {ctx.object_name(s.object)}"
                     for s in ctx.sequence.steps)
