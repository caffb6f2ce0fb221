"""The whole program (``--program``): fixtures/program linked in several orders, with and without
``--whole-archive``, by GNU ld, gold and lld, and as a CMake build read through the file API.
Every sequence amalint prints is what the linked program runs; every finding is a start-up
failure of the program (or, as a warning, a registration that does not happen)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, amalint, one_line
from program_oracle import Program, Unit, available, compile_program, model, run

from amalint.analysis.effects import Analysis
from amalint.config.buildsystems.link import parse_command
from amalint.config.buildsystems.mesonlink import link_statement

TRACE = re.compile(r"^init (.+):(\d+)$", re.M)
PLUGINS = "plugins/libplugins.a"
WHOLE = f"-Wl,--whole-archive {PLUGINS} -Wl,--no-whole-archive"
#: link inputs -> the codes of the error findings amalint must report
LINKS = {
    f"main.o log.o {PLUGINS}": {"AM106", "AM107"},
    f"log.o main.o {PLUGINS}": {"AM107"},
    f"log.o main.o {WHOLE}": {"AM106"},
    f"log.o {WHOLE} main.o": set(),
}
LD = [linker for linker in ("bfd", "gold", "lld") if available(linker)]


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fixtures/program with its objects and plugin library built."""
    root = tmp_path_factory.mktemp("program")
    shutil.copytree(FIXTURES / "program", root / "program")
    shutil.copytree(FIXTURES / "plug" / "include", root / "plug" / "include")
    subprocess.run(["sh", "build.sh"], cwd=root / "program", check=True, capture_output=True)
    return root / "program"


def run_link(folder: Path, inputs: str, linker: str) -> tuple[int, list[str], str]:
    """Link and run: exit code, the entries that ran (``file:line``), stderr."""
    subprocess.run(["g++", f"-fuse-ld={linker}", *inputs.split(), "-o", "app"], cwd=folder,
                   check=True, capture_output=True)
    ran = subprocess.run(["./app"], cwd=folder, capture_output=True, text=True, timeout=30)
    return ran.returncode, [f"{f}:{line}" for f, line in TRACE.findall(ran.stdout)], ran.stderr


def test_lld_is_installed_or_skipped_loudly() -> None:
    if "lld" not in LD:
        pytest.skip("ld.lld is not installed (apt-get install lld): the lld half of the "
                    "program oracle does not run")


#: every link line with GNU ld; the first and the last with gold and lld as well
RUNS = [(inputs, "bfd") for inputs in LINKS] + [
    (inputs, linker) for linker in LD if linker != "bfd" for inputs in list(LINKS)[::3]]
FAST = ("--frontend", "tree-sitter")


@pytest.mark.parametrize("inputs, linker", RUNS)
def test_order_program_is_what_the_linked_program_runs(program: Path, inputs: str,
                                                       linker: str) -> None:
    code, ran, stderr = run_link(program, inputs, linker)
    command = f"g++ {inputs} -o app"
    order = amalint("order", "--program", "app", "--link", command, "--linker", linker,
                    "--format", "json", *FAST, cwd=program)
    assert order.returncode == 0, order.stderr
    predicted = [f"{r['filename']}:{r['location']['row'] + 1}" for r in order.json["sequence"]]
    check = amalint("check", "--program", "app", "--link", command, "--linker", linker,
                    "--format", "json", *FAST, cwd=program)
    errors = {f["code"] for f in check.findings if f["severity"] == "error"}
    assert errors == LINKS[inputs]
    if errors:
        # start-up aborts at the first entry with a lookup amalint flags, after the ones before
        assert code != 0 and "nothing provides" in stderr
        assert ran == predicted[:len(ran)]
        # the entry that aborted is one a finding points at (AM106) or names (AM107)
        flagged = {(f["filename"], f["location"]["row"] + 1) for f in check.findings} | {
            (r["filename"], r["location"]["row"] + 1) for f in check.findings
            for r in f["related"] if "runs at start-up" in r["message"]}
        file, line = ran[-1].rsplit(":", 1)
        assert (file, int(line)) in flagged
    else:
        assert code == 0 and ran == predicted


