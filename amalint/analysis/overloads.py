"""Overload capture: does a call bind differently in the unity build than in its file alone?

Pure. When two included sources define C++ functions of one name, a call in the later source
sees the earlier source's function too. The file compiled alone, so the call bound to one of
the functions it saw then (its *own*); the hazard is that the unity build binds it to the other
file's function, or finds it ambiguous. :func:`judge` models C++ overload resolution on what the
call's arguments tell (:mod:`amalint.analysis.convert`: literals, and the declared types of the
variables the file-scope pass finds: :mod:`amalint.frontends.filescope.arguments`): arity with
default arguments and ``...``, then each argument's implicit conversion ranked.

An argument of unknown type still converts to the parameter of the own function it bound to:
another function whose parameter no such argument converts to (``const char*`` where the own
function takes ``const char**``; an integer where it takes a pointer) is not viable. When the
remaining functions take the very same types where arguments are unknown, the known arguments
decide; otherwise the outcome is *unknown*.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace

from amalint.analysis.convert import ELLIPSIS, Rank, Unknown, better, disjoint, parse, rank
from amalint.analysis.spelling import split_parameters
from amalint.model import ANONYMOUS, Declaration, Scope


class Outcome(enum.Enum):
    #: The call binds to the other file's function.
    BINDS = "binds"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"
    #: The call binds as in its file alone.
    SAME = "same"


@dataclass(frozen=True)
class Resolution:
    outcome: Outcome
    #: The function the call binds to (``BINDS``), or the best candidates (``AMBIGUOUS``).
    chosen: tuple[Declaration, ...] = ()


@dataclass(frozen=True)
class Shape:
    params: tuple[str, ...]
    required: int
    variadic: bool


def shape(decl: Declaration) -> Shape | None:
    """The parameters of a function declaration (a template's as written); ``None`` without a
    signature."""
    signature = decl.signature
    if signature is None:
        return None
    if signature.startswith("template"):
        signature = signature.split(" ", 1)[-1]
    if not signature.startswith("("):
        return None
    params = split_parameters(signature[1:-1])
    variadic = bool(params) and params[-1].endswith("...")
    if variadic:
        params = params[:-1]
    return Shape(tuple(params), max(len(params) - decl.defaults, 0), variadic)


#: Per argument: its rank, or ``None`` when it cannot be told.
Ranks = tuple[Rank | None, ...]


def conversions(args: Sequence[str], decl: Declaration) -> Ranks | None:
    """How each argument converts to ``decl``'s parameters; ``None`` if ``decl`` is not viable
    for the call (its arity, or an argument that cannot convert)."""
    found = shape(decl)
    if found is None:
        return tuple(None for _ in args)
    if len(args) < found.required or (len(args) > len(found.params) and not found.variadic):
        return None
    out: list[Rank | None] = []
    for index, arg in enumerate(args):
        if index >= len(found.params):
            out.append((ELLIPSIS, "value", 0))
            continue
        if arg == "?":
            out.append(None)
            continue
        try:
            step = rank(arg, found.params[index])
        except Unknown:
            out.append(None)
            continue
        if step is None:
            return None
        out.append(step)
    return tuple(out)


def _param(decl: Declaration, index: int) -> str | None:
    found = shape(decl)
    return found.params[index] if found is not None and index < len(found.params) else None


def _could_take(args: Sequence[str], own: Declaration, other: Declaration) -> bool:
    """Whether an argument list that ``own`` takes may also suit ``other``: no argument of
    unknown type is of a parameter type of ``own`` that cannot convert to ``other``'s."""
    for index, arg in enumerate(args):
        if arg != "?":
            continue
        mine, theirs = _param(own, index), _param(other, index)
        if mine is not None and theirs is not None and disjoint(mine, theirs):
            return False
    return True


def _same_type(first: str | None, second: str | None) -> bool:
    if first is None or second is None:
        return False
    try:
        return parse(first).same(parse(second))
    except Unknown:
        return first == second


def _best(cands: Sequence[tuple[Declaration, Ranks]],
          known: Sequence[int]) -> tuple[Declaration, ...]:
    """The best candidates, compared at the argument positions ``known``: one if one is
    better than every other, else those no other is better than."""
    def beats(a: Ranks, b: Ranks) -> bool:
        pairs = [(a[i], b[i]) for i in known]
        return all(not better(y, x) for x, y in pairs if x is not None and y is not None) and \
            any(better(x, y) for x, y in pairs if x is not None and y is not None)

    for decl, ranks in cands:
        if all(beats(ranks, other) for d, other in cands if d is not decl):
            return (decl,)
    return tuple(d for d, r in cands if not any(beats(o, r) for e, o in cands if e is not d))


def judge(args: Sequence[str], own: Sequence[Declaration],
          others: Sequence[Declaration]) -> Resolution:
    """How a call with argument types ``args`` (``?`` unknown) binds in the unity build, where
    it sees ``others`` besides the functions ``own`` it saw in its file alone."""
    mine = _distinct(own)
    same = {(d.scope, d.signature) for d in mine}  # declared in both: one function
    own_r = [(d, r) for d in mine if (r := conversions(args, d)) is not None]
    possible = [(h, r) for h in _distinct(others) if (h.scope, h.signature) not in same
                and (r := conversions(args, h)) is not None
                and any(_could_take(args, g, h) for g, _ in own_r)]
    if not possible or not own_r:
        return Resolution(Outcome.SAME)  # what alone bound to is not modeled: say nothing
    cands = own_r + possible
    unknown = {i for _, r in cands for i, x in enumerate(r) if x is None}
    if unknown and (len(own_r) != 1 or any(
            not _same_type(_param(own_r[0][0], i), _param(h, i))
            for h, _ in possible for i in unknown)):
        return Resolution(Outcome.UNKNOWN, tuple(h for h, _ in possible))
    known = [i for i in range(len(args)) if i not in unknown]
    alone = _best(own_r, known)
    if len(alone) != 1:
        return Resolution(Outcome.UNKNOWN, tuple(h for h, _ in possible))
    unity = _best(cands, known)
    if unity == alone:
        return Resolution(Outcome.SAME, unity)
    if len(unity) == 1:
        return Resolution(Outcome.BINDS, unity)
    return Resolution(Outcome.AMBIGUOUS, unity)


def _distinct(decls: Sequence[Declaration]) -> list[Declaration]:
    """One declaration per function (a prototype and its definition are one), with the most
    default arguments any of them gives."""
    out: dict[tuple[Scope, str | None], Declaration] = {}
    for decl in decls:
        key = (decl.scope, decl.signature)
        if key not in out or decl.defaults > out[key].defaults:
            out[key] = decl if key not in out else _with_defaults(out[key], decl.defaults)
    return list(out.values())


def _with_defaults(decl: Declaration, defaults: int) -> Declaration:
    return replace(decl, defaults=defaults)


def found_by_lookup(scope: Scope, decls: Sequence[Declaration]) -> list[Declaration]:
    """The declarations an unqualified name used in namespace ``scope`` finds: those of the
    innermost enclosing namespace that declares any (with the anonymous namespaces inside it),
    which hides the outer ones."""
    for depth in range(len(scope), -1, -1):
        here = scope[:depth]
        found = [d for d in decls if d.scope[:depth] == here
                 and all(part == ANONYMOUS for part in d.scope[depth:])]
        if found:
            return found
    return []
