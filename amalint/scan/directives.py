"""Byte-exact scan of preprocessor directives: the include list of a file, as the compiler sees it.

This is not a preprocessor: it evaluates no conditions and expands no macros. It finds every
``#include`` line outside comments, with its byte span, the comment lines directly above it (which
belong to it when it moves), and the ``#if``/``#else`` branch it sits in (a barrier nothing may be
moved across). Includes are resolved through :class:`~amalint.scan.search.SearchPath`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from amalint.model import Include
from amalint.scan.memo import by_content
from amalint.scan.search import SearchPath
from amalint.scan.sources import BOM, compiler_view

#: ``<name>`` (which may hold a ``"``), ``"name"`` (which may hold a ``>``), or a computed
#: include; no escapes in a header name (a ``\\`` is itself), as compilers read it.
_INCLUDE = re.compile(rb'^\s*#\s*include\s*(?:<([^>]*)>|"([^"]*)"|(\S.*?))\s*$')
_DIRECTIVE = re.compile(rb"^\s*#\s*([A-Za-z_]+)")


# Comments and string/char literals, in one pass: comments are blanked, literals kept (so a
# "//" or "/*" inside a string is not a comment), and so is an #include's <header-name> (a
# "//" in <sub//x.h> is no comment either). An unterminated block comment runs to the end.
_LEXEMES = re.compile(
    rb"(?m:^[ \t]*#[ \t]*(?:include|include_next|import)[ \t]*<[^>\n]*>)"
    rb"|//(?:\\\n|[^\n])*|/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\n])*\"?|'(?:\\.|[^'\\\n])*'?",
    re.S,
)
#: Every byte but a newline to a space (``bytes.translate``: a regular expression's
#: substitution of each byte took a tenth of the file-scope pass on TVM's license headers).
SPACES_BUT_NEWLINES = bytes(10 if b == 10 else 32 for b in range(256))


def comments(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Every comment of a file (``//`` or ``/* */``, not inside a string), with its offset."""
    for match in _LEXEMES.finditer(compiler_view(data)):
        if match.group(0)[:1] == b"/":
            yield match.start(), match.group(0)


def _blank_comment(match: re.Match[bytes]) -> bytes:
    text = match.group(0)
    if text[:1] != b"/":
        return text
    return text.translate(SPACES_BUT_NEWLINES)


