"""The walk over a unit in compile order: conditionals, includes, macro definitions.

One explicit stack of open files (no recursion). Inside a file, a false group is not read: the
scan knows where each group's next ``#elif``/``#else``/``#endif`` is, so the walk jumps there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from . import builtin
from .config import Config
from .expand import Expander
from .expr import ExprError, ExprOptions, evaluate
from .macros import DefineError, Macro, command_line_define, parse_define
from .scan import Directive, FileScan, scan
from .search import SearchPath, dirname
from .tokens import ID, IDENTIFIER, PUNCT, STR, Token, spell
from .unit import (
    SOURCE_SUFFIXES,
    Diagnostic,
    Inclusion,
    Position,
    RawEvent,
    Unit,
    UnresolvedInclude,
)

_HEADER = re.compile(r'[ \t\f\v]*(?:<([^>\n]*)>|"([^"\n]*)")[ \t\f\v]*(\S?)')
_NAME = re.compile(r"[ \t\f\v]*(" + IDENTIFIER + ")?")
_CONDITIONS = frozenset({"if", "ifdef", "ifndef"})
_ALTERNATIVES = frozenset({"elif", "elifdef", "elifndef", "else"})


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


class _Frame:
    __slots__ = ("conds", "depth", "dir", "discard", "found", "i", "inc", "line_delta", "path",
                 "pos", "prefix", "presumed", "scan", "system", "unit")

    def __init__(self, inc: Inclusion, scan_: FileScan, found: int) -> None:
        self.inc = inc
        self.scan = scan_
        self.i = 0
        self.pos = 0  # where the current active code began; -1 while in a false group
        self.conds: list[int] = []
        self.prefix = inc.prefix
        self.path = inc.path
        self.dir = dirname(inc.path)
        self.found = found
        self.depth = inc.depth
        self.system = inc.system
        self.unit = inc.unit
        self.line_delta = 0
        self.presumed = inc.path
        self.discard = inc.kind == "-imacros"


class Engine:
    def __init__(self, config: Config, read: Callable[[str], bytes | None],
                 is_file: Callable[[str], bool], identity: Callable[[str], str]) -> None:
        self.config = config
        self.args = config.parsed
        self.read = read
        self._identity = identity
        self._identities: dict[str, str] = {}
        info = config.compiler
        values = info.macro_values()
        self.lex = builtin.lex_options(config.language, values, info.family)
        self.expr = ExprOptions(cplusplus=config.language == "c++", family=info.family,
                                char_unsigned="__CHAR_UNSIGNED__" in values,
                                digit_separators=self.lex.digit_separators)
        self.features = info.features
        self.search = SearchPath(self.args, info.system_dirs, is_file)
        self.macros: dict[str, Macro] = {}
        self.by_name: dict[str, tuple[list[Position], list[Macro | None]]] = {}
        self.events: list[RawEvent] = []
        self.inclusions: list[Inclusion] = []
        self.ranges: list[list[tuple[int, int]]] = []
        self.scans: dict[str, FileScan] = {}
        self.diagnostics: list[Diagnostic] = []
        self.unresolved: list[UnresolvedInclude] = []
        self.once: set[str] = set()
        self.guards: dict[str, str] = {}
        self.pushed: dict[str, list[Macro | None]] = {}
        self.builtins = set(info.features.builtins)
        self.counter = 0
        self.frames: list[_Frame] = []
        self.frame: _Frame | None = None
        self.directive: Directive | None = None
        self.too_many = False
        self.if_expander = Expander(self.macros.get, self.lex, if_mode=True,
                                    dynamic=self._dynamic, is_defined=self._is_defined,
                                    on_defined=self._on_defined, has_include=self._has_include,
                                    feature=self.features.value, limit=config.expansion_limit)
        self.handlers: dict[str, Callable[[_Frame, Directive, int], None]] = {
            "if": self._if, "ifdef": self._if, "ifndef": self._if, "elif": self._alternative,
            "elifdef": self._alternative, "elifndef": self._alternative,
            "else": self._alternative, "endif": self._endif, "define": self._define,
            "undef": self._undef, "include": self._include, "include_next": self._include,
            "import": self._include, "line": self._line, "error": self._message,
            "warning": self._message, "pragma": self._pragma, "": self._null,
            "ident": self._null, "sccs": self._null, "assert": self._null,
            "unassert": self._null,
        }

    # -- the unit -------------------------------------------------------------------------------

    def run(self, umbrella: str) -> Unit:
        for line in self.config.compiler.predefined:
            self._define_text(line, None)
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
        main = self._record(umbrella, None, 0, -1, None, False, (), 0, None, "", False, "main")
        if data is None:
            self._diag("error", f"{umbrella}: cannot read the file", None, 0)
        forced = [(f, "-imacros") for f in self.args.imacros] + \
            [(f, "pre-include") for f in self.config.compiler.preincludes] + \
            [(f, "-include") for f in self.args.includes]
        for k, (spelling, kind) in enumerate(forced):
            found = self.search.find(spelling, False, "")
            if found is None:
                self._diag("error", f"{spelling}: No such file or directory", None, 0)
                continue
            self._enter(found[0], found[1], None, (k - len(forced),), spelling, False, kind, 0, -1,
                        system=kind == "pre-include")
            self._walk()
        if data is not None:
            self.frames.append(_Frame(main, self._scan(umbrella, data), -1))
            self._walk()
        return Unit(self.config, self.lex, self.inclusions, self.ranges, self.scans,
                    self.events, self.by_name, initial, dict(self.macros), self.diagnostics,
                    self.unresolved, self._dynamic_at)

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
            elif d.name.isdigit():
                self._line(f, d, i)
            else:
                self._error(f, d, f"invalid preprocessing directive #{d.name}")

    def _code(self, f: _Frame, a: int, b: int) -> None:
        if f.discard:
            return
        r = self.ranges[f.inc.index]
        if r and r[-1][1] == a:
            r[-1] = (r[-1][0], b)
        else:
            r.append((a, b))

    def _finish(self, f: _Frame) -> None:
        n = len(f.scan.data)
        if f.pos >= 0 and f.pos < n:
            self._code(f, f.pos, n)
        for line in reversed(f.conds):
            self._diag("error", "unterminated conditional directive", f, line)
        if f.scan.guard is not None:
            self.guards[self.identity(f.path)] = f.scan.guard

    # -- conditionals ---------------------------------------------------------------------------

    def _if(self, f: _Frame, d: Directive, i: int) -> None:
        f.conds.append(d.line)
        if not self._condition(f, d):
            self._skip_group(f, i)

    def _skip_group(self, f: _Frame, i: int) -> None:
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

    def _alternative(self, f: _Frame, d: Directive, i: int) -> None:
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

    def _endif(self, f: _Frame, d: Directive, i: int) -> None:
        if not f.conds:
            self._error(f, d, "#endif without #if")
            return
        f.conds.pop()

    def _condition(self, f: _Frame, d: Directive) -> bool:
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

    def _eval_if(self, f: _Frame, d: Directive) -> bool:
        tokens = d.tokens(self.lex)
        self.frame, self.directive = f, d
        if d.idents is None:
            d.idents = _identifiers(tokens)
        if d.idents:
            pos = (*f.prefix, d.start)
            index = f.inc.index
            get = self.macros.get
            self.events.extend(("test", name, get(name), pos, index, d.line, "if")
                               for name in d.idents)
        exp = self.if_expander
        exp.count = 0
        exp.errors = []
        out = exp.expand(tokens)
        for message in exp.errors:
            self._error(f, d, message)
        if exp.errors:
            return False
        try:
            value, warnings = evaluate(out, self.expr)
        except ExprError as e:
            self._error(f, d, str(e))
            return False
        for message in warnings:
            self._diag("warning", message, f, d.line)
        return value != 0

    # -- macros ---------------------------------------------------------------------------------

    def _define(self, f: _Frame, d: Directive, i: int) -> None:
        try:
            m = parse_define(d.rest, self.lex, f.path, d.line)
        except DefineError as e:
            self._error(f, d, str(e))
            return
        old = self.macros.get(m.name)
        if (old is not None and not old.same_as(m)) or (old is None and m.name in self.builtins):
            self._diag("warning", f'"{m.name}" redefined', f, d.line)
        self._set(m.name, m, (*f.prefix, d.start), f.inc.index, d.line)

    def _undef(self, f: _Frame, d: Directive, i: int) -> None:
        m = _NAME.match(d.rest)
        name = m.group(1) if m else None
        if not name:
            self._error(f, d, "no macro name given in #undef directive")
            return
        self._remove(name, (*f.prefix, d.start), f.inc.index, d.line)

    def _define_text(self, text: str, f: _Frame | None) -> None:
        try:
            m = parse_define(text, self.lex)
        except DefineError as e:
            self._diag("error", f"predefined {text!r}: {e}", None, 0)
            return
        self._set(m.name, m, (), None, 0)

    def _set(self, name: str, m: Macro, pos: Position, inc: int | None, line: int) -> None:
        self.macros[name] = m
        self.builtins.discard(name)
        self._log(("define", name, m, pos, inc, line, ""), m)

    def _remove(self, name: str, pos: Position, inc: int | None, line: int) -> None:
        old = self.macros.pop(name, None)
        self.builtins.discard(name)
        self._log(("undef", name, old, pos, inc, line, ""), None)

    def _log(self, event: RawEvent, state: Macro | None) -> None:
        self.events.append(event)
        entry = self.by_name.get(event[1])
        if entry is None:
            self.by_name[event[1]] = ([event[3]], [state])
        else:
            entry[0].append(event[3])
            entry[1].append(state)

    def _event(self, kind: str, name: str, macro: Macro | None, f: _Frame, d: Directive,
               test: str) -> None:
        self.events.append((kind, name, macro, (*f.prefix, d.start), f.inc.index, d.line, test))

    def _is_defined(self, name: str) -> bool:
        return name in self.macros or name in self.builtins or name in self.features.operators

    def _on_defined(self, name: str, value: bool) -> None:
        if self.frame is not None and self.directive is not None:
            self._event("test", name, self.macros.get(name), self.frame, self.directive,
                        "defined")

    def _has_include(self, spelling: str, angled: bool, next_: bool) -> bool:
        f = self.frame
        if f is None:
            return False
        start = (f.found + 1 if f.found >= 0 else 0) if next_ and f.depth > 0 else None
        return self.search.find(spelling, angled, None if angled else f.dir, start) is not None

    def _dynamic(self, name: str) -> list[Token] | None:
        if name not in self.builtins:
            return None
        f, d = self.frame, self.directive
        if name == "__COUNTER__":
            self.counter += 1
            return [Token(builtin.NUM, str(self.counter - 1))]
        line = d.line + f.line_delta if f is not None and d is not None else 0
        return builtin.dynamic(name, self.config, f.presumed if f else "", line,
                               f.depth if f else 0, self.inclusions[0].path)

    def _dynamic_at(self, name: str, position: Position,
                    inc: Inclusion | None) -> list[Token] | None:
        if name not in self.config.compiler.features.builtins:
            return None
        line = 0
        if inc is not None and position:
            scan_ = self.scans.get(inc.path)
            line = scan_.line_of(position[-1]) if scan_ is not None else 0
        return builtin.dynamic(name, self.config, inc.path if inc else "", line,
                               inc.depth if inc else 0, self.inclusions[0].path)

    # -- includes -------------------------------------------------------------------------------

    def _include(self, f: _Frame, d: Directive, i: int) -> None:
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
            return
        self._enter(found[0], found[1], f, (*f.prefix, d.start), spelling, angled, kind, d.line,
                    d.start)

    def _header_name(self, f: _Frame, d: Directive) -> tuple[str, bool] | None:
        m = _HEADER.match(d.rest)
        if m is not None:
            if m.group(3):
                self._diag("warning", f"extra tokens at end of #{d.name} directive", f, d.line)
            return (m.group(1), True) if m.group(1) is not None else (m.group(2), False)
        self.frame, self.directive = f, d
        exp = Expander(self.macros.get, self.lex, dynamic=self._dynamic,
                       limit=self.config.expansion_limit)
        toks = exp.expand(d.tokens(self.lex))
        for message in exp.errors:
            self._error(f, d, message)
        if toks and toks[0].kind == STR and toks[0].text.startswith('"'):
            return toks[0].text[1:-1], False
        if toks and toks[0].text == "<":
            for k in range(1, len(toks)):
                if toks[k].text == ">":
                    return spell(toks[1:k]), True
        self._error(f, d, f'#{d.name} expects "FILENAME" or <FILENAME>')
        return None

    def _enter(self, path: str, found: int, parent: _Frame | None, prefix: Position,
               spelling: str, angled: bool, kind: str, line: int, offset: int,
               system: bool = False) -> None:
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
        scan_ = self._scan(path, data)
        skipped = None
        if identity in self.once:
            skipped = "pragma once"
        elif identity in self.guards and self._is_defined(self.guards[identity]):
            skipped = "guard"
        depth = parent.depth + 1 if parent is not None else 1
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
            self.frames.append(_Frame(inc, scan_, found))

    def _record(self, path: str, parent: int | None, line: int, offset: int, unit: int | None,
                system: bool, prefix: Position, depth: int, skipped: str | None, spelling: str,
                angled: bool, kind: str, guard: str | None = None) -> Inclusion:
        inc = Inclusion(len(self.inclusions), path, parent, line, offset, unit, system, prefix,
                        depth, skipped, guard, spelling, angled, kind)
        self.inclusions.append(inc)
        self.ranges.append([])
        return inc

    def identity(self, path: str) -> str:
        known = self._identities.get(path)
        if known is None:
            known = self._identities[path] = self._identity(path)
        return known

    def _read(self, path: str) -> bytes | None:
        scan_ = self.scans.get(path)
        return scan_.data if scan_ is not None else self.read(path)

    def _scan(self, path: str, data: bytes) -> FileScan:
        scan_ = self.scans.get(path)
        if scan_ is None:
            scan_ = self.scans[path] = scan(data, self.lex)
        return scan_

    # -- the other directives -------------------------------------------------------------------

    def _line(self, f: _Frame, d: Directive, i: int) -> None:
        text = d.rest if d.name == "line" else d.name + d.rest
        toks = d.tokens(self.lex) if d.name == "line" else []
        if d.name == "line":
            exp = Expander(self.macros.get, self.lex, dynamic=self._dynamic)
            toks = exp.expand(toks)
            text = spell(toks)
        parts = text.split(None, 1)
        if not parts or not parts[0].isdigit():
            self._error(f, d, f'"{parts[0] if parts else ""}" after #line is not a positive '
                        "integer")
            return
        f.line_delta = int(parts[0]) - f.scan.line_of(d.end) if d.end < len(f.scan.data) \
            else int(parts[0]) - d.line - 1
        rest = parts[1].strip() if len(parts) > 1 else ""
        if rest.startswith('"'):
            f.presumed = rest[1:rest.find('"', 1)]

    def _message(self, f: _Frame, d: Directive, i: int) -> None:
        text = f"#{d.name} {d.rest.strip()}".rstrip()
        if d.name == "error":
            self._error(f, d, text)
        else:
            self._diag("warning", text, f, d.line)

    def _pragma(self, f: _Frame, d: Directive, i: int) -> None:
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
        elif words[:2] in (["GCC", "error"], ["GCC", "warning"]):
            self._diag("error" if words[1] == "error" else "warning", spell(toks[2:]), f, d.line)

    def _null(self, f: _Frame, d: Directive, i: int) -> None:
        if d.name == "" and d.rest.strip():
            self._error(f, d, f"invalid preprocessing directive #{d.rest.strip().split()[0]}")

    # -- diagnostics ----------------------------------------------------------------------------

    def _error(self, f: _Frame, d: Directive, message: str) -> None:
        self._diag("error", message, f, d.line, d.start)

    def _diag(self, severity: str, message: str, f: _Frame | None, line: int,
              offset: int = 0) -> None:
        if f is None:
            self.diagnostics.append(Diagnostic(severity, message, None, None, line,
                                               "<command-line>", ()))
            return
        reported = f"{f.presumed}:{line + f.line_delta}"
        self.diagnostics.append(Diagnostic(severity, message, f.inc.index, f.path, line,
                                           reported, (*f.prefix, offset)))
