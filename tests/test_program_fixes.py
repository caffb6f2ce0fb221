"""``check --program --fix`` and ``--diff`` on a CMake build (fixtures/program): AM106's reorder
of the target's sources and AM107's whole-archive link, each offered only when it fixes the
program; and a shared library's start-up. The judge is the program (or the library, loaded):
configured, built and run again after the fix."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, amalint

pytestmark = pytest.mark.skipif(not (Path(sys.executable).parent / "cmake").exists(),
                                reason="cmake and ninja come with the dev extra")

TRACE = re.compile(r"^init (.+):(\d+)$", re.M)
FAST = ("--frontend", "tree-sitter")
CMAKE = """\
cmake_minimum_required(VERSION 3.24)
project(program CXX)
include_directories(${{CMAKE_SOURCE_DIR}}/../plug/include)
add_library(plugins {kind} plugins/zip.cc plugins/tar.cc)
add_executable(app {sources})
target_link_libraries(app PRIVATE plugins)
"""
#: An application that needs only the log sink at start-up, not the zip codec.
MAIN_WITHOUT_ZIP = """\
#include "plug/registry.h"

PLUG_INIT() {
  PLUG_TRACE();
  plug::Require("log.sink");
}

int main() { return 0; }
"""


def project(tmp_path: Path, kind: str, sources: str, main: str | None = None,
            lists: str = CMAKE) -> Path:
    """fixtures/program as a CMake project (Ninja, the file API asked for), built."""
    root = tmp_path / "program"
    shutil.copytree(FIXTURES / "program", root,
                    ignore=shutil.ignore_patterns("*.o", "*.a", "build.sh"))
    shutil.copytree(FIXTURES / "plug", tmp_path / "plug")
    if main is not None:
        (root / "main.cc").write_text(main)
    (root / "CMakeLists.txt").write_text(lists.format(kind=kind, sources=sources))
    query = root / "build" / ".cmake" / "api" / "v1" / "query"
    query.mkdir(parents=True)
    (query / "codemodel-v2").touch()
    cmake(root, "-S", ".", "-B", "build", "-G", "Ninja")
    cmake(root, "--build", "build")
    return root


def cmake(root: Path, *args: str) -> None:
    tools = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["cmake", *args], cwd=root, check=True, capture_output=True, env=env)


def start(root: Path) -> tuple[int, list[str]]:
    """Run the built app: its exit code and the sources whose start-up code ran."""
    ran = subprocess.run(["./build/app"], cwd=root, capture_output=True, text=True)
    return ran.returncode, [Path(f).name for f, _ in TRACE.findall(ran.stdout)]


def test_link_order_fix_lists_the_registering_source_first(tmp_path: Path) -> None:
    root = project(tmp_path, "OBJECT", "main.cc log.cc")
    assert start(root)[0] != 0  # main.cc looks up log.sink before log.cc registers it
    lists = root / "CMakeLists.txt"
    before = lists.read_bytes()
    check = amalint("check", "--program", "app", "-p", "build", *FAST, cwd=root)
    assert check.returncode == 1 and "AM106" in check.stdout
    assert "1 hidden fix(es) can be enabled with the `--unsafe-fixes` option" in check.stdout
    safe = amalint("check", "--program", "app", "-p", "build", "--fix", *FAST, cwd=root)
    assert safe.returncode == 1 and lists.read_bytes() == before  # the fix is unsafe
    diff = amalint("check", "--program", "app", "-p", "build", "--diff", "--unsafe-fixes",
                   *FAST, cwd=root)
    assert diff.returncode == 1 and lists.read_bytes() == before
    assert "-add_executable(app main.cc log.cc)\n+add_executable(app log.cc main.cc)" \
        in diff.stdout
    fixed = amalint("check", "--program", "app", "-p", "build", "--fix", "--unsafe-fixes",
                    *FAST, cwd=root)
    assert fixed.returncode == 0, fixed.stdout
    assert "(1 fixed, 0 remaining)" in fixed.stdout
    assert lists.read_bytes() == before.replace(b"app main.cc log.cc", b"app log.cc main.cc")
    cmake(root, "--build", "build")
    code, ran = start(root)
    assert code == 0 and ran.index("log.cc") < ran.index("main.cc")
    assert amalint("check", "--program", "app", "-p", "build", *FAST, cwd=root).returncode == 0


def test_dropped_registrar_fix_links_the_library_whole(tmp_path: Path) -> None:
    root = project(tmp_path, "STATIC", "log.cc main.cc", MAIN_WITHOUT_ZIP)
    assert start(root) == (0, ["log.cc", "main.cc"])  # the plugins never register
    check = amalint("check", "--program", "app", "-p", "build", "--format", "json", *FAST,
                    cwd=root)
    assert sorted(f["code"] for f in check.findings) == ["AM107", "AM107"]
    assert all(f["fix"] is not None for f in check.findings)
    fixed = amalint("check", "--program", "app", "-p", "build", "--fix", "--unsafe-fixes",
                    *FAST, cwd=root)
    assert fixed.returncode == 0, fixed.stdout
    assert 'target_link_libraries(app PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,plugins>")' \
        in (root / "CMakeLists.txt").read_text()
    cmake(root, "--build", "build")
    code, ran = start(root)
    assert code == 0 and {"zip.cc", "tar.cc"} <= set(ran)
    assert amalint("check", "--program", "app", "-p", "build", *FAST, cwd=root).returncode == 0


def test_no_whole_archive_fix_when_the_registration_would_still_come_too_late(
        tmp_path: Path) -> None:
    """main.cc looks codec.zip up at start-up: linked whole after main.cc's object, zip.cc
    would still register after the lookup, so AM107 on zip.cc has no fix and says why."""
    root = project(tmp_path, "STATIC", "log.cc main.cc")
    check = amalint("check", "--program", "app", "-p", "build", "--format", "json", *FAST,
                    cwd=root)
    by_file = {f["filename"]: f for f in check.findings}
    zip_finding = by_file["plugins/zip.cc"]
    assert zip_finding["fix"] is None
    assert "no automatic fix" in zip_finding["message"] and "AM106" in zip_finding["message"]


def test_a_link_command_has_no_fix_and_says_so(tmp_path: Path) -> None:
    root = tmp_path / "program"
    shutil.copytree(FIXTURES / "program", root)
    shutil.copytree(FIXTURES / "plug", tmp_path / "plug")
    subprocess.run(["sh", "build.sh"], cwd=root, check=True, capture_output=True)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    fixed = amalint("check", "--program", "app", "--link", "g++ main.o log.o -o app", "--fix",
                    "--unsafe-fixes", *FAST, cwd=root)
    assert fixed.returncode == 1 and "AM106" in fixed.stdout
    assert "a link given as --link has none" in fixed.stderr
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


SHARED = """\
cmake_minimum_required(VERSION 3.24)
project(program CXX)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
include_directories(${{CMAKE_SOURCE_DIR}}/../plug/include)
add_library(plugins {kind} plugins/zip.cc plugins/tar.cc)
add_library(mod SHARED {sources})
target_link_libraries(mod PRIVATE plugins)
"""
#: main.cc's start-up code, in a library: no ``main``.
LIBRARY_MAIN = """\
#include "plug/registry.h"

