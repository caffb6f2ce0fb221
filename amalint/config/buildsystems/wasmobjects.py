"""The symbols of WebAssembly relocatable objects (what clang, wasi-sdk, emscripten and
``zig c++ -target wasm32-wasi`` write with ``-c``): the symbol table of the ``linking`` custom
section (tool-conventions' Linking.md, version 2), with the import section for the names of
undefined symbols that carry none. Only reading; nothing is run."""

from __future__ import annotations

from dataclasses import dataclass

#: The first bytes of every WebAssembly module.
WASM_MAGIC = b"\0asm"

_WEAK, _LOCAL, _UNDEFINED, _EXPORTED, _EXPLICIT_NAME, _NO_STRIP = (
    0x1, 0x2, 0x10, 0x20, 0x40, 0x80)
_FUNCTION, _DATA, _GLOBAL, _SECTION, _TAG, _TABLE = 0, 1, 2, 3, 4, 5
#: The import kinds (function, table, memory, global, tag) and the symbol kind of each.
_IMPORT_SYMBOL = {0: _FUNCTION, 1: _TABLE, 3: _GLOBAL, 4: _TAG}
_SYMBOL_TABLE = 8


class WasmError(ValueError):
    """Not a WebAssembly object, or one this reader cannot follow."""


@dataclass(frozen=True)
class WasmSymbols:
    defined: tuple[str, ...]
    #: Strongly undefined: what must come from another object.
    undefined: tuple[str, ...]
    #: Defined symbols the object keeps by itself: exported (``export_name``,
    #: ``EMSCRIPTEN_KEEPALIVE``) or ``__attribute__((used))``, local ones by :func:`node`.
    exported: tuple[str, ...] = ()
    #: Defined symbols that are weak (inline functions and variables, templates).
    weak: tuple[str, ...] = ()
    #: What each defined function or data symbol refers to (through the relocations of its
    #: body or bytes), as ``(symbol, (referenced, ...))``; local symbols by :func:`node`.
    refs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: The constructors (the ``init_funcs`` of the linking section), in order.
    init: tuple[str, ...] = ()


def node(name: str, index: int, flags: int) -> str:
    """A symbol as the reference graph names it: a global one by name, a local one by name
    and index (two objects' local symbols never meet)."""
    return f"{name}\0{index}" if flags & _LOCAL else name


class _Reader:
    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data = data
        self.at = start
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.at >= self.end:
            raise WasmError("truncated")
        value = self.data[self.at]
        self.at += 1
        return value

    def uleb(self) -> int:
        value = shift = 0
        while True:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 63:
                raise WasmError("a LEB128 number is too long")

    def name(self) -> str:
        size = self.uleb()
        if self.at + size > self.end:
            raise WasmError("truncated name")
        text = self.data[self.at:self.at + size].decode("utf-8", "replace")
        self.at += size
        return text

    def limits(self) -> None:
        flags = self.byte()
        self.uleb()
        if flags & 1:
            self.uleb()


_SECTION_NAMES = {1: "type", 2: "import", 3: "function", 10: "code", 11: "data"}
#: The relocation types that carry an addend, and the one whose index is no symbol.
_ADDEND = {3, 4, 5, 8, 9, 11, 14, 15, 16, 17, 21, 22, 23, 25}
_TYPE_INDEX = 6
_INIT_FUNCS = 6


@dataclass
class _Symbol:
    kind: int
    flags: int
    name: str | None
    #: function: its function index; data: (segment, offset, size)
    where: int | tuple[int, int, int] | None


