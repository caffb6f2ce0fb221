"""A conservative reader of the CMake language: the command invocations of a file, each argument
with its byte span and whether it is *literal* (no variable reference, no generator expression).

Nothing is evaluated or run: ``if()``, ``foreach()``, functions and macros are not followed, so
an argument is only trusted when it is literal. That is enough for what amalint reads (source
properties written with literal file names, literal source lists it may reorder) and it says so
when it cannot tell.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from amalint.errors import InputError
from amalint.scan.sources import line_column, line_starts, read_bounded

_TOKENS = re.compile(
    rb"(?P<bcomment>\#\[(?P<ceq>=*)\[.*?\](?P=ceq)\])"
    rb"|(?P<comment>\#[^\n]*)"
    rb"|(?P<bracket>\[(?P<beq>=*)\[.*?\](?P=beq)\])"
    rb'|(?P<quoted>"(?:\\.|[^"\\])*")'
    rb"|(?P<open>\()|(?P<close>\))"
    rb"|(?P<space>\s+)"
    rb'|(?P<unquoted>(?:\\.|[^\s()#"\\])+)'
    rb"|(?P<other>.)",
    re.S,
)
#: The largest CMake file read.
MAX_CMAKE_BYTES = 16 * 1024 * 1024
_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*\Z")
_REFERENCE = re.compile(r"\$\{|\$<|\$ENV\{|\$CACHE\{|@[A-Za-z_]")


@dataclass(frozen=True)
class Argument:
    """One argument of a command, as written; ``literal`` unless it refers to a variable or
    holds a generator expression (then ``text`` is not its value)."""

    text: str
    literal: bool
    start: int
    end: int
    line: int
    column: int
    quoted: bool = False
    #: The argument as written (quotes and escapes included).
    raw: str = ""


@dataclass(frozen=True)
class Command:
    """A command invocation: its name (lower case), its arguments, where it is."""

    name: str
    args: tuple[Argument, ...]
    path: Path
    line: int
    start: int
    end: int

    def values(self) -> list[str]:
        """The arguments' texts, unquoted arguments split at ``;`` as CMake splits them."""
        out: list[str] = []
        for arg in self.args:
            out.extend([arg.text] if arg.quoted else [v for v in arg.text.split(";") if v])
        return out

    @property
    def literal(self) -> bool:
        return all(a.literal for a in self.args)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1),
                                                                          m.group(1)), text)


def parse(data: bytes, path: Path) -> tuple[Command, ...]:
    """The command invocations of a CMake file, in order. Raise :class:`InputError` naming the
    file when a command is not closed."""
    commands: list[Command] = []
    starts = line_starts(data)  # (counting the newlines before each offset was quadratic)
    tokens = [(m.lastgroup or "", m.start(), m.end()) for m in _TOKENS.finditer(data)]
    index = 0
    while index < len(tokens):
        kind, start, end = tokens[index]
        index += 1
        if kind != "unquoted" or not _IDENTIFIER.match(data[start:end]):
            continue
        look = index
        while look < len(tokens) and tokens[look][0] == "space":
            look += 1
        if look >= len(tokens) or tokens[look][0] != "open":
            continue
        args: list[Argument] = []
        depth = 1
        index = look + 1
        while index < len(tokens) and depth:
            arg_kind, a, b = tokens[index]
            index += 1
            if arg_kind == "open":
                depth += 1
            elif arg_kind == "close":
                depth -= 1
            elif arg_kind in ("unquoted", "quoted", "bracket"):
                raw = data[a:b].decode("utf-8", "replace")
                if arg_kind == "quoted":
                    text = _unescape(raw[1:-1])
                elif arg_kind == "bracket":
                    eq = raw.index("[", 1) + 1
                    text = raw[eq : len(raw) - eq].removeprefix("\n")
                else:
                    text = _unescape(raw)
                literal = arg_kind == "bracket" or not _REFERENCE.search(raw)
                line, column = line_column(data, starts, a)
                args.append(Argument(text, literal, a, b, line, column, arg_kind != "unquoted",
                                      raw))
        if depth:
            line, _ = line_column(data, starts, start)
            raise InputError(f"{path}:{line}: `{data[start:end].decode()}(` is never closed")
        commands.append(Command(data[start:end].decode().lower(), tuple(args), path,
                                line_column(data, starts, start)[0], start, tokens[index - 1][2]))
    return tuple(commands)


@functools.lru_cache(maxsize=256)
def _read(path: Path, stamp: int) -> tuple[Command, ...]:
    del stamp
    return parse(read_bytes(path), path)


def read_bytes(path: Path) -> bytes:
    """The bytes of the CMake file at ``path``; a FIFO, a device or a huge file there is an
    :class:`InputError` naming it, never a hang."""
    return read_bounded(path, MAX_CMAKE_BYTES, "CMake file")


def read(path: Path) -> tuple[Command, ...]:
    """The commands of the CMake file at ``path`` (read once per version of the file)."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return _read(path.resolve(), stamp)


#: Values CMake takes as false (``if(<constant>)``); anything else set is true.
_FALSE = {"", "0", "OFF", "NO", "FALSE", "N", "IGNORE", "NOTFOUND"}


def truthy(value: str) -> bool:
    upper = value.upper()
    return upper not in _FALSE and not upper.endswith("-NOTFOUND")
