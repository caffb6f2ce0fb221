"""The comments, literals and numbers of C/C++ text as regular-expression pieces, for the two
lexical scans of the file-scope pass: blanking comments and literals
(:func:`amalint.frontends.filescope.source.blank`) and taking comments out of a macro
invocation's text (:mod:`amalint.frontends.filescope.expansion`). One spelling of each, so the
two scans agree on where a comment or a literal ends. Also the bytes of names and digits, for
the scans that read text back from a position (a digit separator's number, the token before a
macro use)."""

from __future__ import annotations

#: The bytes of a name: ``\w`` of a bytes pattern.
WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
#: The decimal digits (no name starts with one).
DIGITS = frozenset(b"0123456789")
#: A ``//`` comment, continued over spliced lines.
LINE_COMMENT = rb"//(?:\\\r?\n|[^\n])*"
#: A ``/* */`` comment (unterminated: to the end).
BLOCK_COMMENT = rb"/\*.*?(?:\*/|\Z)"
#: A string literal (unterminated: to the end of the line) and a character literal.
STRING = rb'"(?:\\.|[^"\\\n])*"?'
CHARACTER = rb"'(?:\\.|[^'\\\n])*'?"
#: A number, with C++14 digit separators (``1'000``: its ``'`` opens no character literal).
NUMBER = rb"(?<![\w$])\.?[0-9](?:[eEpP][+-]|'[0-9A-Za-z_]|[\w.])*"


def raw_string(group: int) -> bytes:
    """A raw string literal ``R"d(...)d"``, its delimiter captured as group ``group`` of the
    whole expression."""
    return rb'R"([^(\s]{0,16})\(.*?\)\%d"' % group
