"""Configuration: where it is found, every key, strict validation, `amalint config`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import amalint

from amalint.config.files import KEYS

LOOKUP = ('__attribute__((constructor)) static void f() '
          '{{ tvm::ffi::Function::GetGlobal("{key}"); }}\n')


def unit(root: Path, key: str = "k") -> None:
    """An umbrella ``u.cc`` including ``a.cc``, which looks up ``key`` nobody provides."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "a.cc").write_text(LOOKUP.format(key=key))
    (root / "u.cc").write_text('#include "a.cc"\n')


def codes(result_json: list[dict[str, object]]) -> list[object]:
    return [f["code"] for f in result_json]


def test_nearest_config_per_file(tmp_path: Path) -> None:
    # as ruff does: each umbrella uses the config nearest to it
    unit(tmp_path / "one")
    unit(tmp_path / "two")
    (tmp_path / "pyproject.toml").write_text('[tool.amalint]\nignore = ["AM102"]\n')
    (tmp_path / "two" / ".amalint.toml").write_text("select = [\"AM1\"]\n")
    result = amalint("check", "one/u.cc", "two/u.cc", "--format", "json", cwd=tmp_path)
    assert [(f["filename"], f["code"]) for f in result.json] == [("two/u.cc", "AM102")]
    shown = amalint("config", "two/u.cc", "--format", "json", cwd=tmp_path)
    assert shown.json["config-file"] == str((tmp_path / "two" / ".amalint.toml").resolve())
    chosen = amalint("check", "one/u.cc", "two/u.cc", "--config", "two/.amalint.toml",
                     "--format", "json", cwd=tmp_path)
    assert codes(chosen.json) == ["AM102", "AM102"]
    isolated = amalint("check", "one/u.cc", "--isolated", "--format", "json", cwd=tmp_path)
    assert codes(isolated.json) == ["AM102"]


def test_select_extend_select_ignore(tmp_path: Path) -> None:
    unit(tmp_path)
    (tmp_path / "amalint.toml").write_text('select = ["AM101"]\nextend-select = ["AM102"]\n')
    assert codes(amalint("check", "u.cc", "--format", "json", cwd=tmp_path).json) == ["AM102"]
    # --select replaces the config's select; --ignore adds to its ignore
    only = amalint("check", "u.cc", "--select", "AM103", "--format", "json", cwd=tmp_path)
    assert codes(only.json) == ["AM102"]  # extend-select still adds AM102
    gone = amalint("check", "u.cc", "--ignore", "AM10", "--format", "json", cwd=tmp_path)
    assert codes(gone.json) == []
    more = amalint("check", "u.cc", "--isolated", "--select", "AM101", "--extend-select",
                   "AM102", "--format", "json", cwd=tmp_path)
    assert codes(more.json) == ["AM102"]


def test_per_file_ignores(tmp_path: Path) -> None:
    unit(tmp_path / "src")
    (tmp_path / "src" / "b.cc").write_text(LOOKUP.format(key="other").replace("f()", "g()"))
    (tmp_path / "src" / "u.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    # a finding on an #include line belongs to the included file as well as to the umbrella
    (tmp_path / "amalint.toml").write_text('[per-file-ignores]\n"src/a.cc" = ["AM102"]\n')
    result = amalint("check", "src/u.cc", "--format", "json", cwd=tmp_path)
    assert [f["location"]["row"] for f in result.json] == [2]
    (tmp_path / "amalint.toml").write_text('[per-file-ignores]\n"u.cc" = ["AM1"]\n')
    assert amalint("check", "src/u.cc", cwd=tmp_path).returncode == 0
    (tmp_path / "amalint.toml").write_text('[per-file-ignores]\n"src/**/*.cc" = ["ALL"]\n')
    assert amalint("check", "src/u.cc", cwd=tmp_path).returncode == 0


def test_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "inc").mkdir(parents=True)
    (project / "build").mkdir()
    (project / "build" / "compile_commands.json").write_text("[]\n")
    (project / "amalint.toml").write_text(
        'include-paths = ["inc"]\ncompile-commands = "build"\numbrellas = ["src/*.cc"]\n'
        'defines = ["FOO=1"]\nfrontend = "tree-sitter"\ncompiler = "clang"\n')
    shown = amalint("config", "--format", "json", cwd=project)
    assert shown.returncode == 0
    values = shown.json
    assert values["include-paths"] == [str((project / "inc").resolve())]
    assert values["compile-commands"] == str((project / "build").resolve())
    assert values["umbrellas"] == ["src/*.cc"]
    assert (values["defines"], values["frontend"], values["compiler"]) == (
        ["FOO=1"], "tree-sitter", "clang")
    # the same from a subdirectory: the config is found upward
    (project / "src").mkdir()
    assert amalint("config", "--format", "json", cwd=project / "src").json == values


