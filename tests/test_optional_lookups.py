"""Optional lookups (a profile's ``optional = true`` consumers) return nothing when the key is
not registered yet, and the program goes on without the code they guard: AM101/AM102 warn about
them, while a lookup that aborts stays an error. Checked against ``fixtures/plug/optional``,
built and run with real compilers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, amalint, build_and_run

PLUG = FIXTURES / "plug"
OPTIONAL = PLUG / "optional"
REQUIRED = "PLUG_REQUIRE_CODECS"  # the fixture's switch from plug::Find to plug::Require


def lint(directory: Path, frontend: str, *defines: str, fmt: str = "json") -> Any:
    result = amalint("check", "umbrella.cc", "--format", fmt, "--frontend", frontend, "--",
                     f"-I{PLUG / 'include'}", *(f"-D{d}" for d in defines), cwd=directory)
    assert result.returncode == 1, result.stderr
    return result.json if fmt in ("json", "sarif") else result.stdout


def severities(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {f["code"]: f["severity"] for f in rows}


def test_optional_lookup_before_its_provider_skips_its_step(
        frontend: str, compiler: str, tmp_path: Path) -> None:
    include = (PLUG / "include",)
    run = build_and_run(compiler, OPTIONAL, "umbrella.cc", include, tmp_path)
    assert run.returncode == 0, run.stderr
    assert "main" in run.stdout.splitlines() and "enabled" not in run.stdout  # both skipped
    found = lint(OPTIONAL, frontend)
    assert severities(found) == {"AM101": "warning", "AM102": "warning"}
    for finding in found:
        assert "with `plug::Find`" in finding["message"]
        assert finding["message"].endswith(
            "the lookup (at viewer.cc:8) returns nothing, so the code it guards silently does "
            "not run in this build")
        # the chain still leads through the helper to the lookup
        assert finding["related"][-1 if finding["code"] == "AM102" else 2]["message"] \
            == "→ `plug::Find(<key>)`"
    required = build_and_run(compiler, OPTIONAL, "umbrella.cc", include, tmp_path, (REQUIRED,))
    assert required.returncode != 0 and "nothing provides codec.png" in required.stderr
    found = lint(OPTIONAL, frontend, REQUIRED)
    assert severities(found) == {"AM101": "error", "AM102": "error"}
    assert not any("plug::" in f["message"] for f in found)


def test_fix_reorders_for_an_optional_lookup(frontend: str, compiler: str,
                                             tmp_path: Path) -> None:
    copy = tmp_path / "plug"
    shutil.copytree(PLUG, copy)
    directory = copy / "optional"
    fixed = amalint("check", "umbrella.cc", "--fix", "--frontend", frontend, "--",
                    f"-I{copy / 'include'}", cwd=directory)
    assert "1 fixed, 1 remaining" in fixed.stdout, fixed.stdout + fixed.stderr
    assert severities(lint(directory, frontend)) == {"AM102": "warning"}
    run = build_and_run(compiler, directory, "umbrella.cc", (copy / "include",), tmp_path)
    assert run.returncode == 0 and "enabled codec.png" in run.stdout.splitlines()
    assert "codec.webp" not in run.stdout


def test_severity_travels_through_every_format() -> None:
    text = lint(OPTIONAL, "tree-sitter", fmt="text")
    assert "Found 2 warnings." in text
    github = lint(OPTIONAL, "tree-sitter", fmt="github").splitlines()
    assert len(github) == 2 and all(line.startswith("::warning ") for line in github)
    sarif = lint(OPTIONAL, "tree-sitter", fmt="sarif")
    run = sarif["runs"][0]
    assert [r["level"] for r in run["results"]] == ["warning", "warning"]
    rules = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert rules["AM101"] == rules["AM102"] == "error"  # the rules' default: a required lookup


@pytest.mark.parametrize("optional", [True, False])
def test_user_profile_marks_its_optional_lookup(optional: bool, tmp_path: Path) -> None:
    copy = tmp_path / "plug"
    shutil.copytree(PLUG, copy)
    find = '{ name = "plug::Find", optional = true }' if optional else '"plug::Find"'
    (copy / "amalint.toml").write_text(
        f'[profiles.plug]\nproviders = ["plug::Provide"]\nconsumers = ["plug::Require", {find}]'
        '\ninit-blocks = [{ macro = "PLUG_INIT", kind = "constructor" }]\n')
    expected = "warning" if optional else "error"
    assert severities(lint(copy / "optional", "tree-sitter")) == {
        "AM101": expected, "AM102": expected}
    shown = json.loads(amalint("config", "--format", "json", cwd=copy).stdout)
    assert {"name": "plug::Find", "key-arg": 0, "optional": optional} \
        in shown["profiles"]["plug"]["consumers"]


BUILTIN = '''\
namespace tvm { namespace ffi {
struct Function {
  static bool GetGlobal(const char*);
  static Function GetGlobalRequired(const char*);
};
}}
extern "C" int TVMFFIFunctionGetGlobal(const char*, void**);
namespace tvm { namespace runtime { struct Registry { static void* Get(const char*); }; } }
using tvm::ffi::Function;
static bool Lookup(const char* key) { return Function::GetGlobal(key); }
__attribute__((constructor)) static void a() { if (Function::GetGlobal("ffi.a")) {} }
__attribute__((constructor)) static void b() { Function::GetGlobalRequired("ffi.b"); }
__attribute__((constructor)) static void c() { void* h; TVMFFIFunctionGetGlobal("ffi.c", &h); }
__attribute__((constructor)) static void d() { tvm::runtime::Registry::Get("ffi.d"); }
__attribute__((constructor)) static void e() { Lookup("ffi.e"); }
'''


def test_builtin_profiles_say_which_lookups_are_optional(tmp_path: Path) -> None:
    (tmp_path / "lookups.cc").write_text(BUILTIN)
    (tmp_path / "u.cc").write_text('#include "lookups.cc"\n')
    for frontend in ("tree-sitter", "libclang"):
        result = amalint("check", "u.cc", "--format", "json", "--frontend", frontend,
                         cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        found = {f["message"].split("`")[3]: (f["severity"], f["message"]) for f in result.json}
        assert {key: severity for key, (severity, _) in found.items()} == {
            "ffi.a": "warning", "ffi.b": "error", "ffi.c": "warning", "ffi.d": "warning",
            "ffi.e": "warning"}
        assert "with `Function::GetGlobal`" in found["ffi.a"][1]
        assert "with `TVMFFIFunctionGetGlobal`" in found["ffi.c"][1]
        assert "with `Registry::Get`" in found["ffi.d"][1]
        assert "(at lookups.cc:10)" in found["ffi.e"][1]  # the lookup in the helper


HEADER = '''\
#pragma once
namespace tvm { namespace ffi { struct Function {
  static bool GetGlobal(const char*);
  static Function GetGlobalRequired(const char*);
  static void SetGlobal(const char*, int);
}; } }
using tvm::ffi::Function;
'''


def test_other_startup_rules_warn_for_optional_lookups(tmp_path: Path) -> None:
    """AM104 (no order helps), AM105 (priorities) and AM205 (a source not included would
    provide the key) are warnings when the failing lookup is optional, errors when it aborts."""
    (tmp_path / "reg.h").write_text(HEADER)
    (tmp_path / "users.cc").write_text(
        '#include "reg.h"\n'
        '__attribute__((constructor)) static void a() { Function::GetGlobal("dyn.opt"); }\n'
        '__attribute__((constructor)) static void b() { Function::GetGlobalRequired("dyn.req"); }\n'
        '__attribute__((constructor(150))) static void c() { Function::GetGlobal("late.opt"); }\n'
        '__attribute__((constructor)) static void d() { Function::GetGlobal("orphan.opt"); }\n'
        '__attribute__((constructor)) static void e() '
        '{ Function::GetGlobalRequired("orphan.req"); }\n')
    (tmp_path / "providers.cc").write_text(
        '#include "reg.h"\n'
        'static int x = '
        '(Function::SetGlobal("dyn.opt", 0), Function::SetGlobal("dyn.req", 0), 0);\n'
        '__attribute__((constructor)) static void p() { Function::SetGlobal("late.opt", 0); }\n')
    for key in ("opt", "req"):
        (tmp_path / f"orphan_{key}.cc").write_text(
            '#include "reg.h"\n__attribute__((constructor)) static void r() '
            f'{{ Function::SetGlobal("orphan.{key}", 0); }}\n')
    (tmp_path / "u.cc").write_text('#include "users.cc"\n#include "providers.cc"\n')
    result = amalint("check", "u.cc", "--format", "json", "--frontend", "tree-sitter",
                     cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = sorted((f["code"], f["severity"], f["message"]) for f in result.json)
    keys = [(code, severity, next(k for k in ("dyn.opt", "dyn.req", "late.opt", "orphan.opt",
                                              "orphan.req") if k in message))
            for code, severity, message in found]
    assert keys == [
        ("AM102", "error", "orphan.req"), ("AM102", "warning", "orphan.opt"),
        ("AM104", "error", "dyn.req"), ("AM104", "warning", "dyn.opt"),
        ("AM105", "warning", "late.opt"),
        ("AM205", "error", "orphan.req"), ("AM205", "warning", "orphan.opt"),
    ]
    for code, severity, message in found:
        if severity == "warning" and code != "AM205":
            assert "so the code it guards silently does not run in this build" in message
