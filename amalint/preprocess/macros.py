"""Macros: a definition, parsed from ``#define`` text, and what expansion needs of it."""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Location
from .tokens import ID, IDENTIFIER, PASTE, PUNCT, LexOptions, Token, tokenize

_HEAD = re.compile(r"[ \t\f\v]*(" + IDENTIFIER + ")")
_PARAMS = re.compile(r"\(([^()]*)\)")
_PARAM = re.compile(
    r"\s*(?:(" + IDENTIFIER + r")\s*(\.\.\.)?|(\.\.\.))\s*")
DEFAULT_LEX = LexOptions()
_NEEDS_TOKENS = re.compile(r"['\"]")


class DefineError(ValueError):
    """A ``#define`` the compiler rejects (the message is the compiler's kind of words)."""


class Macro:
    """One macro definition. ``params`` is None for an object-like macro; a variadic macro's last
    parameter is ``__VA_ARGS__`` (or the GNU named one, ``args...``). ``replacement`` is the
    replacement list normalized as the compiler compares and prints it (``-dM``): one space where
    whitespace was, none at the ends. ``path``/``line`` say where it was defined (``path`` None
    for predefined and command-line macros). Treat as immutable."""

    __slots__ = ("_compiled", "_tokens", "body", "line", "name", "opts", "params", "path",
                 "replacement", "variadic")

    def __init__(self, name: str, params: tuple[str, ...] | None, variadic: bool, body: str,
                 path: str | None = None, line: int = 0,
                 opts: LexOptions = DEFAULT_LEX) -> None:
        self.name = name
        self.params = params
        self.variadic = variadic
        self.body = body
        self.path = path
        self.line = line
        self.opts = opts
        self._tokens: list[Token] | None = None
        self._compiled: tuple[list[Token], frozenset[int], frozenset[int]] | None = None
        self.replacement = (" ".join(body.split()) if _NEEDS_TOKENS.search(body) is None
                            else _respell(self.tokens))

    @property
    def location(self) -> Location | None:
        """Where the ``#define`` is (None for predefined and command-line macros)."""
        return None if self.path is None else Location(Path(self.path), self.line)

    @property
    def function_like(self) -> bool:
        return self.params is not None

    @property
    def tokens(self) -> list[Token]:
        """The replacement list as tokens (the first one never has ``space``)."""
        if self._tokens is None:
            toks = tokenize(self.body, self.opts)
            if toks and toks[0].space:
                toks[0] = Token(toks[0].kind, toks[0].text)
            self._tokens = toks
        return self._tokens

    @property
    def signature(self) -> str:
        """``NAME`` or ``NAME(a,b,...)`` as ``-dM`` prints it."""
        if self.params is None:
            return self.name
        params = list(self.params)
        if self.variadic:
            params[-1] = "..." if params[-1] == "__VA_ARGS__" else params[-1] + "..."
        return f"{self.name}({','.join(params)})"

    def definition(self, family: str = "clang") -> str:
        """The macro as a ``#define`` line of ``-dM`` output. clang prints the replacement list
        as written (normalized); gcc prints ``#x`` for ``# x`` and `` ##`` right after the left
        operand of every paste."""
        text = self.replacement if family != "gcc" else _gcc_spelling(self.tokens,
                                                                      self.params or ())
        return f"#define {self.signature} {text}" if text else f"#define {self.signature}"

    def same_as(self, other: Macro) -> bool:
        """Whether a redefinition is identical (so the compiler says nothing)."""
        return (self.params == other.params and self.variadic == other.variadic
                and self.replacement == other.replacement)

    @property
    def va_opt(self) -> bool:
        """Whether ``__VA_OPT__`` is an operator in the body (else an ordinary identifier)."""
        return self.variadic or (self.opts.va_opt_everywhere and self.params is not None)

    @property
    def va_opt_expands(self) -> bool:
        """Whether an invocation replaces ``__VA_OPT__``: clang leaves the body of a macro
        without parameters as it is, even one it checked as having the operator."""
        return self.variadic or (self.opts.va_opt_everywhere and bool(self.params))

    def compiled(self) -> tuple[list[Token], frozenset[int], frozenset[int]]:
        """The body for substitution: tokens with ``##`` operators marked ``PASTE``, the
        parameter indices used bare (to macro-expand first) and whether ``__VA_OPT__`` occurs."""
        if self._compiled is None:
            self._compiled = _compile(self)
        return self._compiled

    def __repr__(self) -> str:
        return f"Macro({self.definition()!r})"


def _gcc_spelling(tokens: list[Token], params: tuple[str, ...]) -> str:
    out: list[str] = []
    k = 0
    while k < len(tokens):
        t = tokens[k]
        if t.kind == PUNCT and t.text in ("##", "%:%:"):
            out.append(" ##")
            k += 1
            continue
        if out and t.space:
            out.append(" ")
        if t.kind == PUNCT and t.text in ("#", "%:") and k + 1 < len(tokens) \
                and tokens[k + 1].text in params:
            out.append("#" + tokens[k + 1].text)
            k += 2
            continue
        out.append(t.text)
        k += 1
    return "".join(out)


