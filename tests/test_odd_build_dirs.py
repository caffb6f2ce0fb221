"""Build directories with every kind of target CMake and Meson can write: object, interface and
header-only libraries, a target whose only sources are another's objects, one-source targets,
and sources the build generates (a unity source that includes them before the build ran). Each
is a clear behaviour, never a traceback: a target with nothing to check is skipped with a note
(``--verbose``), a generated source not on disk yet is left out of its unit, and the findings
are what the compiler says of the unity build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import amalint, compiler_errors, places

BIN = Path(sys.executable).parent
CMAKE = str(BIN / "cmake") if (BIN / "cmake").exists() else shutil.which("cmake") or "cmake"
MESON = str(BIN / "meson") if (BIN / "meson").exists() else shutil.which("meson") or "meson"
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "LC_ALL": "C"}

SOURCES = {
    "a.cc": "static int dup() { return 1; }\nint a_f() { return dup(); }\n",
    "b.cc": "static int one() { return 1; }\nint b_f() { return one(); }\n"
            "static int dup() { return 2; }\nint b_g() { return dup(); }\n",
    "c.cc": "static int c_only() { return 3; }\nint c_f() { return c_only(); }\n",
    "d.cc": "static int d_only() { return 4; }\nint d_f() { return d_only(); }\n",
    "gen.in": "int gen_f() { return 5; }\n",
    "main.cc": "int main() { return 0; }\n",
    "h1.h": "#pragma once\nint h1();\n",
    "h2.h": "#pragma once\nint h2();\n",
    "x.c": "static int s = 1;\nint x_f(void) { return s; }\n",
    "y.c": "static int s = 2;\nint y_f(void) { return s; }\n",
}
CMAKELISTS = """cmake_minimum_required(VERSION 3.16)
project(odd C CXX)
add_library(objlib OBJECT a.cc b.cc)
add_library(iface INTERFACE)
target_sources(iface INTERFACE h1.h)
add_library(hdronly STATIC h1.h h2.h)
set_target_properties(hdronly PROPERTIES LINKER_LANGUAGE CXX)
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/gen.cc
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/gen.in
          ${CMAKE_CURRENT_BINARY_DIR}/gen.cc DEPENDS gen.in)
add_library(genonly STATIC ${CMAKE_CURRENT_BINARY_DIR}/gen.cc)
add_library(genmix STATIC ${CMAKE_CURRENT_BINARY_DIR}/gen.cc c.cc d.cc)
add_executable(one main.cc)
add_library(fromobj STATIC $<TARGET_OBJECTS:objlib>)
add_library(conly STATIC x.c y.c)
"""
MESON_BUILD = """project('odd', 'c', 'cpp')
gen = custom_target('gen', input: 'gen.in', output: 'gen.cc',
                    command: ['cp', '@INPUT@', '@OUTPUT@'])
