"""``#if`` arithmetic as the compiler does it, on already macro-expanded tokens.

Values are intmax_t / uintmax_t (64 bits) with C's usual arithmetic conversions; literals as
``literals`` reads them; every operator including ``?:`` and ``,``; ``&&``, ``||`` and ``?:``
short-circuit (an error such as division by zero in an unevaluated operand is not an error).
Remaining identifiers are 0 (``true``/``false`` are 1/0 in C++; C++'s ``and``/``or``/``not``…
are operators). Operator precedence parsing with explicit stacks, as gcc's ``_cpp_parse_expr``:
no recursion, so nesting depth does not matter.

Where the C standard leaves a result undefined (shifting by a negative amount or by 64 or more)
or the compilers recover differently from an error, ``family`` picks which one to follow.
"""

from __future__ import annotations

from .literals import (
    BITS,
    MASK,
    SMAX,
    ExprError,
    ExprOptions,
    NumberError,
    Value,
    literal,
    parse_char,
    parse_number,
)
from .tokens import CHR, ID, NUM, PUNCT, Token

__all__ = ["ExprError", "ExprOptions", "NumberError", "evaluate", "parse_char", "parse_number"]

_BINARY_PREC = {
    ",": 1, "?": 2, ":": 2, "||": 3, "&&": 4, "|": 5, "^": 6, "&": 7, "==": 8, "!=": 8,
    "<": 9, ">": 9, "<=": 9, ">=": 9, "<<": 10, ">>": 10, "+": 11, "-": 11, "*": 12, "/": 12,
    "%": 12,
}
_UNARY = frozenset({"+", "-", "~", "!"})
_FAST = frozenset({"==", "!=", "<", ">", "<=", ">=", "||", "&&", "+", "-", "*", "&", "|", "^",
                   "<<", ">>"})
_UNARY_PREC = 13
_NAMED = {"and": "&&", "or": "||", "not": "!", "bitand": "&", "bitor": "|", "xor": "^",
          "compl": "~", "not_eq": "!="}


def _signed(x: int) -> int:
    x &= MASK
    return x - (1 << BITS) if x > SMAX else x


class _Op:
    __slots__ = ("name", "prec", "skip", "unary")

    def __init__(self, name: str, prec: int, unary: bool = False) -> None:
        self.name = name
        self.prec = prec
        self.unary = unary
        self.skip = False


#: How many expressions :data:`_KNOWN` keeps at most (a -j worker reads many units).
_KNOWN_KEPT = 100_000
#: Each expression evaluated, by its tokens' kinds and spellings: its value and notes, or the
#: error's index and message. The units of one project test the same conditions of the same
#: headers, expanded alike (on a generated 51-unit C++ project: 266 expressions in 88,638
#: evaluations).
_KNOWN: dict[tuple[ExprOptions, tuple[tuple[int, str], ...]],
             tuple[int, tuple[tuple[str, str], ...]] | tuple[None, int, str]] = {}


def evaluate(tokens: list[Token], opts: ExprOptions) -> tuple[int, list[tuple[str, str]]]:
    """The value of an ``#if`` expression and the (severity, message) diagnostics that did not
    stop it; raises ExprError for an error that makes the condition false."""
    key = (opts, tuple([(t.kind, t.text) for t in tokens]))
    known = _KNOWN.get(key)
    if known is None:
        try:
            value, notes = _evaluate(tokens, opts)
        except ExprError as e:
            known = (None, e.index, str(e))
        else:
            known = (value, tuple(notes))
        if len(_KNOWN) < _KNOWN_KEPT:
            _KNOWN[key] = known
    if known[0] is None:
        error = ExprError(known[2])
        error.index = known[1]
        raise error
    return known[0], list(known[1])


