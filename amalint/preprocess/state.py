"""The preprocessor's state while it walks a unit (open files, macros, what it has recorded)
and the bookkeeping every directive shares: macro events, diagnostics, built-in macros."""

from __future__ import annotations

from collections.abc import Callable

from . import builtin
from .config import Config
from .expand import Budget
from .expr import ExprOptions
from .macros import DefineError, Macro, parse_define
from .scan import Directive, FileScan, scan
from .search import SearchPath, dirname
from .tokens import Token
from .unit import Diagnostic, Inclusion, Position, RawEvent, UnresolvedInclude

#: The hide set that marks the tokens ``__COUNTER__`` produced (no macro name can be in it).
COUNTED = frozenset({"__COUNTER__"})


class Frame:
    """One open file of the include stack."""

    __slots__ = ("conds", "depth", "dir", "discard", "found", "guard_taken", "i", "inc",
                 "line_delta", "path",
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
        self.guard_taken = False


class State:
    """What the walk knows and has recorded; the helpers every directive handler shares."""

    def __init__(self, config: Config, read: Callable[[str], bytes | None],
                 is_file: Callable[[str], bool], identity: Callable[[str], str]) -> None:
        self.config = config
        self.args = config.parsed
        self.read = read
        self._identity = identity
        self._identities: dict[str, str] = {}
        info = config.compiler
        self.family = info.family
        values = info.macro_values()
        self.lex = builtin.lex_options(config.language, values, info.family)
        self.expr = ExprOptions(cplusplus=config.language == "c++", family=info.family,
                                char_unsigned="__CHAR_UNSIGNED__" in values,
                                digit_separators=self.lex.digit_separators)
        self.features = info.features
        self.search = SearchPath(self.args, info.system_dirs, is_file, info.family)
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
        #: ``#pragma GCC poison`` names: (name, inclusion index, line, position).
        self.poisoned: list[tuple[str, int, int, Position]] = []
        self.builtins = set(info.features.builtins)
        self.counter = 0
        self.frames: list[Frame] = []
        self.frame: Frame | None = None
        self.directive: Directive | None = None
        self.too_many = False
        #: clang, once an #include went deeper than the bound: files read before are not
        #: entered again (an include cycle would only reach the bound again)
        self.depth_reached = False
        self.entered: set[str] = set()
        self.budget = Budget(config.unit_expansion_limit)

    def _define_text(self, text: str) -> None:
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

    def _event(self, kind: str, name: str, macro: Macro | None, f: Frame, d: Directive,
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
        if name == "__COUNTER__":  # marked, to give the count back if it was never read
            self.counter += 1
            return [Token(builtin.NUM, str(self.counter - 1), hide=COUNTED)]
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

    # -- diagnostics ----------------------------------------------------------------------------

    def _error(self, f: Frame, d: Directive, message: str) -> None:
        self._diag("error", message, f, d.line, d.start)

    def _diag(self, severity: str, message: str, f: Frame | None, line: int,
              offset: int = 0) -> None:
        if f is None:
            self.diagnostics.append(Diagnostic(severity, message, None, None, line,
                                               "<command-line>", ()))
            return
        reported = f"{f.presumed}:{line + f.line_delta}"
        self.diagnostics.append(Diagnostic(severity, message, f.inc.index, f.path, line,
                                           reported, (*f.prefix, offset)))
