"""The symbols of ELF relocatable objects and of the members of static libraries (``ar``
archives), read with pyelftools and arpy: what each defines and what it needs, and the source
name the compiler recorded (the ``STT_FILE`` symbol) and whether that compiler was clang (its
``.comment``). WebAssembly objects are read by
:mod:`.wasmobjects`. Only reading; nothing is run."""

from __future__ import annotations

import io
from pathlib import Path

import arpy
from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from amalint.config.buildsystems.wasmobjects import WASM_MAGIC, WasmError, wasm_symbols
from amalint.errors import InputError
from amalint.program.model import ObjectFile

ARCHIVE_MAGIC = b"!<arch>\n"
#: A thin archive (``ar T``, Meson's): member headers only, each member a file beside it.
THIN_MAGIC = b"!<thin>\n"


def _object(path: Path, member: str | None, data: bytes) -> tuple[ObjectFile, str | None]:
    """One ELF or WebAssembly object, and the source name its symbol table records."""
    what = str(path) if member is None else f"{path}({member})"
    if data.startswith(WASM_MAGIC):
        try:
            found = wasm_symbols(data)
        except WasmError as exc:
            raise InputError(f"{what}: not a WebAssembly object ({exc})") from exc
        return ObjectFile(path, member, found.defined, found.undefined, exported=found.exported,
                          wasm=True, weak=found.weak, refs=found.refs, init=found.init,
                          clang=True), None
    defined, undefined, weak, source, clang = _symbols(data, what)
    return ObjectFile(path, member, defined, undefined, weak=weak, clang=clang), source


def _symbols(data: bytes, what: str) -> tuple[tuple[str, ...], tuple[str, ...],
                                              tuple[str, ...], str | None, bool]:
    """(defined, strongly undefined, weakly defined, the STT_FILE name, compiled by clang) of
    one ELF object."""
    try:
        elf = ELFFile(io.BytesIO(data))
        defined: list[str] = []
        undefined: list[str] = []
        weak: list[str] = []
        source = None
        comment = elf.get_section_by_name(".comment")
        clang = comment is not None and b"clang version" in comment.data()
        for table in elf.iter_sections():
            if not isinstance(table, SymbolTableSection) or table.name != ".symtab":
                continue
            for symbol in table.iter_symbols():
                bind = symbol["st_info"]["bind"]
                kind = symbol["st_info"]["type"]
                if kind == "STT_FILE" and source is None and symbol.name:
                    source = symbol.name
                if bind not in ("STB_GLOBAL", "STB_WEAK", "STB_GNU_UNIQUE") or not symbol.name:
                    continue
                if symbol["st_shndx"] == "SHN_UNDEF":
                    if bind == "STB_GLOBAL":
                        undefined.append(symbol.name)
                else:
                    defined.append(symbol.name)
                    if bind != "STB_GLOBAL":
                        weak.append(symbol.name)
    except (ELFError, ValueError, KeyError, IndexError) as exc:
        raise InputError(f"{what}: not an ELF object ({exc})") from exc
    return tuple(defined), tuple(undefined), tuple(weak), source, clang


def read_object(path: Path) -> tuple[ObjectFile, str | None]:
    """An object on the link line, and the source name its symbol table records."""
    return _object(path, None, _read(path))


def read_archive(path: Path) -> list[tuple[ObjectFile, str | None]]:
    """Every object member of a static library, in archive order, with its recorded source."""
    data = _read(path)
    if data.startswith(THIN_MAGIC):
        return [_object(path, name, body) for name, body in _thin_members(path, data)
                if body.startswith((b"\x7fELF", WASM_MAGIC))]
    if not data.startswith(ARCHIVE_MAGIC):
        raise InputError(f"{path}: not a static library (no `!<arch>` header)")
    members = []
    try:
        archive = arpy.Archive(fileobj=io.BytesIO(data))
        for header in archive.infolist():
            if header.type != arpy.HEADER_NORMAL or header.name is None:
                continue
            name = header.name.decode("utf-8", "replace")
            body = archive.open(header).read()
            if body.startswith((b"\x7fELF", WASM_MAGIC)):
                members.append(_object(path, name, body))
    except arpy.ArchiveFormatError as exc:
        raise InputError(f"{path}: not a valid static library ({exc})") from exc
    return members


def _thin_members(path: Path, data: bytes) -> list[tuple[str, bytes]]:
    """The members of a thin archive: (name, the bytes of the file it names)."""
    members: list[tuple[str, bytes]] = []
    names = b""
    at = len(THIN_MAGIC)
    while at + 60 <= len(data):
        header = data[at:at + 60]
        at += 60
        name = header[:16].rstrip(b" ")
        try:
            size = int(header[48:58])
        except ValueError:
            raise InputError(f"{path}: not a valid thin archive (a member's size is not a "
                             "number)") from None
        if name in (b"/", b"/SYM64/", b"//"):  # symbol table, long names: stored inline
            if name == b"//":
                names = data[at:at + size]
            at += size + size % 2
            continue
        if name.startswith(b"/") and name[1:].isdigit():
            offset = int(name[1:])
            name = names[offset:names.find(b"/\n", offset)]
        member = name.rstrip(b"/").decode("utf-8", "replace")
        members.append((member, _read(path.parent / member)))
    return members


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
