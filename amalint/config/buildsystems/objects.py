"""The symbols of ELF relocatable objects and of the members of static libraries (``ar``
archives), read with pyelftools and arpy: what each defines and what it needs, and the source
name the compiler recorded (the ``STT_FILE`` symbol) and whether that compiler was clang (its
``.comment``). WebAssembly objects are read by
:mod:`.wasmobjects`. Only reading; nothing is run."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import arpy
from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from amalint.config.buildsystems.wasmobjects import WASM_MAGIC, WasmError, wasm_symbols
from amalint.errors import InputError
from amalint.program.model import ObjectFile

ARCHIVE_MAGIC = b"!<arch>\n"
_MEMBERS = (arpy.HEADER_NORMAL, arpy.HEADER_GNU, arpy.HEADER_BSD)
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


#: ELF section and symbol header fields (Elf64_Shdr/Elf32_Shdr, Elf64_Sym/Elf32_Sym); the
#: tables are unpacked whole with :mod:`struct`, pyelftools reads the file header: its
#: per-symbol parsing took seconds on a debug build's libraries, longer than the link.
_SECTION = {64: "IIQQQQIIQQ", 32: "IIIIIIIIII"}
_SYMBOL = {64: "IBBHQQ", 32: "IIIBBH"}
#: (name, info, section index) in a symbol's fields
_FIELDS = {64: (0, 1, 3), 32: (0, 3, 5)}
_SHT_SYMTAB = 2
_STT_FILE = 4
_GLOBAL, _WEAK, _UNIQUE = 1, 2, 10
_SHN_XINDEX = 0xFFFF


def _symbols(data: bytes, what: str) -> tuple[tuple[str, ...], tuple[str, ...],
                                              tuple[str, ...], str | None, bool]:
    """(defined, strongly undefined, weakly defined, the STT_FILE name, compiled by clang) of
    one ELF object."""
    try:
        elf = ELFFile(io.BytesIO(data))
        bits = elf.elfclass
        order = "<" if elf.little_endian else ">"
        header = struct.Struct(order + _SECTION[bits])
        start, size = elf.header["e_shoff"], elf.header["e_shentsize"]
        sections = [header.unpack_from(data, start + i * size)
                    for i in range(elf.num_sections())]
        symtab = next((s for s in sections if s[1] == _SHT_SYMTAB), None)
        names_at = elf.header["e_shstrndx"]
        if names_at == _SHN_XINDEX:  # more sections than the header's field holds
            names_at = sections[0][6]
        names = sections[names_at]
        comment = next((s for s in sections if data.startswith(b".comment\0",
                                                                 names[4] + s[0])), None)
        clang = comment is not None and b"clang version" in data[comment[4]:comment[4]
                                                                 + comment[5]]
        if symtab is None:
            return (), (), (), None, clang
        strtab = sections[symtab[6]]
        strings = data[strtab[4]:strtab[4] + strtab[5]]
        table = memoryview(data)[symtab[4]:symtab[4] + symtab[5]]
        at_name, at_info, at_index = _FIELDS[bits]
        defined: list[str] = []
        undefined: list[str] = []
        weak: list[str] = []
        source = None
        for fields in struct.iter_unpack(order + _SYMBOL[bits], table):
            bind, kind, name = fields[at_info] >> 4, fields[at_info] & 0xF, fields[at_name]
            if kind == _STT_FILE and source is None and name:
                source = _name(strings, name)
            if bind not in (_GLOBAL, _WEAK, _UNIQUE) or not name:
                continue
            if fields[at_index] == 0:  # SHN_UNDEF
                if bind == _GLOBAL:
                    undefined.append(_name(strings, name))
            else:
                defined.append(_name(strings, name))
                if bind != _GLOBAL:
                    weak.append(defined[-1])
    except (ELFError, ValueError, KeyError, IndexError, struct.error) as exc:
        raise InputError(f"{what}: not an ELF object ({exc})") from exc
    return tuple(defined), tuple(undefined), tuple(weak), source, clang


def _name(strings: bytes, offset: int) -> str:
    return strings[offset:strings.index(b"\0", offset)].decode("utf-8", "replace")


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
            # GNU ar keeps names over 15 characters in its name table (HEADER_GNU), BSD ar
            # after the header (HEADER_BSD); the symbol and name tables are no members
            if header.type not in _MEMBERS or header.name is None:
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
