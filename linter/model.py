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

#: Priority of a constructor function or dynamic initializer without an explicit priority.
DEFAULT_PRIORITY = 65535


@dataclass(frozen=True, order=True)
class Location:
    """A point in a file: 1-based line and column (column counted in characters)."""

    path: Path
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


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

    @property
    def order_key(self) -> tuple[int, int, tuple[int, ...]]:
        """Sort key of the real start-up order: priority, constructors first, then text."""
        return (self.priority, 0 if self.kind is EntryKind.CONSTRUCTOR else 1, self.position)


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


# ---------------------------------------------------------------------------- file-scope facts
# What the AM2xx rules need about each file of the unit: names declared at namespace scope
# (internal-linkage ones marked), using-directives, the unqualified uses of names that may clash,
# and macro definitions, tests and uses. Extracted by amalint.frontends.filescope for every
# front end.

#: A namespace path; an anonymous namespace is the component ``ANONYMOUS``.
Scope = tuple[str, ...]
ANONYMOUS = "(anonymous)"


def visible_scope(scope: Scope) -> Scope:
    """The scope whose unqualified lookup finds a name of ``scope``: an anonymous namespace's
    names are found from the scope around it too."""
    while scope and scope[-1] == ANONYMOUS:
        scope = scope[:-1]
    return scope


class DeclKind(enum.Enum):
    FUNCTION = "function"
    VARIABLE = "variable"
    #: A class, struct, union or enum (``tag`` says which); C tags have a namespace of their own.
    TYPE = "type"
    ENUMERATOR = "enumerator"
    #: ``typedef`` / ``using N = ...``: may name the same entity as another declaration.
    ALIAS = "alias"
    NAMESPACE = "namespace"
    #: ``using X::N;``: names an entity declared elsewhere.
    USING = "using-declaration"


@dataclass(frozen=True)
class Declaration:
    """A name declared at namespace scope.

    ``internal`` says how a *definition* gets internal linkage (``static``, ``anonymous
    namespace``, ``const``), empty if it has none or is not a definition. ``signature`` is a
    function's parameter types, normalized. ``conditional`` marks declarations inside an
    ``#if`` branch (other than an include guard) or in code the parser did not understand,
    when the preprocessor could not say which branches the compiler takes.

    ``definition``: a function body, an initialized variable (in C++ also any variable not
    declared ``extern``), a class/tag with its body, a typedef or enumerator. ``storage`` is the
    storage class as the compiler sees it (macros expanded): ``static``, ``extern`` or empty.
    ``type`` is the declared type, normalized: a variable's, a typedef's target, a function's
    return type. ``tag`` is ``struct``/``union``/``enum``/``class`` for a :attr:`DeclKind.TYPE`.
    ``macro`` names the macro whose expansion wrote the name, if one did; when no
    preprocessor expanded it, it is the name itself (``PLUG_INIT()``): the real name is unknown.
    """

    scope: Scope
    name: str
    kind: DeclKind
    location: Location
    position: tuple[int, ...]
    internal: str = ""
    signature: str | None = None
    conditional: bool = False
    definition: bool = False
    storage: str = ""
    type: str = ""
    tag: str = ""
    macro: str = ""


@dataclass(frozen=True)
class UsingDirective:
    """``using namespace target;`` at namespace scope ``scope`` (``target`` as resolved)."""

    scope: Scope
    target: Scope
    location: Location
    position: tuple[int, ...]


@dataclass(frozen=True)
class NameUse:
    """An unqualified use of ``name`` in code at namespace scope ``scope``.

    ``member_context``: inside a class body or a member function, where class members (which
    the model does not follow through bases) may hide namespace-scope names. ``args``, for a
    call, the type of each argument that is a literal (``int``, ``const char*``...), ``?`` for
    the others.
    """

    name: str
    scope: Scope
    location: Location
    position: tuple[int, ...]
    call: bool = False
    member_context: bool = False
    args: tuple[str, ...] = ()


