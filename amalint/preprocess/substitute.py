"""Substitution of one macro invocation: parameters replaced by their (expanded, or raw next to
``##``) arguments, ``#`` stringizing, ``##`` pasting with placemarkers, ``__VA_OPT__``, GNU's
``, ## __VA_ARGS__``, and the hide set of Prosser's algorithm added to every result token."""

from __future__ import annotations

from collections.abc import Callable

from .macros import Macro
from .tokens import CHR, ID, PASTE, PLACEMARKER, PUNCT, STR, LexOptions, Token, single_token

_PM = Token(PLACEMARKER, "")


def substitute(m: Macro, args: list[list[Token]] | None, expanded: dict[int, list[Token]],
               hide: frozenset[str], space: bool, opts: LexOptions,
               error: Callable[[str], None]) -> list[Token]:
    """The replacement of one invocation (``args`` None for an object-like macro): parameters
    replaced, pastes done, placemarkers dropped, ``hide`` added to every token's hide set, the
    first token spaced as the macro name was."""
    body = m.compiled()[0]
    items = body if args is None else _replace(m, body, 0, len(body), args, expanded, opts,
                                               error)
    if any(t.kind == PASTE for t in items):
        items = paste(items, opts, error)
    out: list[Token] = []
    for t in items:
        if t.kind == PLACEMARKER or t.kind == PASTE:
            continue
        out.append(Token(t.kind, t.text, t.space, t.hide | hide if t.hide else hide))
    if out:
        out[0].space = space
    return out

def _replace(m: Macro, body: list[Token], lo: int, hi: int, args: list[list[Token]],
             expanded: dict[int, list[Token]], opts: LexOptions,
             error: Callable[[str], None], nested: bool = False) -> list[Token]:
    """Parameters replaced: by their expanded argument, by the raw argument next to ``##``
    (a placemarker if empty), by a string literal after ``#``; ``##`` stays as ``PASTE``."""
    params = m.params or ()
    index = {p: i for i, p in enumerate(params)}
    last = len(params) - 1
    res: list[Token] = []
    i = lo
    while i < hi:
        t = body[i]
        kind = t.kind
        if kind == PUNCT and t.text in ("#", "%:") and i + 1 < hi and body[i + 1].kind == ID:
            target = body[i + 1].text
            p = index.get(target)
            if p is not None:
                res.append(Token(STR, _stringize(args[p]), t.space))
                i += 2
                continue
            if target == "__VA_OPT__" and m.va_opt_expands and not nested:
                close = _matching(body, i + 2, hi)
                inner = (_replace(m, body, i + 3, close, args, expanded, opts, error, True)
                         if m.variadic and _present(expanded.get(last, [])) else [])
                res.append(Token(STR, _stringize(paste(inner, opts, error)), t.space))
                i = close + 1
                continue
        if kind == ID and t.text == "__VA_OPT__" and m.va_opt_expands and not nested:
            close = _matching(body, i + 1, hi)
            inner = (_replace(m, body, i + 2, close, args, expanded, opts, error, True)
                     if m.variadic and _present(expanded.get(last, [])) else [])
            res.extend(inner if inner else [_PM])
            i = close + 1
            continue
        p = index.get(t.text) if kind == ID else None
        if p is None:
            res.append(t)
            i += 1
            continue
        after_paste = i > lo and body[i - 1].kind == PASTE
        before_paste = i + 1 < hi and body[i + 1].kind == PASTE
        arg = args[p]
        if after_paste and p == last and m.variadic and i - 2 >= lo \
                and body[i - 2].text == "," and res and res[-1].kind == PASTE:
            res.pop()  # GNU: ", ## __VA_ARGS__" drops the comma when there are no arguments
            if not arg:
                res.pop()
                res.append(_PM)
            else:
                res.extend(_respaced(arg, t.space))
        elif after_paste or before_paste:
            res.extend(_respaced(arg, t.space) if arg else [_PM])
        else:
            res.extend(_respaced(expanded[p], t.space))
        i += 1
    return res

def paste(items: list[Token], opts: LexOptions, error: Callable[[str], None]) -> list[Token]:
    """``##`` done left to right, with placemarkers."""
    out: list[Token] = []
    i = 0
    n = len(items)
    while i < n:
        t = items[i]
        if t.kind == PASTE and out and i + 1 < n:
            out.extend(_glue(out.pop(), items[i + 1], opts, error))
            i += 2
            continue
        out.append(t)
        i += 1
    return out

def _glue(lhs: Token, rhs: Token, opts: LexOptions,
          error: Callable[[str], None]) -> list[Token]:
    if rhs.kind == PLACEMARKER:
        return [lhs]
    if lhs.kind == PLACEMARKER:
        return [Token(rhs.kind, rhs.text, lhs.space, rhs.hide)]
    text = lhs.text + rhs.text
    glued = single_token(text, opts)
    if glued is None:
        error(f'pasting "{lhs.text}" and "{rhs.text}" does not give a valid preprocessing token')
        return [lhs, rhs]
    return [Token(glued.kind, text, lhs.space, lhs.hide & rhs.hide)]


def _matching(body: list[Token], lparen: int, hi: int) -> int:
    """The index of the ``)`` closing the ``(`` at ``lparen`` (``hi`` if none)."""
    depth = 0
    for k in range(lparen, hi):
        text = body[k].text
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
            if depth == 0:
                return k
    return hi


def _present(tokens: list[Token]) -> bool:
    return any(t.kind != PLACEMARKER for t in tokens)


def _respaced(arg: list[Token], space: bool) -> list[Token]:
    if not arg or arg[0].space == space:
        return arg
    first = arg[0]
    return [Token(first.kind, first.text, space, first.hide), *arg[1:]]


def _stringize(arg: list[Token]) -> str:
    parts: list[str] = []
    for a in arg:
        if a.kind == PLACEMARKER:
            continue
        if parts and a.space:
            parts.append(" ")
        text = a.text
        if a.kind == STR or a.kind == CHR:
            text = text.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(text)
    return '"' + "".join(parts) + '"'
