"""The walk over a unit in compile order: conditionals, includes, macro definitions.

One explicit stack of open files (no recursion). Inside a file, a false group is not read: the
scan knows where each group's next ``#elif``/``#else``/``#endif`` is, so the walk jumps there.
Where gcc and clang differ (errors in ``#if``, undefined shifts, ``#elifdef`` in strict modes,
``./`` in file names, include guards first seen skipped) the compiler profile's family decides.

Not modeled: trigraphs; ``_Pragma`` and everything in code lines (only directives run; code is
expanded on request, ``Unit.expand``); ``#pragma GCC system_header``/``poison``/``dependency``;
``#assert``; ``-I-``, ``-iprefix``/``-iwithprefix``, ``-traditional-cpp``, MSVC extensions;
``#embed``/``__has_embed``; gcc's stop at the first missing include (the walk records it and goes
on, as clang does); gcc's ``#pragma once`` match of a different file with the same content;
``__TIMESTAMP__`` (a fixed text) and ``__DATE__``/``__TIME__`` (``Config`` values).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import InputError
from .config import Config
from .expand import Expander
from .expr import ExprError, evaluate
from .includes import Includes
from .literals import decimal, is_decimal
from .macros import DefineError, command_line_define, parse_define
from .scan import Directive
from .state import Frame
from .tokens import ID, IDENTIFIER, NUM, PUNCT, STR, Token, spell
from .unit import Unit

_NAME = re.compile(r"[ \t\f\v]*(" + IDENTIFIER + ")?")
#: The largest line number ``#line`` may set (C: 2147483647).
_LINE_MAX = 2147483647


#: How many ``#if`` texts' identifier lists :data:`_IDENTS` keeps at most.
_IDENTS_KEPT = 100_000
_IDENTS: dict[str, list[str]] = {}


def _identifiers(tokens: list[Token]) -> list[str]:
    """The identifiers of an ``#if`` expression, except ``defined`` and its operands."""
    out = []
    after_defined = 0
    for t in tokens:
        if t.kind == ID:
            if t.text == "defined":
                after_defined = 2
                continue
            if after_defined:
                after_defined = 0
                continue
            out.append(t.text)
        elif t.kind == PUNCT and t.text == "(" and after_defined:
            after_defined -= 1
        else:
            after_defined = 0
    return out


