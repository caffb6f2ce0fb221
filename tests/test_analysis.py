"""The analysis on small sources, parsed by each front end (the real tree-sitter grammar and the
real libclang): what runs eagerly."""

from __future__ import annotations

from pathlib import Path

from conftest import compile_unit

from amalint.config.profiles import Profile, Role, profile_from_config
from amalint.config.settings import Settings
from amalint.engine.run import build, lint

REGISTRY_H = """
#pragma once
namespace reg {
void Add(const char* key);
void Need(const char* key);
}
#define REG_CAT_(a, b) a##b
#define REG_CAT(a, b) REG_CAT_(a, b)
#define REG_INIT() __attribute__((constructor)) static void REG_CAT(reg_init_, __COUNTER__)()
"""


PROFILE = profile_from_config(
    "reg", {"providers": ["reg::Add"], "consumers": ["reg::Need"],
            "init-blocks": [{"macro": "REG_INIT", "kind": "constructor"}]}, "test",
)


def effects(tmp_path: Path, frontend: str, sources: dict[str, str],
            profiles: tuple[Profile, ...] = (PROFILE,)) -> dict[str, list[tuple[str, str]]]:
    """Write ``sources`` (the umbrella includes them in order) and return, per entry label and
    line, the (role, key) effects the analysis finds."""
    (tmp_path / "reg.h").write_text(REGISTRY_H)
    lines = []
    for name, text in sources.items():
        (tmp_path / name).write_text('#include "reg.h"\n' + text.lstrip("\n"))
        lines.append(f'#include "{name}"\n')
    (tmp_path / "umbrella.cc").write_text("".join(lines))
    built = build(tmp_path / "umbrella.cc", Settings(profiles=profiles, frontend=frontend))
    assert not [d for d in built.model.compiler_diagnostics or () if d.severity.value == "error"]
    analysis = built.analysis
    return {
        f"{e.location.path.name}:{e.location.line}": [
            ("provide" if x.role is Role.PROVIDER else "require", x.key)
            for x in analysis.effects[e]
        ]
        for e in analysis.order
    }


def test_stored_lambda_is_deferred_and_invoked_lambda_is_eager(
    tmp_path: Path, frontend: str
) -> None:
    found = effects(tmp_path, frontend, {"a.cc": """
#include <functional>
std::function<void()> stored;
REG_INIT() {
  stored = [] { reg::Need("later"); };
  [] { reg::Need("now"); }();
  auto local = [] { reg::Need("local"); };
  local();
}
"""})
    assert found == {"a.cc:4": [("require", "now"), ("require", "local")]}


def test_function_local_static_runs_when_its_function_runs(tmp_path: Path, frontend: str) -> None:
    found = effects(tmp_path, frontend, {"a.cc": """
struct Handle { Handle(int) {} };
Handle Lookup() { static Handle h = (reg::Need("cached"), Handle(1)); return h; }
Handle Unused() { static Handle h = (reg::Need("never"), Handle(1)); return h; }
REG_INIT() { Lookup(); }
"""})
    assert found == {"a.cc:5": [("require", "cached")]}


def test_declaration_in_a_condition_runs(tmp_path: Path, frontend: str) -> None:
    found = effects(tmp_path, frontend, {"a.cc": """
REG_INIT() {
  if (bool ok = (reg::Need("in-condition"), true)) { reg::Add("in-branch"); }
}
"""})
    assert found == {"a.cc:2": [("require", "in-condition"), ("provide", "in-branch")]}


def test_keys_passed_through_parameters(tmp_path: Path, frontend: str) -> None:
    found = effects(tmp_path, frontend, {"a.cc": """
namespace util {
void Want(const char* name) { reg::Need(name); }
void WantTwice(const char* a, const char* b) { Want(a); Want(b); }
}
REG_INIT() { util::WantTwice("x", "y"); }
"""})
    assert found == {"a.cc:6": [("require", "x"), ("require", "y")]}


