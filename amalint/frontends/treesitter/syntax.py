"""tree-sitter helpers shared by the declaration pass, the body walker and the file-scope pass:
the C++ grammar, qualified-name splitting, declarator walks, literals, and node text and
locations in a file of the unit."""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import tree_sitter_cpp
from tree_sitter import Language, Node, Parser, Point, Tree

from amalint.model import Location
from amalint.scan.memo import by_content
from amalint.scan.sources import line_starts
from amalint.scan.unit import SourceFile

LANGUAGE = Language(tree_sitter_cpp.language())
#: Class-like specifiers (``enum_specifier`` is separate: it has no members to walk).
CLASSES = ("class_specifier", "struct_specifier", "union_specifier")
#: Preprocessor conditionals tree-sitter keeps in the tree.
CONDITIONALS = ("preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef")
#: Nodes that name what a declarator declares.
NAMES = ("identifier", "field_identifier", "qualified_identifier", "destructor_name",
         "operator_name", "type_identifier", "template_function")

#: A qualified name, one component per element: ``a::b::c`` is ``("a", "b", "c")``.
QName = tuple[str, ...]


def parser() -> Parser:
    return Parser(LANGUAGE)


#: The parser :func:`parse` and :func:`reparse` use.
_PARSER = Parser(LANGUAGE)


@by_content(64 << 20)
def parse(text: bytes) -> Tree:
    """tree-sitter's parse of ``text``, remembered while one unit is built (the front end
    and the file-scope pass parse most files' texts alike, AM206's passes parse sources
    again) and forgotten once its model is (:func:`forget_parses`): a tree takes about 45
    times the memory of its text. Trees are never edited (:func:`reparse` edits a copy), so
    one serves every caller."""
    return _PARSER.parse(text)


def parse_edited(old: bytes, new: bytes, edits: Sequence[tuple[int, int, int, int]]) -> Tree:
    """The parse of ``new``, which is ``old`` with each ``(start, end, new_start, new_end)``
    of ``edits`` (in order, not overlapping) replacing ``old[start:end]`` by
    ``new[new_start:new_end]``: re-parsed from ``old``'s remembered tree where there is one
    (:func:`reparse`). Where the result has a syntax error, ``new`` is parsed afresh instead:
    the two parses may recover from an error differently. ``old``'s tree may have errors (a
    macro invocation tree-sitter cannot read, which the expansion replaced) if each is near an
    edit (:data:`REACH`): tree-sitter does not reuse an error node, and a result without one
    was the fresh parse's, node for node, on every such read measured (zstd 45, curl 64,
    leveldb 25, TVM 23; ``tests/test_cold_speed.py`` holds small texts to it)."""
    tree = parse.known(new)
    if tree is not None:
        return tree
    base = parse.known(old)
    if base is None or not edits or _error_far(base, edits):
        return parse(new)
    tree = reparse(base, old, new, edits)
    if tree.root_node.has_error:
        return parse(new)
    parse.remember(new, tree)
    return tree


#: How near (in bytes) an edit must come to each error of the old tree for a re-parse to be
#: tried: an error farther from every edit most often stays, and then the re-parse is wasted
#: (measured on zstd, curl, leveldb and TVM: see :func:`parse_edited`).
REACH = 64


def _error_far(tree: Tree, edits: Sequence[tuple[int, int, int, int]]) -> bool:
    """Whether ``tree`` has an error (or a missing node) farther than :data:`REACH` bytes from
    every edit's span of the old text."""
    spans = sorted((start - REACH, end + REACH) for start, end, _, _ in edits)
    starts = [start for start, _ in spans]
    ends = list(itertools.accumulate((end for _, end in spans), max))
    todo = [tree.root_node]
    while todo:
        node = todo.pop()
        if node.is_error or node.is_missing:
            # the last span starting at or before the node's end: does one reach its start?
            last = bisect_right(starts, node.end_byte) - 1
            if last < 0 or ends[last] < node.start_byte:
                return True
            continue
        todo.extend(child for child in node.children if child.has_error)
    return False


def reparse(base: Tree, old: bytes, new: bytes,
            edits: Sequence[tuple[int, int, int, int]]) -> Tree:
    """tree-sitter's incremental parse of ``new`` from ``base``, the tree of ``old`` (see
    :func:`parse_edited`): what no edit touched is reused (the file-scope pass's expansions
    change a few spans outside function bodies), so it costs a fraction of a parse."""
    starts = line_starts(old)

    def point(offset: int) -> Point:
        row = bisect_right(starts, offset) - 1
        found: Point = Point(row, offset - starts[row])
        return found

    edited = base.copy()
    for start, end, new_start, new_end in reversed(edits):  # later first: earlier offsets hold
        at = point(start)
        inserted = new[new_start:new_end]
        lines = inserted.count(b"\n")
        last = len(inserted) - inserted.rfind(b"\n") - 1 if lines else at.column + len(inserted)
        edited.edit(start_byte=start, old_end_byte=end, new_end_byte=start + len(inserted),
                    start_point=at, old_end_point=point(end),
                    new_end_point=Point(at.row + lines, last))
    tree: Tree = _PARSER.parse(new, edited)
    return tree


