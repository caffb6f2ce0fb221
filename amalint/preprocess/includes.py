"""``#include``, ``#include_next`` and ``#import``: header names (also computed ones), the
search, the depth bound, ``#pragma once`` and include guards on re-inclusion."""

from __future__ import annotations

import os
import re

from .expand import Expander, angled_name
from .scan import Directive
from .state import Frame, State
from .tokens import STR
from .unit import SOURCE_SUFFIXES, Position, UnresolvedInclude

_HEADER = re.compile(r'[ \t\f\v]*(?:<([^>\n]*)>|"([^"\n]*)")[ \t\f\v]*(\S?)')


class Includes(State):
    def _include(self, f: Frame, d: Directive, i: int) -> None:
        """``#include``/``#include_next``/``#import``: find the file, or record it unresolved."""
        header = self._header_name(f, d)
        if header is None:
            return
        spelling, angled = header
        kind = d.name
        start = None
        if kind == "include_next":
            if f.depth == 0 or f.inc.kind in ("-include", "-imacros"):
                self._diag("warning", "#include_next in primary source file", f, d.line)
            else:
                start = f.found + 1 if f.found >= 0 else 0
        found = self.search.find(spelling, angled, None if angled else f.dir, start)
        if found is None:
            ext = os.path.splitext(spelling)[1]
            self.unresolved.append(UnresolvedInclude(
                spelling, angled, ext in SOURCE_SUFFIXES or ext.lower() in SOURCE_SUFFIXES,
                f.inc.index, d.line, (*f.prefix, d.start), start is not None))
            self._error(f, d, f"{spelling}: No such file or directory")
            return
        if f.depth + 1 >= self.args.max_include_depth:
            self._error(f, d, f"#include nested depth {f.depth + 1} exceeds maximum of "
                        f"{self.args.max_include_depth}")
            self.depth_reached = self.family == "clang"
            return
        if self.depth_reached and self.identity(found[0]) in self.entered:
            return
        self._enter(found[0], found[1], f, (*f.prefix, d.start), spelling, angled, kind, d.line,
                    d.start)

    def _header_name(self, f: Frame, d: Directive) -> tuple[str, bool] | None:
        """(spelling, angled) as written, or as a computed include's macros give it (see
        :func:`angled_name`)."""
        m = _HEADER.match(d.rest)
        if m is not None:
            if m.group(3):
                self._diag("warning", f"extra tokens at end of #{d.name} directive", f, d.line)
            return (m.group(1), True) if m.group(1) is not None else (m.group(2), False)
        self.frame, self.directive = f, d
        exp = Expander(self.macros.get, self.lex, dynamic=self._dynamic,
                       feature=self.features.value, limit=self.config.expansion_limit,
                       family=self.family, budget=self.budget)
        toks = exp.expand(d.tokens(self.lex))
        for message in exp.errors:
            self._error(f, d, message)
        if toks and toks[0].kind == STR and toks[0].text.startswith('"'):
            return toks[0].text[1:-1], False
        if toks and toks[0].text == "<":
            for k in range(1, len(toks)):
                if toks[k].text == ">":
                    return angled_name(toks[1:k + 1], self.family, False), True
        self._error(f, d, f'#{d.name} expects "FILENAME" or <FILENAME>')
        return None

    def _enter(self, path: str, found: int, parent: Frame | None, prefix: Position,
               spelling: str, angled: bool, kind: str, line: int, offset: int,
               system: bool = False) -> None:
        """Record an inclusion of ``path`` and open it, unless ``#pragma once`` or its include
        guard (known from an earlier inclusion, its macro defined) says the compiler would not
        even read it."""
        if len(self.inclusions) >= self.config.max_inclusions:
            if not self.too_many:
                self.too_many = True
                self._diag("error", f"more than {self.config.max_inclusions} inclusions; the "
                           "rest are not followed", parent, line)
            return
        data = self._read(path)
        if data is None:
            self._diag("error", f"{path}: cannot read the file", parent, line)
            return
        identity = self.identity(path)
        self.entered.add(identity)
        scan_ = self._scan(path, data)
        skipped = None
        if identity in self.once:
            skipped = "pragma once"
        elif identity in self.guards and self._is_defined(self.guards[identity]):
            skipped = "guard"
        # clang reads -include and -imacros files from its predefines buffer, one level deeper
        depth = parent.depth + 1 if parent is not None else 1 + (self.family == "clang")
        system = system or self.search.is_system(found) or (parent is not None and parent.system)
        index = len(self.inclusions)
        unit = None if parent is None else (index if parent.depth == 0 else parent.unit)
        inc = self._record(path, parent.inc.index if parent else None, line, offset, unit,
                           system, prefix, depth, skipped, spelling, angled, kind,
                           guard=scan_.guard)
        if skipped == "guard" and parent is not None:
            guard = self.guards[identity]
            self.events.append(("test", guard, self.macros.get(guard), prefix, index, 1, "guard"))
        if skipped is None:
            if kind == "import":
                self.once.add(identity)
            frame = Frame(inc, scan_, found)
            # what an -imacros file includes gives no code either (its macros stay)
            frame.discard = frame.discard or (parent is not None and parent.discard)
            self.frames.append(frame)