def test_dropped_registrar_names_member_lookup_and_remedies(program: Path) -> None:
    inputs = f"log.o main.o {PLUGINS}"
    _, ran, stderr = run_link(program, inputs, "bfd")
    assert "nothing provides codec.zip" in stderr
    assert not any(r.startswith("plugins/") for r in ran)  # neither plugin's code ran
    check = amalint("check", "--program", "app", "--link", f"g++ {inputs}", "--format",
                    "json", cwd=program)
    by_file = {f["filename"]: f for f in check.findings}
    zip_finding, tar = by_file["plugins/zip.cc"], by_file["plugins/tar.cc"]
    assert zip_finding["code"] == "AM107" and zip_finding["severity"] == "error"
    assert "libplugins.a(zip.o)" in zip_finding["message"]
    assert "`codec.zip`" in zip_finding["message"] and "`main.cc`" in zip_finding["message"]
    notes = " ".join(r["message"] for r in zip_finding["related"])
    assert "-Wl,--whole-archive plugins/libplugins.a" in notes or "--whole-archive" in notes
    # nobody looks codec.tar up at start-up: the registration is missing, nothing aborts
    assert tar["code"] == "AM107" and tar["severity"] == "warning"


CMAKE = """\
cmake_minimum_required(VERSION 3.24)
project(program CXX)
include_directories(${CMAKE_SOURCE_DIR}/../plug/include)
add_library(plugins %s plugins/zip.cc plugins/tar.cc)
add_executable(app log.cc main.cc)
target_link_libraries(app PRIVATE %s)
"""

CMAKE_CASES = {
    # a static library: the plugins are left out
    ("STATIC", "plugins"): {"AM107"},
    # linked whole, but after the application's objects: registered too late
    ("STATIC", "$<LINK_LIBRARY:WHOLE_ARCHIVE,plugins>"): {"AM106"},
    # an object library: Ninja links its objects before the target's own
    ("OBJECT", "plugins"): set(),
}


@pytest.mark.skipif(not (Path(sys.executable).parent / "cmake").exists(),
                    reason="cmake and ninja come with the dev extra")
@pytest.mark.parametrize("case", list(CMAKE_CASES))
def test_cmake_target_read_through_the_file_api(program: Path, tmp_path: Path,
                                                case: tuple[str, str]) -> None:
    project = tmp_path / "program"
    shutil.copytree(program, project, ignore=shutil.ignore_patterns("*.o", "*.a", "app"))
    shutil.copytree(program.parent / "plug", tmp_path / "plug")
    (project / "CMakeLists.txt").write_text(CMAKE % case)
    query = project / "build" / ".cmake" / "api" / "v1" / "query"
    query.mkdir(parents=True)
    (query / "codemodel-v2").touch()
    tools = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    for command in (["cmake", "-S", ".", "-B", "build", "-G", "Ninja"],
                    ["cmake", "--build", "build"]):
        subprocess.run(command, cwd=project, check=True, capture_output=True, env=env)
    ran = subprocess.run(["./build/app"], cwd=project, capture_output=True, text=True)
    traces = [f"{f}:{line}" for f, line in TRACE.findall(ran.stdout)]
    order = amalint("order", "--program", "app", "-p", "build", "--format", "json", *FAST,
                    cwd=project)
    assert order.returncode == 0, order.stderr
    predicted = [f"{r['filename']}:{r['location']['row'] + 1}" for r in order.json["sequence"]]
    check = amalint("check", "--program", "app", "-p", "build", "--format", "json", *FAST,
                    cwd=project)
    errors = {f["code"] for f in check.findings if f["severity"] == "error"}
    assert errors == CMAKE_CASES[case]
    # the sources run from the project, __FILE__ is absolute: compare relative paths
    ran_relative = [os.path.relpath(t.split(":")[0], project) + ":" + t.split(":")[1]
                    for t in traces]
    assert ran_relative == predicted[:len(ran_relative)]
    assert (ran.returncode == 0) == (not errors)
    if case == ("STATIC", "plugins"):
        remedy = " ".join(r["message"] for f in check.findings for r in f["related"])
        assert "$<LINK_LIBRARY:WHOLE_ARCHIVE,plugins>" in remedy


