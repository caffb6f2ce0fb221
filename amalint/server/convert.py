"""amalint's values in the Language Server Protocol's terms: a finding as a diagnostic (its
related locations as ``relatedInformation``, its rule's documentation as ``codeDescription``),
a fix as text edits, and the 1-based line/character columns of a :class:`Location` as the
protocol's 0-based lines and columns in the code units the client and server agreed on
(UTF-16 unless the client offers UTF-8 or UTF-32)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from lsprotocol import types

from amalint.engine.rule import Finding, rule_url
from amalint.fix.solver import ByteEdit
from amalint.model import Location, Severity
from amalint.scan.sources import BOM, compiler_view

#: The lines of a file as the editor shows them (``None``: the file cannot be read).
Lines = Callable[[Path], Sequence[str] | None]

SEVERITIES = {Severity.ERROR: types.DiagnosticSeverity.Error,
              Severity.WARNING: types.DiagnosticSeverity.Warning}


def text_lines(data: bytes) -> list[str]:
    """The lines of a file's bytes where the compiler (and the protocol) breaks them: LF, CRLF
    and a lone CR; line 1 starts after a byte order mark, as amalint's columns do."""
    view = compiler_view(data.removeprefix(BOM))
    return [line.decode("utf-8", "replace").removesuffix("\r") for line in view.split(b"\n")]


def units(encoding: str | None) -> Callable[[str], int]:
    """How many code units of the position encoding a text takes."""
    if encoding == types.PositionEncodingKind.Utf8:
        return lambda text: len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len
    return lambda text: len(text.encode("utf-16-le", "surrogatepass")) // 2


class Positions:
    """Protocol positions in ``encoding`` of the files whose lines ``lines`` gives."""

    def __init__(self, encoding: str | None, lines: Lines) -> None:
        self.units = units(encoding)
        self.lines = lines
        self._read: dict[Path, Sequence[str] | None] = {}

    def position(self, location: Location) -> types.Position:
        """The protocol position of a 1-based line and character column."""
        line = max(location.line - 1, 0)
        column = max(location.column - 1, 0)
        if location.path not in self._read:  # each file is read once
            self._read[location.path] = self.lines(location.path)
        text = self._read[location.path]
        if text is not None and line < len(text):
            column = self.units(text[line][:column])
        return types.Position(line=line, character=column)

    def span(self, start: Location, end: Location) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def byte_position(self, data: bytes, offset: int) -> types.Position:
        """The protocol position of a byte offset of ``data``."""
        view = compiler_view(data)
        start = view.rfind(b"\n", 0, offset) + 1
        if start == 0 and data.startswith(BOM):
            start = min(len(BOM), offset)
        column = self.units(view[start:offset].decode("utf-8", "replace"))
        return types.Position(line=view.count(b"\n", 0, offset), character=column)

    def text_edits(self, data: bytes, edits: Iterable[ByteEdit]) -> list[types.TextEdit]:
        """``(start, end, new bytes)`` edits of ``data`` as the protocol's text edits."""
        return [types.TextEdit(range=types.Range(start=self.byte_position(data, start),
                                                 end=self.byte_position(data, end)),
                               new_text=new.decode("utf-8", "replace"))
                for start, end, new in edits]

    def diagnostic(self, finding: Finding, docs_url: str | None = None) -> types.Diagnostic:
        """The finding as the editor shows it: its range in its file, the rule code linking to
        the rule's documentation, each related location (a call-chain step, where a name is
        first defined, the provider's ``#include``) as related information."""
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=uri_of(item.location.path),
                                        range=self.span(item.location, item.location)),
                message=item.message)
            for item in finding.related
        ]
        return types.Diagnostic(
            range=self.span(finding.location, finding.end_location),
            severity=SEVERITIES[finding.severity],
            code=finding.code,
            code_description=types.CodeDescription(
                href=rule_url(finding.code, finding.name, docs_url)),
            source="amalint",
            message=finding.message,
            related_information=related or None,
        )


def uri_of(path: Path) -> str:
    return path.absolute().as_uri()


def replacement(old: bytes, new: bytes) -> ByteEdit:
    """One edit turning ``old`` into ``new``: the lines between their common first and last
    lines replaced (a whole-file replacement would move the editor's cursor and marks)."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    head = 0
    while head < min(len(old_lines), len(new_lines)) and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while (tail < min(len(old_lines), len(new_lines)) - head
           and old_lines[-1 - tail] == new_lines[-1 - tail]):
        tail += 1
    start = sum(len(line) for line in old_lines[:head])
    end = len(old) - sum(len(line) for line in old_lines[len(old_lines) - tail:])
    new_end = len(new) - sum(len(line) for line in new_lines[len(new_lines) - tail:])
    return start, end, new[start:new_end]
