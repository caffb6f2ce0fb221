"""The libclang front end's edges: where its flags come from, parse health, builtin headers, and
a fresh environment with nothing but the pip wheels."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import pytest
from conftest import FIXTURES, ROOT, amalint

from amalint.config.flags import clean_args
from amalint.config.settings import Settings, parse_compiler_args
from amalint.frontends import libclang
from amalint.scan.unit import load_unit

PLUG = FIXTURES / "plug"
TVM = FIXTURES / "tvm_shape"


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    """A copy of the plug fixtures; ``chain/`` has an AM101 (app.cc needs what comes later)."""
    shutil.copytree(PLUG, tmp_path / "plug")
    return tmp_path / "plug" / "chain"


def _codes(stdout: str) -> list[str]:
    return [f["code"] for f in json.loads(stdout)]


def test_flags_from_compile_commands_in_build_dir_are_parsed_not_run(chain: Path) -> None:
    build = chain / "build"
    build.mkdir()
    # `command` as a shell would split it; the directory is relative to the database
    entry = {"directory": "..", "file": "umbrella.cc",
             "command": "g++ -std=c++17 -I ../include -c umbrella.cc -o umbrella.o -MD "
                        "-MF umbrella.d"}
    (build / "compile_commands.json").write_text(json.dumps([entry]))
    result = amalint("check", "umbrella.cc", "--format", "json", "-v", cwd=chain)
    assert result.returncode == 1, result.stderr
    assert set(_codes(result.stdout)) == {"AM101"}
    assert "front end libclang (flags from" in result.stderr
    assert "compile_commands.json (entry 0)" in result.stderr
    assert not (chain / "umbrella.o").exists() and not (chain / "umbrella.d").exists()


def test_build_dir_option_and_arguments_list(chain: Path, tmp_path: Path) -> None:
    build = tmp_path / "elsewhere"
    build.mkdir()
    entry = {"directory": str(chain), "file": str(chain / "umbrella.cc"),
             "arguments": ["clang++", "-I../include", "-c", "umbrella.cc"]}
    (build / "compile_commands.json").write_text(json.dumps([entry]))
    result = amalint("check", str(chain / "umbrella.cc"), "-p", str(build), "--format", "json",
                     "-v", cwd=tmp_path)
    assert set(_codes(result.stdout)) == {"AM101"}, result.stderr
    assert "front end libclang" in result.stderr


def test_database_without_the_umbrella_warns_and_goes_on(chain: Path) -> None:
    (chain / "compile_commands.json").write_text(json.dumps(
        [{"directory": ".", "file": "other.cc", "command": "cc -c other.cc"}]))
    result = amalint("check", "umbrella.cc", "-p", "compile_commands.json", "-v",
                     "--", "-I../include", cwd=chain)
    assert result.returncode == 1
    assert "has no entry for" in result.stderr
    assert "front end libclang (flags from the command line" in result.stderr


@pytest.mark.parametrize(("content", "problem"), [
    ("{not json", "not a valid compilation database"),
    ('{"file": "x"}', "expected a list"),
    ('[{"file": "umbrella.cc"}]', "entry 0 needs 'file' and 'directory'"),
    ('[{"file": "umbrella.cc", "directory": "."}]', "entry 0 needs 'arguments'"),
])
def test_bad_database_is_a_clear_error(chain: Path, content: str, problem: str) -> None:
    (chain / "compile_commands.json").write_text(content)
    result = amalint("check", "umbrella.cc", cwd=chain)
    assert result.returncode == 2
    assert result.stderr.startswith("amalint: error: ")
    assert "compile_commands.json" in result.stderr and problem in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_build_dir_is_a_clear_error(chain: Path) -> None:
    result = amalint("check", "umbrella.cc", "-p", "no-such-build", cwd=chain)
    assert result.returncode == 2
    assert "no-such-build: no compile_commands.json there" in result.stderr


def test_output_and_dependency_flags_are_dropped() -> None:
    args = ["-O2", "-c", "-o", "a.o", "-MD", "-MF", "a.d", "-MTa.o", "-Iinc", "a.cc", "-DX=1"]
    assert list(clean_args(args, "a.cc")) == ["-O2", "-Iinc", "-DX=1"]


def test_compile_errors_are_am301_and_the_rest_is_still_analyzed(chain: Path) -> None:
    service = chain / "service.cc"
    service.write_text(service.read_text() + "\nint Broken() { return undefined_name; }\n")
    app = chain / "app.cc"
    app.write_text('#include "plug/missing_header.h"\n' + app.read_text())
    result = amalint("check", "umbrella.cc", "--format", "json", "--", "-I../include",
                     cwd=chain)
    found = json.loads(result.stdout)
    am301 = {f["location"]["row"]: f["message"] for f in found if f["code"] == "AM301"}
    assert set(am301) == {3, 4}  # the #include lines of app.cc and service.cc
    assert "'plug/missing_header.h' file not found" in am301[3]
    assert "undeclared identifier 'undefined_name'" in am301[4]
    # clang kept going after the fatal error: the start-up hazard is still found
    assert {f["code"] for f in found if f["code"] != "AM301"} == {"AM101"}


def test_more_than_twenty_errors_do_not_stop_the_parse(chain: Path) -> None:
    store = chain / "store.cc"
    store.write_text("".join(f"int e{i} = undefined_{i};\n" for i in range(30))
                     + store.read_text())
    result = amalint("check", "umbrella.cc", "--format", "json", "--", "-I../include",
                     cwd=chain)
    found = json.loads(result.stdout)
    (am301,) = [f for f in found if f["code"] == "AM301"]
    assert "30 compile error(s)" in am301["message"]
    # the registration after the 30 errors is still seen: app.cc's lookup is satisfied late
    assert "AM101" in {f["code"] for f in found}


def test_resource_dir_option_must_be_a_resource_dir(chain: Path) -> None:
    result = amalint("check", "umbrella.cc", "--resource-dir", str(chain), "--",
                     "-I../include", cwd=chain)
    assert result.returncode == 2
    assert "not a clang resource directory" in result.stderr


def test_without_builtin_headers_the_parse_goes_on_with_a_warning() -> None:
    """The wheel's libclang with no resource directory: <cstdio> and friends miss stddef.h, the
    unit still parses, the hazard is still found, and a diagnostic says what is missing."""
    search, _ = parse_compiler_args([f"-I{TVM / 'include'}", f"-I{TVM / 'eager'}"], TVM)
    settings = Settings(search=search, compiler_args=(f"-I{TVM / 'include'}",
                                                      f"-I{TVM / 'eager'}"))
    unit = load_unit(TVM / "umbrella.cc", settings)
    cindex = libclang.load()
    model = libclang.parse_with(cindex, unit, settings, libclang.ResourceDir(None, "none"))
    messages = [d.message for d in model.diagnostics]
    assert any("no clang resource directory found" in m for m in messages)
    from amalint.analysis.effects import analyze

    analysis = analyze(model, settings.registry)
    required = {e.key for effects in analysis.effects.values() for e in effects}
    assert "ffi.GetKwargsObject" in required


def test_builtin_headers_come_from_the_clang_tidy_wheel_of_libclangs_version() -> None:
    """The dependencies bring matching builtin headers: the clang-tidy wheel's, chosen before
    any clang on PATH or installed, and its version is libclang's."""
    cindex = libclang.load()
    found = libclang.find_resource_dir(None, libclang.version(cindex))
    assert found.origin == "the clang-tidy wheel"
    assert found.matches
    assert found.path is not None and (found.path / "include" / "stddef.h").is_file()
    assert found.path.name == str(libclang.major_version(libclang.version(cindex)))


