"""The file-scope code of one inclusion with its macros expanded, as the compiler sees it.

The file-scope facts are about declarations at namespace scope, and macros write some of them:
a storage class (``#define local static``, ``#define MEM_STATIC static inline``), a name
(``PLUGIN_INIT(alpha)`` making ``plugin_init_alpha``), an ``extern "C"`` opened under
``#ifdef __cplusplus``. So every macro invocation *outside function bodies* is replaced by its
expansion, with the macros in force at that point of the unit; function bodies are left as they
are (they hold no namespace-scope declarations, and skipping them keeps this cheap). Bodies are
found lexically: a ``{`` that follows a ``)`` (or ``const``, ``noexcept``, ``override``...)
opens one.

The result keeps a map back to the file's own offsets: copied text keeps its offsets shifted,
and everything an expansion wrote maps to the invocation's start (and says which macro wrote
it).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from amalint import preprocess
from amalint.frontends.filescope import lexemes
from amalint.preprocess.tokens import ID, Token

_WORD = re.compile(rb"[A-Za-z_]\w*")
#: Comments (group 1), spliced lines, and the literals and numbers (C++14 ``1'000``) that may
#: hold comment-like or quote-like text, in an invocation's text.
_COMMENTS = re.compile(
    b"(" + lexemes.LINE_COMMENT + b"|" + lexemes.BLOCK_COMMENT + rb")|(\\\r?\n)|"
    + b"|".join((lexemes.raw_string(3), lexemes.STRING, lexemes.NUMBER, lexemes.CHARACTER)),
    re.S,
)
#: How many times an expansion ending in a function-like macro's name may take the argument
#: list that follows it (``#define G DECL`` then ``G(n, 1)``).
_MAX_TAKES = 64
_BRACE = re.compile(rb"[{}]")
_BODY_AFTER = (b"const", b"noexcept", b"override", b"final", b"mutable", b"try")


@dataclass
class Expanded:
    """Expanded text and the map back: segment ``k`` starts at ``starts[k]`` of the text and
    at ``origins[k]`` of the file; ``macros[k]`` is the macro that wrote it (``""``: copied)."""

    text: bytes
    starts: list[int] = field(default_factory=lambda: [0])
    origins: list[int] = field(default_factory=lambda: [0])
    macros: list[str] = field(default_factory=lambda: [""])
    #: What stopped an expansion (a token limit): (file offset of the invocation, message).
    errors: list[tuple[int, str]] = field(default_factory=list)

    def original(self, offset: int) -> int:
        """The file offset of ``offset`` of the text."""
        k = bisect.bisect_right(self.starts, offset) - 1
        if self.macros[k]:
            return self.origins[k]
        return self.origins[k] + offset - self.starts[k]

    def at(self, original: int) -> int:
        """The offset of the text that the file's offset ``original`` became (the start of an
        expansion, for an offset inside an invocation)."""
        k = bisect.bisect_right(self.origins, original) - 1
        if self.macros[k]:
            return self.starts[k]
        return self.starts[k] + original - self.origins[k]

    def edits(self) -> list[tuple[int, int, int, int]]:
        """Each expansion as an edit of the file's text: (start, end) of the invocation in
        the file, (start, end) of what replaced it in :attr:`text`."""
        return [(self.origins[k], self.origins[k + 1], self.starts[k], self.starts[k + 1])
                for k, macro in enumerate(self.macros) if macro]

    def macro(self, offset: int) -> str:
        """The macro whose expansion wrote ``offset`` of the text (``""``: the file did)."""
        return self.macros[bisect.bisect_right(self.starts, offset) - 1]


def bodies(blanked: bytes) -> list[tuple[int, int]]:
    """The byte ranges of function bodies (``{`` to ``}``), found lexically."""
    out: list[tuple[int, int]] = []
    depth_in_body = 0
    start = 0
    for m in _BRACE.finditer(blanked):
        if m.group(0) == b"{":
            if depth_in_body:
                depth_in_body += 1
                continue
            before = blanked[max(0, m.start() - 64): m.start()].rstrip()
            if before.endswith(b")") or before.endswith(_BODY_AFTER):
                depth_in_body, start = 1, m.start()
        elif depth_in_body:
            depth_in_body -= 1
            if not depth_in_body:
                out.append((start, m.end()))
    if depth_in_body:
        out.append((start, len(blanked)))
    return out


#: What opens a brace block whose inside is still file scope: a namespace's body or a linkage
#: specification's (``extern "C" {``, its string blanked).
_TRANSPARENT = re.compile(
    rb"(?:\bnamespace(?:\s+[A-Za-z_][\w:\s]*)?(?:\s*\[\[.*?\]\])?(?:\s*__attribute__"
    rb"\s*\(\(.*?\)\))?|\bextern)\s*\Z", re.S)


def scopes(blanked: bytes) -> list[tuple[int, int]]:
    """The byte ranges of the outermost brace blocks that are *not* file scope: function,
    class, enum and initializer bodies (a namespace's or ``extern "C"``'s body is file scope;
    the blocks inside it count). A block still open at the end of the text is left out: its
    ``}`` is beyond what this text shows (a macro, another file), so nothing is assumed."""
    out: list[tuple[int, int]] = []
    #: For each open ``{``: whether its inside is file scope.
    stack: list[bool] = []
    start = 0
    for m in _BRACE.finditer(blanked):
        if m.group(0) == b"{":
            if all(stack):
                transparent = _TRANSPARENT.search(
                    blanked, max(0, m.start() - 160), m.start()) is not None
                if not transparent:
                    start = m.start()
                stack.append(transparent)
            else:
                stack.append(False)
        elif stack:
            transparent = stack.pop()
            if not transparent and all(stack):
                out.append((start, m.end()))
    return out


def _call_end(blanked: bytes, after: int) -> int | None:
    """The end of a function-like macro's argument list starting at or after ``after`` (only
    whitespace between), or ``None`` if no ``(`` follows."""
    index = after
    while index < len(blanked) and blanked[index] in b" \t\r\n":
        index += 1
    if index >= len(blanked) or blanked[index:index + 1] != b"(":
        return None
    depth = 0
    for i in range(index, len(blanked)):
        char = blanked[i]
        if char == 0x28:
            depth += 1
        elif char == 0x29:
            depth -= 1
            if not depth:
                return i + 1
    return None


def _uncomment(text: bytes) -> bytes:
    """``text`` with each comment one space and line splices removed, as the compiler's
    translation phases 2 and 3 leave it for tokenizing (literals kept as they are)."""
    return _COMMENTS.sub(lambda m: b" " if m.group(1) else b"" if m.group(2) else m.group(0),
                         text)


def _takes_arguments(pp: preprocess.Unit, tokens: list[Token],
                     position: preprocess.Position) -> bool:
    """Whether the expansion ends in the name of a function-like macro that may still expand,
    so an argument list that follows the invocation belongs to it."""
    if not tokens or tokens[-1].kind != ID or tokens[-1].text in tokens[-1].hide:
        return False
    macro = pp.macro_at(tokens[-1].text, position)
    return macro is not None and macro.params is not None


def macro_names(pp: preprocess.Unit) -> frozenset[str]:
    """Every name that is a macro somewhere in the unit."""
    return frozenset(pp.initial) | {e.name for e in pp.events if e.kind == "define"}


def _expand(pp: preprocess.Unit, invocation: bytes, position: preprocess.Position,
            counter: Iterator[int]) -> tuple[list[Token], list[str]]:
    return pp.expand_with_errors(_uncomment(invocation).decode("utf-8", "surrogateescape"),
                                 position, counter)


def _encode(text: str) -> bytes:
    """Token text back to the file's bytes: a byte that is not UTF-8 (a Latin-1 ``é`` in a
    ``#define``, ``__FILE__`` of a file so named) was decoded as a surrogate escape."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _outside_bodies(blanked: bytes) -> Iterator[re.Match[bytes]]:
    """The words of ``blanked`` outside function bodies (scanning only between them)."""
    start = 0
    for a, b in [*bodies(blanked), (len(blanked), len(blanked))]:
        yield from _WORD.finditer(blanked, start, a)
        start = b


def expand(pp: preprocess.Unit, inclusion: preprocess.Inclusion, code: bytes, blanked: bytes,
           names: frozenset[str], counter: Iterator[int]) -> Expanded:
    """``code`` (an inclusion's compiled text; ``blanked``: the same without comments and
    literals) with every macro invocation outside function bodies expanded; ``counter``
    numbers ``__COUNTER__`` across the unit, in order."""
    out = Expanded(b"")
    pieces: list[bytes] = []
    length = copied_from = 0
    for m in _outside_bodies(blanked):
        if m.start() < copied_from:
            continue
        name = m.group(0).decode("ascii")
        if name not in names:
            continue
        position = inclusion.position(m.start())
        macro = pp.macro_at(name, position)
        if macro is None:
            continue
        end = m.end()
        if macro.params is not None:
            call = _call_end(blanked, m.end())
            if call is None:
                continue  # a function-like macro's name without arguments: not expanded
            end = call
        tokens, errors = _expand(pp, code[m.start():end], position, counter)
        for _ in range(_MAX_TAKES):
            if errors or not _takes_arguments(pp, tokens, position):
                break
            call = _call_end(blanked, end)
            if call is None:
                break
            end = call
            tokens, errors = _expand(pp, code[m.start():end], position, counter)
        out.errors += [(m.start(), error) for error in errors]
        replacement = _encode(" ".join(t.text for t in tokens))
        pieces.append(code[copied_from:m.start()])
        length += m.start() - copied_from
        out.starts.append(length)
        out.origins.append(m.start())
        out.macros.append(name)
        pieces.append(b" " + replacement + b" ")
        length += len(replacement) + 2
        copied_from = end
        out.starts.append(length)
        out.origins.append(end)
        out.macros.append("")
    pieces.append(code[copied_from:])
    out.text = b"".join(pieces)
    return out