class MacroEventKind(enum.Enum):
    DEFINE = "define"
    UNDEF = "undef"
    #: ``#ifdef``/``#ifndef``/``defined(...)``: the code depends on whether it is defined.
    TEST = "test"
    #: The name appears where the preprocessor expands it.
    USE = "use"


@dataclass(frozen=True)
class MacroEvent:
    kind: MacroEventKind
    name: str
    location: Location
    position: tuple[int, ...]
    #: For a definition, whitespace normalized: ``(a,b) body`` for a function-like macro,
    #: :data:`OBJECT_LIKE` then the body for an object-like one (``#define SIZE (16)``).
    definition: str = ""
    #: For a use: ``call`` when a ``(`` follows the name, ``declarator`` when it stands where a
    #: declaration names something (after a type, before ``(``, ``;``, ``=``...), else empty.
    context: str = ""


#: The mark that starts an object-like macro's :attr:`MacroEvent.definition`.
OBJECT_LIKE = "="


def macro_body(definition: str) -> str:
    """The replacement list of a :attr:`MacroEvent.definition`."""
    if definition.startswith(OBJECT_LIKE):
        return definition[len(OBJECT_LIKE):]
    return definition.split(")", 1)[1].lstrip() if ")" in definition else ""


@dataclass(frozen=True)
class Skipped:
    """An ``#include`` the compiler skips because the file was already read (its include guard
    is defined, or ``#pragma once``), as the preprocessor found it."""

    path: Path
    #: The ``#include`` line, in the including file.
    location: Location
    position: tuple[int, ...]
    unit: int | None
    #: ``guard`` or ``pragma once``.
    reason: str
    guard: str | None = None
    #: The file that defined the guard macro: another file than ``path`` means a guard clash.
    guard_file: Path | None = None
    #: The umbrella include through which the guard macro was defined.
    guard_unit: int | None = None
    #: For a guard clash: names the skipped file declares that its unit then uses, and where.
    missing: tuple[tuple[str, Location], ...] = ()


@dataclass(frozen=True)
class FileFacts:
    """The file-scope facts of one file of the unit, which ``unit`` it is read through (the
    index of the umbrella ``#include``; ``None`` for the umbrella's own text)."""

    path: Path
    unit: int | None
    #: The include guard: its macro, ``#pragma once``, or ``None``.
    guard: str | None = None
    #: What this file includes, resolved (project files only).
    includes: tuple[Path, ...] = ()
    #: The line of each of those ``#include``\ s.
    include_lines: tuple[int, ...] = ()
    #: Every project file an ``#include`` of this file names, in any branch (compiled alone, a
    #: source may take a branch the unity build does not).
    mentions: tuple[Path, ...] = ()
    declarations: tuple[Declaration, ...] = ()
    using_directives: tuple[UsingDirective, ...] = ()
    #: Unqualified uses of the names that some using-directive or internal-linkage overload of
    #: another file may capture (not of every name: only those can matter).
    uses: tuple[NameUse, ...] = ()
    #: Of those names, the ones this file also declares locally (parameters, locals, members,
    #: template parameters), which hide namespace-scope names.
    local_names: frozenset[str] = frozenset()
    #: Macro events in file order, for the macros some other file of the unit defines.
    macros: tuple[MacroEvent, ...] = ()


@dataclass(frozen=True)
class FileScope:
    """File-scope facts of every file of the unit, in the order the compiler reads them."""

    files: tuple[FileFacts, ...] = ()
    #: Member names of every class of the unit (they may hide namespace-scope names).
    member_names: frozenset[str] = frozenset()
    #: Includes the compiler skips as already read (known only with the preprocessor).
    skipped: tuple[Skipped, ...] = ()
    #: Whether the unit is C (no overloading; ``const`` gives no internal linkage).
    is_c: bool = False


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
