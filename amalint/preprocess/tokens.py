"""Preprocessing tokens: the token type, lexing options and a tokenizer for one logical line.

Tokens carry their spelling, whether whitespace came before them (that is all the compiler keeps
of spacing: it decides ``#`` stringizing and whether two definitions are identical) and a *hide
set*: the macros that may not expand this token again (Prosser's algorithm).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ID, NUM, CHR, STR, PUNCT, OTHER, PLACEMARKER, PASTE = range(8)
KIND_NAMES = ("identifier", "number", "char", "string", "punctuator", "other", "placemarker",
              "paste")

EMPTY: frozenset[str] = frozenset()


class Token:
    """One preprocessing token. Treat as immutable: expansion makes new tokens."""

    __slots__ = ("hide", "kind", "space", "text")

    def __init__(self, kind: int, text: str, space: bool = False,
                 hide: frozenset[str] = EMPTY) -> None:
        self.kind = kind
        self.text = text
        self.space = space
        self.hide = hide

    def __repr__(self) -> str:
        return f"Token({KIND_NAMES[self.kind]}, {self.text!r}{', space' if self.space else ''})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Token) and self.kind == other.kind
                and self.text == other.text and self.space == other.space)

    def __hash__(self) -> int:
        return hash((self.kind, self.text, self.space))


@dataclass(frozen=True)
class LexOptions:
    """What the language standard changes in lexing."""

    #: C++14 / C2x ``1'000'000``.
    digit_separators: bool = True
    #: C++11 (and GNU C) ``R"delim(...)delim"``.
    raw_strings: bool = True
    #: C++: ``"x"_suffix`` is one token.
    ud_suffix: bool = True
    #: ``#elifdef``/``#elifndef`` are directives (C2x, C++23 and GNU modes in gcc 12, every mode
    #: in clang; elsewhere gcc takes them for unknown directives).
    elifdef: bool = True
    #: clang: ``__VA_OPT__`` is an operator in every function-like macro, variadic or not (with
    #: no variable arguments there it expands to nothing); gcc: in variadic macros only.
    va_opt_everywhere: bool = False

    def __hash__(self) -> int:  # a cache key of every scan and token list: keep it cheap
        return (self.va_opt_everywhere * 16 + self.digit_separators * 8 + self.raw_strings * 4
                + self.ud_suffix * 2 + self.elifdef)


#: Identifier characters: ASCII letters, digits (not first), ``_``, ``$`` and any non-ASCII.
ID_START = r"[^\x00-\x23\x25-\x40\x5b-\x5e\x60\x7b-\x7f]"
ID_CHAR = r"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
IDENTIFIER = ID_START + ID_CHAR + "*"
_PUNCTS = sorted(
    ["%:%:", "...", "<<=", ">>=", "->*", "##", "%:", "<:", ":>", "<%", "%>", "::", ".*", "->",
     "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=", "/=", "%=", "+=", "-=",
     "&=", "^=", "|=", "#", "[", "]", "{", "}", "(", ")", ".", "&", "*", "+", "-", "~", "!", "/",
     "%", "<", ">", "^", "|", "?", ":", ";", "=", ","],
    key=len, reverse=True)


def _token_regex(opts: LexOptions) -> re.Pattern[str]:
    num = r"\.?[0-9](?:[eEpP][+-]|" + (r"'[0-9A-Za-z_]|" if opts.digit_separators else "") + \
        r"[^\x00-\x23\x25-\x2d\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f])*"
    suffix = f"(?:{ID_START}{ID_CHAR}*)?" if opts.ud_suffix else ""
    raw = (r'(?P<raw>(?:u8|u|U|L)?R"(?P<delim>[^ ()\\\t\v\f\n"]{0,16})\((?:.|\n)*?\)(?P=delim)"'
           + suffix + ")|") if opts.raw_strings else ""
    return re.compile(
        r"(?P<ws>[ \t\f\v\r\n]+)|" + raw
        + r"""(?P<str>(?:u8|u|U|L)?"(?:[^"\\\n]|\\.)*\"""" + suffix + ")"
        + r"|(?P<chr>(?:u8|u|U|L)?'(?:[^'\\\n]|\\.)*'" + suffix + ")"
        + f"|(?P<id>{ID_START}{ID_CHAR}*)"
        + f"|(?P<num>{num})"
        + "|(?P<punct>" + "|".join(re.escape(p) for p in _PUNCTS) + ")"
        # An unterminated literal runs to the end of the line as one token (gcc and clang).
        + r"""|(?P<other>["'](?:[^\\\n]|\\.)*|.)""",
        re.S,
    )


_KINDS = {"str": STR, "raw": STR, "chr": CHR, "id": ID, "num": NUM, "punct": PUNCT,
          "other": OTHER}
_REGEX_CACHE: dict[LexOptions, re.Pattern[str]] = {}


def token_regex(opts: LexOptions) -> re.Pattern[str]:
    regex = _REGEX_CACHE.get(opts)
    if regex is None:
        regex = _REGEX_CACHE[opts] = _token_regex(opts)
    return regex


def tokenize(text: str, opts: LexOptions = LexOptions()) -> list[Token]:
    """The pp-tokens of ``text`` (comments already replaced by spaces, splices removed).

    The first token's ``space`` says whether ``text`` starts with whitespace."""
    out: list[Token] = []
    space = False
    kinds = _KINDS
    for m in token_regex(opts).finditer(text):
        group = m.lastgroup
        if group == "ws":
            space = True
            continue
        if group == "delim":  # the raw-string alternative's inner group
            group = "raw"
        out.append(Token(kinds[group or "other"], m.group(), space))
        space = False
    return out


_SHARED: dict[tuple[str, LexOptions], list[Token]] = {}


def tokenize_shared(text: str, opts: LexOptions) -> list[Token]:
    """``tokenize``, memoized by text: the same directive text in many headers (``#if
    __cplusplus >= 201103L``) is tokenized once. The list is shared: never change it."""
    key = (text, opts)
    tokens = _SHARED.get(key)
    if tokens is None:
        tokens = tokenize(text, opts)
        if len(_SHARED) < 200_000:
            _SHARED[key] = tokens
    return tokens


def spell(tokens: list[Token]) -> str:
    """The tokens' text with one space where whitespace was (the first token's is dropped)."""
    parts: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.kind == PLACEMARKER:
            continue
        if i and tok.space and parts:
            parts.append(" ")
        parts.append(tok.text)
    return "".join(parts)


def single_token(text: str, opts: LexOptions) -> Token | None:
    """``text`` as one token, or None if it is not exactly one valid pp-token (for ``##``)."""
    m = token_regex(opts).fullmatch(text)
    if m is None:
        return None
    group = m.lastgroup
    if group in (None, "ws", "other"):
        return None
    if group == "delim":
        group = "raw"
    return Token(_KINDS[group], text)
