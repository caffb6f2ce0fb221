"""The declaration tables of the tree-sitter front end and C++ name lookup over them.

Lookup follows C++ loosely: an unqualified name is looked up in the enclosing class and its
bases, then in each enclosing namespace outward, then in namespaces brought in by ``using
namespace``; namespace aliases and type aliases are expanded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

from amalint.frontends.treesitter.syntax import QName, SourceText, declarator_name, split
from amalint.model import function_id

File = SourceText


@dataclass
class Decl:
    """A function declared or defined somewhere in the unit."""

    qname: QName
    file: File
    node: Node
    scope: QName
    cls: QName | None
    params: tuple[str, ...]
    param_types: tuple[QName | None, ...]
    min_args: int
    max_args: int
    return_type: QName | None
    body: Node | None
    id: str = ""


@dataclass
class ClassInfo:
    qname: QName
    scope: QName
    bases: list[QName] = field(default_factory=list)
    members: list[QName] = field(default_factory=list)


class Symbols:
    """The declaration tables and the name lookup over them."""

    def __init__(self) -> None:
        self.namespaces: set[QName] = {()}
        self.ns_aliases: dict[QName, QName] = {}
        self.type_aliases: dict[QName, tuple[QName, QName]] = {}
        self.classes: dict[QName, ClassInfo] = {}
        self.functions: dict[QName, list[Decl]] = {}
        self.using: dict[QName, list[QName]] = {}
        self._chains: dict[QName, list[QName]] | None = None

    def expand(self, name: QName, scope: QName) -> QName:
        """Expand a namespace alias in the first component of ``name`` seen from ``scope``."""
        if not name:
            return name
        for depth in range(len(scope), -1, -1):
            key = (*scope[:depth], name[0])
            if key in self.ns_aliases:
                return (*self.ns_aliases[key], *name[1:])
            if key in self.namespaces or key in self.classes:
                break
        return name

    def _scopes(self, scope: QName) -> Iterator[QName]:
        """Scopes to search for a name used in ``scope``: classes with their bases, then each
        enclosing namespace outward, then namespaces imported by ``using namespace``."""
        seen: set[QName] = set()
        for depth in range(len(scope), -1, -1):
            prefix = scope[:depth]
            if prefix in self.classes:
                for cls in self.class_chain(prefix):
                    if cls not in seen:
                        seen.add(cls)
                        yield cls
            elif prefix not in seen:
                seen.add(prefix)
                yield prefix
        for depth in range(len(scope), -1, -1):
            for used in self.using.get(scope[:depth], ()):
                if used not in seen:
                    seen.add(used)
                    yield used

    def class_chain(self, cls: QName) -> list[QName]:
        """A class and its bases, nearest first (depth first, each class once). Iterative, so
        any depth of inheritance, and cycles in bad code, are fine; cached once :meth:`freeze`
        says the bases are final."""
        if self._chains is not None and cls in self._chains:
            return self._chains[cls]
        out: list[QName] = []
        seen: set[QName] = set()
        todo = [cls]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            out.append(current)
            info = self.classes.get(current)
            if info is not None:
                todo.extend(reversed(info.bases))
        if self._chains is not None:
            self._chains[cls] = out
        return out

    def freeze(self) -> None:
        """The declaration pass is over and bases are resolved: cache class chains from now."""
        self._chains = {}

    def lookup(self, name: QName, scope: QName) -> tuple[str, QName] | None:
        """Resolve a written name: ``("class", q)``, ``("function", q)`` or ``None``.

        A candidate that is a type alias is looked up again from where the alias is declared:
        a class found so is the answer, anything else falls back to the candidate itself. This
        runs iteratively, skipping aliases already being followed, so alias chains of any
        length and alias cycles of bad code (``typedef B A; typedef A B;``) end.
        """
        if not name:
            return None
        #: The lookups in progress: their candidates, and the alias each one resolves.
        frames: list[tuple[Iterator[QName], QName | None]] = [
            (self._candidates(name, scope), None)]
        following: set[QName] = set()
        #: What the last finished lookup found, handed to the one that asked.
        found: tuple[str, QName] | None = None
        while True:
            candidates, alias = frames[-1]
            if found is None:
                full = next(candidates, None)
                if full is not None:
                    target = self.type_aliases.get(full)
                    if target is not None and target[0] != full and full not in following:
                        following.add(full)
                        frames.append((self._candidates(*target), full))
                        continue
                    found = self._direct(full)
                    if found is None:
                        continue
            # this lookup is over: it found `found`, or nothing when its candidates ran out
            frames.pop()
            if alias is None:
                return found
            following.discard(alias)
            if found is None or found[0] != "class":
                found = self._direct(alias)  # the alias names no class: the name itself

    def _candidates(self, name: QName, scope: QName) -> Iterator[QName]:
        name = self.expand(name, scope)
        for base in self._scopes(scope):
            yield (*base, *name)

    def _direct(self, full: QName) -> tuple[str, QName] | None:
        """``full`` as a class or a function, or a member reached through its class's bases."""
        if full in self.classes:
            return ("class", full)
        if full in self.functions:
            return ("function", full)
        # a member of a class reached through one of its bases: A::f where f is in A's base
        if len(full) > 1 and full[:-1] in self.classes:
            for cls in self.class_chain(full[:-1])[1:]:
                if (*cls, full[-1]) in self.functions:
                    return ("function", (*cls, full[-1]))
        return None

    def resolve_type(self, name: QName, scope: QName) -> QName | None:
        found = self.lookup(name, scope)
        return found[1] if found is not None and found[0] == "class" else None

    def methods(self, cls: QName, name: str) -> list[Decl]:
        for c in self.class_chain(cls):
            decls = self.functions.get((*c, name))
            if decls:
                return decls
        return []

    def record_function(
        self, node: Node, declarator: Node, file: File, scope: QName, cls: QName | None,
        body: Node | None, return_type: Node | None,
    ) -> Decl | None:
        name_node = declarator_name(declarator.child_by_field_name("declarator"))
        if name_node is None:
            return None
        written = split(file.text(name_node))
        if not written:
            return None
        qname = (*scope, *written)
        owner = cls
        if len(written) > 1:  # out-of-class definition: A::B::f
            owner_name = self.expand(written[:-1], scope)
            found = self.resolve_type(owner_name, scope)
            qname = (*(found or (*scope, *owner_name)), written[-1])
            owner = found or qname[:-1]
        params: list[str] = []
        types: list[QName | None] = []
        required = 0
        variadic = False
        plist = declarator.child_by_field_name("parameters")
        for p in plist.named_children if plist is not None else ():
            if p.type == "variadic_parameter_declaration" or p.type == "variadic_parameter":
                variadic = True
                continue
            if p.type not in ("parameter_declaration", "optional_parameter_declaration"):
                continue
            pname = declarator_name(p.child_by_field_name("declarator"))
            ptype = p.child_by_field_name("type")
            if ptype is not None and ptype.type == "primitive_type" and file.text(ptype) == "void" \
                    and pname is None:
                continue
            params.append(file.text(pname) if pname is not None else "")
            types.append(type_qname(ptype, file))
            if p.type == "parameter_declaration":
                required = len(params)
        if plist is not None and "..." in file.text(plist):
            variadic = True
        decl = Decl(
            qname=qname,
            file=file,
            node=node,
            scope=owner or scope,
            cls=owner,
            params=tuple(params),
            param_types=tuple(types),
            min_args=required,
            max_args=10_000 if variadic else len(params),
            return_type=type_qname(return_type, file),
            body=body,
        )
        decl.id = function_id("::".join(qname), file.source.path, node.start_point[0] + 1)
        self.functions.setdefault(qname, []).append(decl)
        return decl


def type_qname(node: Node | None, file: File) -> QName | None:
    """The class-ish name of a type node (pointers, references, cv and templates stripped)."""
    if node is None:
        return None
    if node.type in ("type_identifier", "qualified_identifier", "template_type"):
        return split(file.text(node))
    return None