def test_builtin_headers_of_another_clang_are_one_short_warning(chain: Path) -> None:
    """With another version's builtin headers (a system clang's, given as --resource-dir) the
    errors inside them are one short line saying how to get matching ones, not AM301."""
    other = [p for p in sorted(Path("/usr/lib").glob("llvm-*/lib/clang/*"))
             if (p / "include" / "stddef.h").is_file()
             and libclang.major_version(p.name) != 18]
    if not other:
        pytest.skip("no clang of another version installed")
    source = chain / "simd.cc"  # intrinsics headers are where the versions differ
    source.write_text("#include <emmintrin.h>\n#include <cstdio>\n")
    umbrella = chain / "umbrella.cc"
    umbrella.write_text('#include "simd.cc"\n' + umbrella.read_text())
    result = amalint("check", "umbrella.cc", "--frontend", "libclang", "--resource-dir",
                     str(other[0]), "--format", "json", "--", "-I../include", cwd=chain)
    assert result.returncode == 1, result.stderr
    assert "AM301" not in _codes(result.stdout)
    warnings = [line for line in result.stderr.splitlines() if "builtin headers" in line]
    assert len(warnings) == 1 and len(warnings[0]) < 200, result.stderr
    assert "pip install 'clang-tidy==18.*'" in warnings[0]


def test_fresh_environment_with_only_the_wheels(tmp_path: Path) -> None:
    """A new virtual environment gets amalint from this checkout and its dependencies from
    pip, first without libclang (auto falls back to tree-sitter, --frontend libclang is a clear
    error), then with the libclang and clang-tidy wheels of pyproject.toml and no clang on PATH:
    the TVM-shaped hazard is found, with matching builtin headers (no warning about them)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    deps = [d for d in declared if not d.startswith(("libclang", "clang-tidy"))]
    subprocess.run([*pip, "--no-deps", str(ROOT)], check=True, timeout=600)
    subprocess.run([*pip, *deps], check=True, timeout=600)
    bin_dir = tmp_path / "bin"  # PATH: the venv and nothing else (no clang, no compilers)
    bin_dir.mkdir()
    env = {"PATH": f"{venv / 'bin'}:{bin_dir}", "NO_COLOR": "1", "HOME": str(tmp_path)}
    flags = ["--", "-Iinclude", "-Ieager"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(venv / "bin" / "amalint"), *args], cwd=TVM, env=env,
                              capture_output=True, text=True, timeout=300)

    fallback = run("check", "umbrella.cc", "-v", "--format", "json", *flags)
    assert fallback.returncode == 1, fallback.stderr
    assert "libclang is not installed" in fallback.stderr
    assert "front end tree-sitter" in fallback.stderr
    explicit = run("check", "umbrella.cc", "--frontend", "libclang", *flags)
    assert explicit.returncode == 2
    assert "--frontend libclang: libclang is not installed" in explicit.stderr

    wheels = [d for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
              ["dependencies"] if d.startswith(("libclang", "clang-tidy"))]
    assert len(wheels) == 2
    subprocess.run([*pip, *wheels], check=True, timeout=600)
    assert shutil.which("clang", path=env["PATH"]) is None
    found = run("check", "umbrella.cc", "-v", "--format", "json", *flags)
    assert found.returncode == 1, found.stderr
    assert "front end libclang" in found.stderr
    assert "builtin headers" not in found.stderr
    assert "resource directory" not in found.stderr
    keys = {json.loads(found.stdout)[0]["message"].split("`")[3]}
    assert keys == {"ffi.GetKwargsObject"}
