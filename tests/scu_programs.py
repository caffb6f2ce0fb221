"""Random small unity builds, and what the real compilers say of them.

A *program* is an umbrella that includes two to four sources, plus up to two headers the sources
include, in C or C++. Each file is made of file-scope declarations drawn from the classes that
collide in unity builds: ``static`` functions and variables, anonymous namespaces, C++ ``const``
variables, external definitions and prototypes, C tentative definitions, typedefs and aliases,
struct/union/enum tags and enumerators, C++ classes, ``extern "C"`` blocks opened under
``#ifdef __cplusplus``, storage classes written through a macro, declarations under ``#if`` of
random flags, object-like macros, and calls that overload resolution may find ambiguous; and
the shapes of hand-written amalgamations: X-macro lists read inside struct bodies, conditions
written with function-like macros, function-pointer typedefs, enums nested in C structs and
C++ member enums defined out of line.
Headers come with an include guard, ``#pragma once``, or none. Names come from a small pool so
that files collide often.

:func:`compile_program` compiles the unity build and each source alone with a real compiler and
keeps the *unity-only* diagnostics: those the unity build has and no source alone has.
``tests/test_differential.py`` checks amalint against them; ``benchmarks/differential.py`` runs
many more programs.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

NAMES = ("alpha", "beta", "gamma")
FLAGS = ("FEATURE_A", "FEATURE_B")
#: Kinds of unity-only compile errors the rules are about (the ``kind`` of :class:`Said`).
COLLISION = "collision"
AMBIGUITY = "ambiguity"
MACRO = "macro-redefined"

_DIAGNOSTIC = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? "
                         r"(?P<severity>error|warning): (?P<message>.*)$", re.M)
#: gcc quotes names in typographic quotes (U+2018, U+2019), clang in apostrophes.
_QUOTED = re.compile("[\u2018'\"]([^\u2019'\"]+)[\u2019'\"]")


@dataclass(frozen=True)
class Program:
    language: str  # "c" or "c++"
    #: file name -> text; the umbrella is ``umbrella.c``/``umbrella.cc``
    files: dict[str, str]
    flags: tuple[str, ...]

    @property
    def suffix(self) -> str:
        return ".c" if self.language == "c" else ".cc"

    @property
    def umbrella(self) -> str:
        return f"umbrella{self.suffix}"

    @property
    def sources(self) -> list[str]:
        return [n for n in self.files if n.endswith(self.suffix) and n != self.umbrella]

    def write(self, directory: Path) -> None:
        for name, text in self.files.items():
            (directory / name).write_text(text)


# ---------------------------------------------------------------------------- declarations

def _body(k: int) -> str:
    return f"{{ return x + {k}; }}"


# Shapes of hand-written amalgamations: what is not file scope, and what macros hide.
_HAND_WRITTEN = {
    # an X-macro list #included inside a struct body: members, not file-scope names
    "xmacro": lambda name, k, ptype: (
        f"struct {name}_x{k} {{\n#define X(n) {ptype} n;\n#include \"xlist.h\"\n#undef X\n}};"),
    # conditions written with a function-like macro, a local declared after them
    "macro_condition": lambda name, k, ptype: (
        "#ifndef LIKELY\n#define LIKELY(c) (__builtin_expect(!!(c), 1))\n#endif\n"
        f"static int {name}_m{k}(int x) {{\n  if LIKELY(x > {k}) {{\n    return 1;\n  }}\n"
        f"  else if LIKELY(x < 0) {{\n    return 2;\n  }}\n  {ptype} local = x;\n"
        f"  return (int)local;\n}}\nint use_{name}_m{k}(void) {{ return {name}_m{k}(1); }}"),
    # a function-pointer typedef: its name is declared through the parentheses
    "fn_pointer": lambda name, k, ptype: f"typedef {ptype} (*{name}_fp)(int);",
    # C: an enum inside a struct: its enumerators are file-scope names
    "nested_enum": lambda name, k, ptype: (
        f"struct {name}_n{k} {{ enum {{ {name.upper()}_IDLE{k}, {name.upper()}_BUSY }} mode; }};"),
    # C++: a member enum defined out of line: its enumerators are members
    "member_enum": lambda name, k, ptype: (
        f"struct {name}_q{k} {{ enum Tags : int; }};\n"
        f"enum {name}_q{k}::Tags : int {{ kEnd, kFirst{k} }};"),
}


@st.composite
def declaration(draw: st.DrawFn, language: str, macro_storage: bool) -> str:
    """One file-scope declaration (possibly several lines)."""
    name = draw(st.sampled_from(NAMES))
    k = draw(st.integers(0, 9))
    ptype = draw(st.sampled_from(("int", "long", "unsigned", "double")))
    storage = "LOCAL" if macro_storage and draw(st.booleans()) else "static"
    kinds = ["static_fn", "static_var", "extern_fn", "prototype", "static_proto", "typedef",
             "tag", "enum", "macro", "call", "xmacro", "macro_condition", "fn_pointer"]
    if language == "c":
        kinds += ["tentative", "nested_enum"]
    else:
        kinds += ["anon_fn", "const_var", "class", "alias", "member_enum"]
    kind = draw(st.sampled_from(kinds))
    if kind in _HAND_WRITTEN:
        return _HAND_WRITTEN[kind](name, k, ptype)
    if kind == "static_fn":
        return f"{storage} int {name}({ptype} x) {_body(k)}"
    if kind == "static_var":
        return f"{storage} {ptype} {name}_v = {k};"
    if kind == "extern_fn":
        return f"int {name}_api({ptype} x) {_body(k)}"
    if kind == "prototype":
        return f"int {name}_api({ptype} x);"
    if kind == "static_proto":
        return (f"{storage} int {name}({ptype} x);\n"
                f"int use_{name}_{k}(void) {{ return {name}(1); }}\n"
                f"{storage} int {name}({ptype} x) {_body(k)}")
    if kind == "typedef":
        return f"typedef {ptype} {name}_t;"
    if kind == "tag":
        word = draw(st.sampled_from(("struct", "union")))
        return f"{word} {name}_s {{ {ptype} m{k}; }};"
    if kind == "enum":
        return f"enum {name}_e{k} {{ {name.upper()}_ONE, {name.upper()}_TWO{k} }};"
    if kind == "macro":
        return f"#define {name.upper()}_SIZE {k}"
    if kind == "call":  # a function and a call of it: overloads from another file may join in
        return f"{storage} int {name}({ptype} x) {_body(k)}\n" \
               f"int call_{name}_{k}(void) {{ return {name}({k}); }}"
    if kind == "tentative":
        return f"{ptype} {name}_v;"
    if kind == "anon_fn":
        return f"namespace {{ int {name}({ptype} x) {_body(k)} }}"
    if kind == "const_var":
        return f"const {ptype} {name}_v = {k};"
    if kind == "class":
        return f"class {name}_c {{ public: {ptype} m{k}; }};"
    return f"using {name}_t = {ptype};"  # alias


@st.composite
def wrapped(draw: st.DrawFn, language: str, macro_storage: bool) -> str:
    """A declaration, sometimes under ``#if`` of a flag or inside an ``extern "C"`` block."""
    text = draw(declaration(language, macro_storage))
    how = draw(st.sampled_from(("plain", "plain", "plain", "ifdef", "ifndef", "if_value",
                                "extern_c")))
    flag = draw(st.sampled_from(FLAGS))
    if how == "ifdef":
        return f"#ifdef {flag}\n{text}\n#endif"
    if how == "ifndef":
        return f"#ifndef {flag}\n{text}\n#else\n/* {flag} */\n#endif"
    if how == "if_value":
        return f"#if defined({flag}) && {flag} > 1\n{text}\n#endif"
    if how == "extern_c" and not text.startswith("#") and "namespace" not in text \
            and "class" not in text and "using" not in text:
        return f'#ifdef __cplusplus\nextern "C" {{\n#endif\n{text}\n#ifdef __cplusplus\n}}\n#endif'
    return text


