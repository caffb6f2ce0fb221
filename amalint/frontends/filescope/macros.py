"""Macro events of one file: every ``#define``, ``#undef``, test (``#ifdef``, ``defined``) and
use of the macros another file of the unit defines, in file order."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from amalint import preprocess
from amalint.frontends.filescope import lexemes
from amalint.frontends.filescope.source import FileText, blank, identifiers
from amalint.model import (
    INERT,
    OBJECT_LIKE,
    REDECLARES,
    MacroEvent,
    MacroEventKind,
    macro_body,
)
from amalint.scan.directives import Directive

_WORD = re.compile(rb"\b[A-Za-z_]\w*")
_WORD_STR = re.compile(r"\b[A-Za-z_]\w*")
_DEFINE = re.compile(r"([A-Za-z_]\w*)(\([^)]*\))?(.*)", re.S)
_DEFINED = re.compile(r"\bdefined\s*\(?\s*([A-Za-z_]\w*)")
#: What ends an operand: before it, ``*`` or ``&`` is a binary operator (``*ip++ & mask``).
_OPERAND = re.compile(rb"(?:[)\]0-9]|\+\+|--)\s*$")
#: Inside the braces of an ``enum``, up to the name: an enumerator list.
_ENUM_BODY = re.compile(rb"\benum\b[^;{}]*\{[^;{}]*$")
#: Words after which a name is an expression, not what a declaration declares.
_EXPRESSION_WORDS = frozenset({b"return", b"case", b"sizeof", b"else", b"do", b"goto",
                               b"throw", b"new", b"delete", b"typeid", b"decltype", b"co_return",
                               b"co_yield", b"co_await", b"alignof", b"not", b"and", b"or"})


def last_token(window: bytes) -> tuple[int, bytes] | None:
    """The start and text of the last token of ``window`` (spaces after it aside) if it is a
    name or ``*``/``&``, as ``([A-Za-z_]\\w*|[*&])\\s*$`` would find it; read back from the
    end (that search tried each of the window's bytes: 10 microseconds a use)."""
    text = window.rstrip()  # (the ASCII spaces: \\s of a bytes pattern)
    if not text:
        return None
    if text[-1] in b"*&":
        return len(text) - 1, text[-1:]
    start = len(text)
    while start > 0 and text[start - 1] in lexemes.WORD:
        start -= 1
    while start < len(text) and text[start] in lexemes.DIGITS:  # a name starts with no digit
        start += 1
    return (start, text[start:]) if start < len(text) else None


def use_context(code: bytes, start: int, end: int) -> str:
    """How a name at ``code[start:end]`` is used: ``call`` (a ``(`` follows), ``declarator``
    (it stands where a declaration names what it declares, an enumerator too), or ``""``."""
    after = code[end:end + 200].lstrip()[:1]
    window = code[max(0, start - 64):start]
    before = last_token(window)
    if before is not None and after in (b"(", b";", b"=", b",", b"[", b")") and (
            (before[1] in (b"*", b"&") and not _OPERAND.search(window[:before[0]]))
            or before[1] not in (*_EXPRESSION_WORDS, b"*", b"&")):
        return "declarator"
    if after in (b",", b"}", b"=") and code[max(0, start - 200):start].rstrip()[-1:] in \
            (b",", b"{") and _ENUM_BODY.search(code[max(0, start - 2000):start]):
        return "declarator"
    return "call" if after == b"(" else ""


def defines_of(directives: Iterable[Directive]) -> Iterator[tuple[Directive, str, str]]:
    """Each ``#define`` among ``directives`` (in any branch), with the name and the definition
    it gives (see :func:`define`)."""
    for directive in directives:
        if directive.name == "define" and (parsed := define(directive.rest.strip())) is not None:
            yield directive, parsed[0], parsed[1]


def define(rest: str) -> tuple[str, str] | None:
    """The name and definition (see :data:`OBJECT_LIKE`) of a ``#define``'s text (comments
    blanked), spelled as :func:`macro_definition` spells the preprocessor's."""
    m = _DEFINE.match(rest)
    if m is None:
        return None
    replacement = " ".join(m.group(3).split())
    if m.group(2) is None:
        return m.group(1), OBJECT_LIKE + replacement
    return m.group(1), f"{''.join(m.group(2).split())} {replacement}"


def macro_events(file: FileText, names: set[str], function_like: set[str]) -> list[MacroEvent]:
    """Every define, undef, test and use of ``names`` in ``file``, in file order. A
    function-like macro counts as used in code only where a ``(`` follows it."""
    events: list[MacroEvent] = []

    def add(kind: MacroEventKind, name: str, offset: int, definition: str = "",
            context: str = "") -> None:
        if name in names:
            events.append(MacroEvent(kind, name, file.point(offset), file.position(offset),
                                     definition, context))

    for directive in file.source.directives.directives:
        rest = blank(directive.rest.encode()).decode("utf-8", "replace")
        words = rest.split()

        def offset_of(name: str, directive: Directive = directive) -> int:
            found = file.source.data.find(name.encode(), directive.start_byte)
            return found if found >= 0 else directive.start_byte

        if directive.name == "define":
            parsed = define(rest)
            if parsed is None:
                continue
            name, definition = parsed
            add(MacroEventKind.DEFINE, name, offset_of(name), definition)
            used = macro_body(definition)
        elif directive.name in ("undef", "ifdef", "ifndef", "elifdef", "elifndef"):
            if words:
                kind = MacroEventKind.UNDEF if directive.name == "undef" else MacroEventKind.TEST
                add(kind, words[0], offset_of(words[0]))
            continue
        elif directive.name in ("if", "elif"):
            for name in sorted(set(_DEFINED.findall(rest))):
                add(MacroEventKind.TEST, name, offset_of(name))
            used = _DEFINED.sub(" ", rest)
        elif directive.name == "include":
            used = rest
        else:
            continue
        for m in _WORD_STR.finditer(used):
            if m.group(0) not in function_like or used[m.end() :].lstrip().startswith("("):
                add(MacroEventKind.USE, m.group(0), offset_of(m.group(0)))
    blanked = file.blanked
    present = identifiers(blanked) & names
    if present:
        directive_lines = {i for i, kind in enumerate(file.kinds) if kind == "directive"}
        pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in present)
                             + rb")\b")
        for found in pattern.finditer(blanked):
            name = found.group(0).decode()
            context = use_context(blanked, found.start(), found.end())
            if file.line_index(found.start()) in directive_lines or (
                    name in function_like and context != "call"):
                continue
            add(MacroEventKind.USE, name, found.start(), context=context)
    events.sort(key=lambda event: event.position)
    return events