static_library('genonly', gen)
static_library('genmix', gen, 'c.cc', 'd.cc')
static_library('empty')
static_library('hdronly', 'h1.h', 'h2.h')
executable('one', 'main.cc')
static_library('conly', 'x.c', 'y.c')
static_library('objlib', 'a.cc', 'b.cc')
"""
#: Where the compiler stops each whole-target unity build (and amalint's AM201 errors).
COLLISIONS = {("b.cc", 3), ("y.c", 1)}


def _project(root: Path, build_file: str, text: str) -> Path:
    project = root / "src"
    project.mkdir()
    for name, source in SOURCES.items():
        (project / name).write_text(source)
    (project / build_file).write_text(text)
    return project


def _run(*args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, env=ENV, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def cmake(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("odd_cmake")
    project = _project(root, "CMakeLists.txt", CMAKELISTS)
    out = {"project": project}
    for name, args, query in (("off", [], True),
                              ("whole", ["-DCMAKE_UNITY_BUILD=ON",
                                         "-DCMAKE_UNITY_BUILD_BATCH_SIZE=0"], True),
                              ("batch1", ["-DCMAKE_UNITY_BUILD=ON",
                                          "-DCMAKE_UNITY_BUILD_BATCH_SIZE=1"], True),
                              ("noreply", ["-DCMAKE_UNITY_BUILD=ON",
                                           "-DCMAKE_UNITY_BUILD_BATCH_SIZE=0"], False)):
        build = root / name
        if query:
            (build / ".cmake/api/v1/query").mkdir(parents=True)
            for kind in ("codemodel-v2", "cmakeFiles-v1"):
                (build / ".cmake/api/v1/query" / kind).touch()
        _run(CMAKE, "-S", str(project), "-B", str(build), "-G", "Ninja",
             "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", *args)
        out[name] = build
    return out


@pytest.fixture(scope="module")
def meson_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("odd_meson")
    project = _project(root, "meson.build", MESON_BUILD)
    out = {"project": project}
    for name, args in (("off", ["--unity=off"]), ("whole", ["--unity=on", "-Dunity_size=100"])):
        _run(MESON, "setup", str(root / name), str(project), *args)
        out[name] = root / name
    return out


def _check(project: Path, *args: str) -> tuple[list[dict[str, Any]], str]:
    result = amalint("check", "--no-cache", "--format", "json", "-v", *args, cwd=project)
    assert "Traceback" not in result.stderr
    return result.findings, result.stderr


@pytest.mark.parametrize("variant", ["off", "whole", "batch1", "noreply"])
@pytest.mark.parametrize("readiness", [True, False])
def test_cmake_odd_targets_are_checked_or_noted(cmake: dict[str, Path], variant: str,
                                                readiness: bool) -> None:
    """Every variant, before the build ran (gen.cc not there yet): no traceback; readiness
    finds the two collisions; today's unity sources find them when batched together."""
    args = ["-p", str(cmake[variant]), "--select", "AM2"]
    if not readiness and variant == "off":
        result = amalint("check", *args, cwd=cmake["project"])
        assert result.returncode == 2 and "no unity sources" in result.stderr
        return
    found, notes = _check(cmake["project"], *args, *(["--unity-readiness"] if readiness else []))
    assert places(found) == (set() if variant == "batch1" and not readiness else COLLISIONS)
    if variant != "off":
        assert "target `genonly`" in notes and "nothing to check" in notes
        assert "target `genmix`" in notes  # in one batch with gen.cc, or alone (batch1)
        assert ("checked without them" in notes) == (variant != "batch1")


def test_cmake_findings_are_the_compilers_after_the_build(cmake: dict[str, Path]) -> None:
    """The whole-target build (which generates gen.cc) fails exactly where amalint said, and
    with gen.cc on disk amalint checks it too and says the same."""
    built = subprocess.run([CMAKE, "--build", str(cmake["whole"]), "--", "-k", "0"],
                           capture_output=True, text=True, env=ENV, timeout=300)
    assert built.returncode != 0
    assert compiler_errors(built.stdout, cmake["project"]) == COLLISIONS
    found, notes = _check(cmake["project"], "-p", str(cmake["whole"]), "--select", "AM2")
    assert places(found) == COLLISIONS
    assert "target `genmix`" not in notes


def test_a_unity_source_of_generated_sources_only_names_nothing_to_check(
        cmake: dict[str, Path], tmp_path: Path) -> None:
    build = tmp_path / "genonly"
    _run(CMAKE, "-S", str(cmake["project"]), "-B", str(build), "-G", "Ninja",
         "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-DCMAKE_UNITY_BUILD=ON")
    result = amalint("check", "-p", str(build), "--target", "genonly", cwd=cmake["project"])
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "include only files the build generates" in result.stderr


@pytest.mark.parametrize("variant", ["off", "whole"])
@pytest.mark.parametrize("readiness", [True, False])
def test_meson_odd_targets_are_checked_or_noted(meson_builds: dict[str, Path], variant: str,
                                                readiness: bool) -> None:
    args = ["-p", str(meson_builds[variant]), "--select", "AM2"]
    if not readiness and variant == "off":
        result = amalint("check", *args, cwd=meson_builds["project"])
        assert result.returncode == 2 and "no unity sources" in result.stderr
        return
    found, notes = _check(meson_builds["project"], *args,
                          *(["--unity-readiness"] if readiness else []))
    assert places(found) == COLLISIONS
    for name in ("empty", "hdronly"):
        assert f"target `{name}` has no C or C++ source of the project" in notes
    assert "built without unity" not in notes