@st.composite
def programs(draw: st.DrawFn) -> Program:
    language = draw(st.sampled_from(("c", "c++")))
    suffix = ".c" if language == "c" else ".cc"
    files: dict[str, str] = {}
    headers = [f"h{i}.h" for i in range(draw(st.integers(0, 2)))]
    macro_storage = draw(st.booleans())
    for header in headers:
        decls = draw(st.lists(wrapped(language, False), min_size=1, max_size=2))
        guard = draw(st.sampled_from(("ifndef", "pragma", "none")))
        body = "\n".join(decls) + "\n"
        macro = header.upper().replace(".", "_")
        if guard == "ifndef":
            body = f"#ifndef {macro}\n#define {macro}\n{body}#endif\n"
        elif guard == "pragma":
            body = f"#pragma once\n{body}"
        files[header] = body
    sources = [f"s{i}{suffix}" for i in range(draw(st.integers(2, 4)))]
    for source in sources:
        lines = []
        if macro_storage:
            lines.append("#define LOCAL static")
        for header in headers:
            if draw(st.booleans()):
                lines.append(f'#include "{header}"')
        lines += draw(st.lists(wrapped(language, macro_storage), min_size=1, max_size=4))
        files[source] = "\n".join(lines) + "\n"
    files["xlist.h"] = "X(alpha)\nX(beta)\n"  # an X-macro list (read inside struct bodies)
    files[f"umbrella{suffix}"] = "".join(f'#include "{s}"\n' for s in sources) + \
        "\nint main(void) { return 0; }\n"
    flags = tuple(f"-D{f}={draw(st.integers(1, 2))}" for f in FLAGS if draw(st.booleans()))
    return Program(language, files, flags)


