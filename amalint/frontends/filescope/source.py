"""A file of the unit as the file-scope pass reads it: its tree, its text with comments and
literals blanked (for token scans), its include guard, and what has been found in it so far."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from tree_sitter import Node, Tree

from amalint.frontends.filescope import lexemes
from amalint.frontends.filescope.expansion import Expanded, scopes
from amalint.frontends.treesitter.syntax import SourceText
from amalint.model import Declaration, Location, Scope
from amalint.scan.directives import SPACES_BUT_NEWLINES, Directive, Lines
from amalint.scan.memo import by_content
from amalint.scan.sources import line_column, line_starts


# Comments and string/char literals (raw strings included), blanked for token scans.
def _literals(raw_group: int) -> bytes:
    return b"|".join((lexemes.LINE_COMMENT, lexemes.BLOCK_COMMENT,
                      lexemes.raw_string(raw_group), lexemes.STRING, lexemes.CHARACTER))


_LITERALS = re.compile(_literals(1), re.S)
# In a text with digit separators (C++14 ``1'000``), a number is kept (group 1): its ``'``
# opens no literal. (Only then: the extra alternative doubles the scan's time.)
_WORD_OR_DOT = lexemes.WORD | frozenset(b".")


def _has_separator(data: bytes) -> bool:
    """Whether ``data`` has a ``'`` that may be a digit separator: one between a character of
    a number that starts with a digit (not after ``$``, ``'`` or ``\\``) and a letter, digit
    or ``_``, as the regular expression ``(?<![\\w$.'\\\\])[0-9][\\w.]*'[0-9A-Za-z_]`` finds
    it; sought from each ``'`` back (that search tries every byte: 60 times slower on zstd)."""
    quote = data.find(b"'")
    while quote != -1:
        after = data[quote + 1] if quote + 1 < len(data) else 0
        if quote > 0 and data[quote - 1] in _WORD_OR_DOT and after in _WORD_OR_DOT \
                and after != ord("."):
            start = quote - 1
            while start > 0 and data[start - 1] in _WORD_OR_DOT:
                start -= 1
            if data[start] in lexemes.DIGITS and (start == 0 or data[start - 1] not in b"$'\\"):
                return True
        quote = data.find(b"'", quote + 1)
    return False


_LITERALS_SEPARATORS = re.compile(b"(" + lexemes.NUMBER + b")|" + _literals(2), re.S)
_SPACES = re.compile(r"\s+")
_PUNCT_SPACE = re.compile(r"\s*([*&,<>()\[\]])\s*")


def _blank_match(match: re.Match[bytes]) -> bytes:
    text = match.group(0)
    return text.translate(SPACES_BUT_NEWLINES)


def _blank_but_numbers(match: re.Match[bytes]) -> bytes:
    return match.group(0) if match.group(1) else _blank_match(match)


@by_content(32 << 20)
def blank(data: bytes) -> bytes:
    """``data`` with comments and literals replaced by spaces (offsets and lines kept).
    Remembered: the file-scope pass blanks the same text several times (a read's code, its
    expansion when no macro changed it, the macro events' scan)."""
    if not _has_separator(data):
        return _LITERALS.sub(_blank_match, data)
    return _LITERALS_SEPARATORS.sub(_blank_but_numbers, data)


_WORD = re.compile(rb"\b[A-Za-z_]\w*")


@by_content(32 << 20)
def identifiers(blanked: bytes) -> frozenset[str]:
    """The identifiers of ``blanked`` (a text whose comments and literals are blanked).
    Remembered: a read's code and its expansion are often the same text, and the macro events,
    the uses and AM206's references each ask."""
    return frozenset(w.decode() for w in set(_WORD.findall(blanked)))


def words(data: bytes) -> frozenset[str]:
    """The identifiers of ``data`` (comments and literals blanked first)."""
    return identifiers(blank(data))


def normalize(text: str) -> str:
    return _PUNCT_SPACE.sub(r"\1", _SPACES.sub(" ", text).strip())


@dataclass
class FileText(SourceText):
    """One file being extracted: its source, tree, and what has been found so far."""

    tree: Tree
    guard: str | None
    #: The bytes with comments and literals blanked (same offsets).
    blanked: bytes
    declarations: list[Declaration] = field(default_factory=list)
    directives: list[tuple[Scope, tuple[str, ...], Node]] = field(default_factory=list)
    #: The member names its class bodies declare, and where.
    members: list[tuple[str, Location]] = field(default_factory=list)
    #: Macro names the text still holds unexpanded (no preprocessor ran).
    unexpanded: frozenset[str] | set[str] = frozenset()
    #: The file-scope code with its macros expanded, when the preprocessor ran: then the tree
    #: is of its text, and offsets map back through it.
    expanded: Expanded | None = None
    #: The compiler read none of the file's guarded code: its guard macro was defined before
    #: it was first entered (a neighbour's doing), so what it declares is unknown.
    unread: bool = False

    @property
    def parsed(self) -> bytes:
        return self.expanded.text if self.expanded is not None else self.source.text

    def original(self, offset: int) -> int:
        """The file's own offset of ``offset`` of the parsed text."""
        return self.expanded.original(offset) if self.expanded is not None else offset

    def location(self, node: Node) -> Location:
        if self.expanded is None:
            return super().location(node)
        return self.point(self.original(node.start_byte))

    def end_location(self, node: Node) -> Location:
        if self.expanded is None:
            return super().end_location(node)
        return self.point(self.original(node.end_byte))

    @cached_property
    def braces(self) -> list[tuple[int, int]]:
        """The ranges of the parsed text that are not file scope: function, class, enum and
        initializer bodies (:func:`~.expansion.scopes`)."""
        return scopes(self.blanked)

    @cached_property
    def kinds(self) -> list[str]:
        return Lines.of(self.source.data).kinds()

    @cached_property
    def starts(self) -> list[int]:
        """Byte offset of each line."""
        return line_starts(self.source.data)

    def line_index(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def point(self, offset: int) -> Location:
        return Location(self.source.path, *line_column(self.source.data, self.starts, offset))

    def position(self, offset: int) -> tuple[int, ...]:
        """The unit position of ``offset`` of the parsed text."""
        return (*self.source.prefix, self.original(offset))

    def macro_at(self, offset: int, name: str) -> str:
        """The macro whose expansion wrote ``name`` at ``offset`` of the parsed text (``""``:
        the file did). In unexpanded text that is ``name`` itself when it is a macro: the real
        name is unknown."""
        if name in self.unexpanded:
            return name
        return self.expanded.macro(offset) if self.expanded is not None else ""


def include_guard(blanked: bytes, directives: Sequence[Directive]) -> str | None:
    """The include guard of a file (``blanked``: its bytes without comments and literals):
    ``#pragma once``, or the macro of ``#ifndef G`` (or ``#if !defined(G)``) and ``#define G``
    opening it and a matching ``#endif`` closing it, with no code outside."""
    if any(d.name == "pragma" and d.rest.split() == ["once"] for d in directives):
        return "#pragma once"
    if len(directives) < 3:
        return None
    first, second = directives[0], directives[1]
    if first.name == "ifndef":
        name = first.rest.split()[0] if first.rest.split() else ""
    elif first.name == "if":
        m = re.fullmatch(r"!\s*defined\s*\(?\s*([A-Za-z_]\w*)\s*\)?", first.rest.strip())
        name = m.group(1) if m else ""
    else:
        return None
    if not name or second.name != "define" or second.rest.split()[:1] != [name]:
        return None
    depth = 0
    for index, directive in enumerate(directives):
        if directive.name in ("if", "ifdef", "ifndef"):
            depth += 1
        elif directive.name == "endif":
            depth -= 1
            if depth == 0 and index != len(directives) - 1:
                return None
    last_end = blanked.find(b"\n", directives[-1].start_byte)
    outside = blanked[: first.start_byte] + (blanked[last_end:] if last_end >= 0 else b"")
    return name if not outside.strip() else None

