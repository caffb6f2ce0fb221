"""Literals in ``#if`` as the compiler reads them: integer constants (bases, suffixes, digit
separators, user-defined literals in C++) and character constants, in intmax_t / uintmax_t.

A bad literal is an error for both compilers, but gcc goes on with a value (0, or the digits of a
user-defined literal) where clang gives up the expression: ``NumberError`` carries both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .tokens import NUM, Token

BITS = 64
MASK = (1 << BITS) - 1
SMIN = -(1 << (BITS - 1))
SMAX = (1 << (BITS - 1)) - 1
_SUFFIXES = frozenset({"", "u", "l", "ul", "lu", "ll", "ull", "llu", "z", "uz", "zu"})
_ESCAPES = {"n": 10, "t": 9, "v": 11, "b": 8, "r": 13, "f": 12, "a": 7, "\\": 92, "?": 63,
            "'": 39, '"': 34, "e": 27, "E": 27}
_CHAR_LIT = re.compile(r"(u8|u|U|L)?'(.*)'", re.S)


class ExprError(ValueError):
    """An error that ends the expression; ``index`` is the token it was found at."""

    index = -1


@dataclass(frozen=True)
class ExprOptions:
    cplusplus: bool = True
    family: str = "gcc"
    char_unsigned: bool = False
    digit_separators: bool = True


Value = tuple[int, bool]  # (value, unsigned)


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
_DECIMAL_FLOAT = re.compile(r"[0-9']*e")


def is_decimal(text: str) -> bool:
    """True if ``text`` is one or more ASCII decimal digits (``str.isdigit`` is also true of
    ``'²'``, which ``int`` rejects, and ``int`` takes other scripts' digits, as no compiler
    does)."""
    return text.isascii() and text.isdigit()


def decimal(text: str, cap: int = MASK) -> int | None:
    """The value of ASCII decimal digits ``text``, ``cap + 1`` if it is larger than ``cap``
    (however many digits: Python's ``int`` refuses strings of more than 4300), None if ``text``
    is not digits."""
    if not is_decimal(text):
        return None
    significant = text.lstrip("0")
    if len(significant) > len(str(cap)):
        return cap + 1
    return min(int(significant or "0"), cap + 1)


def _digits_value(digits: str, base: int) -> int:
    """The value of ``digits`` in ``base``; past 64 bits, the low 64 bits with bit 64 set (the
    constant is too large either way, and ``int`` refuses decimal strings of over 4300
    digits)."""
    if base != 10 or len(digits) <= 1000:
        value = int(digits, base)
        return value if value <= MASK else (value & MASK) | (MASK + 1)
    value = 0
    for k in range(0, len(digits), 1000):
        chunk = digits[k:k + 1000]
        value = value * 10 ** len(chunk) + int(chunk)
        if value > MASK:
            value = (value & MASK) | (MASK + 1)
    return value


def _parse_number(text: str, opts: ExprOptions) -> Value:
    lower = text.lower()
    hexa = lower.startswith("0x")
    if "." in text or ("p" in lower if hexa else _DECIMAL_FLOAT.match(lower)):
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
    value = _digits_value(digits, base)
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


def literal(tok: Token, opts: ExprOptions, notes: list[tuple[str, str]]) -> Value:
    try:
        return parse_number(tok.text, opts) if tok.kind == NUM else parse_char(tok.text, opts)
    except NumberError as e:
        if opts.family == "clang" and not e.clang_goes_on:
            raise
        notes.append((e.severity, str(e)))
        return e.value


def _universal(e: str, digits: bytes) -> int:
    """The code point of ``\\u``/``\\U`` and the 4 or 8 bytes after it (both compilers reject
    fewer hex digits, a surrogate or a value past U+10FFFF)."""
    n = 4 if e == "u" else 8
    spelled = digits.decode("ascii", "replace")
    if len(digits) < n or not all(chr(b) in "0123456789abcdefABCDEF" for b in digits):
        raise NumberError(f"incomplete universal character name \\{e}")
    code = int(digits, 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise NumberError(f"\\{e}{spelled} is not a valid universal character")
    return code


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
            code = _universal(e, raw[i + 1:i + 1 + n])
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
