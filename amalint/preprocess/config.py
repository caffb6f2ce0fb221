"""The build configuration: language, compiler arguments and the compiler's own facts.

``Config`` is a value; the compiler facts (:class:`CompilerInfo`) come from ``compiler.py`` (which
asks a real compiler) or from its built-in approximation. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

#: Operators whose operand names a feature; their answer comes from the compiler profile.
FEATURE_OPERATORS = ("__has_attribute", "__has_cpp_attribute", "__has_c_attribute",
                     "__has_builtin", "__has_feature", "__has_extension", "__has_warning",
                     "__has_declspec_attribute", "__is_identifier")
#: The dynamic built-in macros gcc 12 and clang 14 both have (``_Pragma`` only for ``defined``).
DYNAMIC_BUILTINS = frozenset({"__FILE__", "__LINE__", "__COUNTER__", "__INCLUDE_LEVEL__",
                              "__BASE_FILE__", "__FILE_NAME__", "__DATE__", "__TIME__",
                              "__TIMESTAMP__", "_Pragma"})


def feature_key(operator: str, argument: str) -> str:
    """How an operand is looked up: attribute and feature names lose ``__x__`` underscores
    (``__noreturn__`` is ``noreturn``; ``gnu::__unused__`` is ``gnu::unused``), as gcc and clang
    treat them; builtin and warning names are taken as written."""
    arg = "".join(argument.split())
    if operator not in ("__has_builtin", "__has_warning", "__is_identifier"):
        scope, sep, name = arg.rpartition("::")
        if len(name) > 4 and name.startswith("__") and name.endswith("__"):
            name = name[2:-2]
        if scope.startswith("__") and scope.endswith("__") and len(scope) > 4:
            scope = scope[2:-2]
        arg = scope + sep + name
    return arg


@dataclass(frozen=True)
class Features:
    """The compiler's ``__has_*`` operators: which exist (``defined(__has_builtin)``), and their
    value for a table of common operands. Any operand not in the table answers 0: the exact
    answer needs the compiler itself, so this is documented as an approximation outside it."""

    operators: frozenset[str] = frozenset({"__has_include", "__has_include_next"})
    values: Mapping[str, int] = field(default_factory=dict)  # "operator operand" -> value
    #: Built-in macros that ``-dM`` does not list but ``defined`` sees (``__LINE__`` …).
    builtins: frozenset[str] = DYNAMIC_BUILTINS

    def value(self, operator: str, argument: str) -> int | None:
        """The operator's answer, or None if this compiler has no such operator."""
        if operator not in self.operators:
            return None
        return self.values.get(f"{operator} {feature_key(operator, argument)}", 0)


@dataclass(frozen=True)
class CompilerInfo:
    """What a compiler knows before reading the unit: predefined macros (``-dM`` lines without
    ``#define``), its system include directories, its feature operators."""

    name: str
    family: str  # "gcc" or "clang"
    version: str
    predefined: tuple[str, ...]
    system_dirs: tuple[str, ...]
    features: Features = Features()
    #: Files the compiler reads before the unit (gcc on glibc: ``stdc-predef.h``); their macros
    #: are not in ``predefined``.
    preincludes: tuple[str, ...] = ()
    #: True for the built-in table used when no compiler is on PATH.
    approximate: bool = False
    notes: tuple[str, ...] = ()

    def macro_values(self) -> Mapping[str, str]:
        out: dict[str, str] = {}
        for line in self.predefined:
            name, _, value = line.partition(" ")
            out[name] = value
        return MappingProxyType(out)


@dataclass(frozen=True)
class ParsedArgs:
    """The compiler arguments that matter to the preprocessor, in order."""

    quote_dirs: tuple[str, ...] = ()
    include_dirs: tuple[str, ...] = ()
    system_dirs: tuple[str, ...] = ()
    after_dirs: tuple[str, ...] = ()
    #: ("D", "X=1") / ("U", "X") in command-line order.
    macros: tuple[tuple[str, str], ...] = ()
    includes: tuple[str, ...] = ()
    imacros: tuple[str, ...] = ()
    nostdinc: bool = False
    undef: bool = False
    std: str | None = None
    language: str | None = None
    max_include_depth: int = 200
    #: Flags passed to the compiler when asking for its predefined macros and search list.
    compiler_flags: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()


_WITH_VALUE = {"-I": "I", "--include-directory": "I", "-iquote": "quote", "-isystem": "system",
               "-idirafter": "after", "-D": "D", "--define-macro": "D", "-U": "U",
               "--undefine-macro": "U", "-include": "include", "--include": "include",
               "-imacros": "imacros", "--imacros": "imacros", "-x": "x", "-std": "std",
               "--std": "std"}
_COMPILER_WITH_VALUE = frozenset({"-target", "-isysroot", "--sysroot", "--gcc-toolchain",
                                  "-gcc-toolchain", "--target"})
_IGNORED_WITH_VALUE = frozenset({"-o", "-MF", "-MT", "-MQ", "-iprefix", "-iwithprefix",
                                 "-iwithprefixbefore", "-Xclang", "-Xpreprocessor", "-arch"})


