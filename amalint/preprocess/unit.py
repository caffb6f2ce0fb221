"""What the preprocessor records about a unit, and the questions it answers afterwards.

A *position* is ``(*inclusion.prefix, offset)``: the byte offsets of the ``#include`` lines that
lead to a file, then an offset in it. Positions of different files of one unit compare in the
order the compiler reads them (``()`` is before everything: predefined and command-line macros;
``-include``/``-imacros`` files have negative prefixes, so they come before the umbrella's text).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..model import Location
from .config import Config
from .expand import Budget, Expander
from .macros import Macro
from .scan import BOM, FileScan
from .tokens import NUM, STR, LexOptions, Token, tokenize

Position = tuple[int, ...]
SOURCE_SUFFIXES = frozenset({".c", ".cc", ".cpp", ".cxx", ".c++", ".cp", ".C", ".CPP", ".m",
                             ".mm", ".cu"})


@dataclass(frozen=True)
class Inclusion:
    """One time a file is entered (or would be, when ``skipped`` says why not).

    ``parent`` is the including inclusion's index (None for the umbrella and for ``-include``/
    ``-imacros`` files), ``line``/``offset`` where its ``#include`` line is in the parent;
    ``unit`` is the index of the inclusion made by the umbrella's own ``#include`` that this one
    comes through (None for the umbrella and command-line files); ``depth`` is
    ``__INCLUDE_LEVEL__``; ``skipped`` is None, ``"pragma once"`` or ``"guard"`` (its include
    guard macro was defined: the compiler does not even open it)."""

    index: int
    path: str
    parent: int | None
    line: int
    offset: int
    unit: int | None
    system: bool
    prefix: Position
    depth: int
    skipped: str | None
    guard: str | None
    spelling: str
    angled: bool
    kind: str  # "main", "include", "include_next", "import", "-include", "-imacros"

    def position(self, offset: int) -> Position:
        return (*self.prefix, offset)


class MacroEvent(NamedTuple):
    """``kind`` is ``define`` (``macro``: the new definition), ``undef`` (``macro``: the one
    removed, None if there was none) or ``test`` (``macro``: the definition in force, None if
    undefined; ``test`` says how: ``ifdef``, ``ifndef``, ``elifdef``, ``elifndef``, ``defined``,
    ``if`` — an identifier in an ``#if`` expression — or ``guard``). ``inclusion`` is None for
    predefined and command-line macros."""

    kind: str
    name: str
    macro: Macro | None
    position: Position
    inclusion: int | None
    line: int
    test: str = ""


#: A MacroEvent's fields, as the engine records them (made into MacroEvents on demand).
RawEvent = tuple[str, str, "Macro | None", Position, "int | None", int, str]


@dataclass(frozen=True)
class Diagnostic:
    """What the compiler would say. ``line`` is the physical line; ``reported`` is file:line as
    the compiler prints it (after ``#line``)."""

    severity: str  # "error" or "warning"
    message: str
    inclusion: int | None
    path: str | None
    line: int
    reported: str
    position: Position


@dataclass(frozen=True)
class UnresolvedInclude:
    spelling: str
    angled: bool
    #: The spelling names a source file (.c, .cc, .cpp …), not a header.
    source: bool
    inclusion: int
    line: int
    position: Position
    next: bool = False


class Unit:
    """The preprocessor's view of one translation unit (built by ``preprocess``)."""

    def __init__(self, config: Config, lex: LexOptions, inclusions: list[Inclusion],
                 ranges: list[list[tuple[int, int]]], scans: Mapping[str, FileScan],
                 events: list[RawEvent], by_name: dict[str, tuple[list[Position],
                                                                    list[Macro | None]]],
                 initial: dict[str, Macro], final: dict[str, Macro],
                 diagnostics: list[Diagnostic], unresolved: list[UnresolvedInclude],
                 dynamic: Callable[[str, Position, Inclusion | None], list[Token] | None]) -> None:
        self.config = config
        self.lex = lex
        #: What the ``expand`` calls may still produce (a bound of their own: they come after the
        #: walk, as many as the caller asks for).
        self._budget = Budget(config.unit_expansion_limit)
        self.inclusions = tuple(inclusions)
        self._ranges = ranges
        self._scans = scans
        self._events = events
        self._event_objects: tuple[MacroEvent, ...] | None = None
        self._by_inclusion: dict[int | None, tuple[MacroEvent, ...]] | None = None
        self._by_name = by_name
        self.initial: Mapping[str, Macro] = initial
        self.macros: Mapping[str, Macro] = final
        self.diagnostics = tuple(diagnostics)
        #: ``#pragma GCC poison`` names: (name, inclusion index, line, position).
        self.poisoned: tuple[tuple[str, int, int, Position], ...] = ()
        self.unresolved = tuple(unresolved)
        self._dynamic = dynamic
        self._by_prefix = {inc.prefix: inc for inc in inclusions if inc.skipped is None}

    @property
    def umbrella(self) -> Inclusion:
        return self.inclusions[0]

    # -- code -----------------------------------------------------------------------------------

    def active_ranges(self, inclusion: Inclusion) -> tuple[tuple[int, int], ...]:
        """Byte ranges of the lines the compiler compiles (no directive or skipped lines)."""
        return tuple(self._ranges[inclusion.index])

    def data(self, inclusion: Inclusion) -> bytes:
        scan = self._scans.get(inclusion.path)
        return scan.data if scan is not None else b""

    def active_text(self, inclusion: Inclusion) -> bytes:
        """The file's bytes with directive lines, skipped lines (and a BOM) blanked to spaces:
        line ends and byte offsets stay, so a parser's positions are the file's."""
        data = self.data(inclusion)
        out = bytearray(data.translate(_BLANK))
        for a, b in self._ranges[inclusion.index]:
            out[a:b] = data[a:b]
        if data.startswith(BOM):
            out[0:3] = b"   "
        return bytes(out)

    def line_of(self, inclusion: Inclusion, offset: int) -> int:
        """The physical line (1-based) of a byte offset of the inclusion's file."""
        scan = self._scans.get(inclusion.path)
        return scan.line_of(offset) if scan is not None else 0

    def location(self, inclusion: Inclusion, offset: int) -> Location:
        return Location(Path(inclusion.path), self.line_of(inclusion, offset))

    def inclusion_at(self, position: Position) -> Inclusion | None:
        """The inclusion whose text ``position`` points into."""
        return self._by_prefix.get(position[:-1]) if position else None

    # -- macros ---------------------------------------------------------------------------------

    def macro_at(self, name: str, position: Position) -> Macro | None:
        """The definition of ``name`` in force at ``position`` (after a directive at exactly that
        position), or None."""
        entry = self._by_name.get(name)
        if entry is None:
            return None
        k = bisect.bisect_right(entry[0], position)
        return entry[1][k - 1] if k else None

    @property
    def events(self) -> tuple[MacroEvent, ...]:
        """Every macro event of the unit in order: predefined and command-line definitions
        first, then each ``#define``, ``#undef`` and test as the compiler meets it."""
        if self._event_objects is None:
            self._event_objects = tuple(MacroEvent._make(e) for e in self._events)
        return self._event_objects

    def events_of(self, inclusion: int | None) -> tuple[MacroEvent, ...]:
        """The events of one read of a file (by inclusion index), in order."""
        if self._by_inclusion is None:
            grouped: dict[int | None, list[MacroEvent]] = {}
            for event in self.events:
                grouped.setdefault(event.inclusion, []).append(event)
            self._by_inclusion = {k: tuple(v) for k, v in grouped.items()}
        return self._by_inclusion.get(inclusion, ())

    def history(self, name: str) -> list[MacroEvent]:
        """Every event of one macro, in order."""
        return [e for e in self.events if e.name == name]

    def expand(self, tokens_or_text: list[Token] | str, position: Position,
               counter: Iterator[int] | None = None) -> list[Token]:
        """Macro-expand code with the macros in force at ``position``, as the compiler would
        expand that text there: hide sets, ``#``/``##``, variadics, the ``__has_*`` feature
        operators. ``__LINE__``/``__FILE__`` are the physical place (``#line`` is not applied);
        ``counter``, if given, numbers ``__COUNTER__`` (the compiler counts its expansions in
        code too, which a preprocessor of directives cannot see), else it is 0. Errors are
        dropped (see ``expand_with_errors``)."""
        return self.expand_with_errors(tokens_or_text, position, counter)[0]

    def expand_with_errors(self, tokens_or_text: list[Token] | str, position: Position,
                           counter: Iterator[int] | None = None
                           ) -> tuple[list[Token], list[str]]:
        tokens = (tokenize(tokens_or_text, self.lex) if isinstance(tokens_or_text, str)
                  else tokens_or_text)
        inclusion = self.inclusion_at(position)

        def dynamic(name: str) -> list[Token] | None:
            if name == "__COUNTER__" and counter is not None:
                return [number(next(counter))]
            return self._dynamic(name, position, inclusion)

        expander = Expander(lambda name: self.macro_at(name, position), self.lex,
                            dynamic=dynamic, feature=self.config.compiler.features.value,
                            limit=self.config.expansion_limit, family=self.config.compiler.family,
                            budget=self._budget)
        return expander.expand(tokens), expander.errors


_BLANK = bytes(b if b in (10, 13) else 32 for b in range(256))


def quoted(text: str) -> Token:
    """A string literal token for ``text`` (as ``__FILE__`` spells it)."""
    return Token(STR, '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')


def number(value: int) -> Token:
    return Token(NUM, str(value))