class Engine(Includes):
    def __init__(self, config: Config, read: Callable[[str], bytes | None],
                 is_file: Callable[[str], bool], identity: Callable[[str], str]) -> None:
        super().__init__(config, read, is_file, identity)
        self.if_expander = Expander(self.macros.get, self.lex, if_mode=True,
                                    dynamic=self._dynamic, is_defined=self._is_defined,
                                    on_defined=self._on_defined, has_include=self._has_include,
                                    feature=self.features.value, limit=config.expansion_limit,
                                    family=self.family, budget=self.budget)
        self.handlers: dict[str, Callable[[Frame, Directive, int], None]] = {
            "if": self._if, "ifdef": self._if, "ifndef": self._if, "elif": self._alternative,
            "elifdef": self._alternative, "elifndef": self._alternative,
            "else": self._alternative, "endif": self._endif, "define": self._define,
            "undef": self._undef, "include": self._include, "include_next": self._include,
            "import": self._include, "line": self._line, "error": self._message,
            "warning": self._message, "pragma": self._pragma, "": self._null,
            "ident": self._null, "sccs": self._null, "assert": self._null,
            "unassert": self._null,
        }
        if not self.lex.elifdef:
            del self.handlers["elifdef"], self.handlers["elifndef"]


    # -- the unit -------------------------------------------------------------------------------

    def run(self, umbrella: str) -> Unit:
        for line in self.config.compiler.predefined:
            self._define_text(line)
        for kind, value in self.args.macros:
            if kind == "D":
                try:
                    m = command_line_define(value, self.lex)
                except DefineError as e:
                    self._diag("error", f"-D{value}: {e}", None, 0)
                    continue
                self._set(m.name, m, (), None, 0)
            else:
                self._remove(value.strip(), (), None, 0)
        initial = dict(self.macros)
        data = self._read(umbrella)
        if data is None:
            raise InputError(f"{umbrella}: cannot read the file")
        main = self._record(umbrella, None, 0, -1, None, False, (), 0, None, "", False, "main")
        forced = [(f, "-imacros") for f in self.args.imacros] + \
            [(f, "pre-include") for f in self.config.compiler.preincludes] + \
            [(f, "-include") for f in self.args.includes]
        for k, (spelling, kind) in enumerate(forced):
            found = self.search.find(spelling, False, ".")  # gcc and clang: "./f.h"
            if found is None:
                self._diag("error", f"{spelling}: No such file or directory", None, 0)
                continue
            self._enter(found[0], found[1], None, (k - len(forced),), spelling, False, kind, 0, -1,
                        system=kind == "pre-include")
            self._walk()
        self.frames.append(Frame(main, self._scan(umbrella, data), -1))
        self._walk()
        unit = Unit(self.config, self.lex, self.inclusions, self.ranges, self.scans,
                    self.events, self.by_name, initial, dict(self.macros), self.diagnostics,
                    self.unresolved, self._dynamic_at)
        unit.poisoned = tuple(self.poisoned)
        return unit

    def _walk(self) -> None:
        frames = self.frames
        handlers = self.handlers
        while frames:
            f = frames[-1]
            dirs = f.scan.directives
            i = f.i
            if i >= len(dirs):
                self._finish(f)
                frames.pop()
                continue
            d = dirs[i]
            if f.pos >= 0 and d.start > f.pos:
                self._code(f, f.pos, d.start)
            f.i = i + 1
            f.pos = d.end
            handler = handlers.get(d.name)
            if handler is not None:
                handler(f, d, i)
            elif is_decimal(d.name):
                self._line(f, d, i)
            else:
                self._error(f, d, f"invalid preprocessing directive #{d.name}")

    def _code(self, f: Frame, a: int, b: int) -> None:
        if f.discard:
            return
        r = self.ranges[f.inc.index]
        if r and r[-1][1] == a:
            r[-1] = (r[-1][0], b)
        else:
            r.append((a, b))

    def _finish(self, f: Frame) -> None:
        n = len(f.scan.data)
        if f.pos >= 0 and f.pos < n:
            self._code(f, f.pos, n)
        for line in reversed(f.conds):
            self._diag("error", "unterminated conditional directive", f, line)
        # An include guard counts from now on; clang only notices it when its group was
        # entered (a file whose guard macro was already defined is read again next time).
        if f.scan.guard is not None and (f.guard_taken or self.family != "clang"):
            self.guards[self.identity(f.path)] = f.scan.guard

    # -- conditionals ---------------------------------------------------------------------------

    def _if(self, f: Frame, d: Directive, i: int) -> None:
        f.conds.append(d.line)
        if self._condition(f, d):
            f.guard_taken = f.guard_taken or i == 0
        else:
            self._skip_group(f, i)

    def _skip_group(self, f: Frame, i: int) -> None:
        """Group ``i`` is not taken: go to the next group that is, or past the ``#endif``."""
        dirs = f.scan.directives
        sibling = f.scan.sibling
        while True:
            j = sibling[i]
            if j < 0:
                f.i = len(dirs)
                f.pos = -1
                return
            d = dirs[j]
            f.i = j + 1
            f.pos = d.end
            if d.name == "endif":
                f.conds.pop()
                return
            if d.name == "else" or self._condition(f, d):
                return
            i = j

    def _alternative(self, f: Frame, d: Directive, i: int) -> None:
        """An ``#elif``/``#else`` reached from a taken group: skip to the ``#endif``."""
        if not f.conds:
            self._error(f, d, f"#{d.name} without #if")
            return
        dirs = f.scan.directives
        sibling = f.scan.sibling
        j = i
        while True:
            j = sibling[j]
            if j < 0:
                f.i = len(dirs)
                f.pos = -1
                return
            if dirs[j].name == "endif":
                f.conds.pop()
                f.i = j + 1
                f.pos = dirs[j].end
                return

    def _endif(self, f: Frame, d: Directive, i: int) -> None:
        if not f.conds:
            self._error(f, d, "#endif without #if")
            return
        f.conds.pop()

    def _condition(self, f: Frame, d: Directive) -> bool:
        name = d.name
        if name in ("if", "elif"):
            return self._eval_if(f, d)
        m = _NAME.match(d.rest)
        macro = m.group(1) if m else None
        if not macro:
            self._error(f, d, f"no macro name given in #{name} directive")
            return False
        defined = self._is_defined(macro)
        self._event("test", macro, self.macros.get(macro), f, d, name)
        return defined == (name in ("ifdef", "elifdef"))

    def _eval_if(self, f: Frame, d: Directive) -> bool:
        tokens = d.tokens(self.lex)
        self.frame, self.directive = f, d
        if d.idents is None:
            idents = _IDENTS.get(d.rest)
            if idents is None:
                idents = _identifiers(tokens)
                if len(_IDENTS) < _IDENTS_KEPT:  # bounded as the other memos of the
                    _IDENTS[d.rest] = idents  # preprocessor: a -j worker reads many units
            d.idents = idents
        if d.idents:
            pos = (*f.prefix, d.start)
            index = f.inc.index
            get = self.macros.get
            self.events.extend(("test", name, get(name), pos, index, d.line, "if")
                               for name in d.idents)
        out = self._simple_if(f, d, tokens)
        if out is None:
            exp = self.if_expander
            exp.errors = []
            exp.fatal = False
            out = exp.expand(tokens)
            for message in exp.errors:
                self._error(f, d, message)
            if exp.fatal:
                return False
        try:
            value, notes = evaluate(out, self.expr)
        except ExprError as e:
            # The compiler reads no token after the error: a __COUNTER__ there never counted.
            self.counter -= sum(1 for t in out[e.index + 1:] if "__COUNTER__" in t.hide)
            self._error(f, d, str(e))
            return False
        for severity, message in notes:
            self._diag(severity, message, f, d.line, d.start)
        return value != 0

    def _simple_if(self, f: Frame, d: Directive, tokens: list[Token]) -> list[Token] | None:
        """The expansion of the common ``#if`` shapes without the expander (its generators
        cost more than the whole evaluation): numbers, operators, ``defined X``/``defined(X)``,
        identifiers that are no macro, and macros whose body is one number (nothing to rescan).
        None for anything else."""
        macros = self.macros
        out: list[Token] = []
        i = 0
        n = len(tokens)
        while i < n:
            t = tokens[i]
            if t.kind != ID:
                out.append(t)
            elif t.text == "defined":
                if i + 1 < n and tokens[i + 1].kind == ID:
                    name = tokens[i + 1].text
                    i += 1
                elif i + 3 < n and tokens[i + 1].text == "(" and tokens[i + 2].kind == ID \
                        and tokens[i + 3].text == ")":
                    name = tokens[i + 2].text
                    i += 3
                else:
                    return None
                self._on_defined(name, True)
                out.append(Token(NUM, "1" if self._is_defined(name) else "0", t.space))
            else:
                m = macros.get(t.text)
                if m is None:
                    if t.text in self.builtins or t.text in self.features.operators:
                        return None
                    out.append(t)
                elif m.params is None and (body := m.tokens) and len(body) == 1 \
                        and body[0].kind == NUM:
                    out.append(Token(NUM, body[0].text, t.space))
                else:
                    return None
            i += 1
        return out

    # -- macros ---------------------------------------------------------------------------------

    def _define(self, f: Frame, d: Directive, i: int) -> None:
        if d.defined is not None and d.defined[0] == f.path:
            m = d.defined[1]  # the same line read again (a scan is shared by every unit)
        else:
            try:
                m = parse_define(d.rest, self.lex, f.path, d.line)
            except DefineError as e:
                self._error(f, d, str(e))
                return
            d.defined = (f.path, m)
        old = self.macros.get(m.name)
        if (old is not None and not old.same_as(m)) or (old is None and m.name in self.builtins):
            self._diag("warning", f'"{m.name}" redefined', f, d.line)
        self._set(m.name, m, (*f.prefix, d.start), f.inc.index, d.line)

    def _undef(self, f: Frame, d: Directive, i: int) -> None:
        m = _NAME.match(d.rest)
        name = m.group(1) if m else None
        if not name:
            self._error(f, d, "no macro name given in #undef directive")
            return
        self._remove(name, (*f.prefix, d.start), f.inc.index, d.line)


    # -- the other directives -------------------------------------------------------------------

    def _line(self, f: Frame, d: Directive, i: int) -> None:
        text = d.rest if d.name == "line" else d.name + d.rest
        toks = d.tokens(self.lex) if d.name == "line" else []
        if d.name == "line":
            exp = Expander(self.macros.get, self.lex, dynamic=self._dynamic,
                           limit=self.config.expansion_limit, budget=self.budget)
            toks = exp.expand(toks)
            for message in exp.errors:
                self._error(f, d, message)
            text = spell(toks)
        parts = text.split(None, 1)
        value = decimal(parts[0], _LINE_MAX) if parts else None
        if value is None:
            self._error(f, d, f'"{parts[0] if parts else ""}" after #line is not a positive '
                        "integer")
            return
        if value > _LINE_MAX:  # gcc warns, clang rejects it; the line numbers stay as they were
            self._diag("error" if self.family == "clang" else "warning",
                       "line number out of range", f, d.line)
            return
        f.line_delta = value - f.scan.line_of(d.end) if d.end < len(f.scan.data) \
            else value - d.line - 1
        rest = parts[1].strip() if len(parts) > 1 else ""
        if rest.startswith('"'):
            f.presumed = rest[1:rest.find('"', 1)]

    def _message(self, f: Frame, d: Directive, i: int) -> None:
        text = f"#{d.name} {d.rest.strip()}".rstrip()
        if d.name == "error":
            self._error(f, d, text)
        else:
            self._diag("warning", text, f, d.line)

    def _pragma(self, f: Frame, d: Directive, i: int) -> None:
        toks = d.tokens(self.lex)
        words = [t.text for t in toks]
        if words[:1] == ["once"]:
            if f.depth == 0:
                self._diag("warning", "#pragma once in main file", f, d.line)
            self.once.add(self.identity(f.path))
        elif words[:1] in (["push_macro"], ["pop_macro"]) and len(toks) >= 4 \
                and toks[2].kind == STR:
            name = toks[2].text.strip('"')
            if words[0] == "push_macro":
                self.pushed.setdefault(name, []).append(self.macros.get(name))
            elif self.pushed.get(name):
                m = self.pushed[name].pop()
                pos = (*f.prefix, d.start)
                if m is None:
                    self._remove(name, pos, f.inc.index, d.line)
                else:
                    self._set(name, m, pos, f.inc.index, d.line)
        elif words[:2] in (["GCC", "poison"], ["clang", "poison"]) or words[:1] == ["poison"]:
            pos = (*f.prefix, d.start)
            self.poisoned.extend((t.text, f.inc.index, d.line, pos)
                                 for t in toks[1 if words[0] == "poison" else 2:]
                                 if t.text.isidentifier())
        elif words[:2] in (["GCC", "error"], ["GCC", "warning"]):
            self._diag("error" if words[1] == "error" else "warning", spell(toks[2:]), f, d.line)

    def _null(self, f: Frame, d: Directive, i: int) -> None:
        if d.name == "" and d.rest.strip():
            self._error(f, d, f"invalid preprocessing directive #{d.rest.strip().split()[0]}")
