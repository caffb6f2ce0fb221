"""File-scope facts of a unit, for every front end: what sharing one translation unit can break.

From the preprocessor's scan and a tree-sitter parse of each file of the unit this extracts, per
file: the names declared at namespace scope (:mod:`.declarations`), the file-scope ``using
namespace`` directives, macro definitions, ``#undef``\\ s, tests and uses (:mod:`.macros`), and
the unqualified uses of the few names another file could capture (:mod:`.uses`).

It is a separate pass so that any front end gets the same facts; tree-sitter's parses are
shared with the tree-sitter front end through :func:`.syntax.parse`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from amalint import preprocess
from amalint.analysis.spelling import standard_typedefs
from amalint.frontends.filescope import branches
from amalint.frontends.filescope.declarations import Walker
from amalint.frontends.filescope.macros import (
    defines_of,
    macro_definition,
    macro_events,
    pp_macro_events,
)
from amalint.frontends.filescope.reads import read_files
from amalint.frontends.filescope.references import macro_words, unit_references
from amalint.frontends.filescope.source import FileText, blank
from amalint.frontends.filescope.sysmacros import system_redefinitions
from amalint.frontends.filescope.uses import find_uses
from amalint.frontends.treesitter.syntax import declarator_name, parse, split
from amalint.model import (
    DeclKind,
    FileFacts,
    FileScope,
    Location,
    Poisoned,
    Scope,
    Skipped,
    UsingDirective,
    Written,
    visible_scope,
)
from amalint.scan.directives import is_source
from amalint.scan.unit import Unit


def resolve_namespace(written: tuple[str, ...], scope: Scope, known: set[Scope],
                      aliases: dict[Scope, tuple[Scope, str]], _depth: int = 0) -> Scope | None:
    """The namespace a written name denotes from ``scope`` (a leading ``""`` means ``::``)."""
    if not written or _depth > 8:
        return None
    if written[0] == "":
        levels: Iterable[int] = (0,)
        written = written[1:]
    else:
        levels = range(len(scope), -1, -1)
    for level in levels:
        head = (*scope[:level], written[0])
        if head in aliases:
            where, target = aliases[head]
            base = resolve_namespace(split(target) if not target.startswith("::")
                                     else ("", *split(target)), where, known, aliases,
                                     _depth + 1)
            if base is not None:
                candidate: Scope = (*base, *written[1:])
                return candidate if candidate in known else None
        candidate = (*scope[:level], *written)
        if candidate in known:
            return candidate
    return None


def _through_directives(written: tuple[str, ...], scope: Scope, known: set[Scope],
                        in_effect: Sequence[tuple[Scope, Scope]]) -> Scope | None:
    """A namespace name that an earlier directive made visible: after ``using namespace T;``,
    ``using namespace A;`` names ``T::A`` (the latest such directive in effect at ``scope``)."""
    if written[0] == "":
        return None
    for where, nominated in reversed(in_effect):
        candidate = (*nominated, *written)
        if scope[:len(where)] == where and candidate in known:
            return candidate
    return None


def extract(unit: Unit, macros: Iterable[str] = (), references: bool = True) -> FileScope:
    """File-scope facts of ``unit`` (a read whose text the front end parsed already reuses
    that parse: :func:`.syntax.parse` remembers it). ``macros`` are
    names known to be macros even where the unit does not define them (a profile's init-block
    macros): a declaration they name has a name only the expansion knows."""
    pp = unit.preprocessed
    is_c = pp.config.language == "c" if pp is not None else unit.umbrella.path.suffix == ".c"
    aliases: dict[Scope, tuple[Scope, str]] = {}
    members: set[str] = set()
    files = read_files(unit, frozenset(macros))
    for file in files:
        Walker(file, is_c, aliases, members).walk(file.tree.root_node, (), False)
    known = {(*d.scope, d.name) for f in files for d in f.declarations
             if d.kind is DeclKind.NAMESPACE}
    targets: dict[tuple[int, int], Scope] = {}
    #: name -> the first unit whose file could capture it (a directive, an overload)
    captured: dict[str, int] = {}
    by_scope: dict[Scope, set[str]] = {}
    for f in files:
        for d in f.declarations:
            by_scope.setdefault(d.scope, set()).add(d.name)
    #: name -> the first unit declaring it: a unit's own directive that nominates a namespace
    #: declaring the name too may make its uses ambiguous with the earlier unit's
    declared: dict[str, int] = {}
    for f in files:
        for d in f.declarations:
            if f.source.unit is not None:
                declared[d.name] = min(declared.get(d.name, f.source.unit), f.source.unit)
    #: unit -> names its own directives nominate that an earlier unit declares
    own: dict[int, set[str]] = {}
    #: (scope, namespace) of each directive so far: in effect for the directives after it
    in_effect: list[tuple[Scope, Scope]] = []
    for index, f in enumerate(files):
        for number, (scope, written, _) in enumerate(f.directives):
            target = resolve_namespace(written, scope, known, aliases) \
                or _through_directives(written, scope, known, in_effect)
            if target is not None:
                in_effect.append((scope, target))
                targets[(index, number)] = target
                if f.source.unit is not None:
                    for name in by_scope.get(target, ()):
                        captured[name] = min(captured.get(name, f.source.unit), f.source.unit)
                        if declared.get(name, f.source.unit) < f.source.unit:
                            own.setdefault(f.source.unit, set()).add(name)
    for name, first in _overloaded(files).items():
        captured[name] = min(captured.get(name, first), first)
    guards = {f.guard for f in files if f.guard}
    defined = _defined(unit, files, guards)
    leakable = set(defined)
    function_like = {name for name, defs in defined.items()
                     if all(d.startswith("(") for d in defs)}
    out: list[FileFacts] = []
    children = _children(unit)
    referenced = unit_references(unit, files) if references else {}
    for index, f in enumerate(files):
        names = {n for n, u in captured.items() if f.source.unit is not None
                 and u < f.source.unit} | own.get(f.source.unit, set()) \
            if f.source.unit is not None else set()
        uses, local = find_uses(
            f, names, lambda written, scope: resolve_namespace(written, scope, known, aliases)
        ) if names else ([], set())
        events = (macro_events(f, leakable, function_like) if pp is None
                  else pp_macro_events(f, pp, leakable)) if leakable else []
        directives = tuple(
            UsingDirective(scope, targets[(index, number)], f.location(node),
                           f.position(node.start_byte))
            for number, (scope, _, node) in enumerate(f.directives)
            if (index, number) in targets
        )
        out.append(FileFacts(
            path=f.source.path,
            unit=f.source.unit,
            guard=f.guard,
            includes=tuple(path for _, path in _includes(f, children)),
            include_lines=tuple(line for line, _ in _includes(f, children)),
            mentions=tuple(i.resolved for i in f.source.directives.includes
                           if i.resolved is not None),
            declarations=tuple(f.declarations),
            using_directives=directives,
            uses=tuple(uses),
            local_names=frozenset(local),
            macros=tuple(events),
            references=tuple(referenced.get(index, ())),
            written=tuple(Written(i.line, i.spelling, i.angled, i.resolved, len(i.block))
                          for i in f.source.directives.includes),
            defines=branches.defines(f, pp),
            macro_words=macro_words(f), unread=f.unread,
            members=tuple(f.members) if references else (),
        ))
    skipped = tuple(_skipped(unit, files)) if pp is not None else ()
    problems = tuple(dict.fromkeys(
        (f.point(offset),
         f"macro expansion in file-scope code stopped ({error}); declarations there may be "
         "missing")
        for f in files if f.expanded is not None for offset, error in f.expanded.errors))
    return FileScope(tuple(out), frozenset(members), skipped, is_c, problems,
                     tuple(_poisoned(unit, files)) if pp is not None else (),
                     standard_typedefs(pp.config.compiler.macro_values()) if pp else {},
                     tuple(system_redefinitions(pp, {f.source.inclusion: f.source.unit
                                                     for f in files})) if pp else ())


def _poisoned(unit: Unit, files: Sequence[FileText]) -> Iterator[Poisoned]:
    """For each ``#pragma GCC poison`` name of a source, its first use in each later source."""
    pp = unit.preprocessed
    assert pp is not None
    units = {f.source.inclusion: f.source.unit for f in files}
    for name, inclusion, line, position in pp.poisoned:
        owner = units.get(inclusion)
        if owner is None:
            continue
        pattern = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
        seen: set[int] = set()
        for f in files:
            later = f.source.unit
            if later is None or later <= owner or later in seen:
                continue
            for m in pattern.finditer(f.blanked):
                if f.position(m.start()) > position:
                    seen.add(later)
                    where = Path(pp.inclusions[inclusion].path).resolve()
                    yield Poisoned(name, Location(where, line),
                                   owner, f.point(f.original(m.start())), later)
                    break