def macro_definition(macro: preprocess.Macro) -> str:
    """A definition as :func:`define` spells it, its replacement list as the compiler compares
    two definitions: where whitespace separates tokens matters (``?(a)`` is not ``? (a)``),
    how much does not."""
    if macro.params is None:
        return OBJECT_LIKE + macro.replacement
    params = [*macro.params[:-1], "..."] if macro.variadic and macro.params \
        and macro.params[-1] == "__VA_ARGS__" else list(macro.params)
    return f"({','.join(params)}) {macro.replacement}"


def words_at(code: bytes, names: Iterable[str]) -> list[tuple[int, str]]:
    """Where each of ``names`` stands in ``code`` as a whole word, in text order: what
    ``\\b(?:name|...)\\b`` finds, sought name by name (compiling that expression cost
    50 microseconds a name: 4 % of a run on curl)."""
    found: list[tuple[int, str]] = []
    size = len(code)
    for name in names:
        word = name.encode()
        at = code.find(word)
        while at != -1:
            end = at + len(word)
            if (at == 0 or code[at - 1] not in lexemes.WORD) \
                    and (end == size or code[end] not in lexemes.WORD):
                found.append((at, name))
            at = code.find(word, end)  # (no whole word starts inside this one)
    found.sort()
    return found


def pp_macro_events(file: FileText, pp: preprocess.Unit, names: set[str]) -> list[MacroEvent]:
    """The events of ``names`` in one read of a file, as the preprocessor met them: each
    ``#define``, ``#undef`` and test in an active branch, and each use in compiled code where
    the macro is defined (a function-like one only where a ``(`` follows)."""
    inclusion = file.source.inclusion
    prefix = file.source.prefix
    events: list[MacroEvent] = []

    def add(kind: MacroEventKind, name: str, offset: int, definition: str = "",
            context: str = "") -> None:
        events.append(MacroEvent(kind, name, file.point(offset), (*prefix, offset), definition,
                                 context))

    kinds = {"define": MacroEventKind.DEFINE, "undef": MacroEventKind.UNDEF,
             "test": MacroEventKind.TEST}
    mine = pp.events_of(inclusion)  # this read's events
    taken = {e.line: (e.macro is not None) == (e.test == "ifdef") for e in mine
             if e.test in ("ifdef", "ifndef")}  # whether each #ifdef/#ifndef's branch is taken
    for event in mine:
        if event.name not in names or event.test == "guard":
            continue
        offset = _name_offset(file.source.data, event.name, event.position[-1])
        definition = macro_definition(event.macro) \
            if event.kind == "define" and event.macro is not None else ""
        context = ""
        if event.kind == "test":
            directives = file.source.directives.directives
            definition = _default(directives, event.name, file.point(offset).line)
            if taken.get(event.line) and _inert(directives, event.line, taken,
                                                file.source.code):
                context = INERT
        add(kinds[event.kind], event.name, offset, definition, context)
    code = blank(file.source.code)
    for start, name in words_at(code, identifiers(code) & names):
        end = start + len(name)
        macro = pp.macro_at(name, (*prefix, start))
        context = use_context(code, start, end)
        if macro is None or (macro.params is not None and context != "call"):
            continue
        if context == "declarator" and _renamed_twice(code, start, end, macro.replacement):
            context = REDECLARES
        add(MacroEventKind.USE, name, start, macro_definition(macro), context)
    events.sort(key=lambda e: e.position)
    return events


