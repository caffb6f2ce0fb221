"""WebAssembly start-up: a command runs its constructors from ``_start``, a reactor only when
the host calls ``_initialize``. Judged by real modules: fixtures/wasm and the program oracle's
generated programs, compiled by the ``ziglang`` package's clang, linked by its wasm-ld and run
under the ``wasmtime`` package (:mod:`wasm_oracle`). The reading of link commands is pure and
tested without them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, amalint, one_line
from program_oracle import generate
from wasm_oracle import MODES, available, compile_wasm, env, host, model_wasm, run_wasm

from amalint.analysis.effects import Analysis
from amalint.config.buildsystems.link import startup_of
from amalint.program.model import StartUp

MISSING = available()
needs_tools = pytest.mark.skipif(MISSING is not None, reason=f"WebAssembly oracle: {MISSING}")
#: Fixed seeds of the oracle: the slice is the same on every run (the campaign:
#: benchmarks/program_campaign.py --wasm).
SEEDS = range(4)
FAST = ("--frontend", "tree-sitter")
ZIG = f"{sys.executable} -m ziglang c++ -target wasm32-wasi"


def test_the_wasm_tools_are_installed_or_skipped_loudly() -> None:
    if MISSING is not None:
        pytest.skip(f"the WebAssembly oracle does not run: {MISSING}")


@pytest.mark.parametrize("command, expected", [
    ("c++ main.o -o app", StartUp.ELF),
    ("clang++ --target=wasm32-wasi main.o -o app.wasm", StartUp.COMMAND),
    ("zig c++ -target wasm32-wasi main.o", StartUp.COMMAND),
    ("zig c++ -target wasm32-wasi -mexec-model=reactor main.o", StartUp.REACTOR),
    ("clang++ --target=wasm32-wasi -Wl,--no-entry,--export=serve main.o", StartUp.REACTOR),
    ("wasm-ld --no-entry --export serve main.o", StartUp.REACTOR),
    ("em++ main.o -o app.js", StartUp.COMMAND),  # its JavaScript runs the constructors
    ("em++ --no-entry main.o -o app.js", StartUp.COMMAND),
    ("em++ -sSTANDALONE_WASM --no-entry main.o -o app.wasm", StartUp.REACTOR),
    ("em++ -s STANDALONE_WASM=1 -Wl,--no-entry main.o", StartUp.REACTOR),
    ("em++ -sSTANDALONE_WASM=0 --no-entry main.o", StartUp.COMMAND),
])
def test_startup_mode_of_a_link_command(command: str, expected: StartUp) -> None:
    mode, roots = startup_of(command.split(), wasm_objects=False)
    assert mode is expected
    if mode is StartUp.REACTOR and "serve" in command:
        assert roots == ("serve",)  # a reactor's roots are its exports, not main


def test_wasm_objects_make_a_wasm_link_whatever_the_command() -> None:
    assert startup_of(["c++", "main.o"], wasm_objects=True)[0] is StartUp.COMMAND


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fixtures/wasm with its objects built, linked as a command and as a reactor."""
    if MISSING is not None:
        pytest.skip(f"WebAssembly oracle: {MISSING}")
    root = tmp_path_factory.mktemp("wasm")
    shutil.copytree(FIXTURES / "wasm", root / "wasm")
    shutil.copytree(FIXTURES / "plug" / "include", root / "plug" / "include")
    folder = root / "wasm"
    subprocess.run(["sh", "build.sh", sys.executable], cwd=folder, check=True,
                   capture_output=True, env=env())
    for mode in MODES:
        subprocess.run([*link(mode).split()], cwd=folder, check=True, capture_output=True,
                       env=env())
    return folder


def link(mode: str) -> str:
    reactor = " -mexec-model=reactor" if mode == "reactor" else ""
    return f"{ZIG}{reactor} module.o ops.o -o {mode}.wasm"


def trace(lines: list[str]) -> list[str]:
    return [line.removeprefix("init ") for line in lines if line.startswith("init ")]


@needs_tools
@pytest.mark.parametrize("mode", MODES)
def test_order_says_how_start_up_happens_and_what_runs(fixture: Path, mode: str) -> None:
    order = amalint("order", "--program", f"{mode}.wasm", "--link", link(mode), "--format",
                    "json", *FAST, cwd=fixture)
    assert order.returncode == 0, order.stderr
    assert order.json["startup"] == mode and order.json["linker"] == "wasm-ld"
    predicted = [f"{r['filename']}:{r['location']['row'] + 1}" for r in order.json["sequence"]]
    if mode == "command":
        lines = host(fixture / "command.wasm", ["_start"])
        assert trace(lines) == predicted and "serve: registered" in lines
        return
    # the host calls the export at once: no constructor has run, nothing is registered
    alone = host(fixture / "reactor.wasm", ["serve"])
    assert trace(alone) == [] and "serve: not registered" in alone
    # after `_initialize`: the constructors ran, in amalint's order
    initialized = host(fixture / "reactor.wasm", ["_initialize", "serve"])
    assert trace(initialized) == predicted and "serve: registered" in initialized