def _defined(unit: Unit, files: Sequence[FileText], guards: set[str]) -> dict[str, list[str]]:
    """The macros a later file could inherit, each with its definitions: those the included
    sources define (and, with the preprocessor, the project headers they read), include
    guards left out."""
    defined: dict[str, list[str]] = {}
    pp = unit.preprocessed
    if pp is not None:
        project = {f.source.inclusion for f in files if f.source.unit is not None}
        for event in pp.events:
            if event.kind == "define" and event.inclusion in project and event.macro is not None \
                    and event.name not in guards:
                defined.setdefault(event.name, []).append(macro_definition(event.macro))
        return defined
    included = {inc.resolved for inc in unit.umbrella.includes
                if inc.resolved is not None and is_source(inc.resolved)}
    for f in files:
        if f.source.path not in included:
            continue
        for _, name, definition in defines_of(f.source.directives.directives):
            if name not in guards:
                defined.setdefault(name, []).append(definition)
    return defined


def _skipped(unit: Unit, files: Sequence[FileText]) -> Iterator[Skipped]:
    """The project includes the compiler skips as already read; for a guard clash (the guard
    macro was defined by another file), the skipped file's names that its unit then uses."""
    pp = unit.preprocessed
    assert pp is not None
    units = {f.source.inclusion: f.source.unit for f in files}
    first = {f.source.path: f.source.unit for f in reversed(files)}
    resolve = _resolver()
    for inc in pp.inclusions:
        if inc.system or inc.parent is None or inc.index == 0:
            continue
        includer = pp.inclusions[inc.parent]
        position = includer.position(inc.offset)
        macro = pp.macro_at(inc.guard, position) if inc.guard else None
        if inc.skipped is None and macro is None:
            continue  # read (an entered file whose guard is already defined reads as nothing)
        where = resolve(includer.path) if includer.index else unit.umbrella.path
        path = resolve(inc.path)
        guard_file = resolve(macro.path) if macro is not None and macro.path else None
        missing: tuple[tuple[str, Location], ...] = ()
        if guard_file is not None and guard_file != path:
            missing = _used_after(path, position, [f for f in files
                                                   if f.source.unit == units.get(inc.parent)])
        yield Skipped(path, Location(where, inc.line), position, units.get(inc.parent),
                      inc.skipped or "guard", inc.guard, guard_file,
                      first.get(guard_file) if guard_file is not None else None, missing)


