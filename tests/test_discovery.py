"""What a ruff user reaches for first: ``amalint check .`` and directories, with .gitignore and
``--exclude``/``exclude`` honoured."""

from __future__ import annotations

from pathlib import Path

from conftest import amalint

LOOKUP = ('__attribute__((constructor)) static void f() {\n'
          '  tvm::ffi::Function::GetGlobalRequired("k");\n}\n')


def umbrella(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "user.cc").write_text(LOOKUP)
    (directory / "u.cc").write_text('#include "user.cc"\n')


def linted(result_stdout: str) -> list[str]:
    return sorted(line.split(":")[0] for line in result_stdout.splitlines())


def test_check_dot_lints_every_umbrella_below(tmp_path: Path) -> None:
    umbrella(tmp_path / "a")
    umbrella(tmp_path / "b" / "deep")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "lonely.cc").write_text("int main() { return 0; }\n")
    result = amalint("check", ".", "--format", "concise", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ""
    assert linted(result.stdout) == ["a/u.cc", "b/deep/u.cc"]
    assert amalint("check", "--format", "concise", cwd=tmp_path).stdout == result.stdout
    sub = amalint("check", "b", "--format", "concise", cwd=tmp_path)
    assert linted(sub.stdout) == ["b/deep/u.cc"]


def test_gitignore_and_exclude_are_honoured(tmp_path: Path) -> None:
    for name in ("src", "build", "third_party/x", "keep/gen"):
        umbrella(tmp_path / name)
    (tmp_path / ".gitignore").write_text("build/\n*/gen/\n")
    (tmp_path / "third_party" / ".gitignore").write_text("# nothing\n")
    result = amalint("check", ".", "--format", "concise", cwd=tmp_path)
    assert linted(result.stdout) == ["src/u.cc", "third_party/x/u.cc"]
    excluded = amalint("check", ".", "--exclude", "third_party", "--format", "concise",
                       cwd=tmp_path)
    assert linted(excluded.stdout) == ["src/u.cc"]
    (tmp_path / "amalint.toml").write_text('exclude = ["src/"]\n')
    configured = amalint("check", ".", "--format", "concise", cwd=tmp_path)
    assert linted(configured.stdout) == ["third_party/x/u.cc"]
    # a file named on the command line: .gitignore does not hide it (a generated unity
    # source in build/ is meant), `exclude` does (as ruff's --force-exclude)
    named = amalint("check", "build/u.cc", "--format", "concise", cwd=tmp_path)
    assert linted(named.stdout) == ["build/u.cc"]
    skipped = amalint("check", "src/u.cc", cwd=tmp_path)
    assert (skipped.returncode, skipped.stdout) == (0, "")
    assert skipped.stderr == ("amalint: note: src/u.cc: excluded by the `exclude` setting; "
                              "not checked\n")


def test_a_changed_file_maps_to_umbrellas_outside_ignored_directories(tmp_path: Path) -> None:
    umbrella(tmp_path / "src")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "unity.cc").write_text('#include "../src/user.cc"\n')
    (tmp_path / ".gitignore").write_text("build/\n")
    result = amalint("check", "src/user.cc", "--format", "concise", cwd=tmp_path)
    assert linted(result.stdout) == ["src/u.cc"]
