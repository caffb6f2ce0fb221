"""Random overload-capture programs, and which function the real compilers bind each call to.

A program is two sources of a unity build. Each *case* ``k`` is one name, ``f<k>``: ``a.cc``
defines an internal function ``f<k>`` (``static`` or in an anonymous namespace) and ``b.cc``
another, with other parameters (arithmetic types, pointers of one or two levels, ``void*``,
references, typedefs, default arguments, ``...``), and a function ``case_<k>`` in ``b.cc`` that
calls ``f<k>`` with arguments of various kinds: literals, local variables, ``&v``, ``*p``,
arrays, casts, ``sizeof``. Each ``f<k>`` prints its file when it runs.

:func:`run_program` compiles ``b.cc`` alone (cases whose call does not compile alone are left
out, with ``-DNO_CASE_<k>``), then the unity build, with each compiler: a case whose call the
unity build rejects, or binds to ``a.cc``'s function when run, is a *hazard*. Only cases both
compilers agree on count. ``tests/test_overload_differential.py`` holds amalint's AM201 findings
against them; ``benchmarks/differential.py --suite overloads`` runs many more.
"""

from __future__ import annotations

import random
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Parameter types, with a default argument for those that take one.
PARAMS = {
    "int": "1", "long": "1", "unsigned": "1", "short": "1", "char": "'c'", "bool": "true",
    "double": "1.0", "float": "1.0f", "long long": "1", "unsigned long": "1", "size_t": "1",
    "uint32_t": "1", "const char*": "nullptr", "char*": "nullptr", "const char**": "nullptr",
    "void*": "nullptr", "const void*": "nullptr", "int*": "nullptr", "const int*": "nullptr",
    "uint32_t*": "nullptr", "unsigned*": "nullptr", "int&": "", "const int&": "1",
    "long&": "", "const long&": "1", "int&&": "1", "double&": "", "const char*&": "",
    "const double&": "1.0",
}
#: Local variables (type, name prefix, initializer) and the argument expressions of each.
LOCALS = {
    "int": ("int", "i", "1"), "long": ("long", "l", "2"), "unsigned": ("unsigned", "u", "3"),
    "short": ("short", "s", "4"), "char": ("char", "c", "'x'"), "bool": ("bool", "b", "true"),
    "double": ("double", "d", "0.5"), "float": ("float", "fl", "0.5f"),
    "size_t": ("size_t", "z", "6"), "uint32_t": ("uint32_t", "w", "7"),
    "const char*": ("const char*", "p", "\"x\""), "char*": ("char*", "q", "nullptr"),
    "const int": ("const int", "k", "8"), "int*": ("int*", "ip", "new int(1)"),
    "unsigned*": ("unsigned*", "up", "new unsigned(1)"),
}
LITERALS = ("3", "3L", "3u", "2.5", "2.5f", "'c'", "\"s\"", "true", "0", "nullptr", "(long)3",
            "(char)1", "sizeof(int)", "-2", "int_of()", "str_of()", "pp_of()", "dbl_of()")
#: Expressions of a local ``v`` of each type (``{v}`` stands for its name).
_OF_LOCAL = {"const char*": ("{v}", "&{v}", "*{v}"), "char*": ("{v}", "&{v}"),
             "int*": ("{v}", "*{v}"), "unsigned*": ("{v}", "&{v}"), "const int": ("{v}", "&{v}")}
_NUMBERS = ("3", "3L", "3u", "2.5", "2.5f", "'c'", "true", "0", "(long)3", "-2", "{int}",
            "int_of()", "dbl_of()",
            "{long}", "{unsigned}", "{short}", "{char}", "{bool}", "{double}", "{float}",
            "{size_t}", "{uint32_t}", "{const int}")
#: Arguments a parameter type takes (``{kind}``: a local of that kind), to make calls that
#: compile alone more often than random ones.
FITS = {
    "const char*": ("\"s\"", "{const char*}", "{char*}", "nullptr", "0", "str_of()"),
    "char*": ("{char*}", "nullptr"), "const char**": ("&{const char*}", "pp_of()"),
    "void*": ("&{int}", "{int*}", "{char*}", "nullptr"),
    "const void*": ("{const char*}", "&{const int}", "\"s\""),
    "int*": ("{int*}", "&{int}"), "const int*": ("{int*}", "&{const int}", "&{int}"),
    "uint32_t*": ("&{uint32_t}", "&{unsigned}", "{unsigned*}"),
    "unsigned*": ("&{uint32_t}", "{unsigned*}"), "int&": ("{int}", "*{int*}"),
    "long&": ("{long}",), "double&": ("{double}",), "const char*&": ("{const char*}",),
}
_LOCAL = re.compile(r"\{([^}]+)\}")
_ERROR = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:\d+:)? (?:fatal )?error: ", re.M)
_CASE = re.compile(r"^(\d+):(a|b)$", re.M)
HEAD = "#include <cstdio>\n#include <cstddef>\n#include <cstdint>\n"
#: Helpers of b.cc whose results amalint does not type (calls): arguments of unknown type.
OPAQUE = ("static int int_of() { return 1; }\nstatic double dbl_of() { return 0.5; }\n"
          "static const char* str_of() { return \"s\"; }\n"
          "static const char** pp_of() { static const char* s = \"x\"; return &s; }\n")


