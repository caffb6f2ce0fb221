"""The configuration: compiler arguments, asking a compiler on PATH, the built-in fallback, and
real system headers preprocessed as g++ and clang++ do."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CXX_COMPILERS

from amalint.preprocess import compiler as compiler_module
from amalint.preprocess import configure, parse_args, preprocess
from amalint.preprocess.compiler import allowed, compiler_info, find
from amalint.preprocess.profile import fallback

HEADERS = ["<string>", "<vector>", "<map>", "<functional>", "<memory>", "<unordered_map>",
           "<iostream>"]


def test_parse_args_every_spelling() -> None:
    args = parse_args(["-Ia", "-I", "b", "--include-directory=c", "-iquote", "q", "-iquoteq2",
                       "-isystem", "s", "-idirafter", "z", "-DX", "-D", "Y=2", "-UX",
                       "--define-macro=W=3", "-include", "f.h", "--imacros=m.h", "-nostdinc",
                       "-std=c++20", "-O2", "-m32", "-fno-rtti", "-x", "c", "-o", "out.o",
                       "-fmax-include-depth=50", "-Wall", "--target=aarch64-linux-gnu", "dir/"])
    assert args.include_dirs == ("a", "b", "c")
    assert args.quote_dirs == ("q", "q2")
    assert args.system_dirs == ("s",) and args.after_dirs == ("z",)
    assert args.macros == (("D", "X"), ("D", "Y=2"), ("U", "X"), ("D", "W=3"))
    assert args.includes == ("f.h",) and args.imacros == ("m.h",)
    assert args.nostdinc and args.std == "c++20" and args.language == "c"
    assert args.max_include_depth == 50
    assert args.compiler_flags == ("-nostdinc", "-std=c++20", "-O2", "-m32", "-fno-rtti",
                                   "--target=aarch64-linux-gnu")


def test_only_plain_compiler_names_are_run(tmp_path: Path) -> None:
    assert allowed("g++") and allowed("clang++-14") and allowed("cc")
    assert not allowed("./g++") and not allowed("/usr/bin/g++") and not allowed("evil")
    fake = tmp_path / "g++"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    assert find("c++", str(fake)) != str(fake)


def test_gcc_profile() -> None:
    info = compiler_info("c++", ("-std=c++17",), "g++")
    assert info.family == "gcc" and not info.approximate
    values = info.macro_values()
    assert values["__cplusplus"] == "201703L" and int(values["__GNUC__"]) >= 5
    # what a pre-included file defines (glibc's stdc-predef.h) is read from it as the compiler
    # reads it, not taken as predefined
    assert all(os.path.isabs(p) for p in info.preincludes)
    if any(p.endswith("stdc-predef.h") for p in info.preincludes):
        assert "__STDC_IEC_559__" not in values
    assert any("c++" in d for d in info.system_dirs)
    # each operator is answered if and only if this g++ has it (__has_builtin from gcc 10,
    # __has_feature from gcc 14); the values are the documented ones of any version
    operators = info.features.operators
    assert "__has_include" in operators and "__has_cpp_attribute" in operators
    assert info.features.value("__has_cpp_attribute", "nodiscard") in (201603, 201907)
    assert (info.features.value("__has_builtin", "__builtin_expect") == 1) == \
        ("__has_builtin" in operators)
    assert (info.features.value("__has_feature", "cxx_rtti") == 1) == \
        ("__has_feature" in operators)
    assert compiler_info("c++", ("-std=c++17",), "g++") is info  # memoized


def test_clang_profile() -> None:
    info = compiler_info("c++", (), "clang++")
    assert info.family == "clang"
    assert info.features.value("__has_feature", "cxx_rtti") == 1
    assert info.features.value("__has_feature", "__cxx_rtti__") == 1
    # none (clang 14), or glibc's stdc-predef.h where a clang includes it implicitly
    assert all(p.endswith("stdc-predef.h") for p in info.preincludes)


def test_fallback_without_a_compiler(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    config = configure(["-std=c++11"])
    info = config.compiler
    assert info.approximate and info.family == "gcc" and "no C/C++ compiler" in info.notes[0]
    assert info.macro_values()["__cplusplus"] == "201103L"
    assert "__STRICT_ANSI__" in info.macro_values()
    assert info.features.value("__has_builtin", "__builtin_expect") == 1
    c = configure(["-std=gnu11", "-nostdinc"], umbrella="u.c").compiler
    assert c.macro_values()["__STDC_VERSION__"] == "201112L" and not c.system_dirs
    assert "__cplusplus" not in c.macro_values()


def test_fallback_when_the_compiler_hangs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The fake is the only compiler on PATH; it records its pid and sleeps (sleep by absolute
    # path: PATH holds nothing else), so every query run must time out and be killed.
    sleep = shutil.which("sleep")
    assert sleep is not None
    pids = tmp_path / "pids"
    fake = tmp_path / "bin" / "c++"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho $$ >> '{pids}'\nexec '{sleep}' 60\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.setattr(compiler_module, "TIMEOUT", 0.5)
    assert find("c++") == str(fake)
    info = compiler_info("c++", ("-std=c++17", "-O2"))
    assert info.approximate and info.family == "gcc"
    # three attempts (all flags, -std only, none), each given up on its timeout
    assert [n.count("timed out") for n in info.notes[0].split("; ")] == [1, 1, 1], info.notes
    for pid in map(int, pids.read_text().split()):  # killed and reaped: none is left
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_fallback_table_has_the_usual_macros() -> None:
    info = fallback("c++", (), "test")
    values = info.macro_values()
    for name in ("__GNUC__", "__x86_64__", "__SIZE_MAX__", "__INT64_C", "__cplusplus"):
        assert any(k.split("(")[0] == name for k in values), name


def _compiler_view(comp: str, src: Path, args: list[str]) -> tuple[list[str], dict[str, str]]:
    out = subprocess.run([comp, *args, "-E", str(src)], capture_output=True, text=True).stdout
    entered = [os.path.realpath(m.group(1)) for m in re.finditer(r'^# \d+ "([^"<]*)" 1', out, re.M)]
    dm = subprocess.run([comp, *args, "-dM", "-E", str(src)], capture_output=True,
                        text=True).stdout
    table = {}
    for line in dm.splitlines():
        m = re.match(r"#define (\S+)", line)
        if m:
            table[m.group(1).split("(")[0]] = line.rstrip()
    return entered, table


@pytest.mark.parametrize("comp", CXX_COMPILERS)
@pytest.mark.parametrize("std", ["-std=c++17", "-std=c++20"])
def test_system_headers_agree_with_the_compiler(comp: str, std: str, tmp_path: Path) -> None:
    src = tmp_path / "u.cc"
    src.write_text("".join(f"#include {h}\n" for h in HEADERS) + "#include <cstdint>\n"
                   "#if SIZE_MAX > 0 && defined(INT64_C) && (__GLIBC__ >= 2)\nint ok;\n#endif\n")
    config = configure([std], compiler=comp)
    unit = preprocess(src, config)
    entered, table = _compiler_view(comp, src, [std])
    ours = [os.path.realpath(i.path) for i in unit.inclusions[1:] if i.skipped is None]
    assert ours == entered
    mine = {n: m.definition(config.compiler.family) for n, m in unit.macros.items()}
    assert mine == table
    assert not [d for d in unit.diagnostics if d.severity == "error"]
    text = unit.active_text(unit.umbrella).decode()
    assert "int ok;" in text


def test_odd_digits_in_arguments_and_probe_output_are_not_numbers() -> None:
    assert parse_args(["-fmax-include-depth=\u00b2"]).max_include_depth == 200
    assert parse_args(["-fmax-include-depth=" + "9" * 5000]).max_include_depth == 10**9
    features = compiler_module._probe_answers(
        "O \u00b2\nO 99999999999\nV 0 \u00b2\nV \u0663 1\nV 0 " + "9" * 5000 + "\n")
    assert not features.operators
    # the one number read: 5000 nines, held as one past the 64-bit range (too large either way)
    assert list(features.values.values()) == [1 << 64]


@pytest.mark.parametrize("script", ["scripts/preprocess_profile.py",
                                    "benchmarks/preprocess_bench.py"])
def test_the_preprocessor_scripts_have_a_help_that_writes_nothing(script: str,
                                                                  tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    tables = sorted((root / "amalint" / "preprocess").glob("profile_*.py"))
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in tables]
    run = subprocess.run([sys.executable, str(root / script), "--help"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.startswith("usage: ") and run.stderr == ""
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in tables] == before
    assert not list(tmp_path.iterdir())
    bad = subprocess.run([sys.executable, str(root / script), "--no-such-option"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in tables] == before
