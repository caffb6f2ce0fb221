"""Which objects a link takes, in what order, and why: static-library members are extracted only
for a symbol that is undefined when the linker searches that library."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from amalint.program.model import Link, Linker, LinkInput, ObjectFile


@dataclass(frozen=True)
class Linked:
    """One object the linker takes, and why: it is on the link line, in a ``--whole-archive``
    library, or extracted from a library for ``symbol``, which ``needed_by`` needs (``None``:
    the start files)."""

    object: ObjectFile
    how: str
    symbol: str | None = None
    needed_by: ObjectFile | None = None

    def reason(self, name: Callable[[ObjectFile], str]) -> str:
        """Why it is linked, naming objects with ``name``."""
        if self.symbol is None:
            return self.how
        who = "the start files" if self.needed_by is None else name(self.needed_by)
        return f"extracted: defines `{self.symbol}`, needed by {who}"


#: The linkers that remember the libraries they have passed (lld's ELF and WebAssembly ones).
_LAZY = (Linker.LLD, Linker.WASM)

LINE = "on the link line"
WHOLE = "in a `--whole-archive` library"


@dataclass(frozen=True)
class Resolution:
    linked: tuple[Linked, ...]
    #: Archive members no symbol pulled in: their code, start-up code included, is left out.
    dropped: tuple[ObjectFile, ...]
    #: Symbols still undefined at the end that some input defines: the link fails with
    #: "undefined reference" (a library searched before the object that needs it).
    unresolved: tuple[str, ...] = ()
    #: Among ``dropped``, the members the linker took but collected as garbage (wasm-ld:
    #: nothing live refers to them), their constructors with them.
    collected: tuple[ObjectFile, ...] = ()
    #: The linked objects in the order the linker began reading them (its symbol resolution
    #: order: the first definition of a weak symbol wins); for wasm-ld not the layout order.
    read: tuple[ObjectFile, ...] = ()


class _State:
    def __init__(self, roots: tuple[str, ...]) -> None:
        self.defined: set[str] = set()
        #: symbol -> the first object that needs it (``None``: the start files)
        self.undefined: dict[str, ObjectFile | None] = dict.fromkeys(roots)
        self.linked: list[Linked] = []
        self.taken: dict[ObjectFile, None] = {}

    def add(self, obj: ObjectFile, how: Linked, record: bool = True) -> None:
        self.taken[obj] = None
        if record:
            self.linked.append(how)
        for symbol in obj.defined:
            self.defined.add(symbol)
            self.undefined.pop(symbol, None)
        for symbol in obj.undefined:
            if symbol not in self.defined:
                self.undefined.setdefault(symbol, obj)

    def wanted(self, obj: ObjectFile) -> str | None:
        """The first symbol of ``obj`` that is undefined now."""
        return next((s for s in obj.defined if s in self.undefined), None)

    def why(self, obj: ObjectFile, symbol: str) -> Linked:
        return Linked(obj, "extracted", symbol, self.undefined[symbol])


def resolve(link: Link, linker: Linker = Linker.BFD) -> Resolution:
    """The objects ``linker`` takes from ``link``'s inputs, in layout order."""
    state = _State(link.roots)
    lazy: list[ObjectFile] = []
    for number, item in enumerate(link.inputs):
        if linker not in _LAZY and item.group is not None:
            if number == 0 or link.inputs[number - 1].group != item.group:
                _search_group(state, _group(link.inputs[number:], item.group))
            continue  # the rest of the group: searched with its first input
        if not item.archive or item.whole:
            for obj in item.objects:
                _take(state, Linked(obj, WHOLE if item.archive else LINE), lazy, linker)
            continue
        if linker in _LAZY:
            # lld reads the members' symbols in archive order: a member is taken when it is
            # read if a symbol it defines is undefined then, or later when one is needed
            for obj in item.objects:
                lazy.append(obj)
                if obj not in state.taken and (symbol := state.wanted(obj)) is not None:
                    _take(state, state.why(obj, symbol), lazy, linker)
            continue
        _search(state, item)
    members = [obj for item in link.inputs if item.archive for obj in item.objects]
    dropped = tuple(dict.fromkeys(obj for obj in members if obj not in state.taken))
    offered = {symbol for obj in members for symbol in obj.defined}
    unresolved = tuple(s for s in state.undefined if s in offered)
    return Resolution(tuple(state.linked), dropped, unresolved, read=tuple(state.taken))


def _search(state: _State, library: LinkInput) -> bool:
    """GNU ld and gold: pass over the archive until it adds nothing; whether it added any."""
    added, changed = False, True
    while changed:
        changed = False
        for obj in library.objects:
            if obj not in state.taken and (symbol := state.wanted(obj)) is not None:
                state.add(obj, state.why(obj, symbol))
                added = changed = True
    return added


def _search_group(state: _State, inputs: list[LinkInput]) -> None:
    """GNU ld and gold on ``--start-group ... --end-group``: each input in turn as outside a
    group, then the group's libraries searched again, over and over, until none adds a
    member."""
    for item in inputs:
        if not item.archive or item.whole:
            for obj in item.objects:
                state.add(obj, Linked(obj, WHOLE if item.archive else LINE))
        else:
            _search(state, item)
    libraries = [item for item in inputs if item.archive and not item.whole]
    while any([_search(state, library) for library in libraries]):
        pass


def _group(inputs: tuple[LinkInput, ...], group: int) -> list[LinkInput]:
    """The inputs of ``group``, which ``inputs`` begins with."""
    return list(itertools.takewhile(lambda later: later.group == group, inputs))


def _take(state: _State, how: Linked, lazy: list[ObjectFile], linker: Linker) -> None:
    """Add ``how.object``; lld then extracts, depth-first, every member of an archive it has
    passed that defines a symbol the object needs, as it meets each need. ELF lld lays an
    object out before the members it extracts; wasm-ld after them (it records a file once it
    has read it, and reading it extracts them)."""
    if linker not in _LAZY:
        state.add(how.object, how)
        return
    after = linker is Linker.WASM
    stack: list[tuple[Linked, bool]] = [(how, False)]
    while stack:
        current, read = stack.pop()
        if read:
            state.linked.append(current)
            continue
        obj = current.object
        if obj in state.taken or (current.symbol is not None and current.symbol in state.defined):
            continue
        state.add(obj, current, record=not after)
        if after:
            stack.append((current, True))
        pending: list[Linked] = []
        for need in obj.undefined:
            member = None if need in state.defined else next(
                (m for m in lazy if m not in state.taken and need in m.defined), None)
            if member is not None:
                pending.append(Linked(member, "extracted", need, obj))
        stack.extend((item, False) for item in reversed(pending))
