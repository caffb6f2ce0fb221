"""The file-scope facts of a unit, part of the code model (:mod:`amalint.model`): what the
AM2xx rules need about each file of the unit: names declared at namespace scope (internal-linkage
ones marked), using-directives, the unqualified uses of names that may clash, and macro
definitions, tests and uses. Extracted by :mod:`amalint.frontends.filescope` for every front end.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from amalint.model.location import Location

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
    ``defaults``: how many of a function's last parameters have default arguments.
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
    defaults: int = 0


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
    #: The namespaces that ``using namespace`` directives in the enclosing blocks nominate
    #: before the use (a directive inside a function body).
    nominated: tuple[Scope, ...] = ()


@dataclass(frozen=True)
class SystemName:
    """Where a name a file uses appears in a system header an earlier umbrella include reads
    (system headers are not parsed: a word of their compiled text stands for a declaration)."""

    #: The system header whose compiled text has the name.
    header: Path
    line: int
    #: The umbrella include through which the unity build reads it first.
    unit: int
    #: The system header a project file of that include names in its ``#include`` (``<vector>``
    #: for ``bits/stl_vector.h``), that ``#include``, and its spelling.
    entry: Path
    via: Location
    spelling: str


@dataclass(frozen=True)
class Reference:
    """A name a file's compiled code refers to (unqualified, or qualified by namespaces) that
    some file of another unit declares, as the file reads alone: macros not expanded.

    ``qualifier`` is the written qualification (``("ns",)`` for ``ns::name``, ``("",)`` for
    ``::name``), empty for an unqualified name; ``scope`` the namespace the use is in."""

    name: str
    scope: Scope
    location: Location
    position: tuple[int, ...]
    qualifier: tuple[str, ...] = ()
    member_context: bool = False
    #: A member name used after ``.`` or ``->``: found only in a class's complete definition.
    member: bool = False
    #: A use that needs the type's definition, not a forward declaration (``T::``).
    complete: bool = False
    #: For a name only system headers declare: where an earlier include's system header has it.
    system: SystemName | None = None


@dataclass(frozen=True)
class Written:
    """An ``#include`` as a file writes it: its line, spelling, quotes or angles, and the file
    it names (``None`` if not found), and how many ``#if`` blocks it is inside."""

    line: int
    spelling: str
    angled: bool
    resolved: Path | None
    depth: int = 0


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
    #: :data:`OBJECT_LIKE` then the body for an object-like one (``#define SIZE (16)``). For a
    #: test, the definition its branch gives the name (``#ifndef M`` / ``#define M 4096``), if
    #: the preprocessor ran (the branch may not be compiled). For a use, with the preprocessor,
    #: the definition in force there.
    definition: str = ""
    #: For a use: ``call`` when a ``(`` follows the name, ``declarator`` when it stands where a
    #: declaration names something (after a type, before ``(``, ``;``, ``=``...),
    #: :data:`REDECLARES` when the name it makes is declared again in the same declaration,
    #: else empty. For a test: :data:`INERT` when its branch is taken, compiles nothing and has no
    #: alternative (whether the macro is defined changes nothing there).
    context: str = ""


#: A test whose taken branch compiles nothing and that has no other branch.
INERT = "inert"
#: A declarator a macro renames to a name the same declaration declares too.
REDECLARES = "redeclares"


#: The mark that starts an object-like macro's :attr:`MacroEvent.definition`.
OBJECT_LIKE = "="


def macro_body(definition: str) -> str:
    """The replacement list of a :attr:`MacroEvent.definition`."""
    if definition.startswith(OBJECT_LIKE):
        return definition[len(OBJECT_LIKE):]
    return definition.split(")", 1)[1].lstrip() if ")" in definition else ""


@dataclass(frozen=True)
class Poisoned:
    """A ``#pragma GCC poison`` of one unit, and the first use of the name in a later unit
    (which compiles alone; in the unity build the compiler rejects the use)."""

    name: str
    #: The pragma, and the umbrella include through which it was read.
    location: Location
    unit: int
    use: Location
    use_unit: int


@dataclass(frozen=True)
class SystemMacro:
    """A macro a system header defined, read through an earlier umbrella include, that a
    later source defines differently before its first ``#include`` (the compiler warns that
    it is redefined; alone nothing defined it there)."""

    name: str
    #: The system header's definition, and the umbrella include it was read through.
    location: Location
    unit: int
    redefinition: Location
    redefinition_unit: int


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
    #: Names the file refers to that only other units' files declare or define (candidates
    #: for a hidden dependency; names it declares locally left out).
    references: tuple[Reference, ...] = ()
    #: The ``#include`` lines of the file as written, in every branch.
    written: tuple[Written, ...] = ()
    #: The macros the file ``#define``\ s in any branch (compiled alone, a source may take a
    #: branch the unity build does not).
    defines: frozenset[str] = frozenset()
    #: The identifiers in the bodies of the file's ``#define``\ s (any branch): names a macro
    #: expansion of the file may declare (an X-macro's enumerators), unseen without expanding.
    macro_words: frozenset[str] = frozenset()
    #: The unit read none of the file's code: its guard macro was defined before the file was
    #: first entered, so what it declares is unknown.
    unread: bool = False
    #: The member names the file's class bodies declare, and where (kept when AM206 runs).
    members: tuple[tuple[str, Location], ...] = ()


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
    #: What kept the pass from seeing part of the code (a macro expansion stopped at a token
    #: limit): the place and what happened, for a warning.
    problems: tuple[tuple[Location, str], ...] = ()
    #: Poisoned names used by a later unit.
    poisoned: tuple[Poisoned, ...] = ()
    #: The standard integer typedefs as the target defines them (``uint32_t``: ``unsigned
    #: int``), known with the preprocessor.
    builtin_types: Mapping[str, str] = field(default_factory=dict)
    #: System macros a later source defines again (see :class:`SystemMacro`).
    system_macros: tuple[SystemMacro, ...] = ()
