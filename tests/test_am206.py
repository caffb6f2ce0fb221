"""AM206 hidden-dependency on its fixture (``fixtures/hidden``), with both front ends: what it
reports, what it leaves alone, the fix's spelling, and the compilers' word on each source."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, amalint, compile_unit, lint_in

from amalint.model import Written
from amalint.rules.am206_hidden_dependency import spelling

HIDDEN = FIXTURES / "hidden"
ARGS = ("-std=c++17", "-Iinclude")


def _write(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (directory / name).write_text(text)


def _judged(directory: Path, files: dict[str, str], frontend: str, compiler: str
            ) -> tuple[dict[str, str], set[str]]:
    """Writes ``files`` (C++, their unit ``umbrella.cc``, which must compile); AM206's message
    for each source it names, and the sources after the first that fail compiled alone."""
    _write(directory, files)
    assert compile_unit(compiler, directory, "umbrella.cc").returncode == 0
    sources = sorted(name for name in files if name.endswith(".cc") and name != "umbrella.cc")
    failing = {name for name in sources[1:]
               if compile_unit(compiler, directory, name).returncode != 0}
    found = lint_in(directory, "umbrella.cc", ("-std=c++17",), frontend, "the test", ("AM206",))
    return {f.location.path.name: f.message for f in found.findings}, failing


def _c_compiles(directory: Path, name: str, cc: str = "gcc") -> bool:
    """Whether the C source ``name`` compiles (``-fsyntax-only``) in ``directory``."""
    return subprocess.run([cc, "-fsyntax-only", name], cwd=directory,
                          capture_output=True).returncode == 0


def _findings(frontend: str, select: tuple[str, ...] = ("AM206",)) -> list:  # type: ignore[type-arg]
    return list(lint_in(HIDDEN, "umbrella.cc", ARGS, frontend, "the test", select).findings)


def test_the_sources_that_fail_alone_are_the_ones_reported(frontend: str,
                                                           compiler: str) -> None:
    assert compile_unit(compiler, HIDDEN, "umbrella.cc", [HIDDEN / "include"]).returncode == 0
    failing = {name for name in ("a", "b", "c", "d", "e") if compile_unit(
        compiler, HIDDEN, f"src/{name}.cc", [HIDDEN / "include"]).returncode != 0}
    reported = {f.location.path.stem for f in _findings(frontend)}
    assert reported == failing == {"b", "e"}


def test_the_finding_names_use_declaration_provider_and_header(frontend: str) -> None:
    b = next(f for f in _findings(frontend) if f.location.path.name == "b.cc")
    assert b.severity.value == "error"
    assert (b.location.line, b.location.column) == (5, 3)  # `Point p{1, 2};`
    quoted = set(b.message.split("`")[1::2])
    assert {"Point", "SCALE", "twice", "GREEN", "area"} <= quoted
    assert any(name.endswith("include/geo/point.h") for name in quoted)
    assert any(name.endswith("src/a.cc") for name in quoted)
    related = {(r.location.path.name, r.location.line) for r in b.related}
    assert {("point.h", 3), ("a.cc", 3), ("umbrella.cc", 1)} <= related


def test_the_fix_is_spelled_as_the_neighbours_after_the_last_include(frontend: str) -> None:
    found = {f.location.path.name: f for f in _findings(frontend)}
    fix = found["b.cc"].fix
    assert fix is not None and fix.applicability == "safe"  # point.h has #pragma once
    (edit,) = fix.edits
    assert edit.content == "#include <geo/point.h>\n"
    assert (edit.location.path.name, edit.location.line, edit.location.column) == ("b.cc", 3, 1)
    assert found["e.cc"].fix is None  # declared only in a source: no header to include


def test_fix_makes_the_source_compile_alone(tmp_path: Path, compiler: str) -> None:
    copy = tmp_path / "hidden"
    shutil.copytree(HIDDEN, copy)
    run = amalint("check", "--fix", "--select", "AM206", "umbrella.cc", "--", *ARGS, cwd=copy)
    assert "1 fixed" in run.stdout, run.stdout + run.stderr
    assert compile_unit(compiler, copy, "src/b.cc", [copy / "include"]).returncode == 0
    assert compile_unit(compiler, copy, "umbrella.cc", [copy / "include"]).returncode == 0
    assert (copy / "umbrella.cc").read_bytes() == (HIDDEN / "umbrella.cc").read_bytes()


def test_a_macro_only_used_is_a_hidden_dependency_not_a_leak(frontend: str) -> None:
    # b.cc uses SCALE (defined in point.h, which only a.cc includes): AM203 used to call it a
    # leak that breaks a declaration; the truth is that b.cc does not compile alone
    codes = {(f.code, f.location.path.name) for f in _findings(frontend, ("AM203", "AM206"))}
    assert ("AM203", "b.cc") not in codes and ("AM206", "b.cc") in codes


def test_json_carries_the_fix_into_the_source() -> None:
    run = amalint("check", "--format", "json", "--select", "AM206", "umbrella.cc", "--", *ARGS,
                  cwd=HIDDEN)
    findings = json.loads(run.stdout)
    edits = [e for f in findings if f["fix"] for e in f["fix"]["edits"]]
    assert [(Path(f["filename"]).name, f["code"]) for f in findings] == [
        ("b.cc", "AM206"), ("e.cc", "AM206")]
    assert edits and edits[0]["content"] == "#include <geo/point.h>\n"


def test_spelling_follows_the_last_neighbour(tmp_path: Path) -> None:
    src, inc = tmp_path / "src", tmp_path / "include"
    user = src / "x.cc"
    header = inc / "lib" / "util.h"
    quoted = Written(1, "lib/other.h", False, inc / "lib" / "other.h")
    angled = Written(2, "lib/other.h", True, inc / "lib" / "other.h")
    local = Written(1, "local.h", False, src / "local.h")
    assert spelling(header, user, (quoted,)) == '"lib/util.h"'
    assert spelling(header, user, (local, angled)) == "<lib/util.h>"
    assert spelling(header, user, (local,)) == '"../include/lib/util.h"'
    assert spelling(src / "near.h", user, ()) == '"near.h"'


def test_unity_readiness_reports_a_hidden_dependency(tmp_path: Path) -> None:
    # a build with only a compilation database: readiness puts every source of the target in
    # one unit, in the listed order, so each batching that separates b.cc from a.cc fails
    shutil.copytree(HIDDEN, tmp_path / "p")
    src, build = tmp_path / "p" / "src", tmp_path / "p" / "build"
    build.mkdir()
    entries = [{"directory": str(build), "file": str(src / f"{name}.cc"),
                "arguments": ["c++", "-std=c++17", f"-I{tmp_path / 'p' / 'include'}", "-c",
                              str(src / f"{name}.cc"), "-o", f"CMakeFiles/app.dir/{name}.o"]}
               for name in ("a", "b", "c", "d")]
    (build / "compile_commands.json").write_text(json.dumps(entries))
    run = amalint("check", "-p", str(build), "--unity-readiness", "--no-cache", "--format",
                  "json", "--extend-select", "AM206", cwd=tmp_path / "p")
    assert run.returncode == 1, run.stderr
    assert {(f["code"], f["filename"]) for f in json.loads(run.stdout)} == {
        ("AM206", "src/b.cc")}


def test_a_preview_rule_runs_only_when_named_in_full(tmp_path: Path) -> None:
    """AM206 is a preview rule: off by default and through ``ALL`` or a prefix, on when
    ``--select``/``--extend-select`` (or the config) names AM206 itself."""
    copy = tmp_path / "hidden"
    shutil.copytree(HIDDEN, copy)

    def codes(*options: str) -> set[str]:
        run = amalint("check", "--no-cache", "--format", "json", *options, "umbrella.cc",
                      "--", *ARGS, cwd=copy)
        return {f["code"] for f in run.findings}

    assert "AM206" not in codes()
    assert "AM206" not in codes("--select", "ALL")
    assert "AM206" not in codes("--select", "AM2")
    assert "AM206" in codes("--extend-select", "AM206")
    assert codes("--select", "AM206") == {"AM206"}
    (copy / "amalint.toml").write_text('extend-select = ["AM206"]\n')
    assert "AM206" in codes()


#: zstd's `debug.h`: it defines `assert` itself unless `<assert.h>` came first.
GUARDED = {
    "debug.h": "#ifndef DEBUG_H\n#define DEBUG_H\n#ifndef assert\n"
               "#define assert(condition) ((void)0)\n#endif\n#endif\n",
    "a.cc": "#include <assert.h>\n#include \"debug.h\"\nint a(int x) { assert(x); return x; }\n",
    "b.cc": "#include \"debug.h\"\nint b(int x) { assert(x > 0); return x; }\n",
    "umbrella.cc": "#include \"a.cc\"\n#include \"b.cc\"\n",
}


def test_a_name_the_sources_own_header_defines_in_another_branch_is_no_hidden_dependency(
        tmp_path: Path, frontend: str, compiler: str) -> None:
    """In the unit, `<assert.h>` (through a.cc) defines `assert` first, so `debug.h`'s own
    `#define assert` is skipped; b.cc alone takes that branch and compiles."""
    _write(tmp_path, GUARDED)
    assert all(compile_unit(compiler, tmp_path, name).returncode == 0
               for name in ("umbrella.cc", "b.cc"))
    found = lint_in(tmp_path, "umbrella.cc", ("-std=c++17",), frontend, "the test", ("AM206",))
    assert list(found.findings) == []


#: zstd's legacy decoders: a source carries its own copy of `mem.h` under `mem.h`'s guard, so
#: the unit never reads `mem.h`'s code, though a later source includes it and compiles alone.
PREDEFINED = {
    "mem.h": "#ifndef MEM_H\n#define MEM_H\ntypedef unsigned short U16;\n"
             "U16 mem_read(const void* p);\n#endif\n",
    "legacy.cc": "#ifndef MEM_H\n#define MEM_H\ntypedef unsigned short U16;\n"
                 "U16 mem_read(const void* p);\n#endif\n"
                 "U16 legacy(const void* p) { return mem_read(p); }\n",
    "user.cc": "#include \"mem.h\"\nU16 user(const void* p) { return mem_read(p); }\n",
    "umbrella.cc": "#include \"legacy.cc\"\n#include \"user.cc\"\n",
}


def test_a_header_whose_guard_a_neighbour_defined_first_is_unknown_not_empty(
        tmp_path: Path, frontend: str, compiler: str) -> None:
    """The unit reads none of `mem.h` (its guard is already defined), so the only declaration
    of `mem_read` it sees is legacy.cc's; user.cc alone reads `mem.h`, and compiles."""
    _write(tmp_path, PREDEFINED)
    assert all(compile_unit(compiler, tmp_path, name).returncode == 0
               for name in ("umbrella.cc", "user.cc"))
    found = lint_in(tmp_path, "umbrella.cc", ("-std=c++17",), frontend, "the test", ("AM206",))
    assert list(found.findings) == []


