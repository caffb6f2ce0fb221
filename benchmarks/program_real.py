"""The program model on a real CMake build, judged by the real link.

Usage::

    python benchmarks/program_real.py BUILD TARGET [--frontend F] [--config C]
                                      [--linker bfd|gold|lld] [--repeat N] [--json OUT]

BUILD is a CMake build directory configured with Ninja and the file API query
(``BUILD/.cmake/api/v1/query/codemodel-v2``), TARGET an executable target already built. The
script

* takes the target's link command from Ninja (``ninja -t commands TARGET``), runs it again
  (into a temporary file) with ``-Wl,--trace,--trace`` and ``-Wl,-Map``: the archive members GNU ld
  takes, and the objects whose ``.init_array`` sections it lays out, in order;
* reads the ``.init_array`` of that executable (pyelftools) and names each entry through
  ``.symtab`` (``_GLOBAL__sub_I_x.cc``, a constructor function);
* asks ``amalint order --program`` (JSON) for the linked objects, the members left out and the
  start-up sequence, and ``amalint check --program`` (JSON) for the findings;
* compares: the members linked, member for member; the order of the objects in the start-up
  sequence with the order of their ``.init_array`` sections; and lists the objects where one
  side has start-up code and the other none (to be explained by hand), and every finding;
* times, in CPU seconds (user + system of the child processes): the link, amalint cold
  (``--no-cache``) and warm (a second run on a filled cache), and, in this process, amalint's
  link resolution alone (reading the symbols of every input and resolving the archives).

It runs the linker and amalint; it writes only into a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from amalint.config.buildsystems.link import link_from_cmake
from amalint.program.liveness import collect
from amalint.program.model import Linker
from amalint.program.resolve import resolve

AMALINT = [sys.executable, "-m", "amalint"]

#: `` .init_array    0x0000000000003db8        0x8 CMakeFiles/x.dir/x.cc.o`` in a GNU ld map
_MAP_INIT = re.compile(r"^ (\.init_array(?:\.\d+)?)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_MEMBER = re.compile(r"^(.+\.a)\((.+)\)$")
#: ``(src/libx.a)member.o``: a member in GNU ld's ``--trace --trace`` (``-t -t``)
_TRACED = re.compile(r"^\((.+\.a)\)(.+)$")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path, check: bool = True) -> tuple[float, str]:
    """The CPU seconds of one run of ``argv`` (its children included), and its output."""
    before = _cpu()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    spent = _cpu() - before
    if check and done.returncode not in (0, 1):
        raise SystemExit(f"{shlex.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return spent, done.stdout + done.stderr


def link_command(build: Path, target: str) -> list[str]:
    """The link command of ``target``, as Ninja runs it in ``build``."""
    out = subprocess.run(["ninja", "-C", str(build), "-t", "commands", target],
                         capture_output=True, text=True, check=True).stdout
    line = out.strip().splitlines()[-1]
    line = line.removeprefix(": && ").removesuffix(" && :")
    return shlex.split(line)


def with_output(argv: list[str], output: Path, *extra: str) -> list[str]:
    """``argv`` writing ``output`` instead of its ``-o`` file, with ``extra`` flags."""
    index = argv.index("-o")
    return [*argv[:index], "-o", str(output), *argv[index + 2:], *extra]


def norm(build: Path, name: str) -> str:
    """An input as a path relative to ``build`` (``archive(member)`` kept)."""
    match = _MEMBER.match(name)
    path, member = (match.group(1), match.group(2)) if match else (name, None)
    full = os.path.normpath(build / path)
    rel = os.path.relpath(full, build) if full.startswith(str(build)) else full
    return rel if member is None else f"{rel}({member})"


def traced_members(output: str, build: Path) -> list[str]:
    """The archive members GNU ld's ``--trace --trace`` says it took, in order."""
    return [norm(build, f"{m.group(1)}({m.group(2)})") for line in output.splitlines()
            if (m := _TRACED.match(line.strip()))]