@dataclass(frozen=True)
class Case:
    number: int
    a_params: tuple[str, ...]
    a_defaults: int
    a_variadic: bool
    b_params: tuple[str, ...]
    b_defaults: int
    b_variadic: bool
    anonymous: str  # "", "a" or "b": whose function is in an anonymous namespace
    locals: tuple[str, ...]  # declarations of case_<k>
    args: tuple[str, ...]


def _function(case: Case, file: str) -> str:
    params, defaults, variadic = (case.a_params, case.a_defaults, case.a_variadic) \
        if file == "a" else (case.b_params, case.b_defaults, case.b_variadic)
    spelled = [f"{p} x{i}" + (f" = {PARAMS[p]}" if i >= len(params) - defaults else "")
               for i, p in enumerate(params)]
    if variadic:
        spelled.append("...")
    body = f"std::puts(\"{case.number}:{file}\");"
    head = f"void f{case.number}({', '.join(spelled)}) {{ {body} }}"
    if case.anonymous == file:
        return f"namespace {{ {head} }}"
    return f"static {head}"


def _params(rng: random.Random) -> tuple[tuple[str, ...], int, bool]:
    params = tuple(rng.choice(list(PARAMS)) for _ in range(rng.choice((0, 1, 1, 2, 2, 3))))
    defaultable = 0
    for p in reversed(params):
        if not PARAMS[p]:
            break
        defaultable += 1
    defaults = rng.choice((0, 0, 0, 1, 2)) if defaultable else 0
    return params, min(defaults, defaultable), rng.random() < 0.1


def make_case(rng: random.Random, number: int) -> Case:
    a_params, a_defaults, a_variadic = _params(rng)
    b_params, b_defaults, b_variadic = _params(rng)
    if rng.random() < 0.5:  # calls that fit b's own function more often compile alone
        count = rng.randint(max(len(b_params) - b_defaults, 0), len(b_params))
    else:
        count = rng.choice((0, 1, 2, 3))
    locals_: list[str] = []
    args: list[str] = []
    for index in range(count):
        if index < len(b_params) and rng.random() < 0.7:
            pattern = rng.choice(FITS.get(b_params[index], _NUMBERS))
            found = _LOCAL.search(pattern)
            if found is not None:
                spelled, prefix, init = LOCALS[found.group(1)]
                name = f"{prefix}{index}"
                locals_.append(f"{spelled} {name} = {init};" if spelled != "char*" else
                               f"char {name}_buf[4] = \"ab\"; char* {name} = {name}_buf;")
                pattern = pattern.replace(found.group(0), name)
            args.append(pattern)
            continue
        if rng.random() < 0.4:
            args.append(rng.choice(LITERALS))
            continue
        kind = rng.choice(list(LOCALS))
        spelled, prefix, init = LOCALS[kind]
        name = f"{prefix}{index}"
        locals_.append(f"{spelled} {name} = {init};" if kind != "char*" else
                       f"char {name}_buf[4] = \"ab\"; char* {name} = {name}_buf;")
        args.append(rng.choice(_OF_LOCAL.get(kind, ("{v}",))).format(v=name))
    if rng.random() < 0.15:
        locals_.append(f"char arr{number}[4] = \"ab\";")
        args.append(f"arr{number}")
    anonymous = rng.choice(("", "", "", "a", "b"))
    return Case(number, a_params, a_defaults, a_variadic, b_params, b_defaults, b_variadic,
                anonymous, tuple(locals_), tuple(args))


