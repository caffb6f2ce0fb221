"""A new user's first run: amalint never passes silently when it cannot see the code, reads files
as the compiler does, and stays quiet on normal code (issue 12: silent passes and noise)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import COMPILERS, FIXTURES, amalint, build_and_run, one_line

PLUG = FIXTURES / "plug"
CONFIG = (PLUG / "amalint.toml").read_text()
LOOKUP = ('#include "plug/registry.h"\nPLUG_INIT() {\n  PLUG_TRACE();\n'
          '  plug::Require("k");\n}\n')
PROVIDE = ('#include "plug/registry.h"\nPLUG_INIT() {\n  PLUG_TRACE();\n'
           '  plug::Provide("k", plug::Noop);\n}\n')


def plug_tree(root: Path, config: str = "") -> Path:
    """A project with the plug registry under include/, its profile in amalint.toml."""
    root.mkdir(exist_ok=True)
    shutil.copytree(PLUG / "include", root / "include")
    (root / "amalint.toml").write_text(config + CONFIG)
    return root


# --- unresolved includes -------------------------------------------------------------------


def test_an_included_source_that_is_nowhere_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "u.cc").write_text('#include "gen/a.cc"\n#include "gen/b.cc"\nint main() {}\n')
    result = amalint("check", "u.cc", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert one_line(result.stderr) == (
        'amalint: error: u.cc: 2 included sources not found on the include path (first: '
        '"gen/a.cc" at u.cc:1); pass the directories that hold them with -I after `--` (or set '
        "include-paths in the config)")


def test_sources_found_elsewhere_in_the_project_name_the_include_dir(tmp_path: Path) -> None:
    (tmp_path / "lib" / "src").mkdir(parents=True)
    (tmp_path / "lib" / "src" / "a.cc").write_text("int a;\n")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "u.cc").write_text('#include "src/a.cc"\n')
    result = amalint("check", "web/u.cc", cwd=tmp_path)
    assert result.returncode == 2
    assert "1 included source not found" in one_line(result.stderr)
    assert "the project has them: pass `-- -Ilib`" in result.stderr
    assert amalint("check", "web/u.cc", "--", "-Ilib", cwd=tmp_path).returncode == 0


def test_the_project_root_is_tried_last_and_verbose_says_so(tmp_path: Path) -> None:
    root = plug_tree(tmp_path / "p")
    (root / "src").mkdir()
    (root / "src" / "user.cc").write_text(LOOKUP)
    (root / "src" / "provider.cc").write_text(PROVIDE)
    (root / "web").mkdir()
    (root / "web" / "u.cc").write_text('#include "src/user.cc"\n#include "src/provider.cc"\n')
    result = amalint("check", "web/u.cc", "--format", "concise", "--", "-Iinclude", cwd=root)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("web/u.cc:1:1: AM101 [*] `src/user.cc` looks up `k`")
    assert "project root" not in result.stderr
    verbose = amalint("check", "web/u.cc", "-v", "--", "-Iinclude", cwd=root)
    assert ("amalint: web/u.cc: 2 include(s) found only in the project root . (tried last for "
            "quoted includes, as `-idirafter .`), first at web/u.cc:1") in verbose.stderr


def test_project_headers_off_the_include_path_are_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "3rd" / "include" / "lib").mkdir(parents=True)
    (tmp_path / "3rd" / "include" / "lib" / "x.h").write_text("int x;\n")
    (tmp_path / "a.cc").write_text("#include <lib/x.h>\n#include <vector>\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    result = amalint("check", "u.cc", cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "amalint: error: u.cc: 1 project header not found on the include path (first: "
        "<lib/x.h> at a.cc:1); the project has them: pass `-- -I3rd/include`, or in "
        'amalint.toml write `include-paths = ["3rd/include"]`')
    # which a pre-commit hook (that cannot pass `--`) can follow word for word
    (tmp_path / "amalint.toml").write_text('include-paths = ["3rd/include"]\n')
    assert amalint("check", "u.cc", cwd=tmp_path).returncode == 0
    (tmp_path / "amalint.toml").unlink()
    mistyped = amalint("check", "u.cc", "--", "-I3rd/includ", cwd=tmp_path)
    assert one_line(mistyped.stderr).endswith("; include directory 3rd/includ does not exist")
    assert amalint("check", "u.cc", "--", "-I3rd/include", cwd=tmp_path).returncode == 0
    # declared a system directory: never parsed, never missing
    assert amalint("check", "u.cc", "--", "-isystem", "3rd/include", cwd=tmp_path).returncode \
        == 0


def test_a_bare_header_found_in_the_project_is_only_a_warning(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    # a name no system header has (the machine's own <zlib.h> would be found first)
    (tmp_path / "vendor" / "amalint_vendored.h").write_text("int z;\n")
    (tmp_path / "a.cc").write_text("#include <amalint_vendored.h>\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    result = amalint("check", "u.cc", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")
    assert one_line(result.stderr) == (
        "amalint: warning: a.cc:1: <amalint_vendored.h> is not on the include path but the "
        "project has it in vendor; if it is meant, pass -I for it (findings through it may be "
        "missing)")



def test_only_directories_of_the_umbrellas_project_are_suggested(tmp_path: Path) -> None:
    """Run from a directory holding several projects, a header of the same name in another
    project is not this one's: never suggested for -I (the compiler does not find it either)."""
    (tmp_path / "other" / "include" / "cfg").mkdir(parents=True)
    (tmp_path / "other" / "include" / "cfg" / "config.h").write_text("int other;\n")
    (tmp_path / "other" / "vendor").mkdir()
    (tmp_path / "other" / "vendor" / "zlib.h").write_text("int z;\n")
    (tmp_path / "proj" / ".git").mkdir(parents=True)
    (tmp_path / "proj" / "src").mkdir()
    (tmp_path / "proj" / "src" / "s.c").write_text(
        '#include "cfg/config.h"\n#include <zlib.h>\nint s;\n')
    (tmp_path / "proj" / "src" / "u.c").write_text('#include "s.c"\n')
    gcc = subprocess.run(["gcc", "-fsyntax-only", "proj/src/u.c"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert "cfg/config.h" in gcc.stderr and gcc.returncode != 0
    result = amalint("check", "proj/src/u.c", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    (tmp_path / "proj" / "include" / "cfg").mkdir(parents=True)
    (tmp_path / "proj" / "include" / "cfg" / "config.h").write_text("int mine;\n")
    (tmp_path / "proj" / "src" / "u.c").write_text('#include "s.c"\nint u;\n')  # a new run
    result = amalint("check", "proj/src/u.c", cwd=tmp_path)
    assert result.returncode == 2
    assert "the project has them: pass `-- -Iproj/include`, or in" in result.stderr

# --- paths that stand for no umbrella ------------------------------------------------------


def test_paths_that_stand_for_no_umbrella_get_a_note_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# hello\n")
    (tmp_path / "tool.cc").write_text("int main() { return 0; }\n")
    (tmp_path / "latin1.cc").write_bytes(b"// caf\xe9\nint x;\n")
    (tmp_path / "empty").mkdir()
    for path, note in (("README.md", "not a C/C++ file; not checked"),
                       ("tool.cc", "no umbrella includes it; nothing to check"),
                       ("latin1.cc", "no umbrella includes it; nothing to check"),
                       ("empty", "no umbrella below it (a C/C++ file that #includes a source "
                                 "file); nothing to check")):
        result = amalint("check", path, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (0, ""), path
        assert one_line(result.stderr) == f"amalint: note: {path}: {note}"
        assert amalint("check", path, "-q", cwd=tmp_path).stderr == ""
    missing = amalint("check", "nope.md", cwd=tmp_path)
    assert one_line(missing.stderr) == "amalint: error: nope.md: no such file"


def test_no_path_with_a_non_unity_build_directory_lints_the_umbrellas_below(
        tmp_path: Path) -> None:
    """`amalint check` with no path lints the umbrellas below the working directory when the
    build directory it finds has no unity sources; with neither, it says so (exit 2)."""
    (tmp_path / "a.cc").write_text("static int Twice(int x) { return 2 * x; }\n")
    (tmp_path / "b.cc").write_text("static int Twice(int x) { return x + x; }\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "compile_commands.json").write_text(
        f'[{{"directory": "{tmp_path}", "file": "a.cc", "arguments": ["c++", "-c", "a.cc"]}}]')
    alone = amalint("check", cwd=tmp_path)
    assert alone.returncode == 2
    assert one_line(alone.stderr) == (
        "amalint: error: build: no unity sources (CMake's UNITY_BUILD is off); "
        "--unity-readiness checks what a unity build would meet")
    (tmp_path / "all.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    found = amalint("check", "--format", "json", cwd=tmp_path)
    assert found.returncode == 1, found.stderr
    assert [(f["code"], f["filename"]) for f in found.json] == [("AM201", "b.cc")]


# --- line endings and byte order marks ------------------------------------------------------


ENDINGS = {"lf": (b"", b"\n"), "crlf": (b"", b"\r\n"), "cr": (b"", b"\r"),
           "bom": (b"\xef\xbb\xbf", b"\n"), "bom-cr": (b"\xef\xbb\xbf", b"\r")}


@pytest.mark.parametrize("kind", sorted(ENDINGS))
def test_line_endings_and_bom_are_read_as_the_compiler_reads_them(tmp_path: Path,
                                                                  kind: str) -> None:
    bom, eol = ENDINGS[kind]
    root = plug_tree(tmp_path / "p")
    (root / "user.cc").write_bytes(bom + LOOKUP.encode().replace(b"\n", eol))
    (root / "provider.cc").write_bytes(PROVIDE.encode().replace(b"\n", eol))
    lines = [b'#include "user.cc"  // looks k up', b"// the provider", b'#include "provider.cc"',
             b"int main() { return 0; }", b""]
    umbrella = root / "u.cc"
    umbrella.write_bytes(bom + eol.join(lines))
    flags = ("--", "-Iinclude")
    result = amalint("check", "u.cc", "--format", "concise", *flags, cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("u.cc:1:1: AM101 [*] `user.cc` looks up `k` at start-up "
                                    "before `provider.cc` (included at line 3) registers it")
    compiler = COMPILERS[0]
    assert build_and_run(compiler, root, "u.cc", [root / "include"], tmp_path).returncode != 0
    fixed = amalint("check", "u.cc", "--fix", *flags, cwd=root)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    data = umbrella.read_bytes()
    assert data == bom + eol.join([lines[1], lines[2], lines[0], lines[3], b""])
    assert build_and_run(compiler, root, "u.cc", [root / "include"], tmp_path).returncode == 0


# --- quiet on normal code ------------------------------------------------------------------


def test_include_cycles_are_news_only_when_no_guard_breaks_them(tmp_path: Path) -> None:
    (tmp_path / "guarded.h").write_text(
        '#ifndef GUARDED_H\n#define GUARDED_H\n#include "other.h"\nint g;\n#endif\n')
    (tmp_path / "other.h").write_text('#include "guarded.h"\n')
    (tmp_path / "once.h").write_text('#pragma once\n#include "once2.h"\n')
    (tmp_path / "once2.h").write_text('#include "once.h"\n')
    (tmp_path / "a.cc").write_text('#include "guarded.h"\n#include "once.h"\n')
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    quiet = amalint("check", "u.cc", cwd=tmp_path)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "All checks passed!\n", "")
    (tmp_path / "loop1.h").write_text('#include "loop2.h"\n')
    (tmp_path / "loop2.h").write_text('#include "loop1.h"\n')
    (tmp_path / "a.cc").write_text('#include "guarded.h"\n#include "loop1.h"\n')
    loud = amalint("check", "u.cc", cwd=tmp_path)
    # the compiler follows the cycle to its include depth limit and gives up there
    assert loud.returncode == 2 and one_line(loud.stderr) == (
        "amalint: error: loop2.h:1: #include nested depth 200 exceeds maximum of 200 (include "
        "cycle that no include guard breaks: loop1.h -> loop2.h -> loop1.h); the unit does not "
        "compile")


def test_errors_and_warnings_are_counted_apart_and_fail_on_sets_the_exit(tmp_path: Path) -> None:
    root = plug_tree(tmp_path / "p")
    shutil.copytree(PLUG / "reserved", root / "reserved")
    warning_only = amalint("check", "reserved/umbrella.cc", "--", "-Iinclude", cwd=root)
    assert warning_only.returncode == 1  # as ruff: any finding fails by default
    assert warning_only.stdout.endswith("\nFound 1 warning.\n")
    assert "AM105" in warning_only.stdout
    lenient = amalint("check", "reserved/umbrella.cc", "--fail-on", "error", "--", "-Iinclude",
                      cwd=root)
    assert lenient.returncode == 0 and lenient.stdout.endswith("\nFound 1 warning.\n")
    (root / "reserved" / "user.cc").write_text(LOOKUP)
    umbrella = root / "reserved" / "umbrella.cc"
    umbrella.write_text('#include "user.cc"\n' + umbrella.read_text())
    both = amalint("check", "reserved/umbrella.cc", "--", "-Iinclude", cwd=root)
    assert both.stdout.endswith("\nFound 1 error and 1 warning.\n")
    (root / "amalint.toml").write_text('fail-on = "error"\n' + CONFIG)
    assert amalint("check", "reserved/umbrella.cc", "--", "-Iinclude", cwd=root).returncode == 1
    umbrella.write_text(umbrella.read_text().replace('#include "user.cc"\n', ""))
    assert amalint("check", "reserved/umbrella.cc", "--", "-Iinclude", cwd=root).returncode == 0


def test_the_first_run_fixture_is_a_real_hazard(tmp_path: Path) -> None:
    """fixtures/firstrun (the README's first run) aborts at start-up as amalint says, and runs
    after its fix."""
    root = tmp_path / "firstrun"
    shutil.copytree(FIXTURES / "firstrun", root)
    include = [root, root / "3rdparty" / "tvm-ffi" / "include"]
    compiler = COMPILERS[0]
    umbrella = "web/emcc/wasm_runtime.cc"
    before = build_and_run(compiler, root, umbrella, include, tmp_path)
    assert before.returncode != 0 and "ffi.GetKwargsObject not found" in before.stderr
    flags = ("--", "-I3rdparty/tvm-ffi/include")
    assert amalint("check", umbrella, "--fix", *flags, cwd=root).returncode == 0
    after = build_and_run(compiler, root, umbrella, include, tmp_path)
    assert after.returncode == 0 and after.stdout.endswith("ok\n")


def test_a_missing_include_in_a_branch_the_compiler_skips_is_no_news(tmp_path: Path) -> None:
    # without flags the unit is read as the compiler reads it by default: it never reaches an
    # include under #ifdef _WIN32 on this machine; an include guard is no such branch
    (tmp_path / "a.cc").write_text('#ifndef A_H\n#define A_H\n#include "gen/b.cc"\n#endif\n')
    (tmp_path / "u.cc").write_text('#ifdef _WIN32\n#include "win/x.cc"\n#endif\n'
                                   '#include "a.cc"\n')
    guarded = amalint("check", "u.cc", cwd=tmp_path)
    assert guarded.returncode == 2 and '"gen/b.cc" at a.cc:3' in one_line(guarded.stderr)
    (tmp_path / "a.cc").write_text("#ifndef A_H\n#define A_H\n#endif\n")
    branch = amalint("check", "u.cc", cwd=tmp_path)
    assert (branch.returncode, branch.stdout, branch.stderr) == (0, "All checks passed!\n", "")
    windows = amalint("check", "u.cc", "--", "-D_WIN32", cwd=tmp_path)
    assert windows.returncode == 2 and '"win/x.cc" at u.cc:2' in one_line(windows.stderr)


def test_an_error_directive_the_compiler_reaches_is_not_a_pass(tmp_path: Path) -> None:
    # a platform umbrella that needs its build's -D: without it the compiler stops, and so
    # does amalint (it has not seen the code), naming the directive and what to pass
    (tmp_path / "a.c").write_text('#if !defined(PLAT_A)\n#error "define PLAT_A"\n#endif\n'
                                  "int a;\n")
    (tmp_path / "u.c").write_text('#include "a.c"\n')
    for frontend in ("tree-sitter", "libclang"):
        bare = amalint("check", "u.c", "--frontend", frontend, cwd=tmp_path)
        assert bare.returncode == 2 and bare.stdout == ""
        assert one_line(bare.stderr) == (
            "amalint: error: a.c:2: the compiler stops at `#error \"define PLAT_A\"` without "
            "flags; pass the build's (-p BUILD_DIR, or -- -D...)")
        built = amalint("check", "u.c", "--frontend", frontend, "--", "-DPLAT_A", cwd=tmp_path)
        assert (built.returncode, built.stdout) == (0, "All checks passed!\n")
        # with the build's flags the compiler goes on past an #error it reaches (in a unity
        # build, sources that configure each other), and so does amalint, saying so
        other = amalint("check", "u.c", "--frontend", frontend, "--", "-DOTHER", cwd=tmp_path)
        assert other.stderr == ('amalint: warning: a.c:2: the preprocessor says: #error '
                                '"define PLAT_A"\n')
        if frontend == "libclang":  # the compiler's error, charged to the file: AM301, exit 1
            assert other.returncode == 1 and other.stdout.endswith("Found 1 warning.\n")
            assert "AM301 `a.c`: 1 compile error(s), first 'a.c:2: \"define PLAT_A\"'" \
                in other.stdout
        else:  # tree-sitter reads on past it: a clean run, the warning said
            assert (other.returncode, other.stdout) == (0, "All checks passed!\n")