def map_init(map_text: str, build: Path) -> list[tuple[str, str, int]]:
    """The ``.init_array`` input sections of a GNU ld map: (section, object, entries)."""
    out = []
    inside = False
    for line in map_text.splitlines():
        if line.startswith(".init_array"):
            inside = True
            continue
        if inside and line and not line.startswith(" "):
            break
        match = _MAP_INIT.match(line) if inside else None
        if match and int(match.group(3), 16):
            out.append((match.group(1), norm(build, match.group(4).strip()),
                        int(match.group(3), 16) // 8))
    return out


def init_symbols(exe: Path) -> list[str]:
    """The functions the executable's ``.init_array`` points at, named through ``.symtab``."""
    with exe.open("rb") as handle:
        elf = ELFFile(handle)
        section = elf.get_section_by_name(".init_array")
        if section is None:
            return []
        data = section.data()
        size = 8 if elf.elfclass == 64 else 4
        little = elf.little_endian
        addresses = [int.from_bytes(data[i:i + size], "little" if little else "big")
                     for i in range(0, len(data), size)]
        names: dict[int, str] = {}
        table = elf.get_section_by_name(".symtab")
        if isinstance(table, SymbolTableSection):
            for symbol in table.iter_symbols():
                if symbol["st_info"]["type"] == "STT_FUNC" and symbol.name:
                    names.setdefault(symbol["st_value"], symbol.name)
        return [names.get(a, hex(a)) for a in addresses]


_INIT_FUNCTION = re.compile(
    r"^[0-9a-f]+ <(_GLOBAL__sub_I|__static_initialization_and_destruction)")
_RELOCATION = re.compile(
    r"\sR_X86_64_(?:PLT32|PC32|GOTPCREL|GOTPCRELX|REX_GOTPCRELX)\s+(.+?)(?:[-+]0x[0-9a-f]+)?$")
#: what every object's static initialization may call for its own sake
_PLUMBING = ("__cxa_atexit", "__dso_handle", "__cxa_guard_acquire", "__cxa_guard_release")


def init_callees(build: Path, name: str, scratch: Path) -> list[str]:
    """The functions and objects the compiler's static-initialization code of one object
    (``_GLOBAL__sub_I_*``) refers to, demangled (``objdump -drC``): what runs at start-up
    there, to explain an object amalint gives no entry."""
    match = _MEMBER.match(name)
    path = build / name
    if match:
        path = scratch / "member.o"
        path.write_bytes(subprocess.run(["ar", "p", str(build / match.group(1)), match.group(2)],
                                        capture_output=True, check=True).stdout)
    out = subprocess.run(["objdump", "-drC", "--no-show-raw-insn", str(path)],
                         capture_output=True, text=True, check=True).stdout
    found: list[str] = []
    inside = False
    for line in out.splitlines():
        if not line.strip():
            inside = False
        elif _INIT_FUNCTION.match(line):
            inside = True
        elif inside and (reloc := _RELOCATION.search(line)):
            target = reloc.group(1).strip()
            if not target.startswith(".") and target not in _PLUMBING:
                found.append(target)
    return collapse(found)


def collapse(items: list[str]) -> list[str]:
    """``items`` without repeats, first place kept."""
    return list(dict.fromkeys(items))


@dataclass
class Report:
    target: str
    objects: int = 0
    members_linked: int = 0
    members_left_out: int = 0
    entries: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    members_agree: bool = False
    members_only_amalint: list[str] = field(default_factory=list)
    members_only_ld: list[str] = field(default_factory=list)
    order_agree: bool = False
    order_amalint: list[str] = field(default_factory=list)
    order_ld: list[str] = field(default_factory=list)
    startup_only_ld: list[str] = field(default_factory=list)
    startup_only_amalint: list[str] = field(default_factory=list)
    init_array: list[str] = field(default_factory=list)
    #: for each object in ``startup_only_ld``: what its static initialization calls
    callees: dict[str, list[str]] = field(default_factory=dict)


def judge(build: Path, target: str, options: list[str], linker: str,
          repeat: int) -> Report:
    report = Report(target)
    argv = link_command(build, target)
    with tempfile.TemporaryDirectory(prefix="program-real-") as tmp:
        scratch = Path(tmp)
        exe, mapfile = scratch / "exe", scratch / "map.txt"
        # the real link, timed; then once more with the trace and the map
        links = sorted(timed(with_output(argv, exe), build)[0] for _ in range(repeat))
        report.cpu["link"] = links[len(links) // 2]
        traced = with_output(argv, exe, "-Wl,--trace,--trace", f"-Wl,-Map,{mapfile}")
        _, trace = timed(traced, build)
        taken = traced_members(trace, build)
        sections = map_init(mapfile.read_text(), build)
        report.init_array = init_symbols(exe)
        cache = scratch / "cache"
        base = [*AMALINT, "order", "--program", target, "-p", str(build), "--format", "json",
                "--linker", linker, *options]
        cold = sorted(timed([*base, "--no-cache"], build)[0] for _ in range(repeat))
        report.cpu["amalint_cold"] = cold[len(cold) // 2]
        timed([*base, "--cache-dir", str(cache)], build)
        warm = []
        for _ in range(repeat):
            spent, out = timed([*base, "--cache-dir", str(cache)], build)
            warm.append(spent)
        report.cpu["amalint_warm"] = sorted(warm)[len(warm) // 2]
        order = json.loads(out[out.index("{"):])
        check = [*AMALINT, "check", "--program", target, "-p", str(build), "--format", "json",
                 "--linker", linker, "--cache-dir", str(cache), *options]
        _, found = timed(check, build)
        report.findings = json.loads(found[found.index("["):]) if "[" in found else []
        linked_now = {norm(build, o["object"]) for o in order["objects"]}
        starting_now = {norm(build, row["object"]) for row in order["sequence"]}
        for _, obj, _ in sections:
            if obj in linked_now and obj not in starting_now and obj not in report.callees:
                report.callees[obj] = init_callees(build, obj, scratch)
    started = time.process_time()
    link = link_from_cmake(build.resolve(), target)
    resolution = collect(link, resolve(link, Linker(linker)))
    report.cpu["resolution"] = time.process_time() - started
    assert len(resolution.linked) == len(order["objects"])

    linked = [norm(build, o["object"]) for o in order["objects"]]
    archives = {m.rsplit("(", 1)[0] for m in linked if _MEMBER.match(m)}
    archives |= {norm(build, o["object"]).rsplit("(", 1)[0] for o in order["left_out"]}
    ours = [m for m in linked if _MEMBER.match(m)]
    theirs = [m for m in taken if m.rsplit("(", 1)[0] in archives]
    report.objects = len(linked)
    report.members_linked = len(ours)
    report.members_left_out = len(order["left_out"])
    report.members_only_amalint = sorted(set(ours) - set(theirs))
    report.members_only_ld = sorted(set(theirs) - set(ours))
    report.members_agree = not report.members_only_amalint and not report.members_only_ld

    report.entries = len(order["sequence"])
    starting = collapse([norm(build, row["object"]) for row in order["sequence"]])
    known = set(linked)
    laid_out = collapse([obj for _, obj, _ in sections if obj in known])
    report.startup_only_ld = [o for o in laid_out if o not in starting]
    report.startup_only_amalint = [o for o in starting if o not in laid_out]
    both = set(starting) & set(laid_out)
    report.order_amalint = [o for o in starting if o in both]
    report.order_ld = [o for o in laid_out if o in both]
    report.order_agree = report.order_amalint == report.order_ld
    return report


def show(report: Report) -> None:
    cpu = report.cpu
    print(f"== {report.target}: {report.objects} objects linked "
          f"({report.members_linked} archive members), {report.members_left_out} left out, "
          f"{report.entries} start-up entries, {len(report.findings)} finding(s)")
    print(f"   CPU s: link {cpu['link']:.3f}; amalint cold {cpu['amalint_cold']:.3f}, "
          f"warm {cpu['amalint_warm']:.3f}; read+resolve {cpu['resolution']:.3f}")
    print(f"   members vs --trace: {'agree' if report.members_agree else 'DISAGREE'}"
          + "".join(f"\n     only amalint: {m}" for m in report.members_only_amalint)
          + "".join(f"\n     only ld: {m}" for m in report.members_only_ld))
    print(f"   start-up order vs .init_array: {'agree' if report.order_agree else 'DISAGREE'}"
          f" over {len(report.order_ld)} object(s)")
    if not report.order_agree:
        print(f"     amalint: {report.order_amalint}\n     ld:      {report.order_ld}")
    for obj in report.startup_only_ld:
        calls = report.callees.get(obj, [])
        print(f"     .init_array but no entry in amalint: {obj}: calls "
              + (", ".join(calls[:4]) + (f" (+{len(calls) - 4})" if len(calls) > 4 else "")
                 if calls else "nothing"))
    for obj in report.startup_only_amalint:
        print(f"     entries in amalint but no .init_array: {obj}")
    print(f"   .init_array ({len(report.init_array)}): {', '.join(report.init_array)}")
    for finding in report.findings:
        where = finding.get("location", {})
        print(f"   finding {finding.get('code')} {finding.get('filename')}:"
              f"{where.get('row')}: {finding.get('message')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", type=Path)
    parser.add_argument("targets", nargs="+")
    parser.add_argument("--frontend", default="tree-sitter")
    parser.add_argument("--config", type=Path)
    parser.add_argument("--linker", default="bfd", choices=["bfd", "gold", "lld"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the reports here as JSON")
    args = parser.parse_args()
    build = args.build.resolve()
    options = ["--frontend", args.frontend]
    if args.config is not None:
        options += ["--config", str(args.config.resolve())]
    reports = []
    for target in args.targets:
        report = judge(build, target, options, args.linker, args.repeat)
        show(report)
        reports.append(report)
    if args.json is not None:
        args.json.write_text(json.dumps([vars(r) for r in reports], indent=2))
    return 0 if all(r.members_agree and r.order_agree for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