def _respell(tokens: list[Token]) -> str:
    return "".join((" " + t.text) if t.space and i else t.text for i, t in enumerate(tokens))


def _compile(m: Macro) -> tuple[list[Token], frozenset[int], frozenset[int]]:
    body = [Token(PASTE, "##", t.space) if t.kind == PUNCT and t.text in ("##", "%:%:") else t
            for t in m.tokens]
    index = {p: i for i, p in enumerate(m.params or ())}
    bare: set[int] = set()
    vaopt: set[int] = set()
    for k, t in enumerate(body):
        if t.kind != ID:
            continue
        if t.text == "__VA_OPT__" and m.va_opt_expands:
            if m.variadic:  # the variable arguments, expanded to know whether there are any
                vaopt.add(len(index) - 1)
            continue
        i = index.get(t.text)
        if i is None:
            continue
        before = body[k - 1] if k else None
        after = body[k + 1] if k + 1 < len(body) else None
        if (before is not None and before.kind == PASTE) or \
                (after is not None and after.kind == PASTE):
            continue
        if before is not None and before.kind == PUNCT and before.text in ("#", "%:"):
            continue
        bare.add(i)
    return body, frozenset(bare), frozenset(vaopt)


def parse_define(text: str, opts: LexOptions, path: str | None = None, line: int = 0) -> Macro:
    """A macro from the text after ``#define`` (comments already blanked)."""
    m = _HEAD.match(text)
    if m is None:
        raise DefineError("macro names must be identifiers" if text.strip()
                          else "no macro name given in #define directive")
    name = m.group(1)
    if name in ("defined", "__VA_ARGS__", "__VA_OPT__"):
        raise DefineError(f'"{name}" cannot be used as a macro name')
    pos = m.end()
    params: tuple[str, ...] | None = None
    variadic = False
    if text.startswith("(", pos):
        pm = _PARAMS.match(text, pos)
        if pm is None:
            raise DefineError("missing ')' in macro parameter list")
        params, variadic = _parse_params(pm.group(1))
        pos = pm.end()
    elif pos < len(text) and not text[pos].isspace():
        # C99 and C++ require whitespace after the name; gcc warns and goes on.
        pass
    body = text[pos:].strip(" \t\f\v\r\n")
    macro = Macro(name, params, variadic, body, path, line, opts)
    if body.startswith(("##", "%:%:")) or body.endswith(("##", "%:%:")):
        raise DefineError("'##' cannot appear at either end of a macro expansion")
    if params is not None and ("#" in body or "%:" in body):
        toks = macro.tokens
        names = set(params) | ({"__VA_OPT__"} if macro.va_opt else set())
        for k, t in enumerate(toks):
            if t.text in ("#", "%:") and t.kind == PUNCT:
                nxt = toks[k + 1] if k + 1 < len(toks) else None
                if nxt is None or nxt.text not in names:
                    raise DefineError("'#' is not followed by a macro parameter")
    if macro.va_opt and "__VA_OPT__" in body:
        _check_va_opt(macro.tokens)
    return macro


def _check_va_opt(tokens: list[Token]) -> None:
    """gcc's and clang's errors for a ``__VA_OPT__`` without its parenthesized operand."""
    for k, t in enumerate(tokens):
        if t.kind != ID or t.text != "__VA_OPT__":
            continue
        if k + 1 >= len(tokens) or tokens[k + 1].text != "(":
            raise DefineError("__VA_OPT__ must be followed by an open parenthesis")
        depth = 0
        for u in tokens[k + 1:]:
            depth += (u.text == "(") - (u.text == ")")
            if not depth:
                break
        else:
            raise DefineError("unterminated __VA_OPT__")


def _parse_params(inner: str) -> tuple[tuple[str, ...], bool]:
    if not inner.strip():
        return (), False
    names: list[str] = []
    variadic = False
    parts = inner.split(",")
    for k, part in enumerate(parts):
        pm = _PARAM.fullmatch(part)
        if pm is None or variadic:
            raise DefineError("expected parameter name, found " + repr(part.strip()))
        if pm.group(3):
            names.append("__VA_ARGS__")
            variadic = True
        else:
            if pm.group(1) in names:
                raise DefineError(f'duplicate macro parameter "{pm.group(1)}"')
            names.append(pm.group(1))
            variadic = bool(pm.group(2))
        if variadic and k != len(parts) - 1:
            raise DefineError("missing ')' in macro parameter list")
    return tuple(names), variadic


def command_line_define(arg: str, opts: LexOptions) -> Macro:
    """The macro of ``-D arg``: ``NAME`` is ``NAME 1``, ``NAME=value`` is ``NAME value``."""
    name, eq, value = arg.partition("=")
    return parse_define(f"{name} {value if eq else '1'}", opts)
