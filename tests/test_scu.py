"""The unity-build hazards AM201-AM204 against real compilers.

Each fixture under fixtures/scu/ is a small amalgamation whose sources each compile alone; the
tests show what the real compilers do with the amalgamation (reject it, or build a program that
behaves differently) and that amalint reports exactly that, naming both places.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import COMPILERS, FIXTURES, Run, amalint, build_and_run, compile_unit

SCU = FIXTURES / "scu"


def findings(directory: Path, umbrella: str = "umbrella.cc") -> list[dict[str, object]]:
    result = amalint("check", umbrella, "--format", "json", cwd=directory)
    found: list[dict[str, object]] = result.findings
    return found


def related_files(finding: dict[str, object]) -> set[str]:
    return {str(r["filename"]) for r in finding["related"]}  # type: ignore[attr-defined]


def variant(directory: Path, tmp: Path, drop: str = "", after: str = "", insert: str = "") -> str:
    """A copy of the fixture's umbrella in ``tmp`` (includes spelled as absolute paths) without
    the include of ``drop``, or with ``insert`` after the include of ``after``."""
    lines = []
    for line in (directory / "umbrella.cc").read_text().splitlines(keepends=True):
        if line.startswith('#include "'):
            name = line.split('"')[1]
            if name == drop:
                continue
            line = f'#include "{directory / name}"\n'
            if name == after:
                line += insert
        lines.append(line)
    path = tmp / "variant.cc"
    path.write_text("".join(lines))
    return str(path)


def each_source_compiles_alone(compiler: str, directory: Path) -> None:
    for source in sorted(directory.glob("*.cc")):
        if source.name != "umbrella.cc":
            alone = compile_unit(compiler, directory, source.name)
            assert alone.returncode == 0, f"{source.name} alone:\n{alone.stderr}"


def run_variant(compiler: str, directory: Path, tmp: Path, **change: str) -> Run:
    return build_and_run(compiler, directory, variant(directory, tmp, **change), (), tmp)


def test_same_signature_internal_names_break_the_unity_build(compiler: str) -> None:
    directory = SCU / "collision"
    each_source_compiles_alone(compiler, directory)
    unity = compile_unit(compiler, directory, "umbrella.cc")
    assert unity.returncode != 0 and "Checksum" in unity.stderr
    (finding,) = findings(directory)
    assert (finding["code"], finding["severity"], finding["filename"]) == (
        "AM201", "error", "hash.cc")
    assert finding["location"] == {"row": 2, "column": 17}
    assert related_files(finding) == {"crc.cc"}


def test_overload_capture_changes_the_result(compiler: str, tmp_path: Path) -> None:
    directory = SCU / "overload"
    each_source_compiles_alone(compiler, directory)
    unity = build_and_run(compiler, directory, "umbrella.cc", (), tmp_path)
    alone = run_variant(compiler, directory, tmp_path, drop="scale.cc")
    assert (unity.stdout, alone.stdout) == ("half of three: 1\n", "half of three: 1.5\n")
    (finding,) = findings(directory)
    assert (finding["code"], finding["severity"], finding["filename"]) == (
        "AM201", "warning", "stats.cc")
    assert "`Half(double)` (static) overloads `Half(int)` from `scale.cc`: in the unity build " \
        "`Half` called with (int) in `stats.cc` binds to the other file's `Half(int)`" in \
        str(finding["message"])
    related = [(r["filename"], r["location"]["row"]) for r in finding["related"]]  # type: ignore[attr-defined]
    assert related == [("scale.cc", 2), ("stats.cc", 5)]


def test_using_namespace_leak_makes_a_later_name_ambiguous(compiler: str) -> None:
    directory = SCU / "using_leak"
    each_source_compiles_alone(compiler, directory)
    unity = compile_unit(compiler, directory, "umbrella.cc")
    assert unity.returncode != 0 and "ambiguous" in unity.stderr
    (finding,) = findings(directory)
    assert (finding["code"], finding["severity"], finding["filename"]) == (
        "AM202", "error", "geometry.cc")
    assert "in `grid.cc`, `Point` is ambiguous between `::geo::Point` and `::Point`" in \
        str(finding["message"])
    assert related_files(finding) == {"grid.cc", "geometry.cc"}


def test_a_directive_naming_a_namespace_through_an_earlier_directive_leaks_too(
        compiler: str) -> None:
    """``using namespace geo; using namespace ape;`` nominates ``geo::ape``; its ``Shape``,
    declared in a header only the later source reads, makes that source's ``Shape``
    ambiguous."""
    directory = SCU / "using_through_using"
    each_source_compiles_alone(compiler, directory)
    unity = compile_unit(compiler, directory, "umbrella.cc")
    assert unity.returncode != 0 and "reference to 'Shape' is ambiguous" in \
        unity.stderr.replace("\u2018", "'").replace("\u2019", "'")
    for frontend in ("tree-sitter", "libclang"):
        result = amalint("check", "umbrella.cc", "--format", "json", "--frontend", frontend,
                         cwd=directory)
        (finding,) = result.json
        assert (finding["code"], finding["severity"], finding["filename"]) == (
            "AM202", "error", "reader.cc"), frontend
        assert finding["location"]["row"] == 3
        assert "in `shape.cc`, `Shape` is ambiguous between `::geo::ape::Shape` and " \
            "`::geo::Shape`" in finding["message"], frontend


def test_macro_leak_changes_a_later_default(compiler: str, tmp_path: Path) -> None:
    directory = SCU / "macro_leak"
    unity = build_and_run(compiler, directory, "umbrella.cc", (), tmp_path)
    assert unity.stdout == "log 16 net 16\n"
    undefined = run_variant(compiler, directory, tmp_path, after="fast_log.cc",
                            insert="#undef BUFFER_SIZE\n")
    assert undefined.stdout == "log 16 net 4096\n"
    (finding,) = findings(directory)
    assert (finding["code"], finding["filename"], finding["location"]) == (
        "AM203", "fast_log.cc", {"row": 2, "column": 9})
    assert [(r["filename"], r["location"]["row"]) for r in finding["related"]] == [  # type: ignore[attr-defined]
        ("net.cc", 3)]
    # the umbrella's own #undef between the two includes ends the leak
    assert findings(tmp_path, "variant.cc") == []


def test_duplicate_include_fails_and_the_fix_builds(compiler: str, tmp_path: Path) -> None:
    copy = tmp_path / "duplicate"
    shutil.copytree(SCU / "duplicate", copy)
    assert compile_unit(compiler, copy, "umbrella.cc").returncode != 0
    (finding,) = findings(copy)
    assert (finding["code"], finding["location"]["row"], finding["fix"]["applicability"]) == (  # type: ignore[index]
        "AM204", 6, "safe")
    fixed = amalint("check", "umbrella.cc", "--fix", cwd=copy)
    assert (fixed.returncode, fixed.stdout) == (0, "Found 1 error (1 fixed, 0 remaining).\n")
    text = (copy / "umbrella.cc").read_text()
    assert text == (SCU / "duplicate" / "umbrella.cc").read_text().replace(
        '// codecs (added again by a merge)\n#include "./codec.cc"\n', "")
    run = build_and_run(compiler, copy, "umbrella.cc", (), tmp_path)
    assert run.stdout == "png\n"


@pytest.mark.parametrize("first, second", [
    ("namespace {\nint counter = 0;\n}\n", "namespace {\nint counter = 1;\n}\n"),
    ("const int kLimit = 4;\n", "const int kLimit = 8;\n"),
    ("namespace {\nstruct Cell {\n  int v;\n};\n}\n",
     "namespace {\nstruct Cell {\n  int w;\n};\n}\n"),
    ("static int Count = 1;\n", "static int Count() { return 2; }\n"),
], ids=["anonymous-variable", "const", "anonymous-class", "variable-and-function"])
def test_every_kind_of_internal_collision_is_a_redefinition(
    first: str, second: str, compiler: str, tmp_path: Path
) -> None:
    (tmp_path / "a.cc").write_text(first)
    (tmp_path / "b.cc").write_text(second)
    (tmp_path / "umbrella.cc").write_text('#include "a.cc"\n#include "b.cc"\nint main() {}\n')
    each_source_compiles_alone(compiler, tmp_path)
    assert compile_unit(compiler, tmp_path, "umbrella.cc").returncode != 0
    assert [(f["code"], f["severity"], f["filename"]) for f in findings(tmp_path)] == [
        ("AM201", "error", "b.cc")]


@pytest.mark.parametrize("a, b", [
    ("#if defined(A)\nstatic int f() { return 1; }\n#endif\n",
     "#if !defined(A)\nstatic int f() { return 2; }\n#endif\n"),
    ("namespace one {\nstatic int f() { return 1; }\n}\n",
     "namespace two {\nstatic int f() { return 2; }\n}\n"),
    ("static int f() { return 1; }\n", "int g() { return 2; }\n"),
    ("static int tentative;\n", "static int tentative;\n"),
], ids=["exclusive-branches", "other-namespaces", "no-clash", "c-tentative"])
def test_no_collision_no_finding(a: str, b: str, tmp_path: Path) -> None:
    suffix = ".c" if "tentative" in a else ".cc"
    (tmp_path / f"a{suffix}").write_text(a)
    (tmp_path / f"b{suffix}").write_text(b)
    (tmp_path / f"umbrella{suffix}").write_text(
        f'#include "a{suffix}"\n#include "b{suffix}"\nint main(void) {{ return 0; }}\n')
    assert findings(tmp_path, f"umbrella{suffix}") == []


def test_using_directive_rebinding_and_overloads_are_warnings(tmp_path: Path) -> None:
    (tmp_path / "a.cc").write_text(
        "namespace fmt {\nint Print(int x) { return x; }\nint kWidth = 4;\n}\n"
        "using namespace fmt;\n")
    (tmp_path / "b.cc").write_text(
        "int Print(double x) { return 2; }\nint Use() { return Print(1); }\n")
    (tmp_path / "c.cc").write_text(
        "namespace ui {\nint kWidth = 8;\n}\nint Local(int Print) { return Print; }\n")
    (tmp_path / "umbrella.cc").write_text(
        '#include "a.cc"\n#include "b.cc"\n#include "c.cc"\n')
    (finding,) = findings(tmp_path)
    assert (finding["code"], finding["severity"]) == ("AM202", "warning")
    assert "in `b.cc`, calls to `Print` may bind to `::fmt::Print` instead of `::Print`" in \
        str(finding["message"])


def test_macro_leak_ignores_guards_undefs_same_values_and_the_umbrella(tmp_path: Path) -> None:
    (tmp_path / "a.cc").write_text(
        "#define SAME 1\n#define GONE 2\n#undef GONE\n#define OWN 3\n#define FN(x) x\n"
        "#define QUIET 5\n")
    (tmp_path / "b.cc").write_text(
        "#ifndef SAME\n#define SAME 1\n#endif\nint g = GONE + OWN;\nint FN = 1;\n"
        "#undef QUIET\nint q = QUIET;\n")
    (tmp_path / "umbrella.cc").write_text(
        '#define OWN 3\n#include "a.cc"\n#include "b.cc"\n')
    assert findings(tmp_path) == []


def test_parenthesized_object_like_macro_breaks_a_later_declaration(
        compiler: str, tmp_path: Path) -> None:
    # `#define capacity (4)` is object-like: its `(4)` is the replacement, not a parameter list,
    # so a later `static int capacity(int)` becomes `static int (4)(int)`.
    (tmp_path / "a.cc").write_text("#define capacity (4)\nint Room() { return capacity; }\n")
    (tmp_path / "b.cc").write_text(
        "static int capacity(int x) { return x; }\nint Seats() { return capacity(1); }\n")
    (tmp_path / "umbrella.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    each_source_compiles_alone(compiler, tmp_path)
    assert compile_unit(compiler, tmp_path, "umbrella.cc").returncode != 0
    (finding,) = findings(tmp_path)
    assert (finding["code"], finding["severity"], finding["filename"]) == (
        "AM203", "error", "b.cc")
    assert "no longer compiles" in str(finding["message"])
    assert related_files(finding) == {"a.cc"}


def test_a_define_without_a_name_is_not_a_macro(tmp_path: Path) -> None:
    (tmp_path / "a.cc").write_text("#define (x) y\nint a;\n")
    (tmp_path / "b.cc").write_text("int b;\n")
    (tmp_path / "umbrella.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    result = amalint("check", "umbrella.cc", "--format", "json", cwd=tmp_path)
    # nothing defined, so nothing leaks; the compiler's complaint is passed on as a warning
    assert (result.returncode, result.json) == (0, []), result.stderr
    assert result.stderr == ("amalint: warning: a.cc:1: the preprocessor says: macro names must "
                             "be identifiers\n")


def test_a_default_equal_to_the_leak_is_quiet_with_the_preprocessor(tmp_path: Path) -> None:
    """With flags the preprocessor skips the later `#define` of an `#ifndef` whose macro
    leaked; the branch still says what it would define. The same value, or a header without
    guard testing its own macro on a second read, is no change: nothing to report."""
    (tmp_path / "conf.h").write_text("#ifndef LOCAL\n#define LOCAL static\n#endif\n"
                                     "#ifndef CONF_ONCE\n#define CONF_ONCE\nint conf;\n#endif\n")
    (tmp_path / "a.cc").write_text('#define LOCAL static\n#include "conf.h"\nLOCAL int a;\n')
    (tmp_path / "b.cc").write_text('#include "conf.h"\n#ifndef LOCAL\n#define LOCAL  static\n'
                                   "#endif\nLOCAL int b;\n")
    (tmp_path / "c.cc").write_text("#ifndef LOCAL\n#define LOCAL extern\n#endif\nLOCAL int c;\n")
    (tmp_path / "umbrella.cc").write_text(
        '#include "a.cc"\n#include "b.cc"\n#include "c.cc"\n')
    result = amalint("check", "umbrella.cc", "--format", "json", "--frontend", "tree-sitter",
                     "--", "-std=c++17", cwd=tmp_path)
    # only c.cc, whose default differs (extern), is affected
    assert [(f["code"], f["filename"], [r["filename"] for r in f["related"]])
            for f in result.json] == [("AM203", "a.cc", ["c.cc"])], result.stdout


def test_a_wrapper_that_defines_its_setting_first_redefines_the_leak(
        compiler: str, tmp_path: Path) -> None:
    """libjpeg-turbo's wrappers: `#define BITS 12` then `#include` of shared code whose
    header has a default (`#ifndef BITS` / `#define BITS 8`), compiled earlier in the unit.
    Alone, that default can never come before the wrapper's own first line, so the leaked
    `BITS 8` is redefined (a warning of both compilers) and AM203 says so."""
    (tmp_path / "conf.h").write_text("#ifndef BITS\n#define BITS 8\n#endif\n"
                                     "typedef int conf_word;\n")
    (tmp_path / "inter.h").write_text(
        '#ifndef INTER_H\n#define INTER_H\n#include "conf.h"\n#endif\n')
    (tmp_path / "plain.cc").write_text('#include "conf.h"\nint Plain() { return BITS; }\n')
    (tmp_path / "a.cc").write_text(
        '#define BITS 8\n#include "inter.h"\nint Eight() { return BITS; }\n')
    (tmp_path / "b.cc").write_text(
        '#define BITS 12\n#include "inter.h"\nint Twelve() { return BITS; }\n')
    (tmp_path / "umbrella.cc").write_text(
        '#include "plain.cc"\n#include "a.cc"\n#include "b.cc"\n')
    each_source_compiles_alone(compiler, tmp_path)
    unity = compile_unit(compiler, tmp_path, "umbrella.cc")
    assert unity.returncode == 0 and "redefined" in unity.stderr
    result = amalint("check", "umbrella.cc", "--format", "json", "--frontend", "tree-sitter",
                     "--", "-std=c++17", cwd=tmp_path)
    assert [(f["code"], f["filename"], f["location"]["row"]) for f in result.json
            if "defines it differently" in f["message"]] == [("AM203", "b.cc", 1)], \
        result.stdout


@pytest.mark.parametrize("flags", [(), ("--", "-std=c++17")], ids=["scan", "preprocessor"])
def test_a_different_default_only_tested_for_definedness_is_no_leak(
        flags: tuple[str, ...], tmp_path: Path) -> None:
    """`#define HAVE_X 1` leaks into a source whose `#ifndef HAVE_X` / `#define HAVE_X` default
    is empty: where it is only tested (`#ifdef`, `defined`) the unity build compiles the same
    code (the compiler's -E output is the same); once its value is used it is not."""
    (tmp_path / "conf.h").write_text("#define HAVE_X 1\n")
    (tmp_path / "a.cc").write_text('#include "conf.h"\nint a;\n')
    tests = ("#ifndef HAVE_X\n#define HAVE_X\n#endif\n#ifdef HAVE_X\nint bx;\n#endif\n"
             "#if defined(HAVE_X)\nint by;\n#endif\n")
    (tmp_path / "b.cc").write_text(tests)
    (tmp_path / "umbrella.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    def code(compiler: str, source: str) -> list[str]:
        out = subprocess.run([compiler, "-E", "-P", source], cwd=tmp_path,
                             capture_output=True, text=True, check=True).stdout
        return [line for line in out.splitlines() if line.strip()]

    for compiler in COMPILERS:
        assert code(compiler, "umbrella.cc") == ["int a;", *code(compiler, "b.cc")]
    result = amalint("check", "umbrella.cc", "--format", "json", *flags, cwd=tmp_path)
    assert (result.returncode, result.json) == (0, []), result.stderr
    (tmp_path / "b.cc").write_text(tests + "int v = HAVE_X + 0;\n")
    result = amalint("check", "umbrella.cc", "--format", "json", *flags, cwd=tmp_path)
    assert [(f["code"], f["filename"]) for f in result.json] == [("AM203", "conf.h")]
