"""The command line as users meet it: output, exit codes, and bad input."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import FIXTURES, amalint, one_line, session_cache

from amalint.rules import RULES

TVM = FIXTURES / "tvm_shape"
TVM_ARGS = ("--", "-Iinclude", "-Ieager")


def line_of(name: str, snippet: str) -> int:
    """The line of the tvm_shape fixture file ``name`` that holds ``snippet`` (exactly once)."""
    lines = [i for i, text in enumerate((TVM / name).read_text().splitlines(), 1)
             if snippet in text]
    assert len(lines) == 1, (name, snippet, lines)
    return lines[0]


def test_text_output_names_the_chain_and_registration() -> None:
    result = amalint("check", "umbrella.cc", *TVM_ARGS, cwd=TVM)
    assert result.returncode == 1
    out = result.stdout
    assert "umbrella.cc:7:1: AM101 [*] `src/file_utils.cc` looks up `ffi.GetKwargsObject` at " \
        "start-up before `src/object.cc` (included at line 10) registers it" in out
    assert "destroys temporary `refl::ObjectDef<FileNode>`: runs `~ObjectDef`" in out
    assert "`tvm::ffi::Function::GetGlobalRequired(\"ffi.GetKwargsObject\")`" in out
    assert "`ffi.GetKwargsObject` is registered here" in out
    assert out.rstrip().endswith("Found 2 errors.\n[*] 2 fixable with the `--fix` option.")
    assert "\x1b[" not in out  # no color when not on a terminal
    # in a pre-commit hook, which cannot add an option, the fix hook is named instead
    hook = amalint("check", "umbrella.cc", *TVM_ARGS, cwd=TVM,
                   env={**os.environ, "PRE_COMMIT": "1", "AMALINT_CACHE_DIR": str(session_cache())})
    assert hook.stdout.rstrip().endswith(
        "Found 2 errors.\n[*] 2 fixable by the `amalint-fix` pre-commit hook.")


def test_clean_run_prints_one_summary_line() -> None:
    result = amalint("check", "umbrella.cc", "--", "-Iinclude", "-Ilazy", cwd=TVM)
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed!\n", "")


def test_json_output() -> None:
    result = amalint("check", "umbrella.cc", "--format", "json", *TVM_ARGS, cwd=TVM)
    assert result.returncode == 1
    findings = result.json
    assert [(f["code"], f["filename"], f["location"]) for f in findings] == [
        ("AM101", "umbrella.cc", {"row": 7, "column": 1}),
        ("AM101", "umbrella.cc", {"row": 8, "column": 1}),
    ]
    first = findings[0]
    assert set(first) == {"code", "name", "message", "severity", "filename", "location",
                          "end_location", "related", "fix", "url"}
    assert first["name"] == "init-order" and first["severity"] == "error"
    assert first["end_location"] == {"row": 7, "column": 29}
    related = [(r["filename"], r["location"]["row"]) for r in first["related"]]
    assert related == [
        ("src/file_utils.cc", line_of("src/file_utils.cc", "TVM_FFI_STATIC_INIT_BLOCK()")),
        ("src/file_utils.cc", line_of("src/file_utils.cc", "refl::ObjectDef<FileNode>()")),
        ("include/tvm/ffi/function.h", line_of("include/tvm/ffi/function.h",
                                               "~ObjectDef() { AutoRegisterInit(); }")),
        ("include/tvm/ffi/function.h", line_of("include/tvm/ffi/function.h",
                                               "void AutoRegisterInit() {")),
        ("include/tvm/ffi/function.h", line_of("include/tvm/ffi/function.h",
                                               "inits[type_index] = MakeInit(")),
        ("eager/tvm/ffi/make_init.h", line_of("eager/tvm/ffi/make_init.h",
                                              'GetGlobalRequired("ffi.GetKwargsObject")')),
        ("src/object.cc", line_of("src/object.cc", '.def("ffi.GetKwargsObject"')),
        ("umbrella.cc", line_of("umbrella.cc", '#include "src/object.cc"')),
    ]
    assert all(not os.path.isabs(r["filename"]) for r in first["related"])


def test_select_and_ignore() -> None:
    ignored = amalint("check", "umbrella.cc", "--ignore", "AM101", *TVM_ARGS, cwd=TVM)
    assert ignored.returncode == 0
    selected = amalint("check", "umbrella.cc", "--select", "AM1", "--format", "json",
                       *TVM_ARGS, cwd=TVM)
    assert {f["code"] for f in selected.json} == {"AM101"}
    bad = amalint("check", "umbrella.cc", "--select", "XY9", *TVM_ARGS, cwd=TVM)
    assert bad.returncode == 2 and "unknown rule selector 'XY9'" in bad.stderr


def test_order_json() -> None:
    result = amalint("order", "umbrella.cc", "--format", "json", *TVM_ARGS, cwd=TVM)
    rows = result.json
    assert [(r["filename"], r["kind"], r["include_line"]) for r in rows] == [
        ("src/registry.cc", "constructor", 6),
        ("src/file_utils.cc", "constructor", 7),
        ("src/profiling.cc", "constructor", 8),
        ("src/object.cc", "constructor", 10),
    ]
    assert rows[2]["provides"] == ["runtime.StartTimer"]
    assert rows[2]["requires"] == ["ffi.GetKwargsObject"]


def test_verbose_reports_skipped_calls() -> None:
    # tree-sitter does not expand the trace macro, so it cannot resolve the call
    result = amalint("check", "umbrella.cc", "-v", "--frontend", "tree-sitter", *TVM_ARGS,
                     cwd=TVM)
    assert "front end tree-sitter (as asked)" in result.stderr
    assert "eager call(s) skipped as unresolved" in result.stderr
    assert "AMALINT_TRACE" in result.stderr


def test_verbose_says_which_front_end_and_why(tmp_path: Path) -> None:
    flags = amalint("check", "umbrella.cc", "-v", *TVM_ARGS, cwd=TVM)
    assert "front end libclang (flags from the command line (after --))" in flags.stderr
    assert "8 files (8 parsed without errors)" in flags.stderr
    (tmp_path / "a.cc").write_text("int f() { return 0; }\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\nint main() { return f(); }\n')
    plain = amalint("check", "u.cc", "-v", cwd=tmp_path)
    assert "front end tree-sitter (no compiler flags known, so tree-sitter)" in plain.stderr


@pytest.mark.parametrize("name", sorted(RULES))
def test_rule_docs_have_every_section(name: str, tmp_path: Path) -> None:
    result = amalint("rule", name, cwd=tmp_path)
    assert result.returncode == 0
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## Fix safety"):
        assert section in result.stdout
    assert result.stdout.startswith(f"{name} {RULES[name].name}:")


def _error(result_stderr: str) -> str:
    lines = result_stderr.strip().splitlines()
    assert len(lines) == 1, result_stderr
    assert "Traceback" not in result_stderr
    return lines[0]


def test_missing_umbrella(tmp_path: Path) -> None:
    result = amalint("check", "nope.cc", cwd=tmp_path)
    assert result.returncode == 2
    assert _error(result.stderr) == "amalint: error: nope.cc: no such file"


def test_binary_and_non_utf8_umbrellas(tmp_path: Path) -> None:
    (tmp_path / "bin.cc").write_bytes(b"\x7fELF\x00\x00\x01")
    (tmp_path / "latin1.cc").write_bytes(b'// caf\xe9\n#include "a.cc"\n')
    for name, message in (("bin.cc", "binary file"),
                          ("latin1.cc", "not valid UTF-8 (byte 0xe9 at offset 6)")):
        result = amalint("check", name, cwd=tmp_path)
        assert result.returncode == 2
        assert message in _error(result.stderr)
        assert name in result.stderr


def test_unreadable_umbrella() -> None:
    # root reads any file, so as root the run drops to user "nobody" (CI runs as root)
    directory = Path(tempfile.mkdtemp())
    try:
        directory.chmod(0o755)
        path = directory / "secret.cc"
        path.write_text("")
        path.chmod(0)
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] \
            if os.geteuid() == 0 else []
        # (no cache: user "nobody" may not write the test's cache, and would be told so)
        proc = subprocess.run([*prefix, sys.executable, "-m", "amalint", "check", "secret.cc",
                               "--no-cache"], cwd=directory, capture_output=True, text=True)
        assert proc.returncode == 2
        assert _error(proc.stderr) == "amalint: error: secret.cc: permission denied"
    finally:
        shutil.rmtree(directory)


def test_bad_includes_are_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "a.cc").write_text('#include "b.cc"\n')
    (tmp_path / "b.cc").write_text('int b;\n')
    (tmp_path / "bin.cc").write_bytes(b"\x00\x01")
    (tmp_path / "empty.cc").write_text("")
    (tmp_path / "broken.cc").write_text("int f( {{{ ]]\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n#include "gone.h"\n#include "bin.cc"\n'
                                   '#include "empty.cc"\n#include "broken.cc"\n')
    result = amalint("check", "u.cc", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "All checks passed!\n"
    err = result.stderr
    assert "u.cc:2: cannot find include \"gone.h\"" in err
    assert "u.cc:3: skipped include bin.cc: " in err and "binary file" in err
    assert "parsed with errors" not in err  # macro-heavy code often does not parse: not news
    verbose = amalint("check", "u.cc", "-v", cwd=tmp_path).stderr
    assert "1 file(s) parsed with errors" in verbose and "broken.cc:1" in verbose
    assert "Traceback" not in err


def test_an_include_cycle_no_guard_breaks_is_fatal(tmp_path: Path) -> None:
    """The compiler stops at its include depth bound (clang: fatal): so do we, before 200
    copies of a file reach the front end."""
    (tmp_path / "a.cc").write_text('#include "b.cc"\n')
    (tmp_path / "b.cc").write_text('#include "a.cc"\nint ' + ", ".join(
        f"v{i}" for i in range(3000)) + ";\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    for frontend in ("tree-sitter", "libclang"):
        result = amalint("check", "u.cc", "--frontend", frontend, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (2, "")
        assert _error(result.stderr) == (
            "amalint: error: a.cc:1: #include nested depth 200 exceeds maximum of 200 (include "
            "cycle that no include guard breaks: a.cc -> b.cc -> a.cc); the unit does not "
            "compile")


def test_bad_config(tmp_path: Path) -> None:
    (tmp_path / "u.cc").write_text("")
    (tmp_path / "amalint.toml").write_text('frontend = "tree-sitter"\nunknown-key = 1\n')
    result = amalint("check", "u.cc", cwd=tmp_path)
    assert result.returncode == 2
    assert _error(result.stderr).endswith("amalint.toml: unknown key 'unknown-key'")
    (tmp_path / "amalint.toml").write_text("select = \"AM101\"\n")
    assert "'select' must be a list" in _error(amalint("check", "u.cc", cwd=tmp_path).stderr)
    (tmp_path / "amalint.toml").write_text("[profiles.x]\nproviders = [1]\n")
    assert "'profiles.x.providers' entries" in _error(
        amalint("check", "u.cc", cwd=tmp_path).stderr)
    (tmp_path / "amalint.toml").write_text("select = [\n")
    assert "invalid TOML" in _error(amalint("check", "u.cc", cwd=tmp_path).stderr)
    assert amalint("check", "u.cc", "--isolated", cwd=tmp_path).returncode == 0


def test_amalint_toml_written_as_a_pyproject_table(tmp_path: Path) -> None:
    """`[tool.amalint]` in amalint.toml (copied from a pyproject.toml) is taken as its table;
    beside other keys it is an error that says where the keys go."""
    (tmp_path / "a.cc").write_text("static int x;\n")
    (tmp_path / "b.cc").write_text("static int x;\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    (tmp_path / "amalint.toml").write_text('[tool.amalint]\nignore = ["AM201"]\n')
    result = amalint("check", "u.cc", "--format", "json", cwd=tmp_path)
    assert (result.returncode, result.json) == (0, []), result.stderr
    (tmp_path / "amalint.toml").write_text('select = ["AM2"]\n[tool.amalint]\nignore = []\n')
    result = amalint("check", "u.cc", cwd=tmp_path)
    assert result.returncode == 2
    assert _error(result.stderr).endswith(
        "amalint.toml: unknown key 'tool': in amalint.toml the keys go at the top level "
        "(`[tool.amalint]` is for pyproject.toml)")


def test_pyproject_config_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.amalint]\nignore = ["AM102"]\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.cc").write_text(
        '__attribute__((constructor)) static void f() { tvm::ffi::Function::GetGlobal("k"); }\n')
    (tmp_path / "src" / "u.cc").write_text('#include "a.cc"\n')
    assert amalint("check", "src/u.cc", cwd=tmp_path).returncode == 0
    found = amalint("check", "src/u.cc", "--isolated", "--format", "json", cwd=tmp_path)
    assert [f["code"] for f in found.json] == ["AM102"]


def test_no_paths_lint_the_working_directory(tmp_path: Path) -> None:
    result = amalint("check", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")  # never "All checks passed!"
    assert _error(result.stderr) == ("amalint: note: .: no umbrella below it (a C/C++ file that "
                                     "#includes a source file); nothing to check")


@pytest.mark.parametrize("misplaced", ["--format", "--format=json", "--select"])
def test_an_amalint_option_after_the_compiler_args_separator_is_a_usage_error(
        misplaced: str, tmp_path: Path) -> None:
    """`-- -Iinclude --format json` once printed text: the option went to the compiler."""
    (tmp_path / "a.cc").write_text("int a;\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    result = amalint("check", "u.cc", "--", "-I.", misplaced, "json", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == "", result
    name = misplaced.split("=")[0]
    assert f"Error: `{name}` after `--` would go to the compiler" in result.stderr
    # what compilers take too stays theirs
    clang = amalint("check", "u.cc", "--", "-I.", "--target=x86_64-linux-gnu", cwd=tmp_path)
    assert clang.returncode == 0, clang.stderr


@pytest.mark.parametrize("command", ["order", "graph"])
def test_order_and_graph_of_a_file_that_is_no_umbrella_say_so(command: str,
                                                               tmp_path: Path) -> None:
    """They printed nothing (or an empty graph) and exited 0."""
    (tmp_path / "a.cc").write_text("int a;\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    result = amalint(command, "a.cc", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert one_line(result.stderr) == (
        "amalint: error: a.cc: not an umbrella (it #includes no C/C++ source file); "
        "`amalint check a.cc` lints the umbrellas that include it")
    assert amalint(command, "u.cc", cwd=tmp_path).returncode == 0


def test_version_and_rule_by_name(tmp_path: Path) -> None:
    from importlib.metadata import version

    for flag in ("--version", "-V"):
        result = amalint(flag, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (0, f"amalint {version('amalint')}\n")
    by_name = amalint("rule", "init-order", cwd=tmp_path)
    assert by_name.returncode == 0
    assert by_name.stdout == amalint("rule", "AM101", cwd=tmp_path).stdout


@pytest.mark.parametrize("command", ["check", "order", "graph", "config", "rule"])
def test_help_describes_every_option_and_the_exit_codes(command: str, tmp_path: Path) -> None:
    text = amalint(command, "--help", cwd=tmp_path).stdout
    assert "Exit codes:\n    0  no findings" in text and "2  usage or input error" in text
    if command in ("check", "order", "graph", "config"):
        assert "[-- COMPILER_ARGS...]" in text.splitlines()[0]
    options = text.split("Options:\n", 1)[1].split("\n\n", 1)[0]
    for entry in re.split(r"\n(?=  -)", options):
        _, _, description = entry.strip().partition("  ")  # names, then the help text
        assert description.strip(), entry


def test_order_text_marks_lookups_before_their_provider() -> None:
    result = amalint("order", "umbrella.cc", *TVM_ARGS, cwd=TVM)
    assert result.returncode == 0
    assert "      requires `ffi.GetKwargsObject` ! before its provider (#4)\n" in result.stdout
    clean = amalint("order", "umbrella.cc", "--", "-Iinclude", "-Ilazy", cwd=TVM)
    assert "!" not in clean.stdout


def test_an_internal_error_is_one_line_and_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # a bug must never read as findings (exit 1) nor as bad input (exit 2)
    from amalint.cli import main
    from amalint.engine import run

    def broken(*_: object, **__: object) -> None:
        raise KeyError("boom")

    (tmp_path / "a.cc").write_text("int a;\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run, "load_unit", broken)
    monkeypatch.delenv("AMALINT_TRACEBACK", raising=False)
    with pytest.raises(SystemExit) as exited:
        main.main(["check", "u.cc", "-j", "1", "--no-cache"])
    assert exited.value.code == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("amalint: internal error: KeyError: 'boom' at ")
    assert "this is a bug in amalint" in err[0] and "Traceback" not in err[0]
