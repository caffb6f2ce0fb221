"""Faithful to the compiler: one fixture per class of unity-build hazard met on real projects.

Each fixture under fixtures/faithful/ is a small unity build whose sources compile alone. The
first test shows with the real compilers what the unity build does (fails, warns, or builds);
the second that amalint reports exactly that: an error finding for each unity-only compile
error, a warning for a compiler warning or a silent change, nothing for a unity build that is
fine (declarations in inactive branches, names made by token pasting, guarded double includes).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import C_COMPILERS, CXX_COMPILERS, FIXTURES, amalint

FAITHFUL = FIXTURES / "faithful"

#: (code, severity, file the finding is in, name the message quotes)
Expected = tuple[str, str, str, str]


@dataclass(frozen=True)
class Case:
    name: str
    #: What both compilers say of the unity build: ``error``, ``warning`` or ``clean``.
    unity: str
    #: A word of the compilers' message (both say it), e.g. the symbol.
    word: str = ""
    expected: tuple[Expected, ...] = ()
    flags: tuple[str, ...] = ()
    #: Compiled and linted with no flags at all (a new user's first run): the compiler's
    #: default configuration.
    bare: bool = False

    @property
    def umbrella(self) -> Path:
        return next((FAITHFUL / self.name).glob("umbrella.*"))

    @property
    def is_c(self) -> bool:
        return self.umbrella.suffix == ".c"

    def id(self) -> str:
        return f"{self.name}{''.join(self.flags)}{'-bare' if self.bare else ''}"


CASES = [
    # active branches: declarations a plain scan skipped as conditional
    Case("ndebug_helper", "error", "DumpState", (("AM201", "error", "stats.cc", "DumpState"),)),
    Case("ndebug_helper", "clean", flags=("-DNDEBUG",)),
    Case("feature_else", "error", "kTable", (("AM201", "error", "cos.cc", "kTable"),)),
    Case("feature_else", "clean", flags=("-DUSE_FAST_TABLES",)),
    Case("ifndef_nobody", "error", "my_strlcpy",
         (("AM201", "error", "path.c", "my_strlcpy"),)),
    # storage and names that macros make
    Case("macro_static", "error", "step", (("AM201", "error", "adler.c", "step"),
                                           ("AM201", "error", "adler.c", "fold"))),
    Case("extern_c", "error", "parse_flag", (("AM201", "error", "args.c", "parse_flag"),)),
    Case("token_paste", "clean"),
    # types, tags, enumerators
    Case("c_typedef", "error", "handle_t", (("AM201", "error", "socket.c", "handle_t"),)),
    Case("c_same_typedef", "clean"),
    Case("c_enum_twice", "error", "shade",  # an enum read twice: what names it is fine
         (("AM201", "error", "shade.h", "shade"), ("AM201", "error", "shade.h", "SHADE_LIGHT"),
          ("AM201", "error", "shade.h", "SHADE_DARK"))),
    Case("c_callback_typedef", "error", "progress_fn",  # function-pointer typedefs
         (("AM201", "error", "logger.c", "progress_fn"),)),
    Case("c_static_assert_emulation", "clean"),  # array bounds equal in value, not spelling
    Case("c_spellings", "clean"),  # `void const*` is `const void*`, `U32 rep[N]` is `U32*`
    Case("c_standard_typedef", "clean"),  # `U32` is `uint32_t` is `unsigned int` on the target
    Case("c_forward_typedefs", "clean"),  # `typedef struct world world;` in many headers
    Case("c_struct_tag", "error", "point", (("AM201", "error", "plot.c", "point"),)),
    # typedefs before the second definition still name the first type: no conflict there
    Case("c_struct_again", "error", "_item", (("AM201", "error", "types.c", "_item"),)),
    Case("c_branch_twice", "error", "types",  # a header read twice takes another branch
         (("AM201", "error", "shared.c", "SAMPLE"),)),
    Case("c_enumerator", "error", "RED", (("AM201", "error", "light.c", "RED"),)),
    Case("c_nested_enum", "error", "STATE_BUSY",  # an enum inside a C struct
         (("AM201", "error", "pump.c", "STATE_BUSY"),)),
    Case("cpp_types", "error", "Cursor", (("AM201", "error", "reader.cc", "Cursor"),
                                          ("AM201", "error", "reader.cc", "Mode"),
                                          ("AM201", "error", "reader.cc", "Offset"))),
    # linkage and C's tentative definitions
    Case("extern_then_static", "error", "helper",
         (("AM201", "error", "impl.c", "helper"),)),
    Case("static_prototype", "error", "convert",
         (("AM201", "error", "decode.c", "convert"), ("AM201", "error", "decode.c", "convert"))),
    Case("tentative", "error", "counter", (("AM201", "error", "ratio.c", "counter"),)),
    # a static of an earlier source, then the later source's own `extern` and definition:
    # clang's note names the `extern` (the source's own header), the conflict starts earlier
    Case("static_then_extern", "error", "g_clock",
         (("AM201", "error", "fileio.c", "g_clock"),)),
    Case("tentative_same", "clean"),
    # headers read by two sources
    Case("unguarded_header", "error", "twice", (("AM201", "error", "util.h", "twice"),)),
    Case("guarded_header", "clean"),
    # macros
    Case("header_macro_redefined", "warning", "BUF_LEN",
         (("AM203", "warning", "writer.c", "BUF_LEN"),)),
    Case("macro_spacing", "warning", "MIN",  # `?(a)` against `? (a)`: redefined
         (("AM203", "warning", "sort.c", "MIN"),)),
    Case("else_redefinition", "warning", "MODE", (("AM203", "warning", "slow.c", "MODE"),)),
    Case("config_ignored", "warning", "LOG_LEVEL",
         (("AM203", "warning", "loud.c", "LOG_LEVEL"),)),
    Case("c_poison", "error", "poisoned",  # `#pragma GCC poison` of an earlier source
         (("AM203", "error", "legacy.c", "#pragma GCC poison strcpy"),)),
    Case("system_redefines", "clean"),  # <assert.h> redefines the leaked assert()
    # a source sets FD_SETSIZE before any #include; an earlier source's <sys/select.h> did first
    Case("system_macro_redefined", "warning", "FD_SETSIZE",
         (("AM203", "warning", "event_select.c", "FD_SETSIZE"),)),
    # ... and after its own includes, none of which reads <termios.h>'s <sys/ttydefaults.h>
    Case("system_macro_after_includes", "warning", "CTIME",
         (("AM203", "warning", "sevenzip.c", "CTIME"),)),
    # a leaked macro tested again where its branch was read already: nothing changes
    Case("inert_test", "clean"),
    Case("macro_rewrites", "error", "", (("AM203", "error", "stock.c", "capacity"),)),
    # a leaked `#define _buffer buffer` makes `char _buffer[16], *buffer;` declare one name twice
    Case("renamed_declarator", "error", "buffer",
         (("AM203", "error", "huffman.c", "_buffer"),)),
    Case("guard_clash", "error", "DiskBlock", (("AM203", "error", "disk.cc", "disk/util.h"),)),
    # reported falsely by a plain scan
    Case("inactive_win32", "clean"),
    Case("elif_umbrella", "clean"),
    Case("elif_umbrella", "clean", flags=("-DUSE_KQUEUE",)),
    Case("guarded_by_header", "clean"),
    Case("guarded_twice", "clean"),
    Case("ambiguous_overload", "error", "Scale", (("AM201", "error", "gauge.cc", "Scale"),)),
    # hand-written amalgamations: what is not file scope, and no flags at all
    Case("xmacro_members", "clean"),  # X-macro lists #included inside struct and array bodies
    Case("xmacro_members", "clean", bare=True),
    Case("qualified_enum", "clean"),  # `enum A::Tags : unsigned {...}` in two sources
    Case("block_using", "error", "details",  # a block-scope directive meets a file-scope one
         (("AM202", "error", "device_api.cc", "using namespace tvm::runtime;"),)),
    # an out-of-class member's return type is looked up outside the class: a leaked directive
    # makes it ambiguous (its parameters, in the class's scope, see the base's name)
    Case("return_type_using", "error", "ambiguous",
         (("AM202", "error", "id3tag.cc", "using namespace media::id3;"),)),
    Case("return_type_inside", "clean"),  # inside the namespace, its own name hides the rest
    # a class without bases hides only the names it declares: its members' types see the leak
    Case("class_body_using", "error", "ambiguous",
         (("AM202", "error", "oggfile.cc", "using namespace audio::ogg;"),)),
    Case("class_body_member", "clean"),  # a member alias, a base's injected name hide it
    # the source's own directive meets an earlier source's names in the namespace it sits in
    Case("own_using_declared", "error", "ambiguous",
         (("AM201", "error", "code93.cc", "ALPHABET"), ("AM201", "error", "code93.cc",
                                                        "CHAR_LEN"))),
    Case("own_using_distinct", "clean"),  # the earlier names in a namespace of their own
    Case("macro_conditions", "clean"),  # `if my_unlikely(x) {`: no declarations from bodies
    Case("param_attributes", "clean"),  # `const char *text __attribute__((unused))`
    Case("umbrella_prelude", "clean"),  # the umbrella's own header is for all that follows
    Case("platform_backends", "clean", bare=True),  # one backend per configuration
    Case("platform_backends", "clean", flags=("-DPLAT_COCOA",)),
    Case("platform_backends", "clean", flags=("-DPLAT_NULL",)),
]

COMPILERS = {"c": C_COMPILERS, "c++": CXX_COMPILERS}
FRONTENDS = ["tree-sitter", "libclang"]


def compile_syntax(compiler: str, case: Case, source: Path) -> subprocess.CompletedProcess[str]:
    std = () if case.bare else ("-std=gnu17",) if case.is_c else ("-std=c++17",)
    return subprocess.run([compiler, *std, *case.flags, "-fsyntax-only", source.name],
                          cwd=source.parent, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", CASES, ids=Case.id)
def test_the_compilers_confirm_the_fixture(case: Case) -> None:
    for compiler in COMPILERS["c" if case.is_c else "c++"]:
        for source in sorted(case.umbrella.parent.rglob(f"*{case.umbrella.suffix}")):
            if source != case.umbrella:
                alone = compile_syntax(compiler, case, source)
                assert alone.returncode == 0, f"{compiler} {source.name}:\n{alone.stderr}"
        unity = compile_syntax(compiler, case, case.umbrella)
        said = unity.stderr
        if case.unity == "error":
            assert unity.returncode != 0 and case.word in said, f"{compiler}:\n{said}"
        elif case.unity == "warning":
            assert unity.returncode == 0 and "warning" in said and case.word in said, said
        else:
            assert unity.returncode == 0 and "warning" not in said, f"{compiler}:\n{said}"


@pytest.mark.parametrize("frontend", FRONTENDS)
@pytest.mark.parametrize("case", CASES, ids=Case.id)
def test_amalint_reports_what_the_compiler_says(case: Case, frontend: str) -> None:
    std = "-std=gnu17" if case.is_c else "-std=c++17"
    args = ("-xc",) if case.is_c else ()
    flags = () if case.bare else ("--", std, *args, *case.flags)
    result = amalint("check", case.umbrella.name, "--format", "json", "--frontend", frontend,
                     *flags, cwd=case.umbrella.parent)
    found = sorted(
        (f["code"], f["severity"], Path(f["filename"]).name,
         f["message"].split("`")[1].split("(")[0] if "`" in f["message"] else "")
        for f in result.findings
    )
    assert found == sorted(case.expected), result.stdout


def _errors(stderr: str) -> list[str]:
    """``file:line`` of each error a compiler printed, ``./`` dropped."""
    return sorted(":".join(line.removeprefix("./").split(":")[:2])
                  for line in stderr.splitlines() if "error:" in line)


#: gcc takes a struct's second definition (an error) as a new type from there on, so what names
#: it afterwards conflicts with what named the first; clang reports each redefinition alone.
#: Both front ends report what gcc says: the libclang front end takes gcc's follow-ons from the
#: file-scope facts once clang confirms the redefinition they follow from.
STRUCTS_AGAIN = {
    # a header without guard, read by two sources, defines a struct, a typedef and a prototype
    "c_struct_twice": (["progress.h:2", "progress.h:5", "progress.h:6"], ["progress.h:2"]),
    # three sources each typedef, then define, one struct: the third's typedefs name the second
    "c_struct_thrice": (["extra.c:2", "extra.c:3", "extra.c:4", "types.c:4"],
                        ["extra.c:4", "types.c:4"]),
    # the same with an anonymous struct: each read makes a new one, and what names it follows
    "c_anonymous_twice": (["close.c:3", "stream.h:2", "stream.h:3", "stream.h:4"],
                          ["stream.h:2"]),
}


@pytest.mark.parametrize("name", sorted(STRUCTS_AGAIN))
def test_a_struct_defined_again_is_a_new_type_to_gcc(name: str) -> None:
    directory = FAITHFUL / name
    gcc_says, clang_says = STRUCTS_AGAIN[name]
    case = Case(name, "error")
    for compiler, expected in (("gcc", gcc_says), ("clang", clang_says)):
        if compiler in COMPILERS["c"]:
            for source in directory.glob("*.c"):
                if source.name != "umbrella.c":
                    assert compile_syntax(compiler, case, source).returncode == 0
            assert _errors(compile_syntax(compiler, case, case.umbrella).stderr) == expected
    for frontend in FRONTENDS:
        result = amalint("check", "umbrella.c", "--format", "json", "--frontend", frontend,
                         "--", "-std=gnu17", cwd=directory)
        assert sorted(f"{f['filename']}:{f['location']['row']}" for f in result.json
                      if f["code"] == "AM201") == gcc_says, (frontend, result.stdout)
    plain = amalint("check", "umbrella.c", "--format", "json", "--frontend", "tree-sitter",
                    cwd=directory)  # no flags: the plain scan reads a header twice too
    assert sorted(f"{f['filename']}:{f['location']['row']}" for f in plain.json) == gcc_says


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_a_leaked_macro_whose_branch_declares_something_still_warns(
        tmp_path: Path, frontend: str) -> None:
    """``inert_test`` with the static part not read before: the leak now declares
    ``lz_compress_fast`` in the later source's read, which alone it would not."""
    for source in (FAITHFUL / "inert_test").iterdir():
        (tmp_path / source.name).write_text(source.read_text())
    lz = tmp_path / "lz.c"
    lz.write_text(lz.read_text().replace('#include "lz.h"', "int lz_compress(const char *src,"
                                         " char *dst, int size);"))
    result = amalint("check", "umbrella.c", "--format", "json", "--frontend", frontend, "--",
                     "-std=gnu17", cwd=tmp_path)
    assert [(f["code"], Path(f["filename"]).name, f["severity"]) for f in result.findings] == \
        [("AM203", "lz.c", "warning")], result.stdout
    assert "tests whether it is defined" in result.findings[0]["message"]


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_a_system_macro_the_source_reads_alone_is_its_own(tmp_path: Path,
                                                         frontend: str) -> None:
    """``system_macro_after_includes`` with ``sevenzip.c`` including ``<termios.h>`` itself:
    compiled alone it redefines ``CTIME`` too, so the unity build adds nothing."""
    for source in (FAITHFUL / "system_macro_after_includes").iterdir():
        (tmp_path / source.name).write_text(source.read_text())
    seven = tmp_path / "sevenzip.c"
    seven.write_text(seven.read_text().replace("#include <time.h>",
                                               "#include <time.h>\n#include <termios.h>"))
    for compiler in C_COMPILERS:
        alone = subprocess.run([compiler, "-std=gnu17", "-fsyntax-only", "sevenzip.c"],
                               cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert "CTIME" in alone.stderr, alone.stderr  # the source's own warning
    result = amalint("check", "umbrella.c", "--format", "json", "--frontend", frontend, "--",
                     "-std=gnu17", cwd=tmp_path)
    assert [f for f in result.findings if f["code"] == "AM203"] == [], result.stdout


def test_clangs_follow_on_of_a_typedef_defined_twice_is_named_under_libclang() -> None:
    """``c_typedef_follow_on``: clang keeps ``api.h``'s ``ctx_t``, so ``legacy_v4.c``'s
    ``v4_size(ctx_t*)`` no longer matches its own header's prototype; gcc reports the typedef
    alone. Each front end names what its compiler says."""
    directory = FAITHFUL / "c_typedef_follow_on"
    case = Case("c_typedef_follow_on", "error")
    said = {compiler: _errors(compile_syntax(compiler, case, directory / "umbrella.c").stderr)
            for compiler in ("gcc", "clang")}
    assert said == {"gcc": ["legacy_v4.c:4"],
                    "clang": ["legacy_v4.c:4", "legacy_v4.c:8", "legacy_v4.c:8"]}, said
    for frontend, expected in (("libclang", ["ctx_t", "v4_size"]), ("tree-sitter", ["ctx_t"])):
        result = amalint("check", "umbrella.c", "--format", "json", "--frontend", frontend,
                         "--", "-std=gnu17", cwd=directory)
        assert sorted(f["message"].split("`")[1] for f in result.findings
                      if f["code"] == "AM201") == expected, result.stdout
