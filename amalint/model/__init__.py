"""The code model: what a front end extracts from an amalgamation, as frozen values.

Every front end produces one :class:`CodeModel`; analysis and rules read nothing else. Calls are
already *resolved* here (each :class:`CallSite` lists the functions it may reach), so the analysis
does not care whether names were resolved by tree-sitter's name lookup or by libclang's semantics.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from amalint.model.facts import (
    ANONYMOUS,
    INERT,
    OBJECT_LIKE,
    REDECLARES,
    Declaration,
    DeclKind,
    FileFacts,
    FileScope,
    MacroEvent,
    MacroEventKind,
    NameUse,
    Poisoned,
    Reference,
    Scope,
    Skipped,
    SystemMacro,
    SystemName,
    UsingDirective,
    Written,
    macro_body,
    visible_scope,
)
from amalint.model.location import Location

#: Priority of a constructor function or dynamic initializer without an explicit priority.
DEFAULT_PRIORITY = 65535
#: Above any valid priority (0 to 65535): what a priority of more digits than this counts as.
PRIORITY_CAP = 10**9


def function_id(name: str, path: Path, line: int) -> str:
    """The model's id of a function that has no better one (every front end's, for a function
    by name, a lambda, an entry point's synthetic body): its name and where it starts."""
    return f"{name}@{path}:{line}"


def priority_value(digits: str) -> int:
    """A constructor/``init_priority`` priority written as ASCII ``digits`` (``int()`` refuses
    strings of over 4300 digits; any that long is out of range anyway)."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 9 else PRIORITY_CAP


@dataclass(frozen=True)
class ParamRef:
    """An argument that is the enclosing function's parameter number ``index`` (0-based)."""

    index: int


#: A call argument as far as registry keys care: a string literal, a parameter, or unknown.
Arg = str | ParamRef | None


class CallKind(enum.Enum):
    CALL = "call"
    CONSTRUCT = "construct"
    DESTRUCT = "destruct"


@dataclass(frozen=True)
class CallSite:
    """One call (or implied constructor/destructor call) inside a function body.

    ``names`` are the qualified names the callee may have (used to match registry APIs);
    ``targets`` are ids of functions in the model it may run. A call with no targets whose names
    match no registry API is *unresolved*: skipped, and counted for --verbose.
    ``deferred`` marks calls inside a lambda that is stored rather than invoked on the spot: they
    do not run when the enclosing code runs.
    """

    names: tuple[str, ...]
    targets: tuple[str, ...]
    args: tuple[Arg, ...]
    location: Location
    kind: CallKind = CallKind.CALL
    deferred: bool = False
    note: str = ""

    @property
    def display(self) -> str:
        return self.names[0] if self.names else "<unknown>"


@dataclass(frozen=True)
class Function:
    """A function body the analysis can walk: a real function, a lambda, or an initializer."""

    id: str
    name: str
    location: Location
    calls: tuple[CallSite, ...] = ()


class LazyFunctions(Mapping[str, Function]):
    """A function table whose bodies a front end resolves on first access: ``resolve(id)``
    builds one, ``known()`` lists the ids it could build."""

    def __init__(self, resolve: Callable[[str], Function | None],
                 known: Callable[[], Iterable[str]]) -> None:
        self._resolve = resolve
        self._known = known

    def __getitem__(self, key: str) -> Function:
        fn = self._resolve(key)
        if fn is None:
            raise KeyError(key)
        return fn

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(self._known()))

    def __len__(self) -> int:
        return len(dict.fromkeys(self._known()))


class EntryKind(enum.Enum):
    """How the runtime starts an entry point."""

    #: ``__attribute__((constructor))``: runs before every dynamic initializer of equal priority.
    CONSTRUCTOR = "constructor"
    #: A C++ dynamic initializer of a namespace-scope variable.
    DYNAMIC = "dynamic"


