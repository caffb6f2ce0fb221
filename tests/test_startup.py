"""Start-up: a run imports only what it needs (rich only for colored text, libclang only on
the libclang path, the build-system readers only with a build directory, the program readers
only with --program), and the uncolored text report, written without rich, is what rich
prints."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from amalint import cli
from amalint.engine.rule import Finding, Related
from amalint.model import Location, Severity
from amalint.reporters import text

#: Modules a lint of a small umbrella with the tree-sitter front end, reported as text to a
#: pipe, never needs.
NOT_NEEDED = ("rich", "clang", "elftools", "arpy", "pathspec", "pygls", "importlib.metadata",
              "amalint.config.buildsystems", "amalint.frontends.libclang.parsing",
              "amalint.cli.program", "amalint.engine.readiness")


def _imported(argv: list[str], cwd: Path) -> tuple[int, set[str]]:
    """The exit code of ``amalint ARGV`` run in a fresh interpreter, and the modules it had
    imported by the end."""
    script = ("import sys\nfrom amalint.cli import main\nsys.argv = ['amalint', *sys.argv[1:]]\n"
              "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
              "sys.stderr.write('\\n' + __import__('json').dumps([code, sorted(sys.modules)]))\n")
    done = subprocess.run([sys.executable, "-c", script, *argv], cwd=cwd, capture_output=True,
                          text=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)})
    code, modules = json.loads(done.stderr.rsplit("\n", 1)[-1])
    return code, set(modules)


def _loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


@pytest.fixture
def two_files(tmp_path: Path) -> Path:
    (tmp_path / "a.cc").write_text("static int a = 1;\nint fa() { return a; }\n")
    (tmp_path / "b.cc").write_text("static int a = 2;\nint fb() { return a; }\n")
    (tmp_path / "u.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    return tmp_path


def test_version_imports_no_command(two_files: Path) -> None:
    code, modules = _imported(["--version"], two_files)
    assert code == 0
    assert not _loaded(modules, "amalint.cli.check")
    assert not _loaded(modules, "amalint.engine")
    assert not _loaded(modules, "importlib.metadata")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_check_imports_only_what_it_needs(two_files: Path, fmt: str) -> None:
    code, modules = _imported(["check", "--no-cache", "--format", fmt, "u.cc"], two_files)
    assert code == 1  # the two `a`s collide: a finding was reported
    assert _loaded(modules, "tree_sitter")
    # a finding's JSON `url` is the package's Documentation URL, in its metadata
    allowed = {"importlib.metadata"} if fmt == "json" else set()
    assert [m for m in NOT_NEEDED if _loaded(modules, m) and m not in allowed] == []


def test_colored_text_uses_rich(two_files: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "amalint", "check", "--no-cache", "u.cc"],
                          cwd=two_files, capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(two_files),
                               "FORCE_COLOR": "1"})
    assert done.returncode == 1 and "\x1b[" in done.stdout


#: Text rich treats specially: markup-like brackets, backslashes, control characters it drops,
#: tabs after wide and combining characters, a line of only a tab.
TRICKY = ["[bold]x[/bold] \\[y] a\\b", "\tlead\ttab\t", "ab\x0c\x0bcd\r\x07\x08e",
          "漢字\tx\té\u0301\ty", "\t", "", "plain `std::vector<int>`", "a\tb\nc\td"]


@pytest.mark.parametrize("sample", TRICKY)
def test_plain_lines_are_what_rich_prints(sample: str) -> None:
    plain, rich = io.StringIO(), io.StringIO()
    pieces = (("12 | ", "blue"), (sample, None), ("^ AM101", "bold red"))
    text.Plain(plain).line(*pieces)
    text.Rich(rich).line(*pieces)
    assert plain.getvalue() == rich.getvalue()


def test_plain_report_is_what_rich_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    path = tmp_path / "u.cc"
    at = Location(path, 2, 3)
    findings = [Finding("AM101", "init-order", Severity.ERROR, f"`{s}` [x]", at,
                        Location(path, 2, 9),
                        tuple(Related(Location(path, n, 1), f"→ step {n}\t[z]", step=True)
                              for n in range(1, 5)))
                for s in TRICKY]
    sources = {path: ("int a;", "\tx = [y]\t;", "z")}
    outputs = []
    for rich in (False, True):
        monkeypatch.setattr(text, "colored", lambda out, color, rich=rich: rich)
        out = io.StringIO()
        text.render(findings, out, sources, {id(findings[0])})
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    assert "[*]" in outputs[0] and "then 3 more step(s)" in outputs[0]


class _Exited(Exception):
    """What the test's ``os._exit`` raises instead of ending pytest."""


@pytest.mark.parametrize(("raised", "code"), [(SystemExit(None), 0), (SystemExit(0), 0),
                                              (SystemExit(1), 1), (SystemExit(2), 2)])
def test_the_program_ends_at_once_with_mains_exit_code(
        monkeypatch: pytest.MonkeyPatch, raised: SystemExit, code: int) -> None:
    def main() -> None:
        print("report")
        raise raised

    def exit_now(status: int) -> None:
        raise _Exited(status)

    monkeypatch.setattr(cli, "main", main)
    monkeypatch.setattr(os, "_exit", exit_now)
    with pytest.raises(_Exited) as ended:
        cli.run()
    assert ended.value.args == (code,)


def test_the_program_exits_as_python_does_when_the_flush_fails(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Closed(io.StringIO):
        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    def main() -> None:
        raise SystemExit(1)

    monkeypatch.setattr(cli, "main", main)
    monkeypatch.setattr(sys, "stdout", Closed())
    with pytest.raises(SystemExit) as ended:  # the interpreter's own exit, as before
        cli.run()
    assert ended.value.code == 1


def test_a_message_exit_is_left_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    def main() -> None:
        raise SystemExit("amalint: gone")

    monkeypatch.setattr(cli, "main", main)
    with pytest.raises(SystemExit) as ended:
        cli.run()
    assert ended.value.code == "amalint: gone"


def test_a_long_report_through_a_pipe_is_whole(tmp_path: Path) -> None:
    """More than a pipe holds (64 KB): what the process writes is all read, and its exit code
    is the lint's."""
    names = [f"helper_{n}" for n in range(400)]
    body = "".join(f"static int {name}() {{ return {n}; }}\n" for n, name in enumerate(names))
    (tmp_path / "a.cc").write_text(body)
    (tmp_path / "b.cc").write_text(body)
    (tmp_path / "u.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    done = subprocess.run([sys.executable, "-m", "amalint", "check", "u.cc", "--no-cache",
                           "--format", "json"], cwd=tmp_path, capture_output=True, check=False)
    assert done.returncode == 1
    assert len(done.stdout) > 1 << 16
    found = json.loads(done.stdout)
    assert {f["code"] for f in found} == {"AM201"}
    assert len(found) == len(names)