def _used_after(path: Path, position: tuple[int, ...], reads: Sequence[FileText]
                ) -> tuple[tuple[str, Location], ...]:
    """The names ``path`` declares at namespace scope that ``reads`` use after ``position``."""
    data = preprocess.files.read(str(path))
    if data is None:
        return ()
    declared: set[str] = set()
    todo = [parse(data).root_node]
    while todo:  # every declaration outside function bodies
        node = todo.pop()
        name = declarator_name(node.child_by_field_name("declarator")) \
            if node.type in ("declaration", "function_definition", "type_definition") else None
        if name is not None:
            declared.add(data[name.start_byte:name.end_byte].decode("utf-8", "replace"))
        todo.extend(c for c in node.named_children if c.type != "compound_statement")
    found: dict[str, Location] = {}
    for read in reads:
        code = blank(read.source.code or read.source.data)
        for m in re.finditer(rb"[A-Za-z_]\w*", code):
            word = m.group(0).decode()
            if word in declared and word not in found and \
                    (*read.source.prefix, m.start()) > position:
                found[word] = read.point(m.start())
    return tuple(found.items())


def _children(unit: Unit) -> dict[int, list[tuple[int, Path]]]:
    """For each inclusion, the project files it includes, with the line of each ``#include``:
    those the compiler reaches (also when an include guard makes it skip them)."""
    out: dict[int, list[tuple[int, Path]]] = {}
    resolve = _resolver()
    if unit.preprocessed is not None:
        for inc in unit.preprocessed.inclusions:
            if inc.parent is not None and not inc.system:
                out.setdefault(inc.parent, []).append((inc.line, resolve(inc.path)))
    return out


def _resolver() -> Callable[[str], Path]:
    """``Path(path).resolve()``, each path resolved once (a header is read or skipped many
    times in a unit; each resolution is a system call per path component)."""
    resolved: dict[str, Path] = {}

    def resolve(path: str) -> Path:
        if path not in resolved:
            resolved[path] = Path(path).resolve()
        return resolved[path]
    return resolve


def _includes(file: FileText, children: dict[int, list[tuple[int, Path]]]
              ) -> list[tuple[int, Path]]:
    """The project files ``file`` includes (see :func:`_children`); without the
    preprocessor, every one it names."""
    if file.source.inclusion is None:
        return [(i.line, i.resolved) for i in file.source.directives.includes
                if i.resolved is not None]
    return children.get(file.source.inclusion, [])


def _overloaded(files: Sequence[FileText]) -> dict[str, int]:
    """Function (and variable) names that one unqualified name may find in more than one unit
    (different signatures, or one in an anonymous namespace), with the first unit defining
    them."""
    seen: dict[tuple[Scope, str], set[tuple[int | None, str | None, Scope]]] = {}
    for f in files:
        for d in f.declarations:
            if d.kind in (DeclKind.FUNCTION, DeclKind.VARIABLE) and d.macro != d.name:
                seen.setdefault((visible_scope(d.scope), d.name), set()).add(
                    (f.source.unit, d.signature, d.scope))
    out: dict[str, int] = {}
    for (_, name), found in seen.items():
        units = {u for u, _, _ in found if u is not None}
        if len(units) > 1 and len({(s, scope) for _, s, scope in found}) > 1:
            out[name] = min(units)
    return out


def reachable(facts: Sequence[FileFacts] | Mapping[Path, FileFacts], start: Path) -> set[Path]:
    """Every file ``start`` includes, directly or not (as far as the unit's files show);
    ``facts`` may be given by path already."""
    by_path = facts if isinstance(facts, Mapping) else {f.path: f for f in facts}
    seen: set[Path] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        found = by_path.get(path)
        if found is not None:
            todo.extend(found.includes)
    return seen