@dataclass(frozen=True)
class Program:
    cases: tuple[Case, ...]

    def files(self) -> dict[str, str]:
        a, b = [HEAD], [HEAD, OPAQUE]
        main = ["#ifndef NO_CASES"]
        for case in self.cases:
            k = case.number
            guard, end = f"#ifndef NO_CASE_{k}\n", "#endif\n"
            a.append(f"{guard}{_function(case, 'a')}\n{end}")
            body = " ".join(case.locals)
            b.append(f"{guard}{_function(case, 'b')}\nvoid case_{k}() {{ {body}\n"
                     f"  f{k}({', '.join(case.args)});\n}}\n{end}")
            main.append(f"#ifndef NO_CASE_{k}\nvoid case_{k}();\n#endif")
        calls = "".join(f"\n#ifndef NO_CASE_{c.number}\n  case_{c.number}();\n#endif"
                        for c in self.cases)
        main.append(f"#endif\nint main() {{{calls}\n  return 0;\n}}\n")
        return {"a.cc": "".join(a), "b.cc": "".join(b), "main.cc": "\n".join(main),
                "unity.cc": '#include "a.cc"\n#include "b.cc"\n'}

    def write(self, directory: Path) -> None:
        for name, text in self.files().items():
            (directory / name).write_text(text)

    def case_at(self, line: int) -> int | None:
        """The case whose text holds ``line`` of ``b.cc`` (or of ``a.cc``)."""
        found = None
        for file in ("b.cc", "a.cc"):
            for number, text in enumerate(self.files()[file].splitlines(), 1):
                match = re.match(r"#ifndef NO_CASE_(\d+)", text)
                if match:
                    found = int(match.group(1))
                if number == line:
                    return found
        return None


def make_program(rng: random.Random, cases: int = 8) -> Program:
    return Program(tuple(make_case(rng, k) for k in range(cases)))


def _compile(compiler: str, directory: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([compiler, "-std=c++17", "-w", *args], cwd=directory,
                          capture_output=True, text=True, timeout=120)


def _failing(program: Program, output: str, file: str) -> set[int]:
    out = set()
    for m in _ERROR.finditer(output):
        if Path(m.group("file")).name == file:
            found = program.case_at(int(m.group("line")))
            if found is not None:
                out.add(found)
    return out


def _until_clean(program: Program, directory: Path, compiler: str, source: str,
                 excluded: set[int]) -> set[int] | None:
    """The cases whose code ``compiler`` rejects in ``source`` (with ``excluded`` left out);
    ``None`` if an error cannot be put on a case."""
    failing: set[int] = set()
    for _ in range(4):
        flags = [f"-DNO_CASE_{k}" for k in sorted(excluded | failing)]
        done = _compile(compiler, directory, ["-fsyntax-only", *flags, source])
        if done.returncode == 0:
            return failing
        new = _failing(program, done.stdout + done.stderr, "b.cc") | \
            _failing(program, done.stdout + done.stderr, "a.cc")
        if not new - failing:
            return None
        failing |= new
    return None


def bindings(program: Program, directory: Path, compiler: str,
             alone_bad: set[int]) -> dict[int, str] | None:
    """Per case: ``error`` if the unity build rejects it, else the file whose function ran."""
    failing = _until_clean(program, directory, compiler, "unity.cc", alone_bad)
    if failing is None:
        return None
    flags = [f"-DNO_CASE_{k}" for k in sorted(alone_bad | failing)]
    exe = directory / f"prog-{compiler}"
    built = _compile(compiler, directory, [*flags, "unity.cc", "main.cc", "-o", str(exe)])
    if built.returncode != 0:
        return None
    ran = subprocess.run([str(exe)], capture_output=True, text=True, timeout=30)
    out = {k: "error" for k in failing}
    out.update({int(k): f for k, f in _CASE.findall(ran.stdout)})
    return out


@dataclass(frozen=True)
class Truth:
    #: Cases whose call does not compile alone (left out everywhere with ``-DNO_CASE_<k>``).
    alone_bad: frozenset[int]
    #: Cases the compilers disagree on.
    disagree: frozenset[int]
    #: Per kept case: whether the unity build binds it to a.cc's function or rejects it.
    hazard: dict[int, bool]


def run_program(program: Program, directory: Path, compilers: list[str]) -> Truth | None:
    program.write(directory)
    alone_bad: set[int] = set()
    for compiler in compilers:
        bad = _until_clean(program, directory, compiler, "b.cc", alone_bad)
        if bad is None:
            return None
        alone_bad |= bad
    seen = [bindings(program, directory, c, alone_bad) for c in compilers]
    if any(s is None for s in seen):
        return None
    hazard: dict[int, bool] = {}
    disagree = set()
    for case in program.cases:
        k = case.number
        if k in alone_bad:
            continue
        verdicts = {s[k] != "b" if k in s else None for s in seen if s is not None}
        if len(verdicts) != 1 or None in verdicts:
            disagree.add(k)
            continue
        hazard[k] = verdicts.pop() is True
    return Truth(frozenset(alone_bad), frozenset(disagree), hazard)


def temporary() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="amalint-overloads-")