#: Uses the token scan of a source's own text does not see, each failing alone: a name a
#: macro of a header calls (json-c's `json_object_object_foreach` and `lh_table_head`), a
#: system macro the source's own `#define` expands to (json-c's `SIZE_T_MAX`; also when an
#: earlier source defined it first, so the unit skips the source's own `#ifndef` fallback, as
#: json-c's `arraylist.c` does for `json_patch.c`), a function its own `#define` renames only
#: in a branch no build here takes (json-c's `#if defined(_MSC_VER)` and `strcasecmp`), a
#: function a
#: header's macro also calls (jansson's `va_copy` and `memcpy`), one a branch the build skips
#: calls too (libuv's `abort`: a call there declares nothing), a name the source's own
#: using-declaration names (leveldb's `using leveldb::NewLRUCache;`, which declares it only if
#: `leveldb::NewLRUCache` is declared), one used before the source's own declaration of it
#: (json-c's `json_pointer.c`), and `int32_t`, which tree-sitter parses as a primitive type.
THROUGH_MACROS = {
    "header_macro_calls": ({
        "list.h": "#ifndef LIST_H\n#define LIST_H\nint list_head(int);\n#endif\n",
        "obj.h": "#ifndef OBJ_H\n#define OBJ_H\n"
                 "#define FOREACH(x) for (int i = list_head(x); i; i = 0)\n#endif\n",
        "a.cc": "#include \"list.h\"\n#include \"obj.h\"\n"
                "int a(int x) { FOREACH(x) {} return x; }\n",
        "b.cc": "#include \"obj.h\"\nint b(int x) { FOREACH(x) { return 1; } return 0; }\n",
    }, "list_head"),
    "own_define_expands_to": ({
        "a.cc": "#include <climits>\nlong a() { return LONG_MAX; }\n",
        "b.cc": "#define BIG LONG_MAX\nlong b() { return BIG; }\n",
    }, "LONG_MAX"),
    "own_fallback_define_skipped_for_an_earlier_one": ({
        "a.cc": "#include <climits>\n#ifndef BIG\n#define BIG ULONG_MAX\n#endif\n"
                "unsigned long a() { return BIG; }\n",
        "b.cc": "#ifndef BIG\n#define BIG ULONG_MAX\n#endif\nunsigned long b() { return BIG; }\n",
    }, "ULONG_MAX"),
    "own_define_in_a_branch_it_never_takes": ({
        "a.cc": "#include <strings.h>\nint a(const char* x) { return strcasecmp(x, \"a\"); }\n",
        "b.cc": "#if defined(_MSC_VER)\n#define strcasecmp _stricmp\n#endif\n"
                "int b(const char* x) { return strcasecmp(x, \"b\"); }\n",
    }, "strcasecmp"),
    "called_in_a_macro_body": ({
        "copy.h": "#ifndef COPY_H\n#define COPY_H\n"
                  "#define COPY(d, s) memcpy(&(d), &(s), sizeof(d))\n#endif\n",
        "a.cc": "#include <string.h>\nvoid a(char* d, const char* s) { memcpy(d, s, 1); }\n",
        "b.cc": "#include \"copy.h\"\nvoid b(char* d, const char* s) { memcpy(d, s, 1); }\n",
    }, "memcpy"),
    "called_in_a_branch_not_compiled_too": ({
        "a.cc": "#include <stdlib.h>\nvoid a() { abort(); }\n",
        "b.cc": "#ifdef NEVER\nvoid b0() { abort(); }\n#endif\nvoid b() { abort(); }\n",
    }, "abort"),
    "using_declaration_of_it": ({
        "ns.h": "#ifndef NS_H\n#define NS_H\nnamespace ns { int f(); }\n#endif\n",
        "a.cc": "#include \"ns.h\"\nint a() { return ns::f(); }\n",
        "b.cc": "namespace ns {}\nusing ns::f;\nint b() { return f(); }\n",
    }, "f"),
    "used_before_the_source_declares_it": ({
        "h.h": "#ifndef H_H\n#define H_H\nint helper(int);\n#endif\n",
        "a.cc": "#include \"h.h\"\nint a() { return helper(0); }\n",
        "b.cc": "int b() { return helper(1); }\nint helper(int x) { return x; }\n",
    }, "helper"),
    "primitive_type_name": ({
        "a.cc": "#include <stdint.h>\nint32_t a();\n",
        "b.cc": "int32_t b(int32_t x) { return x; }\n",
    }, "int32_t"),
}


