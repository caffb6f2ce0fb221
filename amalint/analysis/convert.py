"""C++ standard conversions between the types a call's arguments and a function's parameters are
spelled with, as far as their spelling tells (pure).

A type is read into its base (a builtin arithmetic type, ``void``, or a name amalint does not
know: a class, an enum, a typedef of its own), the ``const``/``volatile`` of the base and of each
pointer level, and a trailing reference. The standard integer typedefs (``uint32_t``,
``size_t``...) are read as the builtin types they are on LP64 Linux, where the compilers amalint
is tested with run. An argument is a type with its value category: ``T&`` spells an lvalue of
type ``T`` (a named variable), ``T`` a prvalue; ``0`` is the literal zero (an ``int`` that is
also a null pointer constant), ``nullptr`` the null pointer literal.

:func:`rank` ranks one argument's conversion to one parameter as C++ ranks implicit conversion
sequences (:data:`EXACT` with a qualification or binding tiebreak, :data:`PROMOTION`,
:data:`CONVERSION`, and the pointer-to-``bool`` conversion below the others); ``None`` when the
argument cannot convert; :class:`Unknown` when it depends on what amalint does not know (a
class, which may convert through its constructors and operators, or a type it cannot read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXACT, PROMOTION, CONVERSION, BOOLEAN, ELLIPSIS = 0, 1, 2, 3, 4
#: A rank: the category above; whether the argument is passed by ``value`` or binds a ``ref``;
#: a tiebreak between two of one category and kind (0 better than 1: no cv-qualification
#: added, an rvalue bound to ``&&`` rather than ``const&``).
Rank = tuple[int, str, int]


def better(first: Rank, second: Rank) -> bool:
    """Whether conversion ``first`` is better than ``second`` ([over.ics.rank], as far as the
    ranks tell)."""
    if first[0] != second[0]:
        return first[0] < second[0]
    return first[1] == second[1] and first[2] < second[2]

_ARITHMETIC = {"bool", "char", "signed char", "unsigned char", "wchar_t", "char8_t", "char16_t",
               "char32_t", "short", "unsigned short", "int", "unsigned", "long",
               "unsigned long", "long long", "unsigned long long", "float", "double",
               "long double"}
_PROMOTED = {"bool": "int", "char": "int", "signed char": "int", "unsigned char": "int",
             "short": "int", "unsigned short": "int", "char8_t": "int", "char16_t": "int",
             "char32_t": "unsigned", "wchar_t": "int", "float": "double"}
#: The fixed-width and size typedefs of <cstdint>/<cstddef> on LP64 Linux.
_TYPEDEFS = {"int8_t": "signed char", "uint8_t": "unsigned char", "int16_t": "short",
             "uint16_t": "unsigned short", "int32_t": "int", "uint32_t": "unsigned",
             "int64_t": "long", "uint64_t": "unsigned long", "size_t": "unsigned long",
             "ssize_t": "long", "ptrdiff_t": "long", "intptr_t": "long",
             "uintptr_t": "unsigned long", "intmax_t": "long", "uintmax_t": "unsigned long"}
_BUILTIN_WORDS = {"signed", "unsigned", "short", "long", "int", "char", "bool", "float",
                  "double", "void", "wchar_t", "char8_t", "char16_t", "char32_t"}
_CV = {"const", "volatile"}
_TOKEN = re.compile(r"\[[^\]]*\]|&&|[*&]|[A-Za-z_][\w:]*")


class Unknown(Exception):
    """The conversion depends on what the spelling does not tell."""


@dataclass(frozen=True)
class Type:
    #: A builtin arithmetic type (``unsigned long``), ``void``, or another name as written.
    base: str
    #: The cv-qualifiers of the base, then of each pointer level (the last is the top level).
    levels: tuple[frozenset[str], ...]
    #: ``""``, ``"&"`` or ``"&&"``.
    ref: str = ""

    @property
    def depth(self) -> int:
        return len(self.levels) - 1

    @property
    def builtin(self) -> bool:
        return self.base in _ARITHMETIC or self.base == "void"

    @property
    def arithmetic(self) -> bool:
        return self.depth == 0 and self.base in _ARITHMETIC

    def value(self) -> Type:
        """The type without reference and top-level cv-qualifiers."""
        return Type(self.base, (*self.levels[:-1], frozenset()))

    def same(self, other: Type) -> bool:
        return self.base == other.base and self.levels == other.levels and \
            self.ref == other.ref


def _builtin(words: list[str]) -> str:
    if words == ["void"]:
        return "void"
    unsigned = "unsigned" in words
    longs = words.count("long")
    for kind in ("bool", "wchar_t", "char8_t", "char16_t", "char32_t", "float"):
        if kind in words:
            return kind
    if "double" in words:
        return "long double" if longs else "double"
    if "char" in words:
        return "unsigned char" if unsigned else "signed char" if "signed" in words else "char"
    core = "short" if "short" in words else "long long" if longs > 1 else \
        "long" if longs else "int"
    if unsigned:
        return "unsigned" if core == "int" else f"unsigned {core}"
    return core


def parse(spelled: str) -> Type:
    """The type ``spelled`` (a parameter or argument type, names dropped); raise
    :class:`Unknown` for what it does not read (function pointers, member pointers...)."""
    text = spelled.strip()
    if "(" in text or "<" in text or "::*" in text or not text:
        raise Unknown(spelled)
    tokens = _TOKEN.findall(text)
    if "".join(tokens).replace(" ", "") != text.replace(" ", ""):
        raise Unknown(spelled)
    cv: set[str] = set()
    words: list[str] = []
    levels: list[frozenset[str]] = []
    ref = ""
    index = 0
    while index < len(tokens) and tokens[index] not in ("*", "&", "&&") \
            and not tokens[index].startswith("["):
        token = tokens[index]
        if token in _CV:
            cv.add(token)
        else:
            words.append(token)
        index += 1
    levels.append(frozenset(cv))
    for token in tokens[index:]:
        if token in _CV and not ref:
            levels[-1] = levels[-1] | {token}
        elif token == "*" and not ref:
            levels.append(frozenset())
        elif token.startswith("[") and not ref:
            levels.append(frozenset())  # an array parameter is a pointer
        elif token in ("&", "&&") and not ref:
            ref = token
        else:
            raise Unknown(spelled)
    words = [w.removeprefix("std::") for w in words if w not in ("struct", "class", "enum")]
    if words and all(w in _BUILTIN_WORDS for w in words):
        base = _builtin(words)
    elif len(words) == 1:
        base = _TYPEDEFS.get(words[0], words[0])
    else:
        raise Unknown(spelled)
    return Type(base, tuple(levels), ref)


def _qualification(arg: Type, param: Type) -> int | None:
    """For two pointer types of one base and depth: 0 if the same, 1 if ``param`` only adds
    cv-qualifiers as a qualification conversion may, ``None`` otherwise (top level ignored)."""
    a, p = arg.levels[:-1], param.levels[:-1]
    if a == p:
        return 0
    if not all(x <= y for x, y in zip(a, p, strict=True)):
        return None
    added = [k for k in range(len(a)) if a[k] != p[k]]
    # every level between the first one qualified and the top must be const in the parameter
    return 1 if all("const" in p[k] for k in range(min(added) + 1, len(p))) else None


def _value_rank(arg: Type, param: Type, null: str) -> tuple[int, int] | None:
    """The category and tiebreak of converting a value of type ``arg`` to ``param`` (both
    without reference); ``null`` is the argument if it is a null pointer constant."""
    if arg.arithmetic and param.arithmetic:
        if arg.base == param.base:
            return (EXACT, 0)
        return (PROMOTION, 0) if _PROMOTED.get(arg.base) == param.base else (CONVERSION, 0)
    if null and param.depth > 0:
        return (CONVERSION, 0)
    if null == "nullptr":
        if param.builtin:
            return None  # nullptr -> bool only in direct-initialization
        raise Unknown(f"nullptr -> {param}")
    if arg.depth > 0 and param.depth == 0 and param.base == "bool":
        return (BOOLEAN, 0)
    if param.depth == 1 and param.base == "void" and arg.depth > 0:
        if arg.depth == 1 and arg.base == "void":
            tie = _qualification(arg, param)
            return None if tie is None else (EXACT, tie)
        return (CONVERSION, 0) if arg.levels[-2] <= param.levels[-2] else None
    if arg.base == param.base and arg.depth == param.depth:
        tie = _qualification(arg, param) if arg.depth else 0
        return None if tie is None else (EXACT, tie)
    if not arg.builtin or not param.builtin:
        # a class converts through its constructors and operators, a derived class pointer to
        # its base's; a name amalint does not know may be a typedef of anything
        raise Unknown(f"{arg} -> {param}")
    return None  # builtin types: arithmetic <-> pointer, pointers to different types


def rank(arg: str, param: str) -> Rank | None:
    """The rank of passing an argument spelled ``arg`` (see the module docstring) to a
    parameter spelled ``param``; ``None`` if it cannot; raise :class:`Unknown`."""
    null = arg if arg in ("0", "nullptr") else ""
    a = Type("nullptr_t", (frozenset(),)) if arg == "nullptr" else \
        Type("int", (frozenset(),)) if arg == "0" else parse(arg)
    p = parse(param)
    lvalue = a.ref == "&"
    a = Type(a.base, a.levels)
    if not p.ref:
        found = _value_rank(a.value(), p.value(), null)
        return None if found is None else (found[0], "value", found[1])
    target = Type(p.base, p.levels)
    compatible = a.base == target.base and a.depth == target.depth and \
        a.levels[-1] <= target.levels[-1] and (a.depth == 0 or _qualification(a, target) == 0)
    added = 0 if a.levels[-1] == target.levels[-1] else 1
    if p.ref == "&" and "const" not in target.levels[-1]:
        if not lvalue:
            return None
        if compatible:
            return (EXACT, "ref", added)
        if not a.builtin or not target.builtin:
            raise Unknown(f"{arg} -> {param}")
        return None
    if compatible and lvalue:
        return None if p.ref == "&&" else (EXACT, "ref", added)
    if compatible:  # an rvalue: binds `&&` better than `const&`
        return (EXACT, "ref", 0 if p.ref == "&&" else 1)
    if a.base == target.base and a.depth == target.depth:
        return None  # reference-related, but the reference would drop a cv-qualifier
    if "volatile" in target.levels[-1] or not a.builtin or not target.builtin:
        raise Unknown(f"{arg} -> {param}")
    found = _value_rank(a.value(), target.value(), null)  # binds a temporary
    return None if found is None else (found[0], "ref", 0 if p.ref == "&&" else 1)


def disjoint(first: str, second: str) -> bool:
    """Whether no argument that converts to a parameter of type ``first`` converts to one of
    type ``second`` too, null pointer constants and classes (which may convert to anything)
    aside; ``False`` when the spelling cannot tell."""
    try:
        a, b = parse(first), parse(second)
    except Unknown:
        return False
    a, b = Type(a.base, a.levels), Type(b.base, b.levels)
    if not (a.builtin and b.builtin):
        return False
    if a.arithmetic and b.arithmetic:
        return False
    if a.depth == 0 or b.depth == 0:  # arithmetic and pointer: only pointer -> bool crosses
        return "bool" not in (a.base if a.depth == 0 else b.base,)
    if a.depth == b.depth and a.base == b.base:
        return False
    voids = [t for t in (a, b) if t.depth == 1 and t.base == "void"]
    return not voids