def test_link_command_inputs_in_order(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    for name in ("lib/libz.a", "lib/liby.a", "lib/libs.so", "lib/libs.a"):
        (tmp_path / name).write_bytes(b"")
    argv = ["c++", "-o", "app", "a.o", "-Llib", "-lz", "-Wl,--push-state,--whole-archive",
            "-ly", "lib/libz.a", "-Wl,--pop-state", "-ls", "-lm", "b.o"]
    found = [(p.path.relative_to(tmp_path).as_posix(), p.archive, p.whole)
             for p in parse_command(argv, tmp_path)]
    assert found == [("a.o", False, False), ("lib/libz.a", True, False),
                     ("lib/liby.a", True, True), ("lib/libz.a", True, True),
                     ("b.o", False, False)]  # -ls finds the shared library first: no input


@pytest.mark.parametrize("args, message", [
    (["--link", "g++ missing.o"], "missing.o: cannot read"),
    (["--link", "g++ -o app"], "names no object file"),
    (["--link", "g++ notelf.o"], "not an ELF object"),
    (["-p", "nobuild"], "no CMake file API reply"),
])
def test_bad_program_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "notelf.o").write_text("text\n")
    (tmp_path / "nobuild").mkdir()
    for command in ("order", "check"):
        result = amalint(command, "--program", "app", *args, cwd=tmp_path)
        assert result.returncode == 2
        assert message in one_line(result.stderr)


CTORS = """\
#include <cstdio>
static void %(n)s_a() { std::puts("%(n)s .ctors a"); }
static void %(n)s_b() { std::puts("%(n)s .ctors b"); }
__attribute__((used, section(".ctors"), aligned(8))) static void (*%(n)s_pa)() = %(n)s_a;
__attribute__((used, section(".ctors"), aligned(8))) static void (*%(n)s_pb)() = %(n)s_b;
__attribute__((constructor)) static void %(n)s_init() { std::puts("%(n)s .init_array"); }
"""


def test_legacy_ctors_sections_are_the_linkers_own(tmp_path: Path) -> None:
    """Why amalint models `.init_array` only: compilers emit nothing else on these targets, and
    hand-placed `.ctors` entries run differently under each linker (GNU ld folds them into
    `.init_array`, each object's reversed, before its `.init_array`; gold runs them after
    every `.init_array` entry; lld does not run them), while the `.init_array` entries keep
    the link order under all three."""
    for name in ("one", "two"):
        (tmp_path / f"{name}.cc").write_text(CTORS % {"n": name}
                                             + ("int main() {}\n" if name == "one" else ""))
        subprocess.run(["g++", "-c", f"{name}.cc"], cwd=tmp_path, check=True)
    seen = {}
    for linker in LD:
        subprocess.run(["g++", f"-fuse-ld={linker}", "one.o", "two.o", "-o", linker],
                       cwd=tmp_path, check=True)
        lines = subprocess.run([f"./{linker}"], cwd=tmp_path, capture_output=True,
                               text=True, check=True).stdout.splitlines()
        assert [x for x in lines if "init_array" in x] == ["one .init_array", "two .init_array"]
        seen[linker] = [x for x in lines if ".ctors" in x]
    assert seen.get("bfd", ["one .ctors b", "one .ctors a", "two .ctors b", "two .ctors a"]) \
        == ["one .ctors b", "one .ctors a", "two .ctors b", "two .ctors a"]
    assert seen.get("lld", []) == []


def test_lld_takes_a_members_needs_depth_first(tmp_path: Path) -> None:
    """A library [x, y, z] where y needs x, and main needs y and z: GNU ld and gold take y and z
    in one pass and x in the next (y, z, x); lld takes x, already read, as soon as it takes y
    (y, x, z). The start-up order follows, and amalint predicts each."""
    find = [("dyn", None, "find", "k")]
    units = [Unit("main", list(find)), Unit("y", list(find), ["x"]), Unit("z", list(find)),
             Unit("x", list(find))]
    program = Program(units, ["y", "z"], [("obj", ["main"]), ("lib", ["x", "y", "z"])])
    compile_program(program, tmp_path)
    seen = {}
    analyses: dict[Path, Analysis] = {}
    for linker in LD:
        real = run(program, tmp_path, linker)
        predicted, _ = model(program, tmp_path, linker, analyses)
        assert real == predicted
        seen[linker] = [entry.split(".")[0] for entry in real.ran]
    assert seen.get("bfd", ["main", "y", "z", "x"]) == ["main", "y", "z", "x"]
    assert seen.get("gold", ["main", "y", "z", "x"]) == ["main", "y", "z", "x"]
    assert seen.get("lld", ["main", "y", "x", "z"]) == ["main", "y", "x", "z"]


