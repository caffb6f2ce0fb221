"""Overload resolution, as far as a call's literal arguments tell it.

Pure. When two included sources define C++ functions of one name with different parameter
types, a call in the later source sees both. With the types of its arguments known (literals:
``3`` is ``int``, ``3L`` ``long``, ``3u`` ``unsigned``, ``1.5`` ``double``, ``'c'`` ``char``,
``"s"`` ``const char*``, ``true`` ``bool``), each argument's conversion to each parameter is
ranked as C++ ranks standard conversions (exact match, promotion, conversion) and the best
viable function is chosen: the call *binds* to it, or is *ambiguous* when no function is best.
(The file-scope pass records the literal types:
:func:`amalint.frontends.filescope.uses.literal_type`.)
Anything else (a variable argument, a class parameter, default arguments) leaves the outcome
*unknown*.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from amalint.analysis.spelling import split_parameters
from amalint.model import Declaration

_INTEGRAL = ("bool", "char", "signed char", "unsigned char", "short", "unsigned short", "int",
             "unsigned", "long", "unsigned long", "long long", "unsigned long long")
_ARITHMETIC = (*_INTEGRAL, "float", "double", "long double")
_PROMOTED = {"bool": "int", "char": "int", "signed char": "int", "unsigned char": "int",
             "short": "int", "unsigned short": "int", "float": "double"}
_EXACT, _PROMOTION, _CONVERSION = 0, 1, 2


class Outcome(enum.Enum):
    BINDS = "binds"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Resolution:
    outcome: Outcome
    #: The function the call binds to (``BINDS``), or the best candidates (``AMBIGUOUS``).
    chosen: tuple[Declaration, ...] = ()


def parameters(signature: str | None) -> list[str] | None:
    """The parameter types of a normalized signature ``(int, const char*)``; ``None`` for a
    template or variadic function, whose matching this does not model."""
    if signature is None or not signature.startswith("(") or "..." in signature:
        return None
    return split_parameters(signature[1:-1])


def _value_type(param: str) -> str:
    """A parameter type as the argument sees it: top-level ``const`` and ``const&`` dropped."""
    text = param.replace("&", "").strip()
    if text.startswith("const ") and "*" not in text:
        text = text[len("const "):]
    return text.removesuffix(" const").strip()


def _rank(arg: str, param: str) -> int | None:
    """The rank of converting a literal of type ``arg`` to ``param``; ``None``: not viable;
    raises ``LookupError`` when this cannot tell."""
    value = _value_type(param)
    if arg == "const char*":
        if value.replace(" ", "") in ("constchar*", "charconst*"):
            return _EXACT
        if value in _ARITHMETIC or value.endswith("*"):
            return None
        raise LookupError(param)
    if arg == "nullptr":
        if value.endswith("*"):
            return _CONVERSION
        if value in _ARITHMETIC:
            return None
        raise LookupError(param)
    if value in _ARITHMETIC:
        if arg == value:
            return _EXACT
        return _PROMOTION if _PROMOTED.get(arg) == value else _CONVERSION
    if value.endswith("*"):
        return None
    raise LookupError(param)


def resolve(args: Sequence[str], candidates: Sequence[Declaration]) -> Resolution:
    """Which of ``candidates`` (functions of one name) a call with literal arguments of types
    ``args`` binds to. An argument type ``?`` is unknown."""
    if "?" in args:
        return Resolution(Outcome.UNKNOWN, tuple(candidates))
    viable: list[tuple[Declaration, list[int]]] = []
    for decl in candidates:
        params = parameters(decl.signature)
        if params is None or len(params) > len(args):
            return Resolution(Outcome.UNKNOWN, tuple(candidates))  # defaults, templates
        if len(params) < len(args):
            continue
        try:
            ranks = [_rank(a, p) for a, p in zip(args, params, strict=True)]
        except LookupError:
            return Resolution(Outcome.UNKNOWN, tuple(candidates))
        if all(r is not None for r in ranks):
            viable.append((decl, [r for r in ranks if r is not None]))
    if not viable:
        return Resolution(Outcome.UNKNOWN, tuple(candidates))

    def better(a: list[int], b: list[int]) -> bool:
        return all(x <= y for x, y in zip(a, b, strict=True)) and a != b

    best = [d for d, r in viable if all(better(r, s) for e, s in viable if e is not d)]
    if len(best) == 1:
        return Resolution(Outcome.BINDS, (best[0],))
    top = [d for d, r in viable if not any(better(s, r) for _, s in viable)]
    return Resolution(Outcome.AMBIGUOUS, tuple(top))
