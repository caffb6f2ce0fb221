"""Macro expansion with C semantics, iteratively: Prosser's algorithm with hide sets.

Object- and function-like macros, ``#`` stringizing, ``##`` pasting with placemarkers,
``__VA_ARGS__``, ``__VA_OPT__`` and GNU's ``, ## __VA_ARGS__``; arguments are fully expanded
before substitution (unless they are operands of ``#``/``##``) and the result is rescanned with
the rest of the input. No Python recursion grows with the input: the pending input is a stack,
and argument pre-expansion runs as generators on an explicit stack (a trampoline). The number of
tokens macros produce is bounded per expansion (``limit``, which bounds memory) and, through a
shared ``Budget``, over all the expansions of a unit (which bounds time); past either bound the
expansion stops with an error.

In ``#if`` mode, ``defined X``/``defined(X)`` and ``__has_include(...)`` are evaluated where they
appear in the rescanned directive, also when a macro produced them, their operands unexpanded;
the feature operators (``__has_attribute`` …) expand anywhere. (Substitution itself is in
``substitute``.)
"""

from __future__ import annotations

from collections.abc import Callable, Generator

from .config import DYNAMIC_BUILTINS
from .macros import Macro
from .substitute import substitute
from .tokens import (
    EMPTY,
    ID,
    NUM,
    PUNCT,
    STR,
    LexOptions,
    Token,
    spell,
)

#: How many tokens all macro expansions of one expansion request may produce (real code, even
#: Boost.PP's, rarely produces 100,000; 2,000,000 tokens of an exponential macro took 1.5 GB).
DEFAULT_LIMIT = 200_000
FEATURE_OPERATORS = frozenset({
    "__has_attribute", "__has_cpp_attribute", "__has_c_attribute", "__has_builtin",
    "__has_feature", "__has_extension", "__has_warning", "__has_declspec_attribute",
    "__is_identifier",
})
INCLUDE_OPERATORS = frozenset({"__has_include", "__has_include_next"})
#: The feature operators whose operand each compiler family macro-expands first (``#define
#: ATTR noreturn`` / ``__has_attribute(ATTR)``); clang does not expand ``__has_builtin``'s.
EXPANDED_OPERANDS = {
    "gcc": frozenset({"__has_attribute", "__has_cpp_attribute", "__has_c_attribute",
                      "__has_builtin"}),
    "clang": frozenset({"__has_attribute", "__has_cpp_attribute", "__has_c_attribute"}),
}


def angled_name(tokens: list[Token], family: str, written: bool) -> str:
    """The header name of the tokens after a ``<`` up to its ``>`` (the last token). Blanks
    inside the brackets are part of the name: all of them as written (``< x.h >`` is
    `` x.h ``); as a macro gives them, one space where there was any, the one before ``>``
    dropped by gcc."""
    text = "".join((" " if t.space else "") + t.text for t in tokens)
    return text[:-1].rstrip(" ") if family == "gcc" and not written else text[:-1]


class ExpansionLimit(Exception):
    pass


class Budget:
    """How many more tokens the expansions that share it (one unit's) may produce; ``reported``
    once its end has been reported."""

    __slots__ = ("left", "reported", "total")

    def __init__(self, total: int) -> None:
        self.total = total
        self.left = total
        self.reported = False


Runner = Generator[list[Token], list[Token], list[Token]]