PLUG_INIT() {
  PLUG_TRACE();
  plug::Require("log.sink");
}
"""


def load(root: Path) -> tuple[int, list[str]]:
    """Load the built shared library as a program would (``dlopen``): the exit code and the
    sources whose start-up code ran."""
    ran = subprocess.run([sys.executable, "-c", "import ctypes, sys; ctypes.CDLL(sys.argv[1])",
                          str(root / "build" / "libmod.so")], capture_output=True, text=True)
    return ran.returncode, [Path(f).name for f, _ in TRACE.findall(ran.stdout)]


def test_a_shared_librarys_start_up_is_what_loading_it_runs(tmp_path: Path) -> None:
    """Linked with ``-shared``, nothing needs ``main``; the loader runs the library's
    ``.init_array`` when it loads it. The lookup before its registration aborts the load, the
    plugins the library never references are left out; the reorder fixes the first, linking
    the plugins whole the second."""
    root = project(tmp_path, "STATIC", "main.cc log.cc", LIBRARY_MAIN, SHARED)
    code, ran = load(root)
    order = amalint("order", "--program", "mod", "-p", "build", "--format", "json", *FAST,
                    cwd=root)
    assert order.json["startup"] == "shared"
    predicted = [Path(r["filename"]).name for r in order.json["sequence"]]
    assert code != 0 and ran == predicted[:len(ran)] == ["main.cc"]
    assert {Path(item["object"]).name for item in order.json["left_out"]} == {
        "libplugins.a(zip.cc.o)", "libplugins.a(tar.cc.o)"}
    check = amalint("check", "--program", "mod", "-p", "build", "--format", "json", *FAST,
                    cwd=root)
    assert sorted(f["code"] for f in check.findings) == ["AM106", "AM107", "AM107"]
    fixed = amalint("check", "--program", "mod", "-p", "build", "--fix", "--unsafe-fixes",
                    *FAST, cwd=root)
    assert fixed.returncode == 0 and "(3 fixed, 0 remaining)" in fixed.stdout
    lists = (root / "CMakeLists.txt").read_text()
    assert "add_library(mod SHARED log.cc main.cc)" in lists
    assert "target_link_libraries(mod PRIVATE \"$<LINK_LIBRARY:WHOLE_ARCHIVE,plugins>\")" \
        in lists
    cmake(root, "--build", "build")
    code, ran = load(root)
    assert code == 0 and ran[:2] == ["log.cc", "main.cc"] and set(ran[2:]) == {"zip.cc",
                                                                                 "tar.cc"}
    assert amalint("check", "--program", "mod", "-p", "build", *FAST, cwd=root).returncode == 0
