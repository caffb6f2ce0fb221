"""The symbols of WebAssembly relocatable objects (what clang, wasi-sdk, emscripten and
``zig c++ -target wasm32-wasi`` write with ``-c``): the symbol table of the ``linking`` custom
section (tool-conventions' Linking.md, version 2), with the import section for the names of
undefined symbols that carry none. Only reading; nothing is run."""

from __future__ import annotations

from dataclasses import dataclass

#: The first bytes of every WebAssembly module.
WASM_MAGIC = b"\0asm"

_WEAK, _LOCAL, _UNDEFINED, _EXPORTED, _EXPLICIT_NAME = 0x1, 0x2, 0x10, 0x20, 0x40
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
    #: Defined symbols the object exports by itself (``export_name``, ``EMSCRIPTEN_KEEPALIVE``).
    exported: tuple[str, ...]


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


def wasm_symbols(data: bytes) -> WasmSymbols:
    """The global symbols of one WebAssembly object (raises :class:`WasmError`)."""
    if not data.startswith(WASM_MAGIC) or len(data) < 8:
        raise WasmError("no WebAssembly header")
    reader = _Reader(data, 8)
    imports: dict[int, list[str]] = {kind: [] for kind in _IMPORT_SYMBOL.values()}
    linking: tuple[int, int] | None = None
    while reader.at < reader.end:
        section = reader.byte()
        size = reader.uleb()
        body_end = reader.at + size
        if body_end > reader.end:
            raise WasmError("a section runs past the end")
        if section == 2:
            _imports(_Reader(data, reader.at, body_end), imports)
        elif section == 0:
            custom = _Reader(data, reader.at, body_end)
            if custom.name() == "linking":
                linking = (custom.at, body_end)
        reader.at = body_end
    if linking is None:
        raise WasmError("no `linking` section: a linked module, not an object")
    return _symbol_table(_Reader(data, *linking), imports)


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


def _symbol_table(reader: _Reader, imports: dict[int, list[str]]) -> WasmSymbols:
    version = reader.uleb()
    if version != 2:
        raise WasmError(f"linking metadata version {version} (this reader knows 2)")
    defined: list[str] = []
    undefined: list[str] = []
    exported: list[str] = []
    while reader.at < reader.end:
        kind = reader.byte()
        size = reader.uleb()
        end = reader.at + size
        if kind == _SYMBOL_TABLE:
            table = _Reader(reader.data, reader.at, end)
            for _ in range(table.uleb()):
                name, flags = _symbol(table, imports)
                if name is None or flags & _LOCAL:
                    continue
                if flags & _UNDEFINED:
                    if not flags & _WEAK:
                        undefined.append(name)
                    continue
                defined.append(name)
                if flags & _EXPORTED:
                    exported.append(name)
        reader.at = end
    return WasmSymbols(tuple(defined), tuple(dict.fromkeys(undefined)), tuple(exported))


def _symbol(table: _Reader, imports: dict[int, list[str]]) -> tuple[str | None, int]:
    """One symbol table entry: its name (``None`` for a section symbol) and flags."""
    kind = table.byte()
    flags = table.uleb()
    if kind == _DATA:
        name = table.name()
        if not flags & _UNDEFINED:
            table.uleb()
            table.uleb()
            table.uleb()
        return name, flags
    if kind == _SECTION:
        table.uleb()
        return None, flags
    if kind not in (_FUNCTION, _GLOBAL, _TAG, _TABLE):
        raise WasmError(f"unknown symbol kind {kind}")
    index = table.uleb()
    if not flags & _UNDEFINED or flags & _EXPLICIT_NAME:
        return table.name(), flags
    names = imports[kind]
    if index >= len(names):
        raise WasmError(f"symbol of import {index}, which does not exist")
    return names[index], flags