class Expander:
    """Expands token lists with the macros ``lookup`` gives.

    ``dynamic(name)`` gives the tokens of a built-in like ``__LINE__`` (None if ``name`` is not
    one); in ``#if`` mode ``is_defined``, ``on_defined(name, value)``, ``has_include(spelling,
    angled, next)`` and ``feature(operator, argument)`` (None: the operator does not exist)
    answer the operators. Problems are appended to ``errors``."""

    def __init__(self, lookup: Callable[[str], Macro | None], opts: LexOptions, *,
                 if_mode: bool = False,
                 dynamic: Callable[[str], list[Token] | None] | None = None,
                 is_defined: Callable[[str], bool] | None = None,
                 on_defined: Callable[[str, bool], None] | None = None,
                 has_include: Callable[[str, bool, bool], bool] | None = None,
                 feature: Callable[[str, str], int | None] | None = None,
                 limit: int = DEFAULT_LIMIT, family: str = "gcc",
                 budget: Budget | None = None) -> None:
        self.lookup = lookup
        self.opts = opts
        self.if_mode = if_mode
        self.dynamic = dynamic
        self.is_defined = is_defined or (lambda name: lookup(name) is not None)
        self.on_defined = on_defined
        self.has_include = has_include
        self.feature = feature
        self.limit = limit
        self.budget = budget
        self.cap = limit
        self.family = family
        self.count = 0
        self.errors: list[str] = []
        #: An error after which the compiler gives up the whole ``#if`` expression.
        self.fatal = False
        # ``defined`` and ``__has_include`` work on the rescanned directive only: inside macro
        # arguments they are plain identifiers while the arguments are expanded (so their
        # operands are expanded too, as gcc and clang do); the feature operators work anywhere,
        # in code too.
        self.specials = FEATURE_OPERATORS if feature is not None else EMPTY
        self.top_specials = (frozenset({"defined"}) | INCLUDE_OPERATORS | self.specials
                             if if_mode else self.specials)

    # -- driver ---------------------------------------------------------------------------------

    def expand(self, tokens: list[Token]) -> list[Token]:
        """``tokens`` fully macro-expanded (on a bound hit: an error, and ``tokens`` as given;
        once the budget is spent, only the first expansion to meet its end reports it)."""
        budget = self.budget
        self.count = 0
        self.cap = self.limit if budget is None else min(self.limit, budget.left)
        gens: list[Runner] = [self._run(tokens, self.top_specials)]
        value: list[Token] | None = None
        try:
            while True:
                try:
                    request = gens[-1].send(value)  # type: ignore[arg-type]
                except StopIteration as stop:
                    gens.pop()
                    if not gens:
                        result: list[Token] = stop.value
                        return result
                    value = stop.value
                    continue
                gens.append(self._run(request, self.specials))
                value = None
        except ExpansionLimit:
            self.fatal = True
            if self.cap == self.limit:
                self.errors.append(f"macro expansion produced more than {self.limit} tokens; "
                                   "expansion stopped")
            elif budget is not None and not budget.reported:
                budget.reported = True
                self.errors.append(f"macro expansions of this unit produced more than "
                                   f"{budget.total} tokens; macros are no longer expanded")
            return list(tokens)
        finally:
            if budget is not None:
                budget.left = max(0, budget.left - self.count)

    def _inert(self, arg: list[Token]) -> bool:
        lookup = self.lookup
        specials = self.specials
        for t in arg:
            if t.kind == ID and (lookup(t.text) is not None or t.text in specials
                                 or t.text in DYNAMIC_BUILTINS):
                return False
        return True

    def _run(self, tokens: list[Token], specials: frozenset[str]) -> Runner:
        stack = tokens[::-1]
        out: list[Token] = []
        lookup = self.lookup
        while stack:
            t = stack.pop()
            if t.kind != ID:
                out.append(t)
                continue
            name = t.text
            if name in specials:
                value = self._special(name, t, stack)
                if value is not None:
                    out.append(value)
                    continue
            elif name in INCLUDE_OPERATORS and not self.if_mode and self.feature is not None \
                    and self.feature(name, "") is not None:
                self._error(f'"{name}" used outside of preprocessing directive')
            if name in t.hide:
                out.append(t)
                continue
            m = lookup(name)
            if m is None:
                if self.dynamic is not None:
                    produced = self.dynamic(name)
                    if produced is not None:
                        if produced:
                            first = produced[0]
                            produced[0] = Token(first.kind, first.text, t.space, first.hide)
                        out.extend(produced)
                        continue
                out.append(t)
                continue
            if m.params is None:
                new = substitute(m, None, {}, t.hide | {name}, t.space, self.opts, self._error)
            else:
                if not stack or stack[-1].text != "(" or stack[-1].kind != PUNCT:
                    out.append(t)
                    continue
                collected = self._collect(m, stack)
                if collected is None:
                    out.append(t)
                    continue
                args, rparen = collected
                _, bare, vaopt = m.compiled()
                expanded: dict[int, list[Token]] = {}
                for i in bare | vaopt:
                    arg = args[i]
                    expanded[i] = arg if self._inert(arg) else (yield arg)
                new = substitute(m, args, expanded, (t.hide & rparen.hide) | {name}, t.space,
                                 self.opts, self._error)
            self.count += len(new)
            if self.count > self.cap:
                raise ExpansionLimit
            new.reverse()
            stack.extend(new)
        return out

    def _error(self, message: str, fatal: bool = False) -> None:
        """An error; ``fatal`` ones end the expression in clang (gcc goes on after all)."""
        self.errors.append(message)
        self.fatal = self.fatal or (fatal and self.family == "clang")

    # -- arguments ------------------------------------------------------------------------------

    def _collect(self, m: Macro, stack: list[Token]) -> tuple[list[list[Token]], Token] | None:
        params = m.params or ()
        nparams = len(params)
        popped = [stack.pop()]
        args: list[list[Token]] = [[]]
        depth = 0
        while stack:
            u = stack.pop()
            popped.append(u)
            if u.kind == PUNCT:
                x = u.text
                if x == "(":
                    depth += 1
                elif x == ")":
                    if depth == 0:
                        checked = self._check_count(m, args, nparams)
                        return None if checked is None else (checked, u)
                    depth -= 1
                elif x == "," and depth == 0 and not (m.variadic and len(args) >= nparams):
                    args.append([])
                    continue
            args[-1].append(u)
        # In a directive the invocation is dropped (gcc keeps the name; clang gives up the
        # expression); in code handed to ``expand`` the tokens stay as they were.
        if not self.if_mode:
            popped.reverse()
            stack.extend(popped)
        self._error(f'unterminated argument list invoking macro "{m.name}"', fatal=True)
        return None

    def _check_count(self, m: Macro, args: list[list[Token]],
                     nparams: int) -> list[list[Token]] | None:
        """The arguments, or None (an error: the name stays, the arguments are dropped)."""
        if nparams == 0 and len(args) == 1 and not args[0]:
            return []
        if len(args) == nparams:
            return args
        if m.variadic and len(args) == nparams - 1:
            return [*args, []]
        if len(args) < nparams:
            self._error(f'macro "{m.name}" requires {nparams} arguments, but only '
                        f"{len(args)} given")
        else:
            self._error(f'macro "{m.name}" passed {len(args)} arguments, but takes just {nparams}')
        return None

    # -- #if operators --------------------------------------------------------------------------

    def _special(self, name: str, t: Token, stack: list[Token]) -> Token | None:
        if name == "defined":  # the tokens gcc's parse_defined reads, unexpanded
            target = None
            first = stack.pop() if stack else None
            paren = first is not None and first.kind == PUNCT and first.text == "("
            if paren:
                first = stack.pop() if stack else None
            if first is not None and first.kind == ID:
                target = first.text
                if paren and not (stack and stack.pop().text == ")"):
                    self._error('missing \')\' after "defined"', fatal=True)
                    target = None
            else:
                self._error('operator "defined" requires an identifier', fatal=True)
            if target is None:  # gcc goes on with 0; clang gives up the expression
                return Token(NUM, "0", t.space)
            value = self.is_defined(target)
            if self.on_defined is not None:
                self.on_defined(target, value)
            return Token(NUM, "1" if value else "0", t.space)
        if self.feature is None or self.feature(name, "") is None:
            return None  # this compiler has no such operator: an ordinary identifier
        if not stack or stack[-1].text != "(":
            self._error(f'missing \'(\' after "{name}"', fatal=True)
            return Token(NUM, "0", t.space)
        stack.pop()
        inner: list[Token] = []
        depth = 0
        while stack:
            u = stack.pop()
            if u.kind == PUNCT and u.text == "(":
                depth += 1
            elif u.kind == PUNCT and u.text == ")":
                if depth == 0:
                    break
                depth -= 1
            inner.append(u)
        else:
            self._error(f'missing \')\' after "{name}" operand', fatal=True)
            return Token(NUM, "0", t.space)
        if name in INCLUDE_OPERATORS:
            return Token(NUM, "1" if self._has_include(name, inner) else "0", t.space)
        if name in EXPANDED_OPERANDS.get(self.family, EMPTY):
            inner = self._expanded(inner)
        answer = self.feature(name, spell(inner)) or 0
        if answer and self.family == "clang" and name in ("__has_cpp_attribute",
                                                          "__has_c_attribute"):
            return Token(NUM, f"{answer}L", t.space)  # as clang spells them: 201907L
        return Token(NUM, str(answer), t.space)

    def _expanded(self, tokens: list[Token]) -> list[Token]:
        """An operator's operand macro-expanded (as code is: no ``#if`` operators)."""
        if self._inert(tokens):
            return tokens
        sub = Expander(self.lookup, self.opts, dynamic=self.dynamic, limit=self.limit,
                       budget=self.budget)
        out = sub.expand(tokens)
        self.errors.extend(sub.errors)
        return out

    def _has_include(self, name: str, inner: list[Token]) -> bool:
        written = bool(inner) and (inner[0].kind == STR or inner[0].text == "<")
        if not written:
            inner = self._expanded(inner)
        if inner and inner[0].kind == STR and inner[0].text.startswith('"'):
            spelling, angled = inner[0].text[1:-1], False
        elif inner and inner[0].text == "<" and inner[-1].text == ">":
            spelling = angled_name(inner[1:], self.family, written)
            angled = True
        else:
            self._error(f'operator "{name}" requires a header-name', fatal=True)
            return False
        if self.has_include is None:
            return False
        return self.has_include(spelling, angled, name == "__has_include_next")
