"""The directive scan of one file, as the compiler's phases 1-3 see it, cached per content.

Phases 1-3 in bytes, without tokenizing the file: a UTF-8 BOM is dropped, CRLF and lone CR end
lines like LF, backslash-newline splices (also with blanks between the backslash and the newline,
as gcc and clang accept) are removed, then a compiled regex walks the text from one comment,
string, character literal or line-initial ``#`` to the next. A directive is a logical line whose
first token is ``#`` (or ``%:``); a block comment before it or inside it (even over several lines)
counts as a space. Only directive lines are cut out and cleaned (comments → one space); code is
never tokenized. Offsets and line numbers are of the real file (physical lines).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from amalint.scan.memo import Held

from .tokens import LexOptions, Token, tokenize_shared

if TYPE_CHECKING:
    from .macros import Macro

BOM = b"\xef\xbb\xbf"
CONDITIONALS = frozenset({"if", "ifdef", "ifndef", "elif", "elifdef", "elifndef", "else", "endif"})
_NO_ELIFDEF = CONDITIONALS - {"elifdef", "elifndef"}
_OPENERS = frozenset({"if", "ifdef", "ifndef"})

# What phase 1-2 removes: the CR of a CRLF, and backslash-(blanks)-newline.
_SPLICES = re.compile(rb"\\[ \t\f\v]*\n")
_DELETIONS = re.compile(rb"\r(?=\n)|\\[ \t\f\v]*(?:\r\n|\r|\n)")
# The walk stops at comments, string and character literals (so that a '#' or '/*' inside one
# is not taken for a directive or a comment) and at '#' (a directive if only blanks come before
# it on its line). A run of lines that are only '//' comments is one stop.
_LINE_COMMENTS = rb"//[^\n]*(?:\n[ \t\f\v]*//[^\n]*)*"
# A directive's name and the rest of its line ("##" at the start of a line is no directive).
# '#' and '%:' are separate alternatives: a nested group would cost the regex its fast search.
_NAME_REST = rb"[ \t\f\v]*([A-Za-z_][A-Za-z0-9_]*|[0-9]+)?([^\n]*)"
_DIRECTIVE = rb"#(?!#)" + _NAME_REST + rb"|%:(?!%:)" + _NAME_REST
_MAIN = re.compile(rb"/\*|" + _LINE_COMMENTS + rb"|\"|'|" + _DIRECTIVE)
_MAIN_RAW = re.compile(rb"/\*|" + _LINE_COMMENTS + rb"|\"|'|R\"|" + _DIRECTIVE)
_LINE = re.compile(_DIRECTIVE)
_HEADER_NAME = re.compile(rb"[ \t\f\v]*<[^>\n]*>")
_INCLUDES = frozenset({b"include", b"include_next", b"import"})
_NAME_AFTER = re.compile(rb"[ \t\f\v]*([A-Za-z_][A-Za-z0-9_]*|[0-9]+)?")
_COMMENT = rb"/\*(?:[^*]|\*(?!/))*\*/"
_HASH_AFTER_COMMENT = re.compile(rb"(?:[ \t\f\v]|" + _COMMENT + rb")*(?=#|%:)")
_NAMES: dict[bytes, str] = {}
_STRING = re.compile(rb'"(?:[^"\\\n]|\\.)*"?', re.S)
_CHAR = re.compile(rb"'(?:[^'\\\n]|\\.)*'?", re.S)
_RAW = re.compile(rb'R"([^ ()\\\t\v\f\n"]{0,16})\(')
_BLANK = re.compile(rb"(?:\s+|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/|//[^\n]*)*")
# A directive line with a comment, string or character literal in it is cut piece by piece.
_PIECES = re.compile(
    rb"""(?P<hname>__has_include(?:_next)?[ \t\f\v]*\([ \t\f\v]*<[^>\n]*>)"""
    rb"""|(?P<plain>[^\n/"'0-9.A-Za-z_$\x80-\xff]+|[A-Za-z_$\x80-\xff][\w$\x80-\xff]*|\.)"""
    rb"""|(?P<num>\.?[0-9](?:[eEpP][+-]|'[0-9A-Za-z_]|[\w.$\x80-\xff])*)"""
    rb"""|(?P<block>/\*.*?(?:\*/|\Z))|(?P<line>//[^\n]*)|(?P<lit>"(?:[^"\\\n]|\\.)*"?"""
    rb"""|'(?:[^'\\\n]|\\.)*'?)|(?P<slash>/)|(?P<nl>\n)""",
    re.S,
)
_PIECES_NOSEP = re.compile(_PIECES.pattern.replace(rb"'[0-9A-Za-z_]|", b""), re.S)
_IDCHARS = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.'$")
_GUARD_IF = re.compile(r"\s*!\s*defined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))\s*")
_GUARD_IFNDEF = re.compile(r"\s*([A-Za-z_]\w*)\s*")


class Directive:
    """One directive line: ``start``/``end`` are byte offsets in the file of its first physical
    line's start and just past its last line's newline; ``line`` is its first physical line;
    ``rest`` is the text after the name, comments blanked and splices removed."""

    __slots__ = ("_raw", "_rest", "_tokens", "defined", "end", "idents", "line", "name",
                 "start")

    def __init__(self, start: int, end: int, line: int, name: str, raw: bytes) -> None:
        self.start = start
        self.end = end
        self.line = line
        self.name = name
        self._raw = raw
        self._rest: str | None = None
        self._tokens: list[Token] | None = None
        #: The engine's cache of the identifiers an ``#if`` tests.
        self.idents: list[str] | None = None
        #: The engine's cache of the macro a ``#define`` defines, with the path it was read as
        #: (a macro records where it was defined; one content may be read under two paths).
        self.defined: tuple[str, Macro] | None = None

    @property
    def rest(self) -> str:
        if self._rest is None:
            self._rest = self._raw.decode("utf-8", "surrogateescape")
        return self._rest

    def tokens(self, opts: LexOptions) -> list[Token]:
        """The tokens of ``rest`` (cached: a scan belongs to one set of lexing options)."""
        if self._tokens is None:
            self._tokens = tokenize_shared(self.rest, opts)
        return self._tokens

    def __repr__(self) -> str:
        return f"Directive(line {self.line}, #{self.name} {self.rest.strip()!r})"


class FileScan:
    """The directives of one file content, with the conditional structure precomputed:
    ``sibling[i]`` is the index of the next ``#elif``/``#else``/``#endif`` of the same group as
    conditional directive ``i`` (-1 when the group is unterminated)."""

    __slots__ = ("_line_starts", "data", "directives", "guard", "sibling")

    def __init__(self, data: bytes, directives: list[Directive], sibling: list[int],
                 guard: str | None) -> None:
        self.data = data
        self.directives = directives
        self.sibling = sibling
        self.guard = guard
        self._line_starts: list[int] | None = None

    def line_of(self, offset: int) -> int:
        """The physical line (1-based) of a byte offset."""
        if self._line_starts is None:
            self._line_starts = [m.end() for m in re.finditer(rb"\r\n|\r|\n", self.data)]
        return bisect.bisect_right(self._line_starts, offset) + 1


def _normalize(data: bytes) -> tuple[bytes, list[int], list[int]]:
    """Phases 1-2: the text with one LF per line end and no splices or BOM, and how to map its
    offsets back (deletion points in the new text and the bytes deleted up to each)."""
    points: list[int] = []
    totals: list[int] = []
    start = 3 if data.startswith(BOM) else 0
    has_cr = b"\r" in data
    deletions = _DELETIONS if has_cr else _SPLICES  # the latter is much faster
    if start == 0 and not has_cr and deletions.search(data) is None:
        return data, points, totals
    parts: list[bytes] = []
    deleted = start
    if start:
        points.append(0)
        totals.append(start)
    prev = start
    new_len = 0
    for m in deletions.finditer(data, start):
        parts.append(data[prev:m.start()])
        new_len += m.start() - prev
        deleted += m.end() - m.start()
        points.append(new_len)
        totals.append(deleted)
        prev = m.end()
    parts.append(data[prev:])
    norm = b"".join(parts)
    if b"\r" in norm:
        norm = norm.replace(b"\r", b"\n")
    return norm, points, totals


def _line_counter(data: bytes) -> Callable[[int, int], int]:
    if b"\r" not in data:
        return lambda a, b: data.count(b"\n", a, b)
    return lambda a, b: (data.count(b"\n", a, b) + data.count(b"\r", a, b)
                         - data.count(b"\r\n", a, b))


def _clean_directive(norm: bytes, p: int, seps: bool, header: bool = False) -> tuple[bytes, int]:
    """The text of a directive from ``p`` (after ``#``) with comments blanked, and where its
    logical line ends (the offset of its newline, or the end of the text). A header name
    (``<sub//x.h>`` of an ``#include``, with ``header``, or of ``__has_include``) holds no
    comment."""
    out: list[bytes] = []
    pieces = _PIECES if seps else _PIECES_NOSEP
    pos = p
    name = _HEADER_NAME.match(norm, pos) if header else None
    if name is not None:
        out.append(name.group())
        pos = name.end()
    n = len(norm)
    while pos < n:
        m = pieces.match(norm, pos)
        if m is None:  # cannot happen (every byte starts some piece); be safe anyway
            out.append(norm[pos:pos + 1])
            pos += 1
            continue
        kind = m.lastgroup
        if kind == "nl":
            return b"".join(out), m.start()
        if kind == "block" or kind == "line":
            out.append(b" ")
        else:
            out.append(m.group())
        pos = m.end()
    return b"".join(out), n


def _name_after_comment(rest: bytes) -> tuple[bytes | None, bytes]:
    """A directive's name and rest when a comment came between the ``#`` and the name
    (``#/* x */define``): the comment was one space."""
    m = _NAME_AFTER.match(rest)
    assert m is not None  # every part of the pattern is optional
    return m.group(1), rest[m.end():]


def _bol(norm: bytes, s: int) -> int:
    """The start of ``s``'s line if only blanks come before ``s`` on it, else -1."""
    ls = norm.rfind(b"\n", 0, s) + 1
    return ls if not norm[ls:s].strip(b" \t\f\v") else -1


def _raw_string_end(norm: bytes, s: int) -> int:
    """End of the raw string whose ``R`` is at ``s``, or -1 if this is not one."""
    j = s
    while j > 0 and norm[j - 1] in _IDCHARS and norm[j - 1] != 0x27:
        j -= 1
    if norm[j:s] not in (b"", b"u8", b"u", b"U", b"L"):
        return -1
    m = _RAW.match(norm, s)
    if m is None:
        return -1
    close = b")" + m.group(1) + b'"'
    e = norm.find(close, m.end())
    return len(norm) if e < 0 else e + len(close)


def _is_digit_separator(norm: bytes, s: int) -> bool:
    j = s
    while j > 0 and norm[j - 1] in _IDCHARS:
        j -= 1
    if j == s:
        return False
    first = norm[j]
    return 0x30 <= first <= 0x39 or (first == 0x2E and j + 1 < s and 0x30 <= norm[j + 1] <= 0x39)


def _scan(data: bytes, opts: LexOptions) -> FileScan:
    norm, points, totals = _normalize(data)
    seps = opts.digit_separators
    n = len(norm)
    found: Found = []
    line_match = _LINE.match

    def directive(line_start: int, m: re.Match[bytes]) -> int:
        e = m.end()
        g = 1 if m.start(2) >= 0 else 3
        name, rest = m.group(g, g + 1)
        if b"/*" in rest or b"//" in rest:
            rest, e = _clean_directive(norm, m.start(g + 1), seps, name in _INCLUDES)
            if not name:
                name, rest = _name_after_comment(rest)
        found.append((line_start, e + 1 if e < n else n, name or b"", rest))
        return e

    search = (_MAIN_RAW if opts.raw_strings else _MAIN).search
    append = found.append
    pos = 0
    while True:
        m = search(norm, pos)
        if m is None:
            break
        s = m.start()
        c = norm[s]
        if c == 0x23:  # '#': a directive if only blanks come before it on its line
            if s == 0 or norm[s - 1] == 0x0A:
                ls = s
            else:
                ls = norm.rfind(b"\n", 0, s) + 1
                if norm[ls:s].strip(b" \t\f\v"):
                    pos = s + 1
                    continue
            name, rest = m.group(1, 2)
            pos = m.end()
            if b"/*" in rest or b"//" in rest:
                rest, pos = _clean_directive(norm, m.start(2), seps, name in _INCLUDES)
                if not name:
                    name, rest = _name_after_comment(rest)
            append((ls, pos + 1 if pos < n else n, name or b"", rest))
        elif c == 0x25:  # '%:'
            ls = norm.rfind(b"\n", 0, s) + 1
            pos = directive(ls, m) if not norm[ls:s].strip(b" \t\f\v") else s + 1
        elif c == 0x2F:  # '/'
            if norm[s + 1] == 0x2A:
                e = norm.find(b"*/", s + 2)
                if e < 0:
                    break
                pos = e + 2
                h = _HASH_AFTER_COMMENT.match(norm, pos)
                if h is not None:
                    ls = _bol(norm, s)
                    d = line_match(norm, h.end()) if ls >= 0 else None
                    if d is not None:
                        pos = directive(ls, d)
            else:
                pos = m.end()
        elif c == 0x22:  # '"'
            lit = _STRING.match(norm, s)
            pos = lit.end() if lit else s + 1
        elif c == 0x27:  # "'"
            if seps and _is_digit_separator(norm, s):
                pos = s + 1
            else:
                lit = _CHAR.match(norm, s)
                pos = lit.end() if lit else s + 1
        else:  # 'R"'
            e = _raw_string_end(norm, s)
            if e < 0:
                lit = _STRING.match(norm, s + 1)
                pos = lit.end() if lit else s + 2
            else:
                pos = e
    return FileScan(data, *_directives(data, norm, points, totals, found, opts))


Found = list[tuple[int, int, bytes, bytes]]  # in the normalized text: line start, end, name, rest


def _directives(data: bytes, norm: bytes, points: list[int], totals: list[int], found: Found,
                opts: LexOptions) -> tuple[list[Directive], list[int], str | None]:
    n = len(norm)
    names = _NAMES
    directives: list[Directive] = []
    line = 1
    last = 0
    if not points and b"\r" not in data:  # the common case: offsets and lines as they are
        count = data.count
        for ls, end, raw, rest in found:
            line += count(b"\n", last, ls)
            last = ls
            name = names.get(raw)
            if name is None:
                name = names.setdefault(raw, raw.decode("ascii"))
            directives.append(Directive(ls, end, line, name, rest))
    else:  # map offsets back past the deletions, walking both sorted lists together
        count_lines = _line_counter(data)
        k = 0
        add = 0
        npoints = len(points)
        for ls, end, raw, rest in found:
            while k < npoints and points[k] <= ls:
                add = totals[k]
                k += 1
            start = ls + add
            line += count_lines(last, start)
            last = start
            while k < npoints and points[k] <= end:  # the next directive starts after `end`
                add = totals[k]
                k += 1
            name = names.get(raw)
            if name is None:
                name = names.setdefault(raw, raw.decode("ascii"))
            directives.append(Directive(start, end + add if end < n else len(data), line, name,
                                        rest))
    sibling = _siblings(directives, CONDITIONALS if opts.elifdef else _NO_ELIFDEF)
    return directives, sibling, _guard(norm, found, directives, sibling)


def _siblings(directives: list[Directive], conditionals: frozenset[str]) -> list[int]:
    sibling = [-1] * len(directives)
    stack: list[int] = []
    for i, d in enumerate(directives):
        name = d.name
        if name in _OPENERS:
            stack.append(i)
        elif name in conditionals and stack:
            sibling[stack[-1]] = i
            if name == "endif":
                stack.pop()
            else:
                stack[-1] = i
    return sibling


def _guard(norm: bytes, found: Found, directives: list[Directive],
           sibling: list[int]) -> str | None:
    """The include-guard macro if the whole file is ``#ifndef X`` (or ``#if !defined X``) …
    ``#endif`` with nothing but blanks and comments around it, as gcc and clang detect it."""
    if not directives:
        return None
    first = directives[0]
    if first.name == "ifndef":
        m = _GUARD_IFNDEF.fullmatch(first.rest)
        macro = m.group(1) if m else None
    elif first.name == "if":
        m = _GUARD_IF.fullmatch(first.rest)
        macro = (m.group(1) or m.group(2)) if m else None
    else:
        return None
    if macro is None or _BLANK.fullmatch(norm, 0, found[0][0]) is None:
        return None
    k = sibling[0]
    if k != len(directives) - 1 or directives[k].name != "endif":
        return None
    if _BLANK.fullmatch(norm, found[k][1]) is None:
        return None
    return macro


#: The scans of the most recently read texts, up to 64 MB of them (a count would let a
#: long-lived process, the language server, keep thousands of large files' scans).
_SCANS: Held[tuple[bytes, LexOptions], FileScan] = Held(64 << 20)


def scan(data: bytes, opts: LexOptions) -> FileScan:
    """The directive scan of a file's bytes (remembered per content and lexing options)."""
    found = _SCANS.get((data, opts))
    if found is None:
        found = _scan(data, opts)
        _SCANS.put((data, opts), found, len(data))
    return found