@pytest.mark.parametrize("case", sorted(THROUGH_MACROS))
def test_a_use_the_source_does_not_spell_where_it_fails_is_named(
        tmp_path: Path, case: str, frontend: str, compiler: str) -> None:
    files, name = THROUGH_MACROS[case]
    _write(tmp_path, files)
    (tmp_path / "umbrella.cc").write_text("#include \"a.cc\"\n#include \"b.cc\"\n")
    assert compile_unit(compiler, tmp_path, "umbrella.cc").returncode == 0
    assert compile_unit(compiler, tmp_path, "b.cc").returncode != 0
    found = lint_in(tmp_path, "umbrella.cc", ("-std=c++17",), frontend, "the test", ("AM206",))
    assert [(f.location.path.name, f"`{name}`" in f.message) for f in found.findings] == [
        ("b.cc", True)]


#: leveldb's shape: a header forward-declares a class its source then needs whole. `a.cc`
#: reads `policy.h`, which defines `Policy`; `b.cc` reads only `holder.h`, which declares it
#: (`class Policy;`), and calls a member through a pointer; `c.cc` defines members of a class
#: that only `impl.h` defines; `d.cc` calls a member of its own nested class, named like a
#: member of `Policy` (no finding there); `e.cc` derives from the class `holder.h` only
#: declares; `g.cc` names `Impl`, whose constructor is no member name that could stand for it.
FORWARD = {
    "policy.h": "#ifndef POLICY_H\n#define POLICY_H\nclass Policy {\n public:\n"
                "  int Create(int x) const { return x; }\n  int Run() const { return 0; }\n};\n"
                "#endif\n",
    "holder.h": "#ifndef HOLDER_H\n#define HOLDER_H\nclass Policy;\nclass Impl;\n"
                "struct Holder { const Policy* policy; };\n#endif\n",
    "impl.h": "#ifndef IMPL_H\n#define IMPL_H\nclass Impl {\n public:\n  Impl();\n"
              "  int Size() const;\n};\n#endif\n",
    "node.h": "#ifndef NODE_H\n#define NODE_H\nstruct Outer {\n  struct Node { int Run() "
              "const { return 1; } };\n  Node node;\n};\n#endif\n",
    "a.cc": "#include \"policy.h\"\n#include \"impl.h\"\nint a(const Policy& p) "
            "{ return p.Create(1); }\n",
    "b.cc": "#include \"holder.h\"\nint b(const Holder& h) { return h.policy->Create(2); }\n",
    "c.cc": "#include \"holder.h\"\nImpl::Impl() {}\nint Impl::Size() const { return 0; }\n",
    "d.cc": "#include \"node.h\"\nint d(const Outer& o) { return o.node.Run(); }\n",
    "e.cc": "#include \"holder.h\"\nstruct Mine : public Policy {};\n",
    "g.cc": "struct G { Impl* impl; };\n",
    "umbrella.cc": "".join(f'#include "{name}.cc"\n' for name in "abcdeg"),
}


