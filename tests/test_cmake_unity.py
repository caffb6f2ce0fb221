"""Unity builds made by CMake, against real CMake, Ninja and compilers.

``fixtures/cmake_unity`` is configured once per session (the pip ``cmake`` and ``ninja``
wheels, with the file API query and ``compile_commands.json``): without unity builds, with
``CMAKE_UNITY_BUILD_BATCH_SIZE`` 2 (which hides its latent collisions) and 0 (one unit per
target and language, where the compiler meets them), and once without the file API query. The
tests hold amalint's findings against what the compiler and the program do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, amalint, compiler_errors, one_line, places

from amalint.engine.readiness import include_line
from amalint.errors import InputError

PROJECT = FIXTURES / "cmake_unity"
BIN = Path(sys.executable).parent
CMAKE = str(BIN / "cmake") if (BIN / "cmake").exists() else shutil.which("cmake") or "cmake"
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "LC_ALL": "C"}
VARIANTS = {
    "off": [],
    "batch2": ["-DCMAKE_UNITY_BUILD=ON", "-DCMAKE_UNITY_BUILD_BATCH_SIZE=2"],
    "batch0": ["-DCMAKE_UNITY_BUILD=ON", "-DCMAKE_UNITY_BUILD_BATCH_SIZE=0"],
}


def configure(source: Path, build: Path, *args: str, query: bool = True) -> None:
    if query:
        query_dir = build / ".cmake" / "api" / "v1" / "query"
        query_dir.mkdir(parents=True)
        for kind in ("codemodel-v2", "cmakeFiles-v1"):
            (query_dir / kind).touch()
    done = subprocess.run([CMAKE, "-S", str(source), "-B", str(build), "-G", "Ninja",
                           "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", *args],
                          capture_output=True, text=True, env=ENV, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def ninja(build: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CMAKE, "--build", str(build), "--", "-k", "0", *targets],
                          capture_output=True, text=True, env=ENV, timeout=300)


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cmake_unity")
    out = {}
    for name, args in VARIANTS.items():
        configure(PROJECT, root / name, *args)
        out[name] = root / name
    configure(PROJECT, root / "noreply", query=False)
    out["noreply"] = root / "noreply"
    return out


def check(*args: str) -> list[dict[str, Any]]:
    result = amalint("check", "--format", "json", *args, cwd=PROJECT)
    found: list[dict[str, Any]] = result.findings
    return found


@pytest.fixture(scope="session")
def whole_target_errors(builds: dict[str, Path]) -> set[tuple[str, int]]:
    """What g++ says when each target (and unity group) is one unit."""
    built = ninja(builds["batch0"])
    assert built.returncode != 0
    return compiler_errors(built.stdout, PROJECT)


def test_batch_size_2_hides_the_collisions_batch_size_0_exposes(
        builds: dict[str, Path], whole_target_errors: set[tuple[str, int]]) -> None:
    for name in ("off", "batch2"):
        built = ninja(builds[name])
        assert built.returncode == 0, built.stdout
    assert whole_target_errors == {("shapes/square.cc", 3), ("codec/huff.c", 3)}


@pytest.mark.parametrize("variant", ["off", "batch2", "batch0", "noreply"])
def test_readiness_equals_the_errors_of_whole_target_units(
        builds: dict[str, Path], whole_target_errors: set[tuple[str, int]],
        variant: str) -> None:
    """Configured with or without unity builds, with or without the file API reply:
    readiness reports exactly what the compiler rejects, at the sources, and nothing else
    (not the skipped legacy.cc, not fast.cc with its own definitions, not the same name in
    two UNITY_GROUPs or in a C and a C++ source, not C's tentative definitions)."""
    found = check("-p", str(builds[variant]), "--unity-readiness", "--select", "AM2")
    assert all(f["severity"] == "error" for f in found), found
    assert places(found) == whole_target_errors
    for finding in found:
        assert not finding["filename"].startswith(("/", "..")), finding
        assert "[target `" in finding["message"]
        assert "SKIP_UNITY_BUILD_INCLUSION ON" in finding["message"]  # the remedies
        assert finding["fix"] is None


def test_readiness_names_the_target_where_its_sources_are_listed(
        builds: dict[str, Path]) -> None:
    found = check("-p", str(builds["off"]), "--unity-readiness", "--target", "shapes")
    assert [f["filename"] for f in found] == ["shapes/square.cc"]
    related = found[0]["related"]
    assert {"filename": "shapes/circle.cc", "location": {"row": 3, "column": 15},
            "message": "first defined here"} in related
    context = related[-1]
    assert context["filename"] == "CMakeLists.txt"
    assert "target `shapes` (C++): unity readiness, its 3 sources" in context["message"]


def test_generated_unity_sources_report_at_the_sources(
        builds: dict[str, Path], whole_target_errors: set[tuple[str, int]]) -> None:
    found = check("-p", str(builds["batch0"]), "--select", "AM2")
    assert places(found) == whole_target_errors
    # read with the build's flags: nothing assumed (each once said "assuming the build uses no
    # flags")
    assert not any("assuming" in f["message"] for f in found), found
    build = str(builds["batch0"])
    for finding in found:
        unity = [r for r in finding["related"] if "/Unity/unity_0_" in r["filename"]]
        assert unity and "in its unity source" in unity[0]["message"], finding
        assert not finding["filename"].startswith(build)
    assert check("-p", str(builds["batch2"]), "--select", "AM2") == []


def test_no_fix_edits_a_generated_unity_source(builds: dict[str, Path]) -> None:
    found = check("-p", str(builds["batch0"]), "--target", "app")
    assert [(f["code"], f["filename"]) for f in found] == [("AM101", "app/viewer.cc")]
    fix = found[0]["fix"]
    assert fix["applicability"] == "unsafe"
    assert {e["location"]["row"] for e in fix["edits"]} == {37, 38}
    assert all(e for e in fix["edits"])
    diff = amalint("check", "-p", str(builds["batch0"]), "--target", "app", "--diff",
                   "--unsafe-fixes", cwd=PROJECT)
    assert diff.returncode == 1
    assert diff.stdout.startswith("--- a/CMakeLists.txt\n+++ b/CMakeLists.txt\n")
    assert "+  app/codecs.cc\n   app/viewer.cc\n-  app/codecs.cc\n" in diff.stdout


def test_precommit_checks_a_changed_source_against_its_pool(builds: dict[str, Path]) -> None:
    """pre-commit passes the changed files: each source of a unity target is checked against
    the sources it can share a unit with, and only findings that involve it are reported."""
    build = str(builds["batch2"])  # unity on: readiness without asking for it
    assert places(check("-p", build, "shapes/square.cc")) == {("shapes/square.cc", 3)}
    assert places(check("-p", build, "shapes/circle.cc")) == {("shapes/square.cc", 3)}
    assert check("-p", build, "shapes/line.cc", "codec/lz.c") == []
    skipped = amalint("check", "-p", build, "shapes/legacy.cc", cwd=PROJECT)
    assert (skipped.returncode, skipped.stdout) == (0, "")  # nothing checked: a note says so
    assert "shapes/legacy.cc: no umbrella includes it; nothing to check" in skipped.stderr
    off = str(builds["off"])  # unity off: only with --unity-readiness
    assert check("-p", off, "shapes/square.cc") == []
    assert places(check("-p", off, "--unity-readiness", "shapes/square.cc")) == {
        ("shapes/square.cc", 3)}


def test_fix_reorders_the_cmake_source_list_and_the_program_runs(tmp_path: Path) -> None:
    """The latent start-up crash of batch size 0, fixed in CMakeLists.txt: CMake generates
    the unity source anew in the fixed order, and the program runs."""
    project = tmp_path / "cmake_unity"
    shutil.copytree(PROJECT, project)
    shutil.copytree(FIXTURES / "plug" / "include", tmp_path / "plug" / "include")
    build = tmp_path / "build"
    configure(project, build, *VARIANTS["batch0"])
    assert ninja(build, "app").returncode == 0
    crashed = subprocess.run([str(build / "app")], capture_output=True, text=True, timeout=60)
    assert crashed.returncode != 0 and "nothing provides codec.png" in crashed.stderr
    unity = build / "CMakeFiles" / "app.dir" / "Unity" / "unity_0_cxx.cxx"
    generated = unity.read_bytes()
    fixed = amalint("check", "-p", str(build), "--unity-readiness", "--target", "app", "--fix",
                    "--unsafe-fixes", cwd=project)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "Found 1 error (1 fixed, 0 remaining)." in fixed.stdout
    assert unity.read_bytes() == generated
    text = (project / "CMakeLists.txt").read_text()
    assert "  app/main.cc\n  app/codecs.cc\n  app/viewer.cc\n  app/version.c)" in text
    assert ninja(build, "app").returncode == 0  # CMake configures again on its own
    ran = subprocess.run([str(build / "app")], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and ran.stdout.endswith("app 1.0 ok\n"), ran.stderr
    again = amalint("check", "-p", str(build), "--unity-readiness", "--target", "app",
                    cwd=project)
    assert (again.returncode, again.stdout) == (0, "All checks passed!\n")


def _one_line_error(result: Any, *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("amalint: error: "), result.stderr
    assert all(w in lines[0] for w in words), lines[0]


def test_bad_build_input_is_one_line_and_exit_2(builds: dict[str, Path],
                                                 tmp_path: Path) -> None:
    _one_line_error(amalint("check", "-p", str(tmp_path / "nope"), "--unity-readiness",
                            cwd=PROJECT), "nope")
    _one_line_error(amalint("check", "-p", str(builds["off"]), "--target", "nope",
                            cwd=PROJECT), "no target 'nope'", "shapes")
    _one_line_error(amalint("check", "--unity-readiness", cwd=tmp_path), "build directory")
    _one_line_error(amalint("check", "-p", str(builds["off"]), cwd=PROJECT), "no unity sources")
    broken = tmp_path / "broken"
    shutil.copytree(builds["off"], broken)
    reply = broken / ".cmake" / "api" / "v1" / "reply"
    codemodel = next(reply.glob("codemodel-v2-*.json"))
    codemodel.write_text("{ not json")
    _one_line_error(amalint("check", "-p", str(broken), "--unity-readiness", cwd=PROJECT),
                    codemodel.name, "not a valid CMake file API reply")
    shutil.rmtree(reply)
    (broken / "compile_commands.json").write_text("[{}]")
    _one_line_error(amalint("check", "-p", str(broken), "--unity-readiness", cwd=PROJECT),
                    "compile_commands.json", "entry 0")


def _compdb_build(root: Path, names: list[str]) -> Path:
    """A build directory with only a compilation database: target `app` of ``names`` (in
    ``root/src``), each defining a static `clash`; the build directory."""
    src, build = root / "src", root / "build"
    src.mkdir()
    build.mkdir()
    entries = []
    for number, name in enumerate(names):
        (src / name).write_text(f"static int clash = {number};\nint f{number}() "
                                "{ return clash; }\n")
        entries.append({"directory": str(build), "file": str(src / name),
                        "arguments": ["c++", "-c", str(src / name), "-o",
                                      f"CMakeFiles/app.dir/src/{name}.o"]})
    # json.dumps writes a name that is not UTF-8 as lone surrogates: a link names it instead
    (build / "compile_commands.json").write_text(json.dumps(entries))
    return build


def test_readiness_includes_sources_named_with_quotes_and_backslashes(tmp_path: Path) -> None:
    names = ['q"uote.cc', "back\\slash.cc", "it's.cc"]
    build = _compdb_build(tmp_path, names)
    result = amalint("check", "-p", str(build), "--unity-readiness", "--no-cache", "--format",
                     "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = {(f["code"], f["filename"]) for f in result.json}
    # each later definition collides with the first: every source was included and read
    assert found == {("AM201", "src/back\\slash.cc"), ("AM201", "src/it's.cc")}
    assert all('defined in `src/q"uote.cc`' in f["message"] for f in result.json)


@pytest.mark.skipif(sys.platform != "linux", reason="names that are not UTF-8: Linux")
def test_readiness_names_a_source_whose_name_is_not_utf8(tmp_path: Path) -> None:
    build = _compdb_build(tmp_path, ["a.cc", "link.cc"])
    bad = tmp_path / "src" / os.fsdecode(b"n\xff.cc")
    (tmp_path / "src" / "link.cc").rename(bad)
    (tmp_path / "src" / "link.cc").symlink_to(bad.name)  # the source resolves to bad's name
    result = amalint("check", "-p", str(build), "--unity-readiness", "--no-cache",
                     cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr == (f"amalint: error: src/{bad.name}: the file name is not UTF-8, so no "
                             "unit can #include it (a unit is read as UTF-8 text); rename it to "
                             "check unity readiness\n")


def test_the_readiness_include_line_is_exact() -> None:
    assert include_line(Path('/p/q"uote.cc')) == b'#include </p/q"uote.cc>\n'
    assert include_line(Path("/p/a\\b.cc")) == b'#include "/p/a\\b.cc"\n'
    for name in ('/p/q">.cc', "/p/line\nbreak.cc", os.fsdecode(b"/p/n\xff.cc")):
        with pytest.raises(InputError):
            include_line(Path(name))


def test_diff_of_a_cmake_file_that_is_not_utf8(tmp_path: Path) -> None:
    """The AM101 fix edits CMakeLists.txt: --diff cannot show a file that is not UTF-8 as
    text (one line, exit 2, nothing written); --fix keeps its bytes."""
    project = tmp_path / "cmake_unity"
    shutil.copytree(PROJECT, project)
    shutil.copytree(FIXTURES / "plug" / "include", tmp_path / "plug" / "include")
    build = tmp_path / "build"
    configure(project, build, *VARIANTS["batch0"])
    cmake = project / "CMakeLists.txt"
    cmake.write_bytes(b"# caf\xe9\n" + cmake.read_bytes())
    before = cmake.read_bytes()
    args = ("check", "-p", str(build), "--unity-readiness", "--target", "app", "--unsafe-fixes")
    diff = amalint(*args, "--diff", cwd=project)
    assert diff.returncode == 2 and diff.stdout == "", diff.stdout + diff.stderr
    assert one_line(diff.stderr) == ("amalint: error: CMakeLists.txt:1: not valid UTF-8 (byte "
                                     "0xe9 at offset 5)")
    assert cmake.read_bytes() == before
    fixed = amalint(*args, "--fix", cwd=project)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    after = cmake.read_bytes()
    assert after.startswith(b"# caf\xe9\n") and after != before
    assert b"  app/main.cc\n  app/codecs.cc\n  app/viewer.cc\n  app/version.c)" in after


def test_a_source_two_targets_build_is_in_both_pools(tmp_path: Path) -> None:
    """`dec.cc` is built by `decode` and by `all` (two entries, two object files): readiness
    of `all` puts it with `enc.cc`, whose static `clash` then collides with it."""
    build = _compdb_build(tmp_path, ["dec.cc", "enc.cc"])
    entries = json.loads((build / "compile_commands.json").read_text())
    dec, enc = entries
    dec_all = {**dec, "arguments": [*dec["arguments"][:-1], "CMakeFiles/all.dir/src/dec.cc.o"]}
    dec["arguments"][-1] = "CMakeFiles/decode.dir/src/dec.cc.o"
    enc["arguments"][-1] = "CMakeFiles/all.dir/src/enc.cc.o"
    (build / "compile_commands.json").write_text(json.dumps([dec, dec_all, enc]))
    result = amalint("check", "-p", str(build), "--unity-readiness", "--no-cache", "--format",
                     "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert [(f["code"], f["filename"]) for f in result.json] == [("AM201", "src/enc.cc")]
    assert "[target `all` (C++)]" in result.json[0]["message"]


def test_a_directory_holding_an_ignored_build_directory_is_linted_through_it(
        tmp_path: Path, whole_target_errors: set[tuple[str, int]]) -> None:
    """`amalint check .` where `build/` is git-ignored (as most projects do) lints the build's
    unity sources as `amalint check` does, instead of finding no umbrella and passing; a
    subdirectory lints the units whose sources are below it."""
    project = tmp_path / "p"
    shutil.copytree(PROJECT, project)
    (project / ".gitignore").write_text("build/\n")
    configure(project, project / "build", *VARIANTS["batch0"])
    found = {}
    for args in ((), (".",), ("shapes",)):
        result = amalint("check", "--format", "json", "--select", "AM2", *args, cwd=project)
        assert result.returncode == 1, (args, result.stderr)
        assert "nothing to check" not in result.stderr, (args, result.stderr)
        found[args] = places(result.json)
    assert found[()] == found[(".",)] == whole_target_errors
    assert found[("shapes",)] == {p for p in whole_target_errors if p[0].startswith("shapes/")}


def test_configure_inputs_that_are_not_cmake_are_not_read_as_cmake(tmp_path: Path) -> None:
    """CMake's file API lists every file the configure step read: a configure_file template
    and an awk script a project registers (libpng's) are no CMake files to parse (the awk's
    `if(` once stopped the lint with exit 2)."""
    project = tmp_path / "p"
    project.mkdir()
    (project / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.16)\nproject(p C)\n"
        "configure_file(config.h.in config.h)\n"
        "set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS scripts/dfn.awk)\n"
        "add_library(p STATIC a.c b.c)\n")
    (project / "config.h.in").write_text("#define P_VERSION 1 /* if( */\n")
    (project / "scripts").mkdir()
    (project / "scripts" / "dfn.awk").write_text('{ if($1 == "x" { print } }\n')
    (project / "a.c").write_text("static int n = 1;\nint a(void) { return n; }\n")
    (project / "b.c").write_text("static int n = 2;\nint b(void) { return n; }\n")
    configure(project, project / "build", *VARIANTS["batch0"])
    result = amalint("check", "-p", "build", "--format", "json", cwd=project)
    assert [(f["code"], f["filename"]) for f in result.findings] == [("AM201", "b.c")], \
        result.stderr