def test_config_prints_every_key(tmp_path: Path) -> None:
    (tmp_path / "amalint.toml").write_text(
        '[profiles.plug]\nproviders = ["plug::Provide"]\n'
        'consumers = [{ name = "plug::Require", key-arg = 1 }]\ninit-blocks = ["PLUG_INIT"]\n')
    shown = amalint("config", cwd=tmp_path)
    assert shown.returncode == 0
    lines = shown.stdout.splitlines()
    assert lines[0] == f"# config file: {(tmp_path / 'amalint.toml').resolve()}"
    for key in KEYS:
        if key != "profiles":
            assert any(line.startswith((f"{key} = ", f"# {key} is not set")) for line in lines)
    text = shown.stdout
    assert "[profiles.plug]" in text
    assert 'consumers = [{ name = "plug::Require", key-arg = 1, optional = false }]' in text
    assert "[profiles.tvm-ffi]" in text  # the built-in profiles too
    none = amalint("config", "--isolated", cwd=tmp_path)
    assert none.stdout.startswith("# config file: (none)\n")
    assert json.loads(amalint("config", "--format", "json", "--", "-Iextra", "-DX",
                              cwd=tmp_path).stdout)["defines"] == ["X"]


@pytest.mark.parametrize(("text", "message"), [
    ("colour = 1\n", "unknown key 'colour'"),
    ('umbrellas = "u.cc"\n', "'umbrellas' must be a list of strings"),
    ("include-paths = [1]\n", "'include-paths' must be a list of strings"),
    ("compile-commands = 3\n", "'compile-commands' must be a string"),
    ('compile-commands = "nowhere"\n', "'compile-commands': no such file or directory"),
    ('frontend = "gcc"\n', "'frontend' must be one of auto, tree-sitter, libclang"),
    ('select = ["XY1"]\n', "'select': unknown rule selector 'XY1'"),
    ('extend-select = ["AM9999"]\n', "'extend-select': unknown rule selector 'AM9999'"),
    ('per-file-ignores = ["a"]\n', "'per-file-ignores' must be a table of lists of strings"),
    ('[per-file-ignores]\n"a.cc" = ["NOPE"]\n',
     "'per-file-ignores.a.cc': unknown rule selector 'NOPE'"),
    ("profiles = 1\n", "'profiles' must be a table"),
    ("[profiles.x]\nmacros = []\n", "unknown key 'profiles.x.macros'"),
    ('[profiles.x]\nconsumers = [{ name = "x::Find", optional = "yes" }]\n',
     "'profiles.x.consumers' entries must be a qualified name or {name = ..., key-arg = N, "
     "optional = true|false}"),
    ('[profiles.x]\nproviders = [{ name = "x::Add", optional = true }]\n',
     "'profiles.x.providers' entries must be a qualified name or {name = ..., key-arg = N}"),
])
def test_bad_config_names_the_key_and_the_file(tmp_path: Path, text: str, message: str) -> None:
    unit(tmp_path)
    (tmp_path / "amalint.toml").write_text(text)
    for command in (("check", "u.cc"), ("config",)):
        result = amalint(*command, cwd=tmp_path)
        assert result.returncode == 2
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"amalint: error: {tmp_path / 'amalint.toml'}: ")
        assert message in line


def test_bad_pyproject_table(tmp_path: Path) -> None:
    unit(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool]\namalint = "x"\n')
    result = amalint("check", "u.cc", cwd=tmp_path)
    assert result.returncode == 2 and "[tool.amalint] must be a table" in result.stderr