def test_a_source_that_needs_a_class_its_headers_only_forward_declare_is_named(
        tmp_path: Path, frontend: str, compiler: str) -> None:
    named, failing = _judged(tmp_path, FORWARD, frontend, compiler)
    assert set(named) == failing == {"b.cc", "c.cc", "e.cc", "g.cc"}
    assert "a type `Policy`, declared in `policy.h`" in named["e.cc"]
    assert "a member `Create`, declared in `policy.h`" in named["b.cc"]
    assert "a type `Impl`, declared in `impl.h`" in named["c.cc"]


#: yaml-cpp's `node.cpp`: a header only forward-declares `Node`, and the source needs it whole
#: (b: returns it by value from a definition; c: a local object; f: `new Node`); d only points
#: at it, declares an `extern` object and a static member, and compiles alone.
COMPLETE = {
    "node.h": "#ifndef NODE_H\n#define NODE_H\nclass Node {\n public:\n  int v = 0;\n};\n"
              "#endif\n",
    "fwd.h": "#ifndef FWD_H\n#define FWD_H\nclass Node;\nNode* make();\n#endif\n",
    "a.cc": "#include \"node.h\"\n#include \"fwd.h\"\nNode* make() { return new Node(); }\n",
    "b.cc": "#include \"fwd.h\"\nNode copy() { return *make(); }\n",
    "c.cc": "#include \"fwd.h\"\nint c() { Node n; return 0; }\n",
    "d.cc": "#include \"fwd.h\"\nextern Node shared;\nstruct D { static Node s; Node* p; };\n"
            "Node* d() { return make(); }\n",
    "f.cc": "#include \"fwd.h\"\nNode* f() { return new Node(); }\n",
    "umbrella.cc": "".join(f'#include "{name}.cc"\n' for name in "abcdf"),
}