@dataclass(frozen=True)
class EntryPoint:
    """Code that runs before ``main``: a constructor function or a dynamic initializer.

    ``position`` orders entries by their place in the amalgamated text: the byte offsets of the
    ``#include`` lines leading to the entry's file, then the entry's own offset. ``unit`` is the
    index of the umbrella ``#include`` the entry comes through (``None`` for the umbrella's own
    text), the thing a reorder can move.
    """

    function: str
    label: str
    kind: EntryKind
    priority: int
    location: Location
    end: Location
    position: tuple[int, ...]
    unit: int | None
    #: A dynamic initializer whose priority is written (``init_priority(N)``).
    explicit: bool = False

    @property
    def order_key(self) -> tuple[int, int, tuple[int, ...]]:
        """Sort key of the real start-up order as gcc compiles the unit."""
        return self.startup_key(clang=False)

    def startup_key(self, clang: bool) -> tuple[int, int, tuple[int, ...]]:
        """Sort key of the real start-up order: priority, constructor functions first, then
        text. gcc runs a dynamic initializer with an explicit ``init_priority`` of the default
        priority (65535) in its place among the others; clang gives every explicitly
        prioritized initializer a function of its own, which runs before the unit's other
        dynamic initializers of equal priority (on ELF and on WebAssembly alike)."""
        if self.kind is EntryKind.CONSTRUCTOR:
            return (self.priority, 0, self.position)
        return (self.priority, 1 if clang and self.explicit else 2, self.position)


@dataclass(frozen=True)
class Include:
    """One ``#include`` line of a file, byte-exact."""

    line: int
    start_byte: int
    end_byte: int
    spelling: str
    angled: bool
    resolved: Path | None
    comment_start_line: int
    comment_start_byte: int
    block: tuple[int, ...]
    text: bytes

    @property
    def target(self) -> str:
        return f"<{self.spelling}>" if self.angled else f'"{self.spelling}"'


@dataclass(frozen=True)
class Umbrella:
    """The scanned umbrella: its bytes and its include list in order."""

    path: Path
    data: bytes
    includes: tuple[Include, ...]


class Severity(enum.Enum):
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Diagnostic:
    """A problem with the input that does not stop the run: ``kind`` is ``input`` (unresolved
    include, include cycle, unreadable file) or ``parse`` (the front end could not parse it)."""

    location: Location
    message: str
    kind: str = "input"


@dataclass(frozen=True)
class CompilerNote:
    """A note the compiler attaches to a diagnostic (``previous definition is here``)."""

    location: Location
    message: str


@dataclass(frozen=True)
class CompilerDiagnostic:
    """A diagnostic of the compiler itself (the libclang front end), in the compiler's words: an
    error, or a warning a rule is about (macro redefinition).

    ``unit`` is the umbrella ``#include`` the compiler was reading when it reported it (``None``
    for the umbrella's own text); ``charged`` the project file it counts against (one inside a
    system header counts against the project file that includes that header).
    """

    severity: Severity
    message: str
    location: Location
    unit: int | None
    charged: Path
    notes: tuple[CompilerNote, ...] = ()


@dataclass(frozen=True)
class CodeModel:
    """Everything the analysis needs about one amalgamation. ``compiler_diagnostics`` is set
    by a front end that is the compiler (libclang); then they, not the facts, decide which
    unity-build errors exist."""

    umbrella: Umbrella
    functions: Mapping[str, Function]
    entry_points: tuple[EntryPoint, ...]
    files: tuple[Path, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    source_lines: Mapping[Path, tuple[str, ...]] = field(default_factory=dict)
    filescope: FileScope = field(default_factory=FileScope)
    compiler_diagnostics: tuple[CompilerDiagnostic, ...] | None = None
    #: Files the front end read on its own, besides the unit's (libclang: the system and
    #: library headers); the cache checks them too.
    inputs: tuple[Path, ...] = ()
    #: libclang: for each call of a name that functions of several project files share (by
    #: where the called name is), where the function the compiler bound it to is defined.
    call_targets: Mapping[Location, Location] = field(default_factory=dict)


__all__ = [
    "ANONYMOUS",
    "DEFAULT_PRIORITY",
    "INERT",
    "OBJECT_LIKE",
    "PRIORITY_CAP",
    "REDECLARES",
    "CallKind",
    "CallSite",
    "CodeModel",
    "CompilerDiagnostic",
    "CompilerNote",
    "DeclKind",
    "Declaration",
    "Diagnostic",
    "EntryKind",
    "EntryPoint",
    "FileFacts",
    "FileScope",
    "Function",
    "Include",
    "LazyFunctions",
    "Location",
    "MacroEvent",
    "MacroEventKind",
    "NameUse",
    "ParamRef",
    "Poisoned",
    "Reference",
    "Scope",
    "Severity",
    "Skipped",
    "SystemMacro",
    "SystemName",
    "Umbrella",
    "UsingDirective",
    "Written",
    "macro_body",
    "priority_value",
    "visible_scope",
]