@needs_tools
@pytest.mark.parametrize("mode", MODES)
def test_am108_warns_of_a_reactor_only(fixture: Path, mode: str) -> None:
    check = amalint("check", "--program", f"{mode}.wasm", "--link", link(mode), "--format",
                    "json", *FAST, cwd=fixture)
    found = [f for f in check.findings if f["code"] == "AM108"]
    if mode == "command":
        assert check.returncode == 0 and not found
        return
    assert check.returncode == 1 and len(found) == 1
    finding = found[0]
    assert finding["severity"] == "warning" and "`_initialize`" in finding["message"]
    # it names every registration that will not have happened (what `serve` then misses)
    assert "`rpc.serve`" in finding["message"] and "`op.add`" in finding["message"]
    sites = {(r["filename"], r["location"]["row"]) for r in finding["related"]}
    assert ("module.cc", 7) in sites and ("ops.cc", 6) in sites


#: A compiler's generated start-up code (TVM's models register their functions so): a
#: constructor in an object whose source is gone.
GENERATED = """\
#include <stdio.h>
__attribute__((constructor)) static void __tvm_module_startup(void) {
  printf("generated: registered\\n");
  fflush(stdout);
}
"""


@needs_tools
def test_a_constructor_without_a_source_is_named_and_runs_only_from_initialize(
        fixture: Path, tmp_path: Path) -> None:
    folder = tmp_path / "wasm"
    shutil.copytree(fixture, folder)
    shutil.copytree(fixture.parent / "plug", tmp_path / "plug")
    (folder / "lib0.c").write_text(GENERATED)
    subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", "wasm32-wasi", "-c",
                    "lib0.c", "-o", "lib0.o"], cwd=folder, check=True, env=env())
    (folder / "lib0.c").unlink()
    command = f"{ZIG} -mexec-model=reactor module.o ops.o lib0.o -o gen.wasm"
    subprocess.run(command.split(), cwd=folder, check=True, capture_output=True, env=env())
    assert "generated: registered" not in host(folder / "gen.wasm", ["serve"])
    assert "generated: registered" in host(folder / "gen.wasm", ["_initialize", "serve"])
    order = amalint("order", "--program", "gen.wasm", "--link", command, "--format", "json",
                    *FAST, cwd=folder)
    assert order.json["not_seen"] == [{"object": "lib0.o",
                                       "constructors": ["__tvm_module_startup"]}]
    check = amalint("check", "--program", "gen.wasm", "--link", command, "--format", "json",
                    *FAST, cwd=folder)
    (finding,) = [f for f in check.findings if f["code"] == "AM108"]
    assert "`__tvm_module_startup` of `lib0.o`" in finding["message"]


@needs_tools
@pytest.mark.parametrize("seed", SEEDS)
def test_generated_wasm_program_runs_as_the_model_says(seed: int, tmp_path: Path) -> None:
    program = generate(seed)
    compile_wasm(program, tmp_path)
    analyses: dict[Path, Analysis] = {}
    for mode in MODES:
        real = run_wasm(program, tmp_path, mode)
        predicted, _ = model_wasm(program, tmp_path, mode, analyses)
        assert real == predicted, f"{mode}, seed {seed}"


def test_a_rule_checks_a_unit_or_a_program_never_both() -> None:
    from amalint.engine.rule import Rule
    from amalint.model import Severity
    from amalint.rules import RULES

    program_rules = {code for code, rule in RULES.items() if rule.of_program}
    assert program_rules == {"AM106", "AM107", "AM108"}
    assert all(rule.check is None for code, rule in RULES.items() if code in program_rules)
    with pytest.raises(TypeError):
        Rule("AM999", "neither", Severity.ERROR, "checks nothing")
    with pytest.raises(TypeError):
        Rule("AM999", "both", Severity.ERROR, "checks both", check=lambda _: iter(()),
             program=lambda _: iter(()))


@pytest.mark.parametrize("data", [b"\0asm\x01\0\0\0", b"\0asm\x01\0\0\0\x00\x05\x07linking",
                                  b"\0asm\x01\0\0\0\x0a\x80"])
def test_a_broken_wasm_object_is_one_line_and_exit_2(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "bad.o").write_bytes(data)
    found = amalint("check", "--program", "app", "--link", "zig c++ bad.o", cwd=tmp_path)
    assert found.returncode == 2
    assert "bad.o: not a WebAssembly object" in one_line(found.stderr)