def test_a_use_that_needs_the_definition_of_a_forward_declared_class_is_named(
        tmp_path: Path, frontend: str, compiler: str) -> None:
    named, failing = _judged(tmp_path, COMPLETE, frontend, compiler)
    assert set(named) == failing == {"b.cc", "c.cc", "f.cc"}
    assert all("a type `Node`, declared in `node.h`" in m for m in named.values())


#: c-ares's `ares_free_hostent.c`: its headers only forward-declare `struct hostent`, whose
#: members it accesses; a neighbour read `<netdb.h>` (here `<time.h>` and `struct tm`).
SYSTEM_MEMBER = {
    "fwd.h": "#ifndef FWD_H\n#define FWD_H\nstruct tm;\nstruct tm *now(void);\n#endif\n",
    "a.c": "#include <time.h>\n#include \"fwd.h\"\nint a(void) { return now()->tm_mday; }\n",
    "b.c": "#include \"fwd.h\"\nint b(void) { return now()->tm_year; }\n",
    "c.c": "#include <time.h>\n#include \"fwd.h\"\nint c(void) { return now()->tm_mon; }\n",
    "d.c": "#include \"fwd.h\"\nstruct own { int tm_hour; };\n"
           "int d(struct own *o) { return o->tm_hour; }\n",
    "umbrella.c": "".join(f'#include "{name}.c"\n' for name in "abcd"),
}


