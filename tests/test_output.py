"""Output for CI: concise, json-lines, github, sarif (validated against the SARIF 2.1.0 schema),
--statistics, --exit-zero, --quiet, --output-file, and color only on a terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
from conftest import FIXTURES, ROOT, amalint

from amalint.engine.rule import published_docs
from amalint.rules import RULES

TVM = FIXTURES / "tvm_shape"
ARGS = ("--", "-Iinclude", "-Ieager")
DOCS_URL = published_docs()
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-2.1.0-rtm.5.json").read_text())


def test_concise_is_one_line_per_finding() -> None:
    result = amalint("check", "umbrella.cc", "--format", "concise", *ARGS, cwd=TVM)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("umbrella.cc:7:1: AM101 [*] `src/file_utils.cc` looks up")
    assert lines[1].startswith("umbrella.cc:8:1: AM101 [*] `src/profiling.cc` looks up")


def test_json_lines_match_the_json_report() -> None:
    lines = amalint("check", "umbrella.cc", "--output-format", "json-lines", *ARGS, cwd=TVM)
    whole = amalint("check", "umbrella.cc", "--format", "json", *ARGS, cwd=TVM)
    assert lines.returncode == 1
    assert [json.loads(line) for line in lines.stdout.splitlines()] == whole.json


def test_github_workflow_commands() -> None:
    result = amalint("check", "umbrella.cc", "--format", "github", *ARGS, cwd=TVM)
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(
        "::error file=umbrella.cc,line=7,col=1,endLine=7,endColumn=29,title=amalint (AM101)::"
        "AM101 `src/file_utils.cc` looks up `ffi.GetKwargsObject` at start-up")


def test_github_escapes_workflow_command_syntax(tmp_path: Path) -> None:
    # a file name with a comma and a colon, a message with a percent sign in its key
    directory = tmp_path / "a,b:c"
    directory.mkdir()
    (directory / "u.cc").write_text(
        '__attribute__((constructor)) static void f() '
        '{ tvm::ffi::Function::GetGlobalRequired("50%"); }\n#include "x.cc"\n')
    (directory / "x.cc").write_text("")
    result = amalint("check", "a,b:c/u.cc", "--format", "github", cwd=tmp_path)
    assert result.stdout.startswith("::error file=a%2Cb%3Ac/u.cc,line=1,")
    assert "`50%25`" in result.stdout


def sarif(*args: str, cwd: Path) -> dict[str, Any]:
    result = amalint("check", "--format", "sarif", *args, cwd=cwd)
    log: dict[str, Any] = json.loads(result.stdout)
    results = [r for run in log["runs"] for r in run["results"]]
    assert result.returncode == (1 if results else 0), result.stderr
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    return log


def test_sarif_validates_and_carries_rules_chain_and_fix() -> None:
    log = sarif("umbrella.cc", *ARGS, cwd=TVM)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    assert all(r["helpUri"] == f"{DOCS_URL}#{r['id'].lower()}-{r['name']}" for r in rules)
    assert all("## What it does" in r["help"]["markdown"] for r in rules)
    first, second = run["results"]
    assert first["ruleId"] == "AM101" and rules[first["ruleIndex"]]["id"] == "AM101"
    location = first["locations"][0]["physicalLocation"]
    # repo-relative: the checkout is the repository the fixture lives in
    assert location["artifactLocation"] == {"uri": "fixtures/tvm_shape/umbrella.cc",
                                            "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 7, "startColumn": 1, "endLine": 7,
                                  "endColumn": 29}
    related = first["relatedLocations"]
    assert related[0]["message"]["text"] == "TVM_FFI_STATIC_INIT_BLOCK() runs at start-up"
    assert any("is registered here" in r["message"]["text"] for r in related)
    assert related[-1]["message"]["text"] == "the provider is included here"
    (fix,) = first["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "fixtures/tvm_shape/umbrella.cc"
    assert any('#include "src/object.cc"' in r["insertedContent"]["text"]
               for r in change["replacements"])
    assert first["partialFingerprints"] != second["partialFingerprints"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"


def test_sarif_of_a_clean_run_and_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    (tmp_path / "a.cc").write_text("int a;\n")
    log = sarif("u.cc", cwd=tmp_path)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == \
        tmp_path.resolve().as_uri() + "/"


def test_statistics_exit_zero_quiet_and_output_file(tmp_path: Path) -> None:
    stats = amalint("check", "umbrella.cc", "--statistics", *ARGS, cwd=TVM)
    assert (stats.returncode, stats.stdout) == (1, "2\tAM101\t[*] init-order\n")
    as_json = amalint("check", "umbrella.cc", "--statistics", "--format", "json", *ARGS, cwd=TVM)
    assert as_json.json == [{"code": "AM101", "name": "init-order", "count": 2,
                             "fixable": True}]
    zero = amalint("check", "umbrella.cc", "--exit-zero", "--format", "concise", *ARGS, cwd=TVM)
    assert zero.returncode == 0 and len(zero.stdout.splitlines()) == 2
    quiet = amalint("check", "umbrella.cc", "--quiet", *ARGS, cwd=TVM)
    assert quiet.returncode == 1
    assert "AM101" in quiet.stdout and "Found" not in quiet.stdout and "fixable" not in \
        quiet.stdout
    report = tmp_path / "report.sarif"
    written = amalint("check", "umbrella.cc", "--format", "sarif", "--output-file",
                      str(report), *ARGS, cwd=TVM)
    assert (written.returncode, written.stdout) == (1, "")
    jsonschema.Draft4Validator(SCHEMA).validate(json.loads(report.read_text()))
    bad = amalint("check", "umbrella.cc", "-o", str(tmp_path / "nodir" / "r.txt"), *ARGS,
                  cwd=TVM)
    assert bad.returncode == 2 and "r.txt: cannot write" in bad.stderr


def on_terminal(*args: str, env: dict[str, str]) -> str:
    """Run amalint with stdout on a pseudo-terminal; what it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "amalint", *args], cwd=TVM,
                            stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