def test_constructors_and_destructors_of_temporaries_locals_members(
    tmp_path: Path, frontend: str
) -> None:
    found = effects(tmp_path, frontend, {"a.cc": """
namespace n {
struct Member { ~Member() { reg::Need("member-dtor"); } };
struct Base { Base() { reg::Need("base-ctor"); } };
struct Widget : Base {
  Member m;
  Widget(int) { reg::Add("widget"); }
  ~Widget() { reg::Need("widget-dtor"); }
};
}
REG_INIT() { n::Widget(1); }
REG_INIT() { n::Widget w(2); }
REG_INIT() { n::Widget* p = new n::Widget(3); (void)p; }
"""})
    built = [("require", "base-ctor"), ("provide", "widget")]  # bases before the body
    destroyed = [("require", "widget-dtor"), ("require", "member-dtor")]  # body, then members
    assert found["a.cc:11"] == built + destroyed
    assert found["a.cc:12"] == built + destroyed
    assert found["a.cc:13"] == built  # heap objects are not destroyed


def test_implicit_destructor_reaches_members_and_bases(tmp_path: Path, frontend: str) -> None:
    found = effects(tmp_path, frontend, {"a.cc": """
struct Base { ~Base() { reg::Need("base"); } };
struct Plain : Base { };
REG_INIT() { Plain(); }
"""})
    assert found == {"a.cc:4": [("require", "base")]}


def test_overloads_are_filtered_by_argument_count(tmp_path: Path, frontend: str) -> None:
    found = effects(tmp_path, frontend, {"a.cc": """
void Setup(int) { reg::Need("one-arg"); }
void Setup(int, int) { reg::Need("two-args"); }
REG_INIT() { Setup(1, 2); }
"""})
    assert found == {"a.cc:4": [("require", "two-args")]}


def test_member_calls_resolve_through_receiver_types(tmp_path: Path, frontend: str) -> None:
    found = effects(tmp_path, frontend, {"a.cc": """
namespace d {
class Def {
 public:
  Def& add(const char* k) { reg::Add(k); return *this; }
  Def& need(const char* k) { reg::Need(k); return *this; }
};
Def Make() { return Def(); }
}
namespace alias = d;
REG_INIT() { alias::Def().add("a").need("b"); d::Make().add("c"); }
"""})
    assert found == {"a.cc:11": [("provide", "a"), ("require", "b"), ("provide", "c")]}


def test_compiler_decides_the_kind_of_init_blocks(tmp_path: Path) -> None:
    """tree-sitter does not expand macros, so the compiler setting says what a profile's
    init-block macro expands to (libclang sees the real expansion instead)."""
    portable = profile_from_config("reg", {"providers": ["reg::Add"],
                                           "init-blocks": ["REG_BLOCK"]}, "test")
    source = {"a.cc": "REG_BLOCK() { reg::Add(\"k\"); }\n"}
    for compiler, kind in (("gcc", "constructor"), ("msvc", "dynamic")):
        (tmp_path / compiler).mkdir()
        (tmp_path / compiler / "reg.h").write_text(REGISTRY_H)
        (tmp_path / compiler / "a.cc").write_text('#include "reg.h"\n' + source["a.cc"])
        (tmp_path / compiler / "u.cc").write_text('#include "a.cc"\n')
        built = build(tmp_path / compiler / "u.cc",
                      Settings(profiles=(portable,), compiler=compiler, frontend="tree-sitter"))
        assert [e.kind.value for e in built.model.entry_points] == [kind]


def test_unresolved_calls_are_counted_not_guessed(tmp_path: Path, frontend: str) -> None:
    (tmp_path / "reg.h").write_text(REGISTRY_H)
    (tmp_path / "a.cc").write_text(
        '#include "reg.h"\nvoid external_setup();\nstruct O { virtual void virtual_call(); };\n'
        'O* obj;\nREG_INIT() { external_setup(); obj->virtual_call(); reg::Need("k"); }\n')
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    built = build(tmp_path / "u.cc", Settings(profiles=(PROFILE,), frontend=frontend))
    names = {"tree-sitter": ("external_setup", "virtual_call"),
             "libclang": ("external_setup", "O::virtual_call (virtual)")}[frontend]
    assert built.analysis.unresolved == dict.fromkeys(names, 1)


