"""Hostile or odd input outside the front ends: each is one line naming the file and the
problem (exit 2) or is handled; never a traceback, a hang, or a file written (issue 12)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import amalint, compile_unit, one_line

from amalint.config.settings import Settings
from amalint.engine.run import build, lint
from amalint.model import PRIORITY_CAP, EntryKind
from amalint.scan.directives import scan
from amalint.scan.search import SearchPath

LOOKUP = ('__attribute__((constructor)) static void f() {\n'
          '  tvm::ffi::Function::GetGlobalRequired("k");\n}\n')
PROVIDE = ('__attribute__((constructor)) static void g() {\n'
           '  tvm::ffi::Function::SetGlobal("k", 0);\n}\n')
LONG = "x" * 300


def tree(root: Path) -> Path:
    """An umbrella whose lookup has no provider (so AM205 searches the directory)."""
    (root / "user.cc").write_text(LOOKUP)
    (root / "u.cc").write_text('#include "user.cc"\n')
    return root


def test_file_names_too_long(tmp_path: Path) -> None:
    tree(tmp_path)
    (tmp_path / "long.cc").write_text(f'#include "{LONG}.cc"\n#include "user.cc"\n')
    result = amalint("check", "long.cc", cwd=tmp_path)
    assert result.returncode == 2 and "1 included source not found" in one_line(result.stderr)
    named = amalint("check", f"{LONG}.cc", cwd=tmp_path)
    assert one_line(named.stderr) == f"amalint: error: {LONG}.cc: cannot read (file name too long)"
    flag = amalint("check", "u.cc", "--format", "concise", "--", f"-I{LONG}", cwd=tmp_path)
    assert flag.returncode == 1 and "Traceback" not in flag.stderr
    assert f"include directory {LONG} does not exist" in flag.stderr


def test_symlink_loops_near_the_umbrella(tmp_path: Path) -> None:
    tree(tmp_path)
    (tmp_path / "l1.cc").symlink_to("l2.cc")
    (tmp_path / "l2.cc").symlink_to("l1.cc")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "loop").symlink_to("..")
    result = amalint("check", "u.cc", "--format", "concise", cwd=tmp_path)
    assert result.returncode == 1 and "AM102" in result.stdout and result.stderr == ""
    assert amalint("check", ".", "--format", "concise", cwd=tmp_path).stdout == result.stdout


@pytest.mark.parametrize("fmt", ["text", "concise", "json", "json-lines", "github", "sarif",
                                 "gitlab", "junit"])
def test_file_names_that_are_not_utf8(tmp_path: Path, fmt: str) -> None:
    tree(tmp_path)
    name = os.fsdecode(b"n\xff.cc")
    (tmp_path / name).write_text('#include "user.cc"\n')
    result = amalint("check", name, "--format", fmt, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    to_file = amalint("check", name, "--format", fmt, "-o", "report.out", cwd=tmp_path)
    assert to_file.returncode == 1 and to_file.stderr == ""
    data = (tmp_path / "report.out").read_bytes()
    if fmt == "junit":  # the byte XML cannot hold, shown as \xff
        suite = ET.fromstring(data).find("testsuite")
        assert suite is not None and suite.get("name") == "n\\xff.cc"
    elif fmt in ("json", "sarif", "gitlab"):
        log = json.loads(data)
        if fmt == "gitlab":
            assert log[0]["location"]["path"] == name
        elif fmt == "sarif":
            uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
                    for loc in log["runs"][0]["results"][0]["locations"]}
            assert uris == {"n%FF.cc"}
        else:
            assert log[0]["filename"] == name
    elif fmt != "json-lines":
        assert b"n\xff.cc:1" in data or b"file=n\xff.cc" in data
    libclang = amalint("check", name, "--frontend", "libclang", cwd=tmp_path)
    assert libclang.returncode == 2 and "not valid UTF-8, which libclang cannot open" in \
        one_line(libclang.stderr)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("amalint.toml", b'select = ["\xff"]\n', "amalint.toml:1: not valid UTF-8 (byte 0xff"),
    ("pyproject.toml", b"tool = 5\n", "pyproject.toml: 'tool' must be a table, not int"),
    ("pyproject.toml", b"tool = 'amalint'\n", "pyproject.toml: 'tool' must be a table, not str"),
    ("amalint.toml", b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n",
     "amalint.toml: invalid TOML (nested too deeply)"),
    ("amalint.toml", b"x = 1\n" * 300_000, "amalint.toml: too large"),
])
def test_bad_config_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    tree(tmp_path)
    (tmp_path / name).write_bytes(content)
    result = amalint("check", "u.cc", cwd=tmp_path)
    assert result.returncode == 2 and message in one_line(result.stderr)


@pytest.mark.parametrize(("database", "message"), [
    ('[{"directory": "a\\u0000b", "file": "u.cc", "command": "cc u.cc"}]',
     "entry 0: a NUL byte in 'file' or 'directory'"),
    ('[{"directory": ".", "file": "u.cc\\u0000", "command": "cc u.cc"}]',
     "entry 0: a NUL byte in 'file' or 'directory'"),
    ('[{"directory": ".", "file": "u.cc", "command": "cc -I\\u0000 u.cc"}]',
     "entry 0: a NUL byte in the command"),
    ("[" * 100_000, "not a valid compilation database (nested too deeply)"),
    ('{"not": "a list"}', "not a valid compilation database (expected a list)"),
])
def test_hostile_compilation_databases(tmp_path: Path, database: str, message: str) -> None:
    tree(tmp_path)
    (tmp_path / "compile_commands.json").write_text(database)
    result = amalint("check", "u.cc", "--frontend", "tree-sitter", cwd=tmp_path)
    assert result.returncode == 2 and message in one_line(result.stderr)


def test_fifos_devices_and_huge_files_are_never_read(tmp_path: Path) -> None:
    tree(tmp_path)
    os.mkfifo(tmp_path / "fifo.cc")
    (tmp_path / "zero.cc").symlink_to("/dev/zero")
    with (tmp_path / "huge.cc").open("wb") as fh:  # sparse: costs no disk
        fh.truncate(65 * 1024 * 1024)
    # met during umbrella discovery and AM205's search: skipped
    for args in (("u.cc",), ("user.cc",), (".",)):
        result = amalint("check", *args, "--format", "concise", cwd=tmp_path)
        assert result.returncode == 1 and "AM102" in result.stdout, (args, result.stderr)
    # named, or included: one line, exit 2, before any front end could block on it
    for name, problem in (("fifo.cc", "a FIFO"), ("zero.cc", "a device"),
                          ("huge.cc", "too large (65 MB; amalint reads source files up to "
                                      "64 MB)")):
        named = amalint("check", name, cwd=tmp_path)
        assert one_line(named.stderr).startswith(f"amalint: error: {name}: {problem}")
        (tmp_path / "inc.cc").write_text(f'#include "user.cc"\n#include "{name}"\n')
        included = amalint("check", "inc.cc", "--frontend", "libclang", "--format", "json",
                           cwd=tmp_path)
        if name == "huge.cc":  # a regular file: skipped with a warning, the lint goes on
            assert included.findings and included.stderr.startswith(
                "amalint: warning: inc.cc:2: skipped include huge.cc: huge.cc: too large")
        else:
            assert included.returncode == 2
            assert one_line(included.stderr) == (
                f'amalint: error: inc.cc:2: "{name}" is not a regular file ({name}); the '
                "compiler would block or fail reading it")


@pytest.mark.parametrize("pattern", ["/**", "../**/*.cc", "~/x.cc", "src/../../*.cc"])
def test_sources_must_stay_inside_the_project(tmp_path: Path, pattern: str) -> None:
    tree(tmp_path)
    (tmp_path / "amalint.toml").write_text(f"sources = [{json.dumps(pattern)}]\n")
    result = amalint("check", "u.cc", cwd=tmp_path)
    assert result.returncode == 2
    assert f"'sources': {pattern!r} points outside the project" in one_line(result.stderr)


def test_fix_never_includes_a_source_from_outside_the_project(tmp_path: Path) -> None:
    project, shared = tmp_path / "project", tmp_path / "shared"
    project.mkdir()
    shared.mkdir()
    (shared / "user.cc").write_text(LOOKUP)
    (shared / "provider.cc").write_text(PROVIDE)  # next to an included source, but outside
    (project / "amalint.toml").write_text("")
    (project / "u.cc").write_text('#include "../shared/user.cc"\n')
    before = (project / "u.cc").read_bytes()
    result = amalint("check", "u.cc", "--fix", "--unsafe-fixes", "--format", "concise",
                     cwd=project)
    assert result.returncode == 1 and "AM102" in result.stdout and "AM205" not in result.stdout
    assert (project / "u.cc").read_bytes() == before
    (project / "provider.cc").write_text(PROVIDE)  # inside: found and included
    inside = amalint("check", "u.cc", "--fix", "--unsafe-fixes", cwd=project)
    assert inside.returncode == 0, inside.stdout
    assert b'#include "provider.cc"' in (project / "u.cc").read_bytes()


def test_report_never_written_through_a_planted_symlink(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    repo = tree(tmp_path / "repo")
    victim = tmp_path / "victim.txt"
    victim.write_text("secret\n")
    (repo / "report.txt").symlink_to(victim)
    (tmp_path / "victims").mkdir()
    (repo / "out").symlink_to(tmp_path / "victims")
    os.mkfifo(repo / "pipe.txt")
    for target, message in (("report.txt", "is a symbolic link; not writing the report through "
                                           "it"),
                            ("out/r.txt", "leads outside the working directory through a "
                                          "symbolic link; not writing the report there"),
                            ("pipe.txt", "cannot write (a FIFO with no reader)")):
        result = amalint("check", "u.cc", "-o", target, cwd=repo)
        assert one_line(result.stderr) == f"amalint: error: {target}: {message}"
    assert victim.read_text() == "secret\n" and not list((tmp_path / "victims").iterdir())
    # outside the working tree the user chose the path: written
    outside = amalint("check", "u.cc", "-o", str(tmp_path / "elsewhere.txt"), cwd=repo)
    assert outside.returncode == 1 and "AM102" in (tmp_path / "elsewhere.txt").read_text()


# How the work grows on the inputs below (once quadratic) is measured by
# benchmarks/scaling.py, not asserted here: a slow, shared machine must not fail a test.

def test_333000_continuation_lines_are_one_directive() -> None:
    data = b"#define X \\\n" + b"  1 + \\\n" * 333_000 + b"  1\n#include \"a.cc\"\n"
    scanned = scan(data, Path("/nonexistent/u.cc"), SearchPath())
    assert [(d.line, d.name) for d in scanned.directives] == [(1, "define")]
    assert [(i.line, i.spelling) for i in scanned.includes] == [(333_003, "a.cc")]


def test_an_umbrella_of_a_thousand_includes_lints_every_source(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    count = 1_000
    for i in range(count):
        (tmp_path / f"s{i}.cc").write_text(f"static int v{i} = {i};\n")
    (tmp_path / "u.cc").write_text("".join(f'#include "s{i}.cc"\n' for i in range(count)))
    result = lint(tmp_path / "u.cc", Settings(frontend="tree-sitter"))
    assert result.findings == ()
    names = [path.name for path, _ in result.summary.units]
    assert names == ["u.cc", *(f"s{i}.cc" for i in range(count))]


def test_orphan_candidates_that_cannot_be_included_are_skipped(tmp_path: Path) -> None:
    # found by the fuzz test: AM205's candidate whose name is not UTF-8 (an #include line
    # naming it would make the umbrella invalid), or which itself includes a missing source
    tree(tmp_path)
    (tmp_path / os.fsdecode(b"n\xff.cc")).write_text(PROVIDE)
    (tmp_path / "broken.cc").write_text('#include "gen/missing.cc"\n' + PROVIDE)
    result = amalint("check", "u.cc", "--format", "concise", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.startswith("u.cc:1:1: AM102") and "AM205" not in result.stdout


# --- build directories (-p): CMake's file API reply, Meson's introspection, CMake files ------

CLASH = "static int clash = {};\nint f{}() {{ return clash; }}\n"


def cmake_build(root: Path) -> tuple[Path, Path]:
    """A project with target `app` (a.cc and b.cc, which collide in one unit) and a build
    directory as CMake configures it, with a file API reply; (project, build)."""
    project, build = root / "project", root / "build"
    project.mkdir()
    for number, name in enumerate(("a", "b")):
        (project / f"{name}.cc").write_text(CLASH.format(number, number))
    (project / "CMakeLists.txt").write_text("add_executable(app a.cc b.cc)\n")
    reply = build / ".cmake" / "api" / "v1" / "reply"
    reply.mkdir(parents=True)
    (build / "compile_commands.json").write_text(json.dumps([
        {"directory": str(build), "file": str(project / f"{n}.cc"),
         "command": f"c++ -c {project / n}.cc -o CMakeFiles/app.dir/{n}.cc.o"}
        for n in ("a", "b")]))
    files = {
        "index-1.json": {"reply": {"codemodel-v2": {"jsonFile": "codemodel-v2-1.json"},
                                   "cmakeFiles-v1": {"jsonFile": "cmakeFiles-v1-1.json"}}},
        "codemodel-v2-1.json": {"paths": {"source": str(project)}, "configurations": [
            {"targets": [{"jsonFile": "target-app.json", "directoryIndex": 0}],
             "directories": [{"source": "."}]}]},
        "target-app.json": {
            "type": "EXECUTABLE", "name": "app", "backtrace": 0,
            "backtraceGraph": {"nodes": [{"file": 0, "line": 1}], "files": ["CMakeLists.txt"]},
            "compileGroups": [{"language": "CXX", "sourceIndexes": [0, 1]}],
            "sources": [{"path": "a.cc", "compileGroupIndex": 0},
                        {"path": "b.cc", "compileGroupIndex": 0}]},
        "cmakeFiles-v1-1.json": {"inputs": [{"path": "CMakeLists.txt"}]},
    }
    for name, value in files.items():
        (reply / name).write_text(json.dumps(value))
    return project, build


def readiness(project: Path, build: Path) -> Any:
    return amalint("check", "-p", str(build), "--unity-readiness", "--no-cache",
                   "--format", "concise", cwd=project, timeout=60)


def test_the_synthetic_cmake_build_is_read(tmp_path: Path) -> None:
    project, build = cmake_build(tmp_path)
    result = readiness(project, build)
    assert result.returncode == 1 and "b.cc:1:12: AM201" in result.stdout, result.stderr


def _reply_file(build: Path, name: str) -> Path:
    return build / ".cmake" / "api" / "v1" / "reply" / name


@pytest.mark.parametrize(("name", "value", "message"), [
    ("index-1.json", {"reply": []}, "'reply' must be an object"),
    ("index-1.json", "[" * 100_000, "(nested too deeply)"),
    ("codemodel-v2-1.json", {"paths": {"source": 5}}, "'source' must be a string"),
    ("codemodel-v2-1.json", {"paths": {"source": "/"}, "configurations": []},
     "no configurations"),
    ("codemodel-v2-1.json", {"paths": {"source": "/"}, "configurations": [
        {"targets": {}, "directories": []}]}, "'targets' must be a list"),
    ("codemodel-v2-1.json", {"paths": {"source": "/"}, "configurations": [
        {"targets": [{"jsonFile": "t.json", "directoryIndex": 3}], "directories": []}]},
     "'directoryIndex' 3 is out of range"),
    ("target-app.json", {"type": "EXECUTABLE", "name": "app", "sources": {}},
     "'sources' must be a list"),
    ("target-app.json", {"type": "EXECUTABLE", "name": "app", "sources": [{"path": 7}]},
     "'path' must be a string"),
    ("target-app.json", {"type": "EXECUTABLE", "name": "app", "sources": [5]},
     "an entry with 'path' is not an object"),
    ("target-app.json", {"type": "EXECUTABLE", "name": "app",
                         "sources": [{"path": "a\u0000.cc"}]}, "a NUL byte in the path"),
    ("target-app.json", {"type": "EXECUTABLE", "sources": []}, "'name' must be a string"),
    ("target-app.json", {"type": "EXECUTABLE", "name": "app", "compileGroups": [{}]},
     "'language' must be a string"),
    ("target-app.json", {"type": "EXECUTABLE", "name": "app", "sources": [
        {"path": "a.cc", "compileGroupIndex": "0"}], "compileGroups": [{"language": "CXX"}]},
     "'compileGroupIndex' must be a whole number"),
    ("target-app.json", {"type": "EXECUTABLE", "name": "app", "backtrace": 0,
                         "backtraceGraph": {"nodes": [{"file": 0, "line": "1"}],
                                            "files": ["CMakeLists.txt"]}},
     "'line' must be a whole number"),
    ("cmakeFiles-v1-1.json", {"inputs": {}}, "'inputs' must be a list"),
    ("cmakeFiles-v1-1.json", {"inputs": [1]}, "an entry with 'path' is not an object"),
])
def test_malformed_file_api_replies(tmp_path: Path, name: str, value: Any,
                                    message: str) -> None:
    project, build = cmake_build(tmp_path)
    path = _reply_file(build, name)
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    line = one_line(readiness(project, build).stderr)
    assert line.startswith(f"amalint: error: {path}: not a valid CMake file API reply")
    assert message in line


def test_a_backtrace_node_that_is_no_object_is_bad_input(tmp_path: Path) -> None:
    # shapes no CMake writes, that no check above names: still one line, exit 2
    project, build = cmake_build(tmp_path)
    _reply_file(build, "target-app.json").write_text(json.dumps(
        {"type": "EXECUTABLE", "name": "app", "backtrace": 0,
         "backtraceGraph": {"nodes": [5], "files": ["CMakeLists.txt"]}}))
    result = readiness(project, build)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(build.name) in one_line(result.stderr)


@pytest.mark.parametrize(("entry", "message"), [
    ('"a.cc"', "entry 0 needs 'file' and 'directory' strings"),
    ('{"directory": 1, "file": "a.cc", "command": "c++ a.cc"}',
     "entry 0 needs 'file' and 'directory' strings"),
    ('{"directory": ".", "file": "a.cc", "arguments": ["c++", 1]}',
     "entry 0 needs 'arguments' (a list of strings) or 'command' (a string)"),
    ('{"directory": ".", "file": "a.cc", "arguments": "c++ a.cc"}',
     "entry 0 needs 'arguments' (a list of strings) or 'command' (a string)"),
])
def test_malformed_compilation_database_entries_in_a_build(tmp_path: Path, entry: str,
                                                            message: str) -> None:
    project, build = cmake_build(tmp_path)
    (build / "compile_commands.json").write_text(f"[{entry}]")
    line = one_line(readiness(project, build).stderr)
    assert "compile_commands.json: " in line and message in line


@pytest.mark.parametrize("where", [
    "project/CMakeLists.txt", "build/CMakeCache.txt",
    "build/.cmake/api/v1/reply/index-1.json", "build/.cmake/api/v1/reply/target-app.json",
    "build/.cmake/api/v1/reply/codemodel-v2-1.json",
])
@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_fifos_and_devices_in_a_cmake_build(tmp_path: Path, where: str, kind: str) -> None:
    project, build = cmake_build(tmp_path)
    path = tmp_path / where
    if where.endswith("CMakeCache.txt"):  # read only without a file API reply
        (path.parent / ".cmake").rename(tmp_path / "api")
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(kind)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    line = one_line(readiness(project, build).stderr)
    # named as the file, or (the CMake files the reply lists are resolved) as what it is
    named = (f"{path.name}: a FIFO",) if kind == "fifo" else (f"{path.name}: a device",
                                                              "/dev/zero: a device")
    assert line.startswith("amalint: error: ") and any(n in line for n in named), line
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == before


def test_a_constructor_priority_of_thousands_of_digits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # int() refuses decimal strings of over 4300 digits; the tree-sitter front end reads the
    # priority as out of range (the compiler rejects it) instead of raising.
    (tmp_path / "a.cc").write_text(
        f"__attribute__((constructor({'9' * 5000}))) static void f() {{}}\nint a;\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    rejected = compile_unit("g++", tmp_path, "u.cc")
    assert rejected.returncode == 1 and "constructor priorities must be integers from 0 to " \
        "65535" in rejected.stderr
    monkeypatch.chdir(tmp_path)
    model = build(tmp_path / "u.cc", Settings(frontend="tree-sitter")).model
    assert [(e.kind, e.priority) for e in model.entry_points] == [(EntryKind.CONSTRUCTOR,
                                                                   PRIORITY_CAP)]
    assert PRIORITY_CAP > 65535
    result = amalint("check", "u.cc", "--frontend", "tree-sitter", "--no-cache", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed!\n", "")


def test_a_macro_bomb_in_code_is_a_warning_not_silence(tmp_path: Path) -> None:
    """A declaration whose macro expands to 2^39 tokens: the file-scope pass stops at its
    token limit and says where, instead of passing quietly or running out of memory."""
    bomb = ["#define B0 x", *(f"#define B{i} B{i - 1} B{i - 1}" for i in range(1, 40))]
    (tmp_path / "a.cc").write_text("\n".join(bomb) + "\nint B39;\n")
    (tmp_path / "b.cc").write_text("int b;\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    result = amalint("check", "u.cc", "--frontend", "tree-sitter", "--", "-std=c++17",
                     cwd=tmp_path)
    # nothing collides or leaks: a clean run, but not a quiet one
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n"), result.stderr
    assert result.stderr.startswith("amalint: warning: a.cc:41: macro expansion in file-scope "
                                    "code stopped"), result.stderr


def test_a_header_that_includes_itself_twice_is_bounded(tmp_path: Path) -> None:
    # 2**200 inclusions for the compiler; amalint stops at its inclusion bound and says why
    (tmp_path / "h.h").write_text('#include "h.h"\n#include "h.h"\nint x;\n')
    (tmp_path / "a.c").write_text('#include "h.h"\nint a;\n')
    (tmp_path / "u.c").write_text('#include "a.c"\n')
    for flags in ((), ("--", "-std=gnu17")):
        result = amalint("check", "u.c", "--no-cache", *flags, cwd=tmp_path)
        assert result.returncode == 2 and result.stdout == ""
        assert one_line(result.stderr).startswith("amalint: error: h.h:1: more than 100000 "
                                                  "inclusions")


def test_a_declaration_of_thousands_of_declarators_is_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `static const int v0 = 0, v1 = 1, ...;` in two sources: every declarator collides
    monkeypatch.chdir(tmp_path)
    count = 2_000
    declaration = "static const int " + ", ".join(f"v{i} = {i}" for i in range(count)) + ";\n"
    (tmp_path / "a.cc").write_text(declaration)
    (tmp_path / "b.cc").write_text(declaration)
    (tmp_path / "u.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    settings = Settings(frontend="tree-sitter", compiler_args=("-std=c++17",),
                        flags_origin="the test")
    findings = lint(tmp_path / "u.cc", settings).findings
    assert {f.code for f in findings} == {"AM201"}
    assert len(findings) == count