@dataclass(frozen=True)
class Lines:
    """A file's physical lines with comments blanked out; same length and offsets as the file
    (line 1 starts after a byte order mark)."""

    raw: list[bytes]
    code: list[bytes]
    starts: list[int]

    @classmethod
    def of(cls, data: bytes) -> Lines:
        """The lines as the compiler sees them: LF, CRLF and lone CR end a line; a byte order
        mark at the start belongs to no line (so it stays first when lines move). Remembered
        (a file's lines are read for its directives and again for its lines' kinds)."""
        return _lines_of(data)

    @classmethod
    def read(cls, data: bytes) -> Lines:
        """The lines of ``data``, read afresh (:meth:`of` remembers them)."""
        skip = len(BOM) if data.startswith(BOM) else 0
        view = compiler_view(data)[skip:]
        code = _LEXEMES.sub(_blank_comment, view)
        raw = view.split(b"\n")
        starts = [skip]
        for line in raw[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        return cls(raw, code.split(b"\n"), starts)

    def comment_only(self, index: int) -> bool:
        return not self.code[index].strip() and bool(self.raw[index].strip())

    def end(self, index: int) -> int:
        """Byte offset just past line ``index`` and its line ending."""
        return self.starts[index] + len(self.raw[index]) + (1 if index + 1 < len(self.raw) else 0)


    def kinds(self) -> list[str]:
        """For each physical line: ``blank``, ``comment`` (only comments), ``directive`` (a
        preprocessor line or its continuation) or ``code``."""
        kinds: list[str] = []
        continued = False
        # a file ending in a newline has no line after it
        count = len(self.raw) - 1 if self.raw and not self.raw[-1] else len(self.raw)
        for raw, code in zip(self.raw[:count], self.code[:count], strict=True):
            body = code.rstrip(b"\r")
            if continued:
                kinds.append("directive")
            elif not raw.strip():
                kinds.append("blank")
            elif not code.strip():
                kinds.append("comment")
            else:
                kinds.append("directive" if body.lstrip().startswith(b"#") else "code")
            continued = kinds[-1] == "directive" and body.endswith(b"\\")
        return kinds


@by_content(32 << 20)
def _lines_of(data: bytes) -> Lines:
    return Lines.read(data)


@dataclass(frozen=True)
class Directive:
    """A preprocessor directive other than ``#include``: its name and the rest of the line."""

    line: int
    start_byte: int
    name: str
    rest: str


@dataclass(frozen=True)
class FileDirectives:
    includes: tuple[Include, ...]
    directives: tuple[Directive, ...]
    #: Whether the file can be included only once: ``#pragma once``, or an include guard
    #: (``#ifndef G`` / ``#define G`` ... ``#endif`` around everything).
    guarded: bool = False


def scan(data: bytes, path: Path, search: SearchPath) -> FileDirectives:
    """Find the includes and other directives of one file's bytes."""
    found, computed = _scan(data)
    if not found.includes:
        return found
    including_dir = path.parent
    return replace(found, includes=tuple(
        inc if unresolved else replace(inc, resolved=search.resolve(
            inc.spelling, inc.angled, including_dir))
        for inc, unresolved in zip(found.includes, computed, strict=True)))


@by_content(32 << 20)
def _scan(data: bytes) -> tuple[FileDirectives, tuple[bool, ...]]:
    """:func:`scan` before the includes are resolved, and for each include whether it is
    computed (``#include MACRO``: never resolved)."""
    lines = Lines.of(data)
    includes: list[Include] = []
    computed: list[bool] = []
    directives: list[Directive] = []
    blocks: list[int] = []
    code_lines = lines.code
    count = len(code_lines)
    index = 0
    # the directives' first lines, found at C speed (a continuation is skipped below)
    for at in [i for i, line in enumerate(code_lines) if line.lstrip().startswith(b"#")]:
        if at < index:
            continue
        index = first = at
        code = code_lines[index]
        if code.endswith((b"\\", b"\\\r")):  # continuation lines, joined once (linear)
            parts = [code]
            while parts[-1].endswith((b"\\", b"\\\r")) and index + 1 < count:
                parts[-1] = parts[-1].rstrip(b"\r")[:-1]
                index += 1
                parts.append(code_lines[index])
            code = b"".join(parts)
        index += 1
        m = _DIRECTIVE.match(code)
        if not m:
            continue
        name = m.group(1).decode("ascii")
        if name == "include":
            inc = _INCLUDE.match(code.rstrip(b"\r"))
            if inc is None:
                continue
            if inc.group(3) is None:
                angled = inc.group(1) is not None
                # the name's bytes as the file system's (a name that is not UTF-8 resolves)
                spelling = os.fsdecode(inc.group(1) if angled else inc.group(2))
            else:  # computed include: #include MACRO (never resolved)
                angled, spelling = False, inc.group(3).decode("utf-8", "replace")
            computed.append(inc.group(3) is not None)
            head = first
            while head > 0 and lines.comment_only(head - 1):
                head -= 1
            start, end = lines.starts[first], lines.end(index - 1)
            includes.append(
                Include(
                    line=first + 1,
                    start_byte=start,
                    end_byte=end,
                    spelling=spelling,
                    angled=angled,
                    resolved=None,
                    comment_start_line=head + 1,
                    comment_start_byte=lines.starts[head],
                    block=tuple(blocks),
                    text=data[start:end],
                )
            )
            continue
        if name in ("if", "ifdef", "ifndef"):
            blocks.append(first + 1)
        elif name in ("elif", "else", "elifdef", "elifndef") and blocks:
            blocks[-1] = first + 1
        elif name == "endif" and blocks:
            blocks.pop()
        rest = code[m.end() :].strip().decode("utf-8", "replace")
        directives.append(Directive(first + 1, lines.starts[first], name, rest))
    return FileDirectives(tuple(includes), tuple(directives),
                          _guarded(lines.code, directives)), tuple(computed)


_GUARD_IF = re.compile(r"!\s*defined\s*\(?\s*([A-Za-z_]\w*)\s*\)?")


def _guarded(code: Sequence[bytes], directives: Sequence[Directive]) -> bool:
    """``#pragma once``, or a guard macro tested by the first directive, defined by the second,
    and closed by the last one, with no code outside them."""
    if any(d.name == "pragma" and d.rest.split() == ["once"] for d in directives):
        return True
    if len(directives) < 3:
        return False
    first, second, last = directives[0], directives[1], directives[-1]
    words = first.rest.split()
    if first.name == "ifndef" and words:
        name = words[0]
    elif first.name == "if" and (m := _GUARD_IF.fullmatch(first.rest.strip())):
        name = m.group(1)
    else:
        return False
    if second.name != "define" or second.rest.split()[:1] != [name] or last.name != "endif":
        return False
    depth = 0
    for index, directive in enumerate(directives):
        depth += directive.name in ("if", "ifdef", "ifndef")
        depth -= directive.name == "endif"
        if depth == 0 and index != len(directives) - 1:
            return False
    outside = (*code[: first.line - 1], *code[last.line :])
    return not any(line.strip() for line in outside)


SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".c++")


def is_source(path: Path | str, suffixes: Sequence[str] = SOURCE_SUFFIXES) -> bool:
    """Whether a path names a source file (as opposed to a header)."""
    return str(path).lower().endswith(tuple(suffixes))
