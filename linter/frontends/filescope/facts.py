"""File-scope facts of a unit, for every front end: what sharing one translation unit can break.

From the preprocessor's scan and a tree-sitter parse of each file of the unit this extracts, per
file: the names declared at namespace scope (:mod:`.declarations`), the file-scope ``using
namespace`` directives, macro definitions, ``#undef``\\ s, tests and uses (:mod:`.macros`), and
the unqualified uses of the few names another file could capture (:mod:`.uses`).

It is a separate pass so that any front end gets the same facts: the tree-sitter front end hands
over the trees it already parsed, others let this module parse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from amalint.frontends.filescope.declarations import Walker
from amalint.frontends.filescope.macros import define, macro_events
from amalint.frontends.filescope.source import FileText, blank, include_guard
from amalint.frontends.filescope.uses import find_uses
from amalint.frontends.treesitter.syntax import parser, split
from amalint.model import DeclKind, FileFacts, FileScope, Scope, UsingDirective
from amalint.scan.directives import is_source
from amalint.scan.unit import Unit
from tree_sitter import Tree


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


def extract(unit: Unit, trees: Sequence[Tree] | None = None) -> FileScope:
    """File-scope facts of ``unit``; ``trees`` are tree-sitter parses of ``unit.files`` if the
    caller has them."""
    is_c = unit.umbrella.path.suffix == ".c"
    ts = parser()
    aliases: dict[Scope, tuple[Scope, str]] = {}
    members: set[str] = set()
    files: list[FileText] = []
    for index, source in enumerate(unit.files):
        tree = trees[index] if trees is not None else ts.parse(source.data)
        blanked = blank(source.data)
        file = FileText(source, source.data.split(b"\n"), tree=tree,
                        guard=include_guard(blanked, source.directives.directives),
                        blanked=blanked)
        Walker(file, is_c, aliases, members).walk(tree.root_node, (), False)
        files.append(file)
    known = {(*d.scope, d.name) for f in files for d in f.declarations
             if d.kind is DeclKind.NAMESPACE}
    targets: dict[tuple[int, int], Scope] = {}
    #: name -> the first unit whose file could capture it (a directive, an overload)
    captured: dict[str, int] = {}
    by_scope: dict[Scope, set[str]] = {}
    for f in files:
        for d in f.declarations:
            by_scope.setdefault(d.scope, set()).add(d.name)
    for index, f in enumerate(files):
        for number, (scope, written, _) in enumerate(f.directives):
            target = resolve_namespace(written, scope, known, aliases)
            if target is not None:
                targets[(index, number)] = target
                if f.source.unit is not None:
                    for name in by_scope.get(target, ()):
                        captured[name] = min(captured.get(name, f.source.unit), f.source.unit)
    for name, first in _overloaded(files).items():
        captured[name] = min(captured.get(name, first), first)
    defined: dict[str, list[str]] = {}
    guards = {f.guard for f in files if f.guard}
    included = {inc.resolved for inc in unit.umbrella.includes
                if inc.resolved is not None and is_source(inc.resolved)}
    for f in files:
        if f.source.path not in included:
            continue
        for directive in f.source.directives.directives:
            if directive.name == "define":
                parsed = define(directive.rest)
                if parsed is not None and parsed[0] not in guards:
                    defined.setdefault(parsed[0], []).append(parsed[1])
    macro_names = set(defined)
    function_like = {name for name, defs in defined.items()
                     if all(d.startswith("(") for d in defs)}
    out: list[FileFacts] = []
    for index, f in enumerate(files):
        names = {n for n, u in captured.items() if f.source.unit is not None
                 and u < f.source.unit}
        uses, local = find_uses(f, names) if names else ([], set())
        events = macro_events(f, macro_names, function_like) if macro_names else []
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
            includes=tuple(i.resolved for i in f.source.directives.includes
                           if i.resolved is not None),
            declarations=tuple(f.declarations),
            using_directives=directives,
            uses=tuple(uses),
            local_names=frozenset(local),
            macros=tuple(events),
        ))
    return FileScope(tuple(out), frozenset(members), is_c)


def _overloaded(files: Sequence[FileText]) -> dict[str, int]:
    """Internal-linkage function names defined in more than one unit with different
    signatures (calls to them may be captured), with the first unit defining them."""
    seen: dict[tuple[Scope, str], set[tuple[int | None, str | None]]] = {}
    for f in files:
        for d in f.declarations:
            if d.internal and d.kind is DeclKind.FUNCTION:
                seen.setdefault((d.scope, d.name), set()).add((f.source.unit, d.signature))
    out: dict[str, int] = {}
    for (_, name), found in seen.items():
        units = {u for u, _ in found if u is not None}
        if len(units) > 1 and len({s for _, s in found}) > 1:
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

