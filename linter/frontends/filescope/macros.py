"""Macro events of one file: every ``#define``, ``#undef``, test (``#ifdef``, ``defined``) and
use of the macros another file of the unit defines, in file order."""

from __future__ import annotations

import re

from amalint.frontends.filescope.source import FileText, blank, normalize
from amalint.model import MacroEvent, MacroEventKind
from amalint.scan.directives import Directive

_WORD = re.compile(rb"\b[A-Za-z_]\w*")
_WORD_STR = re.compile(r"\b[A-Za-z_]\w*")
_DEFINE = re.compile(r"([A-Za-z_]\w*)(\([^)]*\))?(.*)", re.S)
_DEFINED = re.compile(r"\bdefined\s*\(?\s*([A-Za-z_]\w*)")


def define(rest: str) -> tuple[str, str] | None:
    m = _DEFINE.match(rest)
    if m is None:
        return None
    return m.group(1), normalize((m.group(2) or "") + " " + m.group(3))


def macro_events(file: FileText, names: set[str], function_like: set[str]) -> list[MacroEvent]:
    """Every define, undef, test and use of ``names`` in ``file``, in file order. A
    function-like macro counts as used in code only where a ``(`` follows it."""
    events: list[MacroEvent] = []

    def add(kind: MacroEventKind, name: str, offset: int, definition: str = "") -> None:
        if name in names:
            events.append(MacroEvent(kind, name, file.point(offset), file.position(offset),
                                     definition))

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
            used = definition.split(")", 1)[1] if definition.startswith("(") else definition
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
    present = {w.decode() for w in _WORD.findall(blanked)} & names
    if present:
        directive_lines = {i for i, kind in enumerate(file.kinds) if kind == "directive"}
        pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in present)
                             + rb")\b")
        for found in pattern.finditer(blanked):
            name = found.group(0).decode()
            if file.line_index(found.start()) in directive_lines or (
                name in function_like
                and not blanked[found.end() : found.end() + 200].lstrip().startswith(b"(")
            ):
                continue
            add(MacroEventKind.USE, name, found.start())
    events.sort(key=lambda event: event.position)
    return events