def test_color_only_on_a_terminal_and_not_with_no_color() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    args = ("check", "umbrella.cc", *ARGS)
    assert "\x1b[" in on_terminal(*args, env=env)
    assert "\x1b[" not in on_terminal(*args, env={**env, "NO_COLOR": "1"})
    plain = on_terminal(*args[:2], "--no-color", *args[2:], env=env)
    assert "\x1b[" not in plain and "AM101" in plain
    piped = subprocess.run([sys.executable, "-m", "amalint", *args], cwd=TVM, env=env,
                           capture_output=True, text=True)
    assert "\x1b[" not in piped.stdout



def test_chain_steps_are_clang_notes_and_a_repeated_tail_is_shown_once() -> None:
    out = amalint("check", "umbrella.cc", "--frontend", "tree-sitter", *ARGS, cwd=TVM).stdout
    first, second = out.split("\n\n")[:2]
    # every related place is a `file:line:col: note:` line, as clang prints them
    assert "src/file_utils.cc:13:1: note: TVM_FFI_STATIC_INIT_BLOCK() runs at start-up" in first
    assert ("eager/tvm/ffi/make_init.h:9:28: note: → `tvm::ffi::Function::GetGlobalRequired("
            '"ffi.GetKwargsObject")`') in first
    assert "include/tvm/ffi/function.h:86:29: note: → calls" in first
    # the second finding shares the last four steps: its first shared step, then a pointer
    assert "make_init.h" not in second and "function.h:86:29" not in second
    assert ("include/tvm/ffi/function.h:78:18: note: → calls `tvm::ffi::reflection::ObjectDef::"
            "AutoRegisterInit`, then 3 more step(s) as shown above for umbrella.cc:7:1") in second
    assert "src/object.cc:13:3: note: `ffi.GetKwargsObject` is registered here" in second


def test_sarif_fingerprints_survive_unrelated_edits(tmp_path: Path) -> None:
    copy = tmp_path / "tvm"
    shutil.copytree(TVM, copy)
    before = sarif("umbrella.cc", *ARGS, cwd=copy)["runs"][0]["results"]
    for name in ("umbrella.cc", "src/file_utils.cc", "src/object.cc"):
        path = copy / name
        path.write_text("// a new first line\n\n" + path.read_text())
    after = sarif("umbrella.cc", *ARGS, cwd=copy)["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after] == \
        [r["locations"][0]["physicalLocation"]["region"]["startLine"] + 2 for r in before]
    assert [r["partialFingerprints"] for r in after] == \
        [r["partialFingerprints"] for r in before]
    assert len({json.dumps(r["partialFingerprints"]) for r in after}) == 2


def test_docs_url_sets_json_url_and_sarif_help_uri(tmp_path: Path) -> None:
    copy = tmp_path / "tvm"
    shutil.copytree(TVM, copy)
    default = amalint("check", "umbrella.cc", "--format", "json", *ARGS, cwd=copy).json
    assert default[0]["url"] == f"{DOCS_URL}#am101-init-order"
    assert DOCS_URL.startswith("https://")  # from the package's Documentation URL
    (copy / "amalint.toml").write_text('docs-url = "https://docs.example.invalid/rules.html"\n')
    found = amalint("check", "umbrella.cc", "--format", "json", *ARGS, cwd=copy).json
    assert found[0]["url"] == "https://docs.example.invalid/rules.html#am101-init-order"
    log = sarif("umbrella.cc", *ARGS, cwd=copy)
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["helpUri"] == "https://docs.example.invalid/rules.html#am101-init-order"


def test_order_table_fits_the_terminal() -> None:
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "80", "NO_COLOR": "1"}
    shown = on_terminal("order", "umbrella.cc", "--format", "table", "--frontend",
                        "tree-sitter", *ARGS, env=env)
    lines = re.sub(r"\x1b\[[0-9;]*m", "", shown.replace("\r", "")).splitlines()
    assert lines and max(len(line) for line in lines) <= 80, shown
    assert any("src/file_utils.cc:13" in line and "ffi.GetKwargsObject !" in line
               for line in lines)
    assert "(left out to fit the terminal: include line, kind" in "\n".join(lines)