def _evaluate(tokens: list[Token], opts: ExprOptions) -> tuple[int, list[tuple[str, str]]]:
    notes: list[tuple[str, str]] = []
    n = len(tokens)
    if n == 1 and tokens[0].kind == NUM:  # the common shapes, without the operator stacks
        return literal(tokens[0], opts, notes)[0], notes
    if n == 3 and tokens[0].kind == NUM and tokens[2].kind == NUM and tokens[1].kind == PUNCT \
            and tokens[1].text in _FAST:
        value = _binary(tokens[1].text, literal(tokens[0], opts, notes),
                        literal(tokens[2], opts, notes), False, opts, notes)
        return value[0], notes
    values: list[Value] = []
    ops: list[_Op] = []
    state = {"skip": 0}
    want_operand = True
    if not tokens:
        raise ExprError("#if with no expression")
    i = 0
    try:
        for i, tok in enumerate(tokens):  # noqa: B007 (``i`` is for the handler below)
            kind = tok.kind
            text = tok.text
            if kind == ID and opts.cplusplus and text in _NAMED:
                kind, text = PUNCT, _NAMED[text]
            if want_operand:
                if kind in (NUM, CHR):
                    values.append(literal(tok, opts, notes))
                elif kind == ID:
                    if opts.cplusplus and text in ("true", "false"):
                        values.append((1 if text == "true" else 0, False))
                    else:
                        values.append((0, False))
                elif kind == PUNCT and text in _UNARY:
                    ops.append(_Op(text, _UNARY_PREC, unary=True))
                    continue
                elif kind == PUNCT and text == "(":
                    ops.append(_Op("(", 0))
                    continue
                else:
                    raise ExprError(_bad_token(tok, "missing expression between '(' and ')'"
                                               if text == ")" else None))
                want_operand = False
                continue
            if kind != PUNCT:
                raise ExprError(f'missing binary operator before token "{text}"')
            if text == ")":
                _reduce_to(ops, values, 1, state, opts, notes)
                if not ops and opts.family == "clang":  # clang ends the expression there
                    notes.append(("error", "expected end of line in preprocessor expression"))
                    return values[-1][0], notes
                if not ops or ops[-1].name != "(":
                    raise ExprError("missing '(' in expression")
                ops.pop()
                continue
            prec = _BINARY_PREC.get(text)
            if prec is None:
                raise ExprError(_bad_token(tok, None))
            if text == "," and opts.family == "clang" \
                    and not any(op.name in ("(", "?") for op in ops):
                # clang parses a top-level comma as the end of the expression (and says so)
                _reduce_to(ops, values, 0, state, opts, notes)
                notes.append(("error", "expected end of line in preprocessor expression"))
                return values[-1][0], notes
            if text == "?":
                _reduce_to(ops, values, prec + 1, state, opts, notes)
            elif text == ":":  # everything back to its '?', also a finished inner ?: and commas
                _reduce_to(ops, values, 0, state, opts, notes)
                if not ops or ops[-1].name != "?":
                    raise ExprError("':' without preceding '?'")
                q = ops.pop()
                if q.skip:
                    state["skip"] -= 1
                op = _Op("?:", prec)
                if values[-2][0] != 0:  # the condition was true: the false branch is not evaluated
                    op.skip = True
                    state["skip"] += 1
                ops.append(op)
                want_operand = True
                continue
            else:
                _reduce_to(ops, values, prec, state, opts, notes)
            op = _Op(text, prec)
            top = values[-1][0]
            if (text == "&&" and top == 0) or (text == "||" and top != 0) \
                    or (text == "?" and top == 0):
                op.skip = True
                state["skip"] += 1
            ops.append(op)
            want_operand = True
    except ExprError as e:  # gcc and clang expand no token after the one in error
        e.index = i
        raise
    if want_operand:
        raise ExprError("#if with no expression" if not values and not ops
                        else "operator at end of expression")
    _reduce_to(ops, values, 1, state, opts, notes)
    if ops:
        name = ops[-1].name
        raise ExprError("missing ')' in expression" if name == "(" else
                        "'?' without following ':'")
    return values[-1][0], notes


def _bad_token(tok: Token, message: str | None) -> str:
    if message:
        return message
    return f'token "{tok.text}" is not valid in preprocessor expressions'