def test_archive_members_with_long_names_are_read(tmp_path: Path) -> None:
    """GNU ar keeps a member name over 15 characters in the archive's name table, not in the
    member's header (as CMake's ``x.cc.o`` objects mostly are): such members are read, linked
    and left out as the linkers do."""
    long = "registrar_with_a_long_member_name"
    units = [Unit("main", [("dyn", None, "find", "k")]),
             Unit(long, [("dyn", None, "provide", "k")]),
             Unit("another_long_member_name", [("dyn", None, "provide", "j")])]
    program = Program(units, [long], [("obj", ["main"]),
                                      ("lib", [long, "another_long_member_name"])])
    compile_program(program, tmp_path)
    listed = subprocess.run(["ar", "t", "lib1.a"], cwd=tmp_path, capture_output=True,
                            text=True, check=True).stdout.split()
    assert f"{long}.o" in listed
    analyses: dict[Path, Analysis] = {}
    for linker in LD:
        real = run(program, tmp_path, linker)
        predicted, ctx = model(program, tmp_path, linker, analyses)
        assert real == predicted
        assert any(entry.startswith(f"{long}.cc:") for entry in real.ran)
        assert [obj.member for obj in ctx.resolution.dropped] == ["another_long_member_name.o"]


def test_an_explicit_default_priority_runs_first_under_clang_in_its_place_under_gcc(
        tmp_path: Path) -> None:
    """``[[gnu::init_priority(65535)]]`` is the default priority, but clang gives every
    explicitly prioritized initializer a function of its own that runs before the unit's other
    dynamic initializers; gcc runs it in its place in the text. amalint reads which compiler
    made each object from its ``.comment`` and predicts both."""
    units = [Unit("main", [("dyn", None, "find", "a"), ("dyn", 65535, "find", "b"),
                           ("ctor", None, "find", "c"), ("dyn", None, "find", "d")])]
    program = Program(units, [], [("obj", ["main"])])
    orders = {}
    for compiler in ("g++", "clang++"):
        folder = tmp_path / compiler
        folder.mkdir()
        compile_program(program, folder, compiler)
        real = run(program, folder, "bfd")
        predicted, _ = model(program, folder, "bfd")
        assert real == predicted, compiler
        orders[compiler] = [int(entry.split(":")[1]) for entry in real.ran]
    # lines 3-6 hold the entries: the constructor (5) first under both
    assert orders == {"g++": [5, 3, 4, 6], "clang++": [5, 4, 3, 6]}


def test_a_group_searches_its_libraries_until_none_adds_a_member(tmp_path: Path) -> None:
    """main needs b (in lib2.a), b needs a (in lib1.a, named before it): GNU ld and gold fail
    without a group and link it inside ``--start-group ... --end-group``; lld links it
    either way. amalint predicts each, and the start-up order that follows."""
    find = [("dyn", None, "find", "k")]
    units = [Unit("main", list(find)), Unit("a", list(find)), Unit("b", list(find), ["a"])]
    layout = [("obj", ["main"]), ("lib", ["a"]), ("lib", ["b"])]
    analyses: dict[Path, Analysis] = {}
    outcomes = {}
    for grouped in (False, True):
        program = Program(units, ["b"], layout, grouped)
        if not grouped:
            compile_program(program, tmp_path)
        for linker in LD:
            real = run(program, tmp_path, linker)
            predicted, _ = model(program, tmp_path, linker, analyses)
            assert real == predicted, (grouped, linker)
            outcomes[(grouped, linker)] = real
    assert outcomes[(False, "bfd")].link_error
    assert [e.split(".")[0] for e in outcomes[(True, "bfd")].ran] == ["main", "b", "a"]


def test_a_ninja_link_statement_is_read_with_its_escapes() -> None:
    """Meson's link of a target: the explicit inputs of the ``build`` line that makes it
    (``$ `` an escaped space, ``|`` the implicit ones), and its ``LINK_ARGS``."""
    ninja = ("build other.o: cpp_COMPILER ../other.cc\n"
             "build my$ app: cpp_LINKER a.o b$ c.o | libx.a || order\n"
             " LINK_ARGS = -Wl,--start-group libx.a $\n  -Wl,--end-group\n"
             "build next: phony\n")
    assert link_statement(ninja, "my app") == (
        ["a.o", "b c.o"], "-Wl,--start-group libx.a   -Wl,--end-group")
    assert link_statement(ninja, "missing") is None