def test_requirement_satisfied_inside_one_entry(tmp_path: Path, frontend: str) -> None:
    (tmp_path / "reg.h").write_text(REGISTRY_H)
    (tmp_path / "a.cc").write_text('#include "reg.h"\nREG_INIT() { reg::Add("k"); '
                                   'reg::Need("k"); }\nREG_INIT() { reg::Need("j"); '
                                   'reg::Add("j"); }\n')
    (tmp_path / "u.cc").write_text('#include "a.cc"\n')
    result = lint(tmp_path / "u.cc", Settings(profiles=(PROFILE,), frontend=frontend))
    assert [(f.code, f.message.split("`")[3]) for f in result.findings] == [("AM104", "j")]


def test_one_type_has_one_spelling() -> None:
    from amalint.analysis.spelling import (
        array_bounds_differ_only,
        parameter_spelling,
        signature_spelling,
        type_spelling,
    )
    assert type_spelling("void const *") == type_spelling("const void*") == "const void*"
    assert type_spelling("unsigned") == type_spelling("int unsigned") == "unsigned"
    assert type_spelling("long int") == "long" and type_spelling("signed char") == "signed char"
    assert type_spelling("char") != type_spelling("signed char")
    assert type_spelling("int const* const") == "const int*const"
    assert parameter_spelling("U32[ZSTD_REP_NUM]") == parameter_spelling("U32 *") == "U32*"
    assert parameter_spelling("int[3][4]") == "int(*)[4]"
    assert parameter_spelling("const int") == "int" and parameter_spelling("char* const") == "char*"
    assert parameter_spelling("const char*") == "const char*"
    assert signature_spelling("(T[3], void const*, std::map<int, int>)") == \
        "(T*, const void*, std::map<int,int>)"
    assert array_bounds_differ_only(type_spelling("long[/* N */]"), type_spelling("long[4]"))
    assert not array_bounds_differ_only("long[3]", "long[4]")


def test_array_bounds_compared_by_value_only_when_both_are_literals() -> None:
    """gcc compares constant bounds by value: ``[!!sizeof(struct {...})]`` is 1 whatever the
    struct (glibc's ``_Static_assert`` for C99 redeclares one function with such bounds), so a
    bound that is not a literal never makes a conflict; ``[3]`` against ``[4]`` does."""
    from amalint.analysis.redeclarations import clash
    from amalint.analysis.spelling import array_bounds_unknown
    from amalint.model import Declaration, DeclKind, Location

    assert array_bounds_unknown("int(*(void))[! ! sizeof(struct { int e :(1 < 2)? 2 : - 1 ; })]",
                                "int(*(void))[! ! sizeof(struct { int e :(3 < 4)? 2 : - 1 ; })]")
    assert array_bounds_unknown("int[N * 2]", "int[8]")
    assert not array_bounds_unknown("int[3]", "int[(4)]")
    assert not array_bounds_unknown("int[3]", "long[N]")  # another element type
    where = Location(Path("a.c"), 1)

    def variable(type_: str) -> Declaration:
        return Declaration((), "check_fn", DeclKind.VARIABLE, where, (0,), type=type_,
                           storage="extern")

    assert clash(variable("int(*(void))[! ! sizeof(struct { int e : 1; })]"),
                 variable("int(*(void))[! ! sizeof(struct { int e : 2; })]"), True) is None
    assert clash(variable("int[3]"), variable("int[4]"), True) == "conflicting types"