# ---------------------------------------------------------------------------- the compilers

@dataclass(frozen=True)
class Said:
    """A diagnostic of the unity build that no source alone has."""

    compiler: str
    severity: str
    file: str
    line: int
    message: str
    kind: str
    #: The name the message quotes.
    symbol: str
    #: The files its notes name (previous definition, candidates).
    others: tuple[str, ...] = ()


@dataclass
class Compiled:
    """What one compiler says: does each source compile alone, and the unity-only diagnostics."""

    compiler: str
    alone_ok: bool
    unity: list[Said] = field(default_factory=list)


def _kind(message: str) -> str:
    text = message.lower()
    if "is ambiguous" in text:
        return AMBIGUITY
    if "redefined" in text:
        return MACRO
    if any(w in text for w in ("redefinition", "redeclaration", "conflicting",
                               "follows non-static", "different kind of symbol",
                               "multiple definition", "and later 'static'",
                               "and later \u2018static\u2019")):
        return COLLISION
    return "other"


def _diagnostics(stderr: str) -> list[tuple[str, int, str, str, list[str]]]:
    """``(file, line, severity, message, note files)`` of each error/warning of a run."""
    out: list[tuple[str, int, str, str, list[str]]] = []
    notes: list[str] = []
    for line in stderr.splitlines():
        m = _DIAGNOSTIC.match(line)
        if m:
            out.append((Path(m["file"]).name, int(m["line"]), m["severity"], m["message"],
                        notes := []))
            continue
        note = re.match(r"^([^:\n]+):\d+:(?:\d+:)? note: ", line)
        if note and out:
            notes.append(Path(note.group(1)).name)
    return out


def compile_program(program: Program, directory: Path, compiler: str) -> Compiled:
    """Compile the unity build and each source alone with ``compiler``."""
    std = "-std=gnu17" if program.language == "c" else "-std=c++17"

    def run(source: str) -> str:
        done = subprocess.run([compiler, std, *program.flags, "-fsyntax-only", source],
                              cwd=directory, capture_output=True, text=True, timeout=60)
        return done.stderr

    alone: set[tuple[str, int, str]] = set()
    ok = True
    for source in program.sources:
        for file, line, severity, message, _ in _diagnostics(run(source)):
            alone.add((file, line, message))
            ok = ok and severity != "error"
    result = Compiled(compiler, ok)
    for file, line, severity, message, notes in _diagnostics(run(program.umbrella)):
        if (file, line, message) in alone:
            continue
        quoted = _QUOTED.findall(message)
        symbol = quoted[0] if quoted else ""
        result.unity.append(Said(compiler, severity, file, line, message, _kind(message),
                                 symbol, tuple(n for n in notes if n != file)))
    return result