def wasm_symbols(data: bytes) -> WasmSymbols:
    """The global symbols of one WebAssembly object and the references between its symbols
    (raises :class:`WasmError`)."""
    if not data.startswith(WASM_MAGIC) or len(data) < 8:
        raise WasmError("no WebAssembly header")
    reader = _Reader(data, 8)
    sections: list[tuple[int, int, int, str]] = []  # (id, start, end, custom name)
    while reader.at < reader.end:
        section = reader.byte()
        size = reader.uleb()
        body_end = reader.at + size
        if body_end > reader.end:
            raise WasmError("a section runs past the end")
        name = ""
        start = reader.at
        if section == 0:
            custom = _Reader(data, reader.at, body_end)
            name = custom.name()
            start = custom.at
        sections.append((section, start, body_end, name))
        reader.at = body_end
    imports: dict[int, list[str]] = {kind: [] for kind in _IMPORT_SYMBOL.values()}
    for section, start, end, _ in sections:
        if section == 2:
            _imports(_Reader(data, start, end), imports)
    linking = [(start, end) for section, start, end, name in sections if name == "linking"]
    if not linking:
        raise WasmError("no `linking` section: a linked module, not an object")
    symbols, init = _linking(_Reader(data, *linking[0]), imports)
    return _summary(data, sections, symbols, init, len(imports[_FUNCTION]))


def _summary(data: bytes, sections: list[tuple[int, int, int, str]], symbols: list[_Symbol],
             init: list[int], imported_functions: int) -> WasmSymbols:
    names = [None if s.name is None else node(s.name, i, s.flags) for i, s in enumerate(symbols)]
    bodies = _code_bodies(data, sections)
    segments = _data_segments(data, sections)
    # each relocation: (target section id, offset in its payload, symbol index)
    refs: dict[str, list[str]] = {}
    owners: list[tuple[int, int, int, str]] = []  # (section id, start, end, symbol)
    for index, symbol in enumerate(symbols):
        name = names[index]
        if name is None or symbol.flags & _UNDEFINED:
            continue
        if symbol.kind == _FUNCTION and isinstance(symbol.where, int):
            body = symbol.where - imported_functions
            if 0 <= body < len(bodies):
                owners.append((10, *bodies[body], name))
        elif symbol.kind == _DATA and isinstance(symbol.where, tuple):
            segment, offset, size = symbol.where
            if segment < len(segments):
                owners.append((11, segments[segment] + offset,
                               segments[segment] + offset + max(size, 1), name))
    for target, offset, index in _relocations(data, sections):
        if index >= len(names) or names[index] is None:
            continue
        for section, start, end, owner in owners:
            if section == target and start <= offset < end:
                refs.setdefault(owner, []).append(str(names[index]))
    defined, undefined, exported, weak = [], [], [], []
    for index, symbol in enumerate(symbols):
        name = names[index]
        if name is None:
            continue
        if symbol.flags & _UNDEFINED:
            if not symbol.flags & (_WEAK | _LOCAL):
                undefined.append(name)
            continue
        if symbol.flags & (_EXPORTED | _NO_STRIP):
            exported.append(name)
        if symbol.flags & _LOCAL:
            continue
        defined.append(name)
        if symbol.flags & _WEAK:
            weak.append(name)
    return WasmSymbols(
        tuple(defined), tuple(dict.fromkeys(undefined)), tuple(exported), tuple(weak),
        tuple((owner, tuple(dict.fromkeys(found))) for owner, found in refs.items()),
        tuple(str(names[i]) for i in init if i < len(names) and names[i] is not None))


def _code_bodies(data: bytes, sections: list[tuple[int, int, int, str]]) -> list[tuple[int, int]]:
    """Each function body's range, relative to the code section's payload."""
    found: list[tuple[int, int]] = []
    for section, start, end, _ in sections:
        if section == 10:
            reader = _Reader(data, start, end)
            for _ in range(reader.uleb()):
                size = reader.uleb()
                found.append((reader.at - start, reader.at - start + size))
                reader.at += size
    return found