def _reduce_to(ops: list[_Op], values: list[Value], prec: int, state: dict[str, int],
               opts: ExprOptions, notes: list[tuple[str, str]]) -> None:
    """Apply stacked operators while they bind at least as tightly as ``prec`` (right-associative
    unary operators and ``?:`` stay when ``prec`` equals theirs)."""
    while ops:
        op = ops[-1]
        if op.name == "(" or op.prec < prec or (op.name == "?" and prec <= 2):
            return
        if (op.unary or op.name == "?:") and op.prec == prec:
            return
        ops.pop()
        if op.skip:
            state["skip"] -= 1
        skipping = state["skip"] > 0
        if op.unary:
            values.append(_unary(op.name, values.pop()))
        elif op.name == "?:":
            b = values.pop()
            a = values.pop()
            c = values.pop()
            unsigned = a[1] or b[1]
            chosen = a if c[0] != 0 else b
            values.append((chosen[0] & MASK if unsigned else chosen[0], unsigned))
        else:
            b = values.pop()
            a = values.pop()
            values.append(_binary(op.name, a, b, skipping, opts, notes))


def _unary(name: str, v: Value) -> Value:
    x, unsigned = v
    if name == "+":
        return v
    if name == "-":
        return ((-x) & MASK, True) if unsigned else (_signed(-x), False)
    if name == "~":
        return (x ^ MASK, True) if unsigned else (~x, False)
    return (0 if x else 1, False)


def _binary(name: str, a: Value, b: Value, skipping: bool, opts: ExprOptions,
            notes: list[tuple[str, str]]) -> Value:
    if name == "&&":
        return (1 if a[0] and b[0] else 0, False)
    if name == "||":
        return (1 if a[0] or b[0] else 0, False)
    if name == ",":
        return b
    if name in ("<<", ">>"):
        return _shift(name, a, b, opts)
    unsigned = a[1] or b[1]
    x, y = (a[0] & MASK, b[0] & MASK) if unsigned else (a[0], b[0])
    if name == "==":
        return (int(x == y), False)
    if name == "!=":
        return (int(x != y), False)
    if name == "<":
        return (int(x < y), False)
    if name == ">":
        return (int(x > y), False)
    if name == "<=":
        return (int(x <= y), False)
    if name == ">=":
        return (int(x >= y), False)
    if name in ("/", "%"):
        if y == 0:  # gcc says so and goes on with the left operand; clang gives up
            if opts.family == "clang" and not skipping:
                raise ExprError("division by zero in preprocessor expression")
            if not skipping:
                notes.append(("error", "division by zero in #if"))
            return a
        q = abs(x) // abs(y)
        if (x < 0) != (y < 0):
            q = -q
        r = x - q * y
        result = q if name == "/" else r
    elif name == "+":
        result = x + y
    elif name == "-":
        result = x - y
    elif name == "*":
        result = x * y
    elif name == "&":
        result = x & y
    elif name == "|":
        result = x | y
    else:
        result = x ^ y
    if unsigned:
        return (result & MASK, True)
    wrapped = _signed(result)
    if wrapped != result and not skipping:
        notes.append(("warning", "integer overflow in preprocessor expression"))
    return (wrapped, False)


def _shift(name: str, a: Value, b: Value, opts: ExprOptions) -> Value:
    x, unsigned = a
    n = b[0] & MASK if b[1] else b[0]
    left = name == "<<"
    if opts.family == "clang":
        if left:
            if n < 0 or n >= BITS:
                return (0, unsigned)
            return ((x << n) & MASK, True) if unsigned else (_signed(x << n), False)
        n = (n & MASK) & 0xFFFFFFFF  # clang takes the count as a 32-bit unsigned
        return (x >> min(n, BITS - 1), unsigned)
    if n < 0:  # gcc shifts the other way
        left, n = not left, -n
    if left:
        if n >= BITS:
            return (0, unsigned)
        return ((x << n) & MASK, True) if unsigned else (_signed(x << n), False)
    if n >= BITS:
        return (-1 if (not unsigned and x < 0) else 0, unsigned)
    return (x >> n, unsigned)
