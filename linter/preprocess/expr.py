"""``#if`` arithmetic as the compiler does it, on already macro-expanded tokens.

Values are intmax_t / uintmax_t (64 bits) with C's usual arithmetic conversions; literals with
suffixes, hex/octal/binary, digit separators and character constants; every operator including
``?:`` and ``,``; ``&&``, ``||`` and ``?:`` short-circuit (an error such as division by zero in an
unevaluated operand is not an error). Remaining identifiers are 0 (``true``/``false`` are 1/0 in
C++; C++'s ``and``/``or``/``not``… are operators). Operator precedence parsing with explicit
stacks, as gcc's ``_cpp_parse_expr``: no recursion, so nesting depth does not matter.

Where the C standard leaves a result undefined (shifting by a negative amount or by 64 or more)
gcc and clang differ; ``family`` picks which one to follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .tokens import CHR, ID, NUM, PUNCT, Token

BITS = 64
MASK = (1 << BITS) - 1
SMIN = -(1 << (BITS - 1))
SMAX = (1 << (BITS - 1)) - 1


class ExprError(ValueError):
    pass


@dataclass(frozen=True)
class ExprOptions:
    cplusplus: bool = True
    family: str = "gcc"
    char_unsigned: bool = False
    digit_separators: bool = True


Value = tuple[int, bool]  # (value, unsigned)

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
_SUFFIXES = frozenset({"", "u", "l", "ul", "lu", "ll", "ull", "llu", "z", "uz", "zu"})
_ESCAPES = {"n": 10, "t": 9, "v": 11, "b": 8, "r": 13, "f": 12, "a": 7, "\\": 92, "?": 63,
            "'": 39, '"': 34, "e": 27, "E": 27}
_CHAR_LIT = re.compile(r"(u8|u|U|L)?'(.*)'", re.S)


def _signed(x: int) -> int:
    x &= MASK
    return x - (1 << BITS) if x > SMAX else x


_NUMBERS: dict[tuple[str, bool], Value] = {}


def parse_number(text: str, opts: ExprOptions) -> Value:
    key = (text, opts.digit_separators)
    known = _NUMBERS.get(key)
    if known is None:
        known = _parse_number(text, opts)
        if len(_NUMBERS) < 65536:
            _NUMBERS[key] = known
    return known


class NumberError(ExprError):
    """A bad literal. gcc reports it and goes on with ``value``; clang gives up the expression
    unless ``clang_goes_on``."""

    def __init__(self, message: str, value: Value = (0, False), severity: str = "error",
                 clang_goes_on: bool = False) -> None:
        super().__init__(message)
        self.value = value
        self.severity = severity
        self.clang_goes_on = clang_goes_on


_NUMBER = re.compile(r"0[xX]([0-9a-fA-F']*)(.*)|0[bB]([01']*)(.*)|([0-9][0-9']*)(.*)", re.S)
_UD_SUFFIX = re.compile(r"[A-Za-z_]\w*")


def _parse_number(text: str, opts: ExprOptions) -> Value:
    lower = text.lower()
    hexa = lower.startswith("0x")
    if "." in text or ("p" in lower if hexa else re.match(r"[0-9']*e", lower)):
        raise NumberError("floating constant in preprocessor expression")
    m = _NUMBER.fullmatch(text)
    if m is None:
        raise NumberError(f'invalid integer constant "{text}" in #if')
    hexd, hexs, bind, bins, decd, decs = m.groups()
    digits, suffix = (hexd, hexs) if hexa else (bind, bins) if bind is not None else (decd, decs)
    base = 16 if hexa else 2 if bind is not None else 8 if decd.startswith("0") else 10
    if "'" in digits:
        if not opts.digit_separators or "''" in digits or digits.endswith("'") \
                or digits.startswith("'"):
            raise NumberError(f'invalid integer constant "{text}" in #if')
        digits = digits.replace("'", "")
    if not digits:
        raise NumberError(f'invalid suffix "{suffix}" on integer constant')
    if base == 8 and ("8" in digits or "9" in digits):
        raise NumberError(f'invalid digit in octal constant "{text}"')
    value = int(digits, base)
    unsigned = value > SMAX
    if suffix.lower() in _SUFFIXES and "lL" not in suffix and "Ll" not in suffix:
        unsigned = unsigned or "u" in suffix.lower()
    elif opts.cplusplus and _UD_SUFFIX.fullmatch(suffix):
        raise NumberError("user-defined literal in preprocessor expression",
                          (value & MASK, unsigned))
    else:
        raise NumberError(f'invalid suffix "{suffix}" on integer constant')
    if value > MASK:
        raise NumberError("integer constant is too large for its type", (value & MASK, True),
                          "warning" if opts.family == "gcc" else "error", clang_goes_on=True)
    return value, unsigned


def _literal(tok: Token, opts: ExprOptions, notes: list[tuple[str, str]]) -> Value:
    try:
        return parse_number(tok.text, opts) if tok.kind == NUM else parse_char(tok.text, opts)
    except NumberError as e:
        if opts.family == "clang" and not e.clang_goes_on:
            raise
        notes.append((e.severity, str(e)))
        return e.value


def parse_char(text: str, opts: ExprOptions) -> Value:
    m = _CHAR_LIT.fullmatch(text)
    if m is None:
        raise NumberError(f"invalid character constant {text}")
    prefix, body = m.group(1) or "", m.group(2)
    chars: list[int] = []
    raw = body.encode("utf-8", "surrogateescape")
    i = 0
    while i < len(raw):
        c = raw[i]
        if c != 0x5C:
            chars.append(c)
            i += 1
            continue
        i += 1
        e = chr(raw[i]) if i < len(raw) else ""
        if e in _ESCAPES:
            chars.append(_ESCAPES[e])
            i += 1
        elif e in "01234567" and e:
            j = i
            while j < len(raw) and j - i < 3 and chr(raw[j]) in "01234567":
                j += 1
            chars.append(int(raw[i:j], 8))
            i = j
        elif e == "x":
            j = i + 1
            while j < len(raw) and chr(raw[j]) in "0123456789abcdefABCDEF":
                j += 1
            chars.append(int(raw[i + 1:j] or b"0", 16))
            i = j
        elif e in ("u", "U"):
            n = 4 if e == "u" else 8
            code = int(raw[i + 1:i + 1 + n] or b"0", 16)
            i += 1 + n
            if prefix:
                chars.append(code)
            else:
                chars.extend(chr(code).encode("utf-8", "surrogatepass"))
        else:
            chars.append(raw[i] if i < len(raw) else 0)
            i += 1
    if not chars:
        raise NumberError("empty character constant")
    width = {"": 8, "u8": 8, "u": 16, "U": 32, "L": 32}[prefix]
    unsigned = opts.char_unsigned if prefix == "" else prefix != "L"
    if len(chars) == 1:
        value = chars[0] & ((1 << width) - 1)
        if not unsigned and value >> (width - 1):
            value -= 1 << width
        return value, unsigned
    if prefix:
        value = chars[-1] & ((1 << width) - 1)  # gcc keeps the last character
    else:
        value = 0
        for c in chars[-4:]:
            value = ((value << 8) | (c & 0xFF)) & 0xFFFFFFFF
        if value >> 31:
            value -= 1 << 32
    return value, False


class _Op:
    __slots__ = ("name", "prec", "skip", "unary")

    def __init__(self, name: str, prec: int, unary: bool = False) -> None:
        self.name = name
        self.prec = prec
        self.unary = unary
        self.skip = False


def evaluate(tokens: list[Token], opts: ExprOptions) -> tuple[int, list[tuple[str, str]]]:
    """The value of an ``#if`` expression and the (severity, message) diagnostics that did not
    stop it; raises ExprError for an error that makes the condition false."""
    notes: list[tuple[str, str]] = []
    n = len(tokens)
    if n == 1 and tokens[0].kind == NUM:  # the common shapes, without the operator stacks
        return _literal(tokens[0], opts, notes)[0], notes
    if n == 3 and tokens[0].kind == NUM and tokens[2].kind == NUM and tokens[1].kind == PUNCT \
            and tokens[1].text in _FAST:
        value = _binary(tokens[1].text, _literal(tokens[0], opts, notes),
                        _literal(tokens[2], opts, notes), False, opts, notes)
        return value[0], notes
    values: list[Value] = []
    ops: list[_Op] = []
    state = {"skip": 0}
    want_operand = True
    if not tokens:
        raise ExprError("#if with no expression")
    for tok in tokens:
        kind = tok.kind
        text = tok.text
        if kind == ID and opts.cplusplus and text in _NAMED:
            kind, text = PUNCT, _NAMED[text]
        if want_operand:
            if kind in (NUM, CHR):
                values.append(_literal(tok, opts, notes))
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
        if text == "?":
            _reduce_to(ops, values, prec + 1, state, opts, notes)
        elif text == ":":
            _reduce_to(ops, values, prec + 1, state, opts, notes)
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
        n = BITS - 1 if n < 0 or n >= BITS else n
        return (x >> n, unsigned)
    if n < 0:  # gcc shifts the other way
        left, n = not left, -n
    if left:
        if n >= BITS:
            return (0, unsigned)
        return ((x << n) & MASK, True) if unsigned else (_signed(x << n), False)
    if n >= BITS:
        return (-1 if (not unsigned and x < 0) else 0, unsigned)
    return (x >> n, unsigned)