def _data_segments(data: bytes, sections: list[tuple[int, int, int, str]]) -> list[int]:
    """Where each data segment's bytes start, relative to the data section's payload."""
    found: list[int] = []
    for section, start, end, _ in sections:
        if section == 11:
            reader = _Reader(data, start, end)
            for _ in range(reader.uleb()):
                flags = reader.uleb()
                if flags == 2:
                    reader.uleb()
                if flags in (0, 2):  # the offset: `i32.const N`, `i64.const N`, `global.get G`
                    reader.byte()
                    reader.uleb()
                    if reader.byte() != 0x0B:
                        raise WasmError("a data segment's offset is no constant")
                size = reader.uleb()
                found.append(reader.at - start)
                reader.at += size
    return found


def _relocations(data: bytes, sections: list[tuple[int, int, int, str]]
                 ) -> list[tuple[int, int, int]]:
    """``(target section id, offset, symbol index)`` of every relocation to a symbol."""
    found: list[tuple[int, int, int]] = []
    for section, start, end, name in sections:
        if section != 0 or not name.startswith("reloc."):
            continue
        reader = _Reader(data, start, end)
        target = reader.uleb()
        if target >= len(sections):
            raise WasmError(f"`{name}` relocates section {target}, which does not exist")
        for _ in range(reader.uleb()):
            kind = reader.byte()
            offset = reader.uleb()
            index = reader.uleb()
            if kind in _ADDEND:
                reader.uleb()
            if kind != _TYPE_INDEX:
                found.append((sections[target][0], offset, index))
    return found


def _imports(reader: _Reader, imports: dict[int, list[str]]) -> None:
    for _ in range(reader.uleb()):
        reader.name()
        field = reader.name()
        kind = reader.byte()
        if kind == 0:
            reader.uleb()
        elif kind == 1:
            reader.byte()
            reader.limits()
        elif kind == 2:
            reader.limits()
        elif kind == 3:
            reader.byte()
            reader.byte()
        elif kind == 4:
            reader.byte()
            reader.uleb()
        else:
            raise WasmError(f"unknown import kind {kind}")
        if kind in _IMPORT_SYMBOL:
            imports[_IMPORT_SYMBOL[kind]].append(field)


def _linking(reader: _Reader, imports: dict[int, list[str]]) -> tuple[list[_Symbol], list[int]]:
    """The symbol table and the constructors' symbol indices of the linking section."""
    version = reader.uleb()
    if version != 2:
        raise WasmError(f"linking metadata version {version} (this reader knows 2)")
    symbols: list[_Symbol] = []
    init: list[tuple[int, int]] = []
    while reader.at < reader.end:
        kind = reader.byte()
        size = reader.uleb()
        end = reader.at + size
        table = _Reader(reader.data, reader.at, end)
        if kind == _SYMBOL_TABLE:
            symbols = [_symbol(table, imports) for _ in range(table.uleb())]
        elif kind == _INIT_FUNCS:
            init = [(table.uleb(), table.uleb()) for _ in range(table.uleb())]
        reader.at = end
    return symbols, [index for _, index in init]


def _symbol(table: _Reader, imports: dict[int, list[str]]) -> _Symbol:
    """One symbol table entry (a section symbol has no name)."""
    kind = table.byte()
    flags = table.uleb()
    if kind == _DATA:
        name = table.name()
        where = None
        if not flags & _UNDEFINED:
            where = (table.uleb(), table.uleb(), table.uleb())
        return _Symbol(kind, flags, name, where)
    if kind == _SECTION:
        table.uleb()
        return _Symbol(kind, flags, None, None)
    if kind not in (_FUNCTION, _GLOBAL, _TAG, _TABLE):
        raise WasmError(f"unknown symbol kind {kind}")
    index = table.uleb()
    if not flags & _UNDEFINED or flags & _EXPLICIT_NAME:
        return _Symbol(kind, flags, table.name(), index)
    names = imports[kind]
    if index >= len(names):
        raise WasmError(f"symbol of import {index}, which does not exist")
    return _Symbol(kind, flags, names[index], index)
