"""The WebAssembly half of the program oracle (:mod:`program_oracle`): the same generated
programs compiled with the ``ziglang`` package's clang for ``wasm32-wasi``, archived with its
``ar``, linked by its wasm-ld as a *command* and as a *reactor* (``-mexec-model=reactor``), and
run under the ``wasmtime`` package. A command runs through ``_start``; a reactor is run twice,
its host calling the exported ``probe`` (which prints the keys registered so far) without
``_initialize``, then after it. Every entry that ran, where start-up aborted and what ``probe``
saw must be what amalint's program model says.

The first link builds wasi-libc and libc++ for the target (minutes), in zig's global cache,
``~/.cache/zig`` of the user's home directory (or ``$ZIG_GLOBAL_CACHE_DIR``), reused after.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from program_oracle import FAILURE, PROFILE, TRACE, Program, failing_lookups, program_model

from amalint.analysis.effects import Analysis
from amalint.config.profiles import Role
from amalint.engine.program import ProgramContext
from amalint.program.model import Linker, StartUp

ZIG = [sys.executable, "-m", "ziglang"]
TARGET = ["-target", "wasm32-wasi"]
MODES = ("command", "reactor")

#: An export the host calls: it prints the keys registered so far, in registration order.
PROBE = """\
#include "reg.h"
extern "C" __attribute__((export_name("probe"))) int probe() {
  std::printf("probe");
  for (int i = 0; i < reg::count; ++i) std::printf(" %s", reg::keys[i]);
  std::printf("\\n");
  std::fflush(stdout);
  return reg::count;
}
"""


def available() -> str | None:
    """Why the WebAssembly oracle cannot run here, or ``None``."""
    missing = [name for name in ("ziglang", "wasmtime") if importlib.util.find_spec(name) is None]
    if missing:
        return f"not installed: {', '.join(missing)} (pip install ziglang wasmtime)"
    return None


def env() -> dict[str, str]:
    """The environment of zig: its global cache in the user's real cache directory (the
    tests give amalint a cache of their own; zig's libc++ must not be rebuilt per session)."""
    cache = os.environ.get("ZIG_GLOBAL_CACHE_DIR") or str(
        Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "zig")
    return {**os.environ, "ZIG_GLOBAL_CACHE_DIR": cache}


def compile_wasm(program: Program, folder: Path) -> None:
    """The program's objects and libraries for wasm32-wasi, and ``probe.o``."""
    program.write(folder)
    (folder / "probe.cc").write_text(PROBE)
    for name in [unit.name for unit in program.units] + ["probe"]:
        subprocess.run([*ZIG, "c++", *TARGET, "-std=c++17", "-c", f"{name}.cc", "-o",
                        f"{name}.o"], cwd=folder, check=True, capture_output=True, env=env())
    for number, (kind, names) in enumerate(program.layout):
        if kind != "obj":
            subprocess.run([*ZIG, "ar", "rcs", f"lib{number}.a", *(f"{n}.o" for n in names)],
                           cwd=folder, check=True, capture_output=True, env=env())


def link_command(program: Program, mode: str) -> list[str]:
    reactor = ["-mexec-model=reactor"] if mode == "reactor" else []
    return [*ZIG, "c++", *TARGET, *reactor, *program.link_args(), "probe.o", "-s", "-o",
            f"prog_{mode}.wasm"]


@dataclass(frozen=True)
class Run:
    """One run of a module: the entries that ran (``file:line``), the key whose lookup
    aborted, and the keys ``probe`` saw (``None``: it was not reached)."""

    ran: tuple[str, ...] = ()
    failure: str | None = None
    probed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class WasmOutcome:
    link_error: bool
    #: command: ``_start``; reactor: ``probe`` alone, then ``_initialize`` and ``probe``.
    runs: tuple[Run, ...] = ()


def run_wasm(program: Program, folder: Path, mode: str) -> WasmOutcome:
    """Link in ``mode`` and run under wasmtime: what really happens."""
    linked = subprocess.run(link_command(program, mode), cwd=folder, capture_output=True,
                            env=env())
    if linked.returncode != 0:
        return WasmOutcome(True)
    module = folder / f"prog_{mode}.wasm"
    plans = [["_start"]] if mode == "command" else [["probe"], ["_initialize", "probe"]]
    return WasmOutcome(False, tuple(_outcome(host(module, calls)) for calls in plans))


def host(module: Path, calls: list[str]) -> list[str]:
    """Instantiate ``module`` under wasmtime (with WASI) and call the exports ``calls`` in
    order, stopping at an exit with a status other than 0 or a trap: the lines it printed."""
    import wasmtime

    engine = wasmtime.Engine()
    compiled = wasmtime.Module.from_file(engine, str(module))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "stdout"
        store = wasmtime.Store(engine)
        config = wasmtime.WasiConfig()
        config.stdout_file = str(out)
        store.set_wasi(config)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        exports = linker.instantiate(store, compiled).exports(store)
        for name in calls:
            function = exports[name]
            assert isinstance(function, wasmtime.Func)
            try:
                function(store)
            except wasmtime.ExitTrap as exc:
                if exc.code != 0:
                    break
            except wasmtime.Trap:
                break
        return out.read_text().splitlines()


def _outcome(lines: list[str]) -> Run:
    traces = tuple(f"{m['file']}:{m['line']}" for line in lines if (m := TRACE.match(line)))
    failures = [m["key"] for line in lines if (m := FAILURE.match(line))]
    probed = [tuple(line.split()[1:]) for line in lines if line.split()[:1] == ["probe"]]
    return Run(traces, failures[0] if failures else None, probed[0] if probed else None)


def model_wasm(program: Program, folder: Path, mode: str,
               analyses: dict[Path, Analysis] | None = None
               ) -> tuple[WasmOutcome, ProgramContext]:
    """What amalint's program model says each run does."""
    ctx = program_model(" ".join(link_command(program, mode)), folder, f"prog_{mode}.wasm",
                        Linker.WASM, analyses)
    if ctx.resolution.unresolved:
        return WasmOutcome(True), ctx
    analysis = ctx.sequence.analysis
    failing = failing_lookups(ctx)
    ran: list[str] = []
    keys: list[str] = []
    started = Run()
    for entry in analysis.order:
        ran.append(f"{entry.location.path.name}:{entry.location.line}")
        if entry in failing:
            started = Run(tuple(ran), failing[entry])
            break
        keys += [e.key for e in analysis.effects[entry] if e.role is Role.PROVIDER]
    else:
        started = Run(tuple(ran), None, tuple(keys))
    if ctx.link.startup is StartUp.COMMAND:
        return WasmOutcome(False, (Run(started.ran, started.failure),)), ctx
    return WasmOutcome(False, (Run((), None, ()), started)), ctx


__all__ = ["MODES", "PROFILE", "available", "compile_wasm", "host", "model_wasm", "run_wasm"]