def forget_parses() -> None:
    """Free the trees :func:`parse` remembers (a unit is built), unless :func:`parses_kept`."""
    if not _KEPT:
        parse.forget()


_KEPT: list[None] = []


@contextmanager
def parses_kept() -> Iterator[None]:
    """Within this, the trees :func:`parse` remembers are kept until it ends: a lint's trial
    builds (AM205's, the unit with one more ``#include``) read the same texts again."""
    _KEPT.append(None)
    try:
        yield
    finally:
        _KEPT.pop()
        forget_parses()


def strip_templates(text: str) -> str:
    """``text`` without template argument lists (nested ones too)."""
    if "<" not in text:
        return text
    out, depth = [], 0
    for ch in text:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def split(text: str) -> QName:
    """``::a::b<T>::c`` → ``("a", "b", "c")``."""
    clean = strip_templates(text).replace(" ", "").replace("\n", "")
    return tuple(part for part in clean.split("::") if part)


def inner_declarator(node: Node) -> Node | None:
    """The declarator a pointer/reference/init declarator wraps (``&f()`` → ``f()``)."""
    inner = node.child_by_field_name("declarator")
    if inner is None and node.type == "reference_declarator" and node.named_children:
        inner = node.named_children[-1]
    return inner


def find_declarator(node: Node | None, types: tuple[str, ...]) -> Node | None:
    """The first node of one of ``types`` down a chain of declarators (``*&f()`` → ``f()``)."""
    while node is not None:
        if node.type in types:
            return node
        node = inner_declarator(node)
    return None


def declarator_name(node: Node | None) -> Node | None:
    """The name node inside a (possibly nested) declarator."""
    return find_declarator(node, NAMES)


def function_declarator(node: Node | None) -> Node | None:
    return find_declarator(node, ("function_declarator",))


@dataclass
class SourceText:
    """A file of the unit as a tree-sitter front end sees it: node text and locations."""

    source: SourceFile
    #: The file's bytes split at ``\\n``.
    lines: list[bytes]

    @property
    def parsed(self) -> bytes:
        """The text the tree was parsed from: what the compiler compiles of the file (inactive
        and directive lines blanked, when the preprocessor ran), same offsets as the file."""
        return self.source.text

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.parsed[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def _point(self, row: int, col: int) -> Location:
        line = self.lines[row] if row < len(self.lines) else b""
        return Location(self.source.path, row + 1, len(line[:col].decode("utf-8", "replace")) + 1)

    def location(self, node: Node) -> Location:
        return self._point(*node.start_point)

    def end_location(self, node: Node) -> Location:
        return self._point(*node.end_point)

    def specifiers(self, node: Node, kinds: tuple[str, ...] = ("storage_class_specifier",)
                   ) -> set[str]:
        """The text of ``node``'s children of ``kinds`` (``static``, ``extern``, ...)."""
        return {self.text(c) for c in node.children if c.type in kinds}


def is_pointer(declarator: Node) -> bool:
    inner = declarator.child_by_field_name("declarator") if declarator.type == \
        "init_declarator" else declarator
    return inner is not None and inner.type in ("pointer_declarator", "reference_declarator",
                                                "array_declarator", "function_declarator")


def first_error(node: Node) -> Node | None:
    """The first ``ERROR`` or missing node under ``node``, in text order (iteratively: the
    trees of deeply nested code are deep)."""
    todo = [node]
    while todo:
        current = todo.pop()
        if current.type == "ERROR" or current.is_missing:
            return current
        todo.extend(reversed([c for c in current.children if c.has_error]))
    return None


def string_value(node: Node, file: SourceText) -> str | None:
    if node.type == "string_literal":
        parts = [file.text(c) for c in node.named_children if c.type in ("string_content",
                                                                         "escape_sequence")]
        return "".join(parts)
    if node.type == "concatenated_string":
        pieces = [string_value(c, file) for c in node.named_children]
        if all(p is not None for p in pieces):
            return "".join(p for p in pieces if p is not None)
    if node.type == "raw_string_literal":
        content = node.child_by_field_name("content") or next(
            (c for c in node.named_children if c.type == "raw_string_content"), None)
        return file.text(content) if content is not None else None
    return None