def _default(directives: Sequence[Directive], name: str, line: int) -> str:
    """The definition a test's branch gives ``name`` (``#ifndef M`` / ``#define M 4096``),
    read from the directives whether the branch is compiled or not; empty if it gives none."""
    after = [d for d in directives if d.line > line]
    depth = 0
    for directive in after:
        if directive.name in ("if", "ifdef", "ifndef"):
            depth += 1
        elif directive.name == "endif" or (depth == 0 and directive.name in (
                "else", "elif", "elifdef", "elifndef")):
            if depth == 0:
                return ""
            depth -= directive.name == "endif"
        elif depth == 0 and directive.name == "define":
            parsed = define(directive.rest.strip())
            if parsed is not None and parsed[0] == name:
                return parsed[1]
    return ""


def _renamed_twice(code: bytes, start: int, end: int, replacement: str) -> bool:
    """Whether the declarator at ``code[start:end]``, renamed to ``replacement``, meets a
    declarator of that name in the same declaration (``char _buffer[16], *buffer;``)."""
    target = replacement.strip().encode()
    if not target or _WORD.fullmatch(target) is None:
        return False
    low = max(code.rfind(b";", 0, start), code.rfind(b"{", 0, start),
              code.rfind(b"}", 0, start)) + 1
    high = code.find(b";", end)
    for other in re.finditer(rb"\b" + re.escape(target) + rb"\b",
                             code[low:high if high >= 0 else len(code)]):
        at = low + other.start()
        if at != start and use_context(code, at, at + len(target)) == "declarator":
            return True
    return False


def _inert(directives: Sequence[Directive], line: int, taken: dict[int, bool],
           code: bytes) -> bool:
    """Whether the ``#ifdef``/``#ifndef`` group at ``line``, whose branch the read takes,
    has no other branch and compiles nothing: no code, no directive that acts (a nested
    group's skipped lines aside, as ``taken`` tells for each ``#ifdef``/``#ifndef``)."""
    at = next((i for i, d in enumerate(directives) if d.line == line), None)
    if at is None:
        return False
    depth, skipping = 0, 0  # skipping: the depth of the innermost nested group not taken
    for directive in directives[at + 1:]:
        name = directive.name
        if name in ("if", "ifdef", "ifndef"):
            depth += 1
            if not skipping:
                branch = taken.get(directive.line) if name != "if" else None
                if branch is None:
                    return False  # a condition this cannot tell
                skipping = 0 if branch else depth
        elif depth == 0 and name in ("else", "elif", "elifdef", "elifndef"):
            return False  # another branch: without the macro the build takes it
        elif name == "else":
            if skipping == depth:
                skipping = 0  # the nested group's other branch is taken
            elif not skipping:
                skipping = depth
        elif name in ("elif", "elifdef", "elifndef") and not 0 < skipping < depth:
            return False  # a condition this cannot tell
        elif name == "endif":
            if depth == 0:
                start = directives[at].start_byte
                return not code[start:directive.start_byte].strip()
            if skipping == depth:
                skipping = 0
            depth -= 1
        elif not skipping:
            return False  # a #define, #include, #pragma ... that the read acts on
    return False


def _name_offset(data: bytes, name: str, directive: int) -> int:
    """Where ``name`` is written in the directive line starting at ``directive``."""
    end = data.find(b"\n", directive)
    found = data.find(name.encode(), directive, end if end >= 0 else len(data))
    return found if found >= 0 else directive
