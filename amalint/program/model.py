"""A program's link as frozen values: every input in command-line order, each object (or archive
member) with the global symbols it defines and the ones it needs, and the source it was compiled
from."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ObjectFile:
    """One relocatable object: a file on the link line, or a member of a static library."""

    #: The file itself, or the archive holding it.
    path: Path
    #: The member's name inside the archive (``None`` for an object on the link line).
    member: str | None
    #: Global and weak symbols it defines, in symbol-table order.
    defined: tuple[str, ...]
    #: Symbols it needs that must be defined somewhere (weak references pull nothing in).
    undefined: tuple[str, ...]
    #: The source it was compiled from, when known.
    source: Path | None = None
    #: Symbols the object keeps by itself (WebAssembly's ``export_name``,
    #: ``__attribute__((used))``).
    exported: tuple[str, ...] = ()
    #: A WebAssembly object (else ELF).
    wasm: bool = False
    #: Weakly defined symbols (inline functions, templates: several objects may define them;
    #: WebAssembly: for which definition wasm-ld keeps).
    weak: tuple[str, ...] = ()
    #: What each symbol's code or data refers to (WebAssembly: for wasm-ld's garbage
    #: collection, :mod:`amalint.program.liveness`).
    refs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: The symbols of its constructors (WebAssembly's ``init_funcs``).
    init: tuple[str, ...] = ()
    #: Compiled by clang (its ``.comment``; every WebAssembly object), which orders a unit's
    #: explicitly prioritized initializers differently (:meth:`EntryPoint.startup_key`).
    clang: bool = False

    @property
    def constructors(self) -> tuple[str, ...]:
        """Its constructors' names as written (a local symbol's name carries ``\\0`` and an
        index in :attr:`init`, which keeps two objects' ``static`` functions apart)."""
        return tuple(name.split("\0")[0] for name in self.init)

    @property
    def name(self) -> str:
        """How linkers name it: ``path`` or ``archive(member)``."""
        return str(self.path) if self.member is None else f"{self.path}({self.member})"


@dataclass(frozen=True)
class LinkInput:
    """One input of the link line: an object, or a static library (all its members, linked
    whole when inside ``--whole-archive``)."""

    path: Path
    objects: tuple[ObjectFile, ...]
    archive: bool = False
    whole: bool = False
    #: The ``--start-group`` it is in (an object may be in one too): GNU ld and gold search the
    #: group's libraries over and over until none adds a member (lld searches every library
    #: that way anyway).
    group: int | None = None


class Linker(enum.Enum):
    """How static libraries are searched. GNU ld (bfd) and gold scan each archive when they
    reach it, over and over until it adds nothing. lld reads the members' symbols in archive
    order, takes a member whose symbol is undefined when it reads it and, as it takes one, at
    once (depth-first) the members already read that define what it needs; it also resolves
    later references from archives it has passed."""

    BFD = "bfd"
    GOLD = "gold"
    LLD = "lld"
    #: lld's WebAssembly linker: it searches libraries as lld does.
    WASM = "wasm-ld"


class StartUp(enum.Enum):
    """How the program's constructors come to run."""

    #: ELF: the start files run ``.init_array`` before ``main``.
    ELF = "elf"
    #: An ELF shared library: the dynamic loader runs its ``.init_array`` when it loads it
    #: (with the program that needs it, or at ``dlopen``); nothing needs ``main``.
    SHARED = "shared"
    #: A WebAssembly command: ``_start`` calls ``__wasm_call_ctors``, then ``main``.
    COMMAND = "command"
    #: A WebAssembly reactor (``-mexec-model=reactor``, ``--no-entry``): nothing runs the
    #: constructors until the host calls ``_initialize`` (or ``__wasm_call_ctors``).
    REACTOR = "reactor"

    @property
    def wasm(self) -> bool:
        return self not in (StartUp.ELF, StartUp.SHARED)


@dataclass(frozen=True)
class Link:
    """The link of one executable target."""

    target: str
    inputs: tuple[LinkInput, ...]
    #: What the build system is, for the remedies a finding proposes (``cmake`` or ``command``).
    build_system: str = "command"
    #: The symbols the start files need (``_start`` calls ``main``), and those the link
    #: exports by name.
    roots: tuple[str, ...] = ("main",)
    startup: StartUp = StartUp.ELF
    #: The linker drops what nothing live reaches (wasm-ld's default ``--gc-sections``),
    #: archive members' constructors with it.
    collects: bool = False
