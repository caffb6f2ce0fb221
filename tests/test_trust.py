"""The trust model: nothing from the linted tree is run, loaded or written by a lint.

A tree that holds a ``compile_commands.json`` whose entry names a gcc plugin, a response file or
a ``-B`` program directory is linted under both front ends: the planted code never runs (a
marker file it would write never appears), no file appears in the tree, the lint still runs,
and ``--verbose`` names the dropped flags once. Each planted trap is first shown to fire when
the compiler is run with the same flags, so that its silence under amalint means something.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import amalint

from amalint.config.settings import Settings
from amalint.config.trust import screen
from amalint.errors import InputError
from amalint.frontends.libclang.library import ResourceDir
from amalint.frontends.libclang.parsing import parse_args
from amalint.preprocess import compiler

GCC = shutil.which("gcc")
GXX = shutil.which("g++")


@pytest.mark.parametrize(("args", "kept", "dropped"), [
    (["-std=c++17", "-DX=1", "-D", "Y", "-UZ", "-x", "c++"],
     ["-std=c++17", "-D", "X=1", "-D", "Y", "-U", "Z", "-x", "c++"], []),
    (["-I", "dir", "-Iinc", "-isystem", "sys", "-iquotequote", "-idirafter", "after"],
     ["-I", "dir", "-I", "inc", "-isystem", "sys", "-iquote", "quote", "-idirafter", "after"],
     []),
    (["-include", "first.h", "-imacrosmacros.h", "--sysroot=/s", "--sysroot", "/t"],
     ["-include", "first.h", "-imacros", "macros.h", "--sysroot=/s", "--sysroot", "/t"], []),
    (["-target", "x86_64-linux-gnu", "--target=aarch64-linux-gnu", "-m64", "-march=native",
      "-msse4.2", "-mno-avx"],
     ["-target", "x86_64-linux-gnu", "--target=aarch64-linux-gnu", "-m64", "-march=native",
      "-msse4.2", "-mno-avx"], []),
    (["-fno-exceptions", "-fno-rtti", "-fms-extensions", "-fchar8_t", "-fopenmp", "-fPIC",
      "-fsigned-char", "-fvisibility=hidden", "-ftemplate-depth=900", "-O2", "-pthread",
      "-ansi", "-nostdinc++", "-w", "-Wall", "-Wno-unused", "-Werror=return-type"],
     ["-fno-exceptions", "-fno-rtti", "-fms-extensions", "-fchar8_t", "-fopenmp", "-fPIC",
      "-fsigned-char", "-fvisibility=hidden", "-ftemplate-depth=900", "-O2", "-pthread",
      "-ansi", "-nostdinc++", "-w", "-Wall", "-Wno-unused", "-Werror=return-type"], []),
    # code loaded or run
    (["-fplugin=./evil.so", "-fplugin-arg-evil-x=1", "-fpass-plugin=./p.so", "-std=c11"],
     ["-std=c11"], ["-fplugin=./evil.so", "-fplugin-arg-evil-x=1", "-fpass-plugin=./p.so"]),
    (["-Xclang", "-load", "-Xclang", "x.so", "-DA"], ["-D", "A"],
     ["-Xclang", "-load", "-Xclang", "x.so"]),
    (["-Xpreprocessor", "-fplugin=x.so", "-mllvm", "-load=x.so", "-Wp,-MD,dep.d"], [],
     ["-Xpreprocessor", "-fplugin=x.so", "-mllvm", "-load=x.so", "-Wp,-MD,dep.d"]),
    (["-B", "bin", "-Bbin", "-specs=evil.specs", "-wrapper", "sh,-c", "--gcc-toolchain=/t",
      "-no-integrated-cpp", "-fno-integrated-as", "--config", "x.cfg"], [],
     ["-B", "bin", "-Bbin", "-specs=evil.specs", "-wrapper", "sh,-c", "--gcc-toolchain=/t",
      "-no-integrated-cpp", "-fno-integrated-as", "--config", "x.cfg"]),
    # response files, also where a value is expected
    (["@evil.rsp", "-I", "@evil.rsp", "-I@evil.rsp", "-D@x", "--sysroot=@s"], [],
     ["@evil.rsp", "-I", "@evil.rsp", "-I@evil.rsp", "-D@x", "--sysroot=@s"]),
    # files written
    (["-o", "u.o", "-MD", "-MF", "u.d", "-save-temps", "-ftime-trace", "-fdump-tree-all",
      "-fprofile-generate", "-fmodules", "-dumpdir", "d", "-MJ", "j.json"], [],
     ["-o", "u.o", "-MD", "-MF", "u.d", "-save-temps", "-ftime-trace", "-fdump-tree-all",
      "-fprofile-generate", "-fmodules", "-dumpdir", "d", "-MJ", "j.json"]),
    # a longer flag that starts as an allowed one is not that one with a value glued on
    (["-include-pch", "p.pch", "-isystem-after", "-DZ"], ["-D", "Z"],
     ["-include-pch", "p.pch", "-isystem-after"]),
    # a value that is not a plain name; a flag without its value at the end
    (["-x", "../c", "-target", "/evil", "-I"], [], ["-x", "../c", "-target", "/evil", "-I"]),
])
def test_the_allowlist(args: list[str], kept: list[str], dropped: list[str]) -> None:
    screened = screen(args)
    assert list(screened.kept) == kept
    assert list(screened.dropped) == dropped


def test_screening_twice_changes_nothing() -> None:
    args = ["-Iinc", "-DX", "-xc++", "-fplugin=x", "-Xclang", "-load", "-std=c++20", "-O2"]
    once = screen(args).kept
    assert screen(once).kept == once


def test_libclang_parse_arguments_go_through_the_allowlist() -> None:
    settings = Settings(compiler_args=("-fplugin=./evil.so", "-Xclang", "-load", "-Xclang",
                                       "./evil.so", "-std=c++17"), defines=("@x", "Y"))
    args = parse_args(settings, ResourceDir(None, "none"))
    assert "-std=c++17" in args and "Y" in args
    assert not any("evil" in a or a.startswith("@") or a == "-load" for a in args)


# ------------------------------------------------------------------------- planted traps


def _trap(root: Path, marker: Path) -> None:
    """A gcc plugin, a response file naming it, and a ``-B`` directory of fake compilers, each
    writing ``marker`` when run or loaded."""
    (root / "evil.c").write_text(
        "#include <stdio.h>\n"
        "__attribute__((constructor)) static void evil(void) {\n"
        f'  FILE *f = fopen("{marker}", "a");\n'
        '  if (f) { fputs("ran\\n", f); fclose(f); }\n'
        "}\n")
    assert GCC is not None
    subprocess.run([GCC, "-shared", "-fPIC", "-o", str(root / "evil.so"), str(root / "evil.c")],
                   check=True)
    (root / "evil.c").unlink()
    (root / "evil.rsp").write_text("-fplugin=./evil.so\n")
    (root / "bin").mkdir()
    for name in ("cc1", "cc1plus", "collect2", "as"):
        script = root / "bin" / name
        script.write_text(f"#!/bin/sh\necho ran >> '{marker}'\nexit 1\n")
        script.chmod(0o755)
    (root / "a.cc").write_text("static int helper() { return 1; }\nint a() { return helper(); }\n")
    (root / "b.cc").write_text("static int helper() { return 2; }\nint b() { return helper(); }\n")
    (root / "u.cc").write_text('#include "a.cc"\n#include "b.cc"\n')


TRAPS = {
    "plugin": ["-fplugin=./evil.so"],
    "Xclang-load": ["-Xclang", "-load", "-Xclang", "./evil.so"],
    "response-file": ["@evil.rsp"],
    "B-directory": ["-B./bin/"],
    "writes-files": ["-MD", "-MF", "u.d", "-save-temps", "-ftime-trace", "-fdump-tree-all"],
}


@pytest.fixture
def trapped(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "tree"
    root.mkdir()
    marker = tmp_path / "marker"
    _trap(root, marker)
    return root, marker


@pytest.mark.parametrize("trap", ["plugin", "response-file", "B-directory"])
def test_each_trap_fires_when_the_compiler_is_run_with_it(trapped: tuple[Path, Path],
                                                          trap: str) -> None:
    root, marker = trapped
    assert GXX is not None
    subprocess.run([GXX, *TRAPS[trap], "-x", "c++", "-E", "-"], cwd=root, input="",
                   capture_output=True, text=True, check=False)
    assert marker.exists()


def _database(root: Path, flags: list[str]) -> None:
    entry = {"directory": str(root), "file": "u.cc",
             "arguments": ["./bin/cc1plus", "-std=c++17", *flags, "-c", "u.cc", "-o", "u.o"]}
    (root / "compile_commands.json").write_text(json.dumps([entry]))


def _frontend_available(frontend: str) -> None:
    if frontend == "libclang":
        try:
            from amalint.frontends.libclang.library import load

            load()
        except InputError as exc:  # load() says why libclang cannot be used
            pytest.skip(f"LIBCLANG NOT IMPORTABLE, the libclang half is not tested: {exc}")


def _tree(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


@pytest.mark.parametrize("frontend", ["tree-sitter", "libclang"])
@pytest.mark.parametrize("trap", list(TRAPS))
def test_a_planted_database_runs_nothing_and_writes_nothing(
        trapped: tuple[Path, Path], trap: str, frontend: str) -> None:
    _frontend_available(frontend)
    root, marker = trapped
    _database(root, TRAPS[trap])
    before = _tree(root)
    run = amalint("check", "--no-cache", "-v", "--frontend", frontend, "u.cc", cwd=root,
                  env={**os.environ})
    assert not marker.exists(), run.stderr
    assert _tree(root) == before
    assert run.returncode == 1, run.stderr  # the lint ran: AM201 for the two helpers
    assert "AM201" in run.stdout
    notes = [line for line in run.stderr.splitlines() if "not on amalint's allowlist" in line]
    assert len(notes) == 1, run.stderr
    # -c, -o, -MD, -MF and the like are in every database: dropped without a word
    named = [f for f in TRAPS[trap] if f not in ("-MD", "-MF", "u.d")]
    assert notes[0].endswith(": " + " ".join(named))


def test_the_users_own_flags_are_screened_with_a_warning(trapped: tuple[Path, Path]) -> None:
    root, marker = trapped
    run = amalint("check", "--no-cache", "--frontend", "tree-sitter", "u.cc", "--",
                  "-std=c++17", "-fplugin=./evil.so", "-B./bin/", cwd=root, env={**os.environ})
    assert not marker.exists()
    assert run.returncode == 1, run.stderr
    warning = [line for line in run.stderr.splitlines() if "allowlist" in line]
    assert len(warning) == 1 and warning[0].startswith("amalint: warning: ")
    assert "-fplugin=./evil.so -B./bin/" in warning[0]


def test_the_compiler_query_screens_what_it_is_given(trapped: tuple[Path, Path],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root, marker = trapped
    monkeypatch.chdir(root)
    compiler._query.cache_clear()
    info = compiler.compiler_info("c++", ("-fplugin=./evil.so", "-B./bin/", "-std=c++17"))
    assert not marker.exists()
    assert not info.approximate and "__cplusplus 201703L" in info.predefined


@pytest.mark.parametrize("frontend", ["tree-sitter", "libclang"])
def test_a_forced_include_of_a_device_is_an_input_error(tmp_path: Path, frontend: str) -> None:
    # -include is allowed (a file read), but libclang would read /dev/zero forever
    _frontend_available(frontend)
    (tmp_path / "a.cc").write_text("int a;\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    _database(tmp_path, ["-include", "/dev/zero"])
    run = amalint("check", "--no-cache", "--frontend", frontend, "u.cc", cwd=tmp_path,
                  timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip() == ("amalint: error: -include /dev/zero: not a regular file "
                                  "(/dev/zero); the compiler would block or fail reading it")


def test_a_compiler_in_the_tree_is_not_found_through_an_empty_path_entry(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an empty PATH entry means the working directory: shutil.which answers "g++" there
    for name in ("c++", "g++", "clang++"):
        (tmp_path / name).write_text("#!/bin/sh\nexit 0\n")
        (tmp_path / name).chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", ":" + str(tmp_path / "nowhere"))
    assert shutil.which("g++") == "g++"
    assert compiler.find("c++") is None