def test_a_member_of_a_system_type_only_a_neighbour_defines_is_named(
        tmp_path: Path, frontend: str, compiler: str) -> None:
    _write(tmp_path, SYSTEM_MEMBER)
    cc = {"g++": "gcc", "clang++": "clang"}[Path(compiler).name]
    if shutil.which(cc) is None:
        pytest.skip(f"no {cc}")

    assert _c_compiles(tmp_path, "umbrella.c", cc)
    failing = {name for name in ("b.c", "c.c", "d.c") if not _c_compiles(tmp_path, name, cc)}
    found = lint_in(tmp_path, "umbrella.c", (), frontend, "the test", ("AM206",))
    named = {f.location.path.name: f.message for f in found.findings}
    assert set(named) == failing == {"b.c"}
    assert "`tm_year`, which only the system header `<time.h>` declares" in named["b.c"]


#: jansson's `dtoa.c`: its labels `roundup:` / `goto roundup;` are a function-like macro's name
#: only because `<sys/param.h>`, which an earlier source reads, defines `roundup(x, y)`.
#: Another source's macro is not the source's use: its body (`powerof2`) is not followed.
LABEL = {
    "a.c": "#include <sys/param.h>\nint a(int x) { return powerof2(x); }\n",
    "b.c": "int b(int x) {\n  if (x) goto roundup;\n  return 0;\nroundup:\n  return 1;\n}\n",
    "umbrella.c": "#include \"a.c\"\n#include \"b.c\"\n",
}


def test_a_word_only_an_earlier_sources_macro_names_is_not_followed_into_its_body(
        tmp_path: Path, frontend: str) -> None:
    _write(tmp_path, LABEL)
    for name in ("umbrella.c", "b.c"):
        assert _c_compiles(tmp_path, name)
    found = lint_in(tmp_path, "umbrella.c", (), frontend, "the test", ("AM206",))
    assert list(found.findings) == []


#: json-c's `json_tokener.h`: `JSON_EXPORT enum json_tokener_error f(...);`, read alone with
#: the export macro unknown to the parse, which takes `enum` for a name; `<unistd.h>` of an
#: earlier source spells `enum`, b.c's own closure no system header at all.
KEYWORD = {
    "export.h": "#define API_EXPORT extern\n",
    "api.h": "#ifndef API_H\n#define API_H\n#include \"export.h\"\nenum color { RED };\n"
             "API_EXPORT enum color get_color(void);\n#endif\n",
    "a.c": "#include <unistd.h>\nint a(void) { return 0; }\n",
    "b.c": "#include \"api.h\"\nint b(void) { return get_color(); }\n",
    "umbrella.c": "#include \"a.c\"\n#include \"b.c\"\n",
}


def test_a_keyword_the_parse_takes_for_a_name_is_no_use(tmp_path: Path, frontend: str) -> None:
    _write(tmp_path, KEYWORD)
    for name in ("umbrella.c", "b.c"):
        assert _c_compiles(tmp_path, name)
    found = lint_in(tmp_path, "umbrella.c", (), frontend, "the test", ("AM206",))
    assert list(found.findings) == []