def parse_args(args: tuple[str, ...] | list[str]) -> ParsedArgs:
    """The preprocessor-relevant part of a compiler command line (no I/O)."""
    lists: dict[str, list[str]] = {k: [] for k in ("I", "quote", "system", "after", "include",
                                                    "imacros")}
    macros: list[tuple[str, str]] = []
    flags: list[str] = []
    ignored: list[str] = []
    nostdinc = undef = False
    std: str | None = None
    language: str | None = None
    depth = 200
    i = 0
    while i < len(args):
        a = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        key: str | None
        value: str | None
        if a in _WITH_VALUE:
            key, value, step = _WITH_VALUE[a], nxt, 2
        else:
            key, value = _split_joined(a)
            step = 1
        if key is not None:
            if value is None:
                ignored.append(a)
            elif key in ("D", "U"):
                macros.append((key, value))
            elif key == "x":
                language = {"c": "c", "c-header": "c", "c++": "c++",
                            "c++-header": "c++"}.get(value, language)
            elif key == "std":
                std = value
                flags.append("-std=" + value)
            else:
                lists[key].append(value.rstrip("/") or "/")
            i += step
            continue
        if a in ("-nostdinc", "-nostdinc++", "-undef"):
            nostdinc = nostdinc or a == "-nostdinc"
            undef = undef or a == "-undef"
            flags.append(a)
        elif a.startswith("-fmax-include-depth="):
            value = a.partition("=")[2]
            depth = _depth(value, depth)
        elif a in _COMPILER_WITH_VALUE and nxt is not None:
            flags.extend((a, nxt))
            i += 1
        elif a.startswith(("-m", "-f", "-O", "--target=", "--sysroot=", "-stdlib=",
                           "--gcc-toolchain=")) or a in ("-ansi", "-pthread", "-pthreads"):
            flags.append(a)
        elif a in _IGNORED_WITH_VALUE:
            ignored.extend(args[i:i + 2])
            i += 1
        elif a.startswith("-trigraphs"):
            ignored.append(a)
        i += 1
    return ParsedArgs(
        quote_dirs=tuple(lists["quote"]), include_dirs=tuple(lists["I"]),
        system_dirs=tuple(lists["system"]), after_dirs=tuple(lists["after"]),
        macros=tuple(macros), includes=tuple(lists["include"]), imacros=tuple(lists["imacros"]),
        nostdinc=nostdinc, undef=undef, std=std, language=language, max_include_depth=depth,
        compiler_flags=tuple(flags), ignored=tuple(ignored),
    )


def _depth(value: str, default: int) -> int:
    """``-fmax-include-depth=value``: ASCII digits only (however many: past 10**9 it is no
    limit anyway), else ``default``."""
    if not (value.isascii() and value.isdigit()):
        return default
    return int(value) if len(value) <= 9 else 10**9


def _split_joined(a: str) -> tuple[str | None, str | None]:
    """(kind, value) of an argument with its value joined (``-Idir``, ``--include=f``)."""
    if a.startswith("--") and "=" in a:
        opt, _, value = a.partition("=")
        return (_WITH_VALUE[opt], value) if opt in _WITH_VALUE else (None, None)
    if a.startswith("-std="):
        return "std", a[5:]
    if a.startswith(("-include", "-iprefix", "-iwithprefix")):
        return None, None
    for opt in ("-iquote", "-isystem", "-idirafter", "-imacros", "-I", "-D", "-U", "-x"):
        if a.startswith(opt) and len(a) > len(opt):
            return _WITH_VALUE[opt], a[len(opt):]
    return None, None


@dataclass(frozen=True)
class Config:
    """Everything the preprocessor needs to know about the build.

    ``language`` is ``"c"`` or ``"c++"``; ``args`` are the build's compiler arguments;
    ``compiler`` holds the compiler's predefined macros, system directories and features (see
    ``compiler.configure``, which fills it from a compiler on PATH)."""

    compiler: CompilerInfo
    language: str = "c++"
    args: tuple[str, ...] = ()
    #: Bound on all tokens one expansion (a directive, or one ``expand`` call) may produce: it
    #: bounds memory (an exponential macro's 200,000 tokens take about 140 MB).
    expansion_limit: int = 200_000
    #: Bound on all tokens the expansions of one unit's directives may produce, and again on
    #: those of its ``Unit.expand`` calls: it bounds time (about 1 s for 1,000,000 tokens).
    unit_expansion_limit: int = 1_000_000
    #: Bound on the number of inclusions of one unit (a guardless file that includes itself
    #: twice would otherwise take 2**200 steps).
    max_inclusions: int = 100_000
    #: ``__DATE__``/``__TIME__`` as the compiler would print them.
    date: str = '"Jan  1 1970"'
    time: str = '"00:00:00"'

    @cached_property
    def parsed(self) -> ParsedArgs:
        return parse_args(self.args)

    @property
    def std(self) -> str | None:
        return self.parsed.std