def test_a_redefinition_in_a_file_two_sources_read_is_unity_only_whichever_read_clang_names(
        ) -> None:
    """clang names a file and line, not which read of it: libjpeg-turbo's wrappers each read
    `jdapistd.c`, and its redefinition can come charged to the first read's include. The
    earlier definition at the same place of a file read through two umbrella includes is the
    other read's."""
    from dataclasses import replace

    from amalint.analysis.unity import Cause, unity_diagnostics
    from amalint.model import (
        CodeModel,
        CompilerDiagnostic,
        CompilerNote,
        FileFacts,
        FileScope,
        Location,
        Severity,
        Umbrella,
    )

    impl, where = Path("/p/impl.c"), Location(Path("/p/impl.c"), 3, 5)
    diag = CompilerDiagnostic(Severity.ERROR, "redefinition of 'step8'", where, 0, impl,
                              (CompilerNote(where, "previous definition is here"),))
    model = CodeModel(
        umbrella=Umbrella(Path("/p/u.c"), b"", ()), functions={}, entry_points=(),
        files=(impl,), filescope=FileScope((FileFacts(Path("/p/w8.c"), 0),
                                            FileFacts(impl, 0), FileFacts(Path("/p/w12.c"), 1),
                                            FileFacts(impl, 1)), is_c=True),
        compiler_diagnostics=(diag,))
    (found,) = unity_diagnostics(model)
    assert (found.cause, found.symbol) == (Cause.REDECLARATION, "step8")
    alone = replace(model, filescope=FileScope(model.filescope.files[:2], is_c=True))
    assert unity_diagnostics(alone) == []  # one read: the file's own error


def test_builtin_spellings_are_equal_exactly_when_the_types_are(tmp_path: Path) -> None:
    """The file-scope pass's one spelling per builtin type, anywhere in a type (template
    arguments too), judged by g++: two spellings are made equal if and only if they name the
    same type (``signed char`` is not ``char``, nor ``int char``)."""
    from amalint.analysis.spelling import builtin_spelling

    words = ["signed char", "char", "unsigned char", "short", "short int", "signed short",
             "short signed int", "unsigned short int", "short unsigned", "int", "signed",
             "signed int", "unsigned", "unsigned int", "int unsigned", "long", "long int",
             "long signed int", "unsigned long", "long unsigned int", "long long",
             "long long int", "unsigned long long int", "long long unsigned", "double",
             "long double", "double long"]
    def same(a: str, b: str) -> str:
        return "true" if builtin_spelling(f"pair<{a}, int>") == \
            builtin_spelling(f"pair<{b}, int>") else "false"

    asserts = [f"static_assert(std::is_same<std::pair<{a}, int>, std::pair<{b}, int>>::value "
               f'== {same(a, b)}, "{a} / {b}");' for a in words for b in words]
    (tmp_path / "t.cc").write_text("#include <type_traits>\n#include <utility>\n"
                                   + "\n".join(asserts) + "\n")
    built = compile_unit("g++", tmp_path, "t.cc")
    assert built.returncode == 0, built.stderr[:3000]


def test_alone_a_guarded_header_reads_its_unconditional_includes_whatever_the_unit_read() -> None:
    """A read of ``h.h`` in the unit that found its guard defined lists no includes; compiled
    alone, the source reads ``h.h``'s guarded part, and the ``#include`` no further ``#if``
    encloses (one under ``#ifdef`` is left to the reads that took it)."""
    from amalint.analysis.alone import AloneOrder
    from amalint.model import FileFacts, Include, Umbrella, Written

    root = Path("/p")
    line = b'#include "s.cc"\n'
    umbrella = Umbrella(root / "u.cc", line, (
        Include(1, 0, len(line), "s.cc", False, root / "s.cc", 1, 0, (), line),))
    files = [
        FileFacts(root / "u.cc", None, includes=(root / "s.cc",), include_lines=(1,)),
        FileFacts(root / "s.cc", 0, includes=(root / "h.h",), include_lines=(1,)),
        FileFacts(root / "h.h", 0, guard="H_H", written=(
            Written(3, "x.h", False, root / "x.h", 1),
            Written(5, "win.h", False, root / "win.h", 2))),
    ]
    assert list(AloneOrder(umbrella, files).order(0)) == [root / "s.cc", root / "h.h",
                                                           root / "x.h"]
