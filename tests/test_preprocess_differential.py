"""The preprocessor view against the real compilers, on random preprocessor programs.

Each generated program is an umbrella, two to four included sources and one to three headers
(include guards of both spellings, ``#pragma once``, no guard, a guard broken by trailing code;
some headers included twice), with random ``#define``/``#undef`` (object- and function-like,
``#``, ``##``, ``__VA_ARGS__``, ``__VA_OPT__``, GNU ``, ## __VA_ARGS__``), ``#if``/``#ifdef``/
``#ifndef``/``#elif``/``#else`` nests over random integer expressions (signed and unsigned
arithmetic, shifts, ``?:``, ``,``, ``defined``, character constants, function-like calls),
comments, splices, LF/CRLF/CR line ends and BOMs, random ``-D``/``-U`` and ``-std`` flags, and
``-include``/``-imacros`` files, and code lines with unique markers, some of which expand
macros.

For each program and each of g++/clang++ (C++) or gcc/clang (C): ``-E -dD`` gives, from its line
markers, the (file, line) of every line that produced code, the sequence of files entered and the
text of each code line; ``-dM`` gives the final macro table. The evaluator must agree on all of
them, expand each marker line's code as the compiler did, and report an error (in a directive or
in expanding a code line) exactly when the compiler fails.

CI runs a fixed, derandomized set (``AMALINT_DIFF_EXAMPLES``, default 70 programs, about 30 s on
two cores). For a longer hunt, e.g. ``AMALINT_DIFF_EXAMPLES=5000 AMALINT_DIFF_SEED=7 pytest
tests/test_preprocess_differential.py`` (a seed makes the run random and reproducible).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from amalint.preprocess import Config, Unit, configure, preprocess, tokenize
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("AMALINT_DIFF_EXAMPLES", "70"))
SEED = os.environ.get("AMALINT_DIFF_SEED")
COMPILERS = {"c++": [c for c in ("g++", "clang++") if shutil.which(c)],
             "c": [c for c in ("gcc", "clang") if shutil.which(c)]}
pytestmark = pytest.mark.skipif(not COMPILERS["c++"], reason="no C++ compiler on PATH")

OBJECTS = ["A", "B", "C", "D", "E"]
FUNCTIONS = ["F", "G", "CAT", "STR", "V"]
NAMES = OBJECTS + FUNCTIONS + ["U", "H0_H"]
_MARKER = re.compile(r'# (\d+) "((?:[^"\\]|\\.)*)"((?: \d)*)')
_DEFINE = re.compile(r"#define (\S+)(?: (.*))?$")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\r\n]*", re.S)


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
def expressions(draw: st.DrawFn, depth: int = 2) -> str:
    kind = draw(st.integers(0, 9 if depth > 0 else 2))
    if kind == 0:
        return draw(st.sampled_from(_LITERALS))
    if kind == 1:
        return draw(st.sampled_from([*OBJECTS, "U", "true", "false"]))
    if kind == 2:
        name = draw(st.sampled_from(NAMES))
        return draw(st.sampled_from([f"defined {name}", f"defined({name})", f"defined ( {name} )"]))
    sub = expressions(depth - 1)
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
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from([
            '__has_include("h0.h")', "__has_include(<h1.h>)", "__has_include(<nope.h>)",
            "__has_include(HDR)", "__has_attribute(noreturn)", "__has_attribute(__unused__)",
            "__has_builtin(__builtin_expect)", "__has_builtin(__no_such)",
            "__has_cpp_attribute(nodiscard)", "__has_feature(c_atomic)",
            "defined(__has_include)", "defined __has_feature", "__LINE__", "__COUNTER__",
            "__INCLUDE_LEVEL__"]))
    fn = draw(st.sampled_from(["F", "G", "CAT"]))
    return f"{fn}({draw(sub)}, {draw(sub)})"


_FUNCTION_BODIES = {
    "F": ["(a + b)", "a * b", "((a) - (b))", "F(a, b)", "G(b, a) + 1", "a"],
    "G": ["(a - b)", "a ? b : 0", "CAT(a, b)", "(a, b)"],
    "CAT": ["a ## b", "a##b", "a ## b ## 1", "CAT(a, b)"],
    "STR": ["#a", "# a", "STR(a)"],
    "V": ["f(x, ## __VA_ARGS__)", "x __VA_OPT__(+) __VA_ARGS__", "g(__VA_ARGS__)", "#__VA_ARGS__",
          "x , ## __VA_ARGS__"],
}
_PARAMS = {"F": "(a, b)", "G": "(a,b)", "CAT": "(a, b)", "STR": "(a)", "V": "(x, ...)"}


@st.composite
def define(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        name = draw(st.sampled_from(OBJECTS))
        body = draw(st.one_of(expressions(1), st.sampled_from(["", name, f"{name} + 1",
                                                                "B", "(A)", "F(1, 2)"])))
        return f"#define {name} {body}".rstrip()
    name = draw(st.sampled_from(FUNCTIONS))
    return f"#define {name}{_PARAMS[name]} {draw(st.sampled_from(_FUNCTION_BODIES[name]))}"


_PROBES = ["A", "B + C", "F(1, 2)", "G(A, B)", "CAT(x, y)", "CAT(, y)", "CAT(1, 2)", "STR(x  y)",
           'STR("q\\n")', "STR( a  +  b )", "V(1)", "V(1, 2, 3)", "V()", "__LINE__", "__FILE__",
           "F(F(1, 2), G(3, 4))", "E", "D(1)"]


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
                                    "#if EXPR", "#  if EXPR", "# if EXPR"]))
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


# -- what the compiler says ---------------------------------------------------------------------

@dataclass
class Observed:
    ok: bool
    lines: dict[tuple[str, int], list[str]]  # (file, line) -> code text, once per time entered
    entered: list[tuple[str, bool]]  # (file, system header)
    macros: dict[str, str]
    stderr: str


def _norm(path: str) -> str:
    return os.path.normpath(path)


def _parse_e(text: str) -> tuple[dict[tuple[str, int], list[str]], list[tuple[str, bool]]]:
    lines: dict[tuple[str, int], list[str]] = defaultdict(list)
    entered: list[tuple[str, bool]] = []
    file, line = "", 0
    last: tuple[str, int] | None = None  # the line last written, while a marker may continue it
    for raw in text.split("\n"):
        m = _MARKER.fullmatch(raw)
        if m:
            file, line = m.group(2), int(m.group(1))
            flags = m.group(3).split()
            if flags[:1] == ["1"] and not file.startswith("<"):
                entered.append((_norm(file), "3" in flags))
            if flags[:1] in (["1"], ["2"]) or last != (_norm(file), line):
                last = None
            continue
        if raw.strip() and not raw.startswith("#") and not file.startswith("<"):
            key = (_norm(file), line)
            if last == key:  # gcc splits a line where a system header's macro expands
                lines[key][-1] += " " + raw
            else:
                lines[key].append(raw)
            last = key
        elif raw.strip():
            last = None
        line += 1
    return dict(lines), entered


def _parse_dm(text: str) -> dict[str, str]:
    out = {}
    for raw in text.splitlines():
        m = _DEFINE.match(raw)
        if m:
            out[m.group(1).split("(")[0]] = raw.rstrip()
    return out


def observe(compiler: str, program: Program, cwd: Path) -> Observed:
    base = [compiler, "-x", "c" if program.language == "c" else "c++", *program.flags]
    run_e = subprocess.Popen([*base, "-E", "-dD", program.umbrella], cwd=cwd, text=True,
                             errors="surrogateescape", stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    run_m = subprocess.Popen([*base, "-E", "-dM", program.umbrella], cwd=cwd, text=True,
                             errors="surrogateescape", stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
    out_e, err_e = run_e.communicate(timeout=60)
    out_m, _ = run_m.communicate(timeout=60)
    lines, entered = _parse_e(out_e)
    return Observed(run_e.returncode == 0, lines, entered, _parse_dm(out_m), err_e)


# -- what the evaluator says --------------------------------------------------------------------

def evaluate(compiler: str, program: Program, root: Path) -> tuple[Unit, Config]:
    config = configure(list(program.flags), language=program.language, compiler=compiler)

    def read(path: str) -> bytes | None:
        p = root / path
        return p.read_bytes() if p.is_file() else None

    def is_file(path: str) -> bool:
        return (root / path).is_file()

    return preprocess(program.umbrella, config, read=read, is_file=is_file), config


def predicted_lines(unit: Unit, errors: list[str] | None = None) -> dict[tuple[str, int],
                                                                         list[str]]:
    """For every active line with code: the expansion of its text, once per inclusion (and the
    errors of those expansions, which the compiler reports as it compiles the code)."""
    out: dict[tuple[str, int], list[str]] = defaultdict(list)
    for inc in unit.inclusions:
        if inc.skipped is not None or inc.path.startswith("/"):
            continue
        text = unit.active_text(inc)
        text = _COMMENT.sub(lambda m: re.sub(r"[^\r\n]", " ", m.group()), text.decode())
        offset = 0
        for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
            if line.strip():
                start = offset + len(line) - len(line.lstrip())
                expanded, problems = unit.expand_with_errors(line, inc.position(start))
                out[(_norm(inc.path), number)].append(" ".join(t.text for t in expanded))
                if errors is not None:
                    errors.extend(problems)
            offset += len(line.encode()) + _ending_length(text, offset + len(line))
    return dict(out)


def _ending_length(text: str, at: int) -> int:
    if text.startswith("\r\n", at):
        return 2
    return 1 if at < len(text) else 0


def _respell(line: str) -> str:
    return " ".join(t.text for t in tokenize(line))


# -- the test -----------------------------------------------------------------------------------

def _check(program: Program, tmp: Path) -> None:
    for name, data in program.files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(data)
    for compiler in COMPILERS[program.language]:
        compare(compiler, program, tmp)


def compare(compiler: str, program: Program, tmp: Path, expansions: bool = True) -> None:
    """The evaluator and ``compiler`` agree on the unit in ``tmp``: errors or not, the files
    entered (and whether as system headers), which lines are code and (``expansions``) each
    one's expansion, the final macros."""
    seen = observe(compiler, program, tmp)
    unit, config = evaluate(compiler, program, tmp)
    family = config.compiler.family
    where = f"{compiler} {' '.join(program.flags)} in {tmp}"
    errors = [d.message for d in unit.diagnostics if d.severity == "error"]
    predicted = predicted_lines(unit, errors)
    assert bool(errors) == (not seen.ok), (where, errors, seen.stderr)
    entered = [(_norm(i.path), i.system) for i in unit.inclusions[1:] if i.skipped is None]
    assert entered == seen.entered, where
    observed = {k: [_respell(x) for x in v] for k, v in seen.lines.items()
                if not k[0].startswith("/")}
    assert sorted(predicted) == sorted(observed), where
    if expansions:
        assert predicted == observed, where
    ours = {name: m.definition(family) for name, m in unit.macros.items()}
    assert ours == seen.macros, (where, {k: (ours.get(k), seen.macros.get(k))
                                         for k in set(ours) | set(seen.macros)
                                         if ours.get(k) != seen.macros.get(k)})


def _settings(test):  # type: ignore[no-untyped-def]
    phases = [Phase.explicit, Phase.generate] if os.environ.get("AMALINT_DIFF_NOSHRINK") \
        else list(Phase)
    test = settings(max_examples=EXAMPLES, derandomize=SEED is None, deadline=None,
                    suppress_health_check=list(HealthCheck), database=None,
                    phases=phases)(test)
    return seed(int(SEED))(test) if SEED is not None else test


@_settings
@given(program=programs())
def test_preprocessor_agrees_with_the_compilers(program: Program, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    _check(program, tmp_path_factory.mktemp("pp"))
