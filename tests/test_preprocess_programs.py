"""The random preprocessor programs of the differential test (no tests here): an umbrella,
sources and headers of random directives, conditionals, comments and code, and compiler flags."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

OBJECTS = ["A", "B", "C", "D", "E"]
FUNCTIONS = ["F", "G", "CAT", "STR", "V"]
NAMES = OBJECTS + FUNCTIONS + ["U", "H0_H"]


@dataclass(frozen=True)
class Program:
    files: dict[str, bytes]
    language: str
    flags: tuple[str, ...]
    main: str | None = None

    @property
    def umbrella(self) -> str:
        return self.main or ("u.c" if self.language == "c" else "u.cc")


# -- the generator ------------------------------------------------------------------------------

_LITERALS = ["0", "1", "2", "3", "7", "42", "0x10", "010", "0b101", "1u", "0u", "100000",
             "'a'", "'\\n'", "'\\377'", "0xffffffffffffffff", "9223372036854775807",
             "18446744073709551615u", "4294967296", "1L", "2ull"]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 2, directive: bool = True) -> str:
    """An integer expression; ``directive`` False keeps out the operators whose misuse in code
    the compilers recover from in ways not modeled (``__has_include``, ``__has_feature``)."""
    kind = draw(st.integers(0, 9 if depth > 0 else 2))
    if kind == 0:
        return draw(st.sampled_from(_LITERALS))
    if kind == 1:
        return draw(st.sampled_from([*OBJECTS, "U", "true", "false"]))
    if kind == 2:
        name = draw(st.sampled_from(NAMES))
        return draw(st.sampled_from([f"defined {name}", f"defined({name})", f"defined ( {name} )"]))
    sub = expressions(depth - 1, directive)
    if kind == 3:
        return f"{draw(st.sampled_from(['-', '!', '~', '+']))}{draw(sub)}"
    if kind == 4:
        op = draw(st.sampled_from(["+", "-", "*", "==", "!=", "<", ">", "<=", ">=", "&&", "||",
                                   "&", "|", "^"]))
        return f"({draw(sub)} {op} {draw(sub)})"
    if kind == 5:
        op = draw(st.sampled_from(["/", "%"]))
        divisor = draw(st.sampled_from(["1", "3", "-2", "7u", "A", "(B + 1)"]))
        return f"({draw(sub)} {op} {divisor})"
    if kind == 6:
        count = draw(st.sampled_from(["0", "1", "3", "31", "63", "64", "65", "-1", "A"]))
        return f"({draw(sub)} {draw(st.sampled_from(['<<', '>>']))} {count})"
    if kind == 7:
        return f"({draw(sub)} ? {draw(sub)} : {draw(sub)})"
    if kind == 8:
        return f"({draw(sub)}, {draw(sub)})"
    if draw(st.integers(0, 3)) == 0 and directive:
        return draw(st.sampled_from([
            '__has_include("h0.h")', "__has_include(<h1.h>)", "__has_include(<nope.h>)",
            "__has_include(HDR)", "__has_attribute(noreturn)", "__has_attribute(__unused__)",
            "__has_builtin(__builtin_expect)", "__has_builtin(__no_such)",
            "__has_cpp_attribute(nodiscard)", "__has_feature(c_atomic)",
            "defined(__has_include)", "defined __has_feature", "__LINE__", "__COUNTER__",
            "__INCLUDE_LEVEL__",
            # operands the compilers macro-expand; header names with blanks and doubled slashes
            "__has_attribute(A)", "__has_builtin(B)", "__has_include(< h0.h >)",
            '__has_include("inc//h0.h")', "__has_include(<sub//h0.h>)"]))
    fn = draw(st.sampled_from(["F", "G", "CAT"]))
    return f"{fn}({draw(sub)}, {draw(sub)})"


_FUNCTION_BODIES = {
    "F": ["(a + b)", "a * b", "((a) - (b))", "F(a, b)", "G(b, a) + 1", "a",
          "a __VA_OPT__(+) b"],  # not variadic: __VA_OPT__ is a plain identifier there
    "G": ["(a - b)", "a ? b : 0", "CAT(a, b)", "(a, b)"],
    "CAT": ["a ## b", "a##b", "a ## b ## 1", "CAT(a, b)"],
    "STR": ["#a", "# a", "STR(a)"],
    "V": ["f(x, ## __VA_ARGS__)", "x __VA_OPT__(+) __VA_ARGS__", "g(__VA_ARGS__)", "#__VA_ARGS__",
          "x , ## __VA_ARGS__", "x __VA_OPT__ x"],  # the last one: an error in the #define
}
_PARAMS = {"F": "(a, b)", "G": "(a,b)", "CAT": "(a, b)", "STR": "(a)", "V": "(x, ...)"}


@st.composite
def define(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        name = draw(st.sampled_from(OBJECTS))
        body = draw(st.one_of(expressions(1, directive=False),
                              st.sampled_from(["", name, f"{name} + 1", "B", "(A)", "F(1, 2)",
                                               "noreturn", "__builtin_expect"])))
        return f"#define {name} {body}".rstrip()
    name = draw(st.sampled_from(FUNCTIONS))
    return f"#define {name}{_PARAMS[name]} {draw(st.sampled_from(_FUNCTION_BODIES[name]))}"


_PROBES = ["A", "B + C", "F(1, 2)", "G(A, B)", "CAT(x, y)", "CAT(, y)", "CAT(1, 2)", "STR(x  y)",
           'STR("q\\n")', "STR( a  +  b )", "V(1)", "V(1, 2, 3)", "V()", "__LINE__", "__FILE__",
           "F(F(1, 2), G(3, 4))", "E", "D(1)",
           # comments inside an argument list: one space each (an apostrophe, a comma)
           "F(1 /* it's */, 2)", "F(1 /* a, b */, 2)", "V(1, /**/ 2)",
           # argument lists that go on over lines (a comment spanning them, nesting)
           "F(1 /* it's\n */, 2)", "G(A,\n B) + 1", "(F(1,\n 2))", "V(\n1, F(2,\n 3))"]


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


@st.composite
def block(draw: st.DrawFn, counter: _Counter, depth: int, includes: list[str]) -> list[str]:
    """Lines of a group: definitions, code, conditionals, includes."""
    out: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.integers(0, 9))
        if kind <= 2:
            out.append(draw(define()))
        elif kind == 3:
            out.append(f"#undef {draw(st.sampled_from(NAMES))}")
        elif kind <= 5:
            n = counter.next()
            if draw(st.booleans()):
                out.append(f"int marker_{n};")
            else:
                out.append(f"int marker_{n} = {draw(st.sampled_from(_PROBES))};")
        elif kind <= 7 and depth > 0:
            out.extend(draw(conditional(counter, depth - 1, includes)))
        elif kind == 8 and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(["#error stop", "#warning careful", "#pragma once",
                                             '#define HDR "h0.h"', "#define HDR <nope.h>",
                                             '#pragma push_macro("A")',
                                             '#pragma pop_macro("A")', "#", "#ident \"x\""])))
        elif includes:
            out.append(draw(st.sampled_from(includes)))
    return out


@st.composite
def conditional(draw: st.DrawFn, counter: _Counter, depth: int,
                includes: list[str]) -> list[str]:
    name = draw(st.sampled_from(NAMES))
    opening = draw(st.sampled_from([f"#ifdef {name}", f"#ifndef {name}", "#if EXPR",
                                    "#if EXPR", "#  if EXPR", "# if EXPR",
                                    # a comment where the directive's tokens are separated
                                    "#/* c */if EXPR",
                                    f"#ifdef /* c */ {name}"]))
    out = [opening.replace("EXPR", draw(expressions()))]
    out += draw(block(counter, depth, includes))
    for _ in range(draw(st.integers(0, 2))):
        out.append(draw(st.sampled_from(["#elif EXPR", "#elif EXPR", f"#elifdef {name}"]))
                   .replace("EXPR", draw(expressions())))
        out += draw(block(counter, depth, includes))
    if draw(st.booleans()):
        out.append("#else")
        out += draw(block(counter, depth, includes))
    out.append("#endif")
    return out


def _decorate(draw: st.DrawFn, lines: list[str]) -> bytes:
    """Comments, splices, odd spacing, then a line-end convention and maybe a BOM."""
    out: list[str] = []
    for line in lines:
        style = draw(st.integers(0, 14))
        if style == 0 and line.startswith("#define") and " " in line[8:]:
            head, _, tail = line.partition(" ")
            name, _, body = tail.partition(" ")
            line = f"{head} {name} /* c */ {body}" if body else line
        elif style == 1 and line.startswith("#define") and len(line) > 14:
            line = line[:12] + "\\\n" + line[12:]  # a splice, perhaps inside a token
        elif style == 2:
            line = line + " // " + draw(st.sampled_from(["note", "it's", "a \"q\"", "#x"]))
        elif style == 3:
            out.append(draw(st.sampled_from(["/* a block", "/*", "// #define A 99"])))
            out.append(draw(st.sampled_from(["#define B 77", "   spanning */", "*/"])))
            if out[-2].startswith("//"):
                out.pop()
            elif not out[-1].endswith("*/"):
                out.append("*/")
        elif style == 4 and line.startswith("#"):
            line = "/* lead */ " + line
        elif style == 5 and line.startswith("#") and draw(st.booleans()):
            line = "%:" + line[1:]
        out.append(line)
    text = "\n".join(out) + "\n"
    ending = draw(st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"]))
    data = text.replace("\n", ending).encode()
    return b"\xef\xbb\xbf" + data if draw(st.integers(0, 9)) == 0 else data


@st.composite
def programs(draw: st.DrawFn) -> Program:
    language = draw(st.sampled_from(["c++", "c++", "c"]))
    ext = ".c" if language == "c" else ".cc"
    counter = _Counter()
    files: dict[str, bytes] = {}
    headers = [f"h{k}.h" for k in range(draw(st.integers(1, 3)))]
    header_includes = [f'#include "{h}"' for h in headers] + [f"#include <{h}>" for h in headers]
    for k, h in enumerate(headers):
        guard = draw(st.sampled_from(["ifndef", "if", "pragma", "none", "broken"]))
        macro = "H0_H" if k == 0 else f"H{k}_H"
        body = draw(block(counter, 2, []))
        if draw(st.integers(0, 7)) == 0:  # a header that includes itself (once: gcc goes on
            # after the depth error, so a second one would make the include tree exponential)
            body.insert(draw(st.integers(0, len(body))), f'#include "{h}"')
        if guard == "ifndef":
            lines = [f"#ifndef {macro}", f"#define {macro}", *body, "#endif"]
        elif guard == "if":
            lines = [f"#if !defined({macro})", f"#define {macro}", *body, "#endif /* x */"]
        elif guard == "pragma":
            lines = ["#pragma once", *body]
        elif guard == "broken":
            lines = [f"#ifndef {macro}", f"#define {macro}", *body, "#endif", "int after_guard;"]
        else:
            lines = body
        files[f"inc/{h}"] = _decorate(draw, lines)
    sources = [f"s{k}{ext}" for k in range(draw(st.integers(2, 4)))]
    for s in sources:
        files[s] = _decorate(draw, draw(block(counter, 2, header_includes)))
    umbrella: list[str] = draw(block(counter, 1, []))
    for s in sources:
        umbrella.append(f'#include "{s}"')
        if draw(st.integers(0, 5)) == 0:
            umbrella.extend(draw(block(counter, 1, [f'#include "{s}"'])))
    files["u" + ext] = _decorate(draw, umbrella)
    flags = [draw(st.sampled_from(["-Iinc", "-isystem", "-Iinc"]))]
    if flags[0] == "-isystem":
        flags.append("inc")
    # HDR is always a header-name: error recovery inside __has_include is not modeled.
    flags.append('-DHDR="h0.h"')
    flags += [f"-D{n}" if draw(st.booleans()) else f"-D{n}={draw(expressions(0))}"
              for n in draw(st.lists(st.sampled_from([*OBJECTS, "U"]), max_size=3))]
    if draw(st.integers(0, 4)) == 0:
        flags.append(draw(st.sampled_from(["-DF(a,b)=a", "-DV(x,...)=x", "-DSTR(a)=#a"])))
    if draw(st.integers(0, 5)) == 0:
        flags += [draw(st.sampled_from(["-include", "-imacros"])), draw(st.sampled_from(headers))]
    flags += [f"-U{n}" for n in draw(st.lists(st.sampled_from(NAMES), max_size=1))]
    stds = ["c++11", "c++14", "c++17", "c++20", "gnu++17"] if language == "c++" \
        else ["c99", "c11", "gnu11", "gnu17"]
    flags.append("-std=" + draw(st.sampled_from(stds)))
    return Program(files, language, tuple(flags))
