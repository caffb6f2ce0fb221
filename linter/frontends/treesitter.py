"""The tree-sitter front end: fast, needs no compiler flags, resolves calls by name.

It parses every project file of the unit with tree-sitter-cpp and builds the code model in two
steps. First a *declaration pass* over namespace and class scopes (never into function bodies)
collects namespaces, aliases, classes with their bases and members, and function declarations and
definitions by qualified name, plus the static-init entry points. Then function bodies are turned
into resolved :class:`~amalint.model.Function` values *lazily*, only when the analysis walks into
them from an entry point, so code no initializer reaches costs nothing beyond the parse.

Name resolution follows C++ lookup loosely: an unqualified name is looked up in the enclosing
class and its bases, then in each enclosing namespace outward, then in namespaces brought in by
``using namespace``; namespace aliases and type aliases are expanded. Overloads are filtered by
argument count only, so a call may reach every overload of that arity. Template arguments are
ignored (a template and all its specializations are one name). Calls it cannot resolve are kept
as unresolved call sites (virtual dispatch, function pointers, library code).

Known limits (the libclang front end does not have them): every ``#if`` branch is seen, macros
are not expanded (except init-block and registration macros named by a profile), and overloads
with equal arity are not told apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_cpp
from amalint.config import Settings
from amalint.filescope import extract as extract_filescope
from amalint.model import (
    DEFAULT_PRIORITY,
    Arg,
    CallKind,
    CallSite,
    CodeModel,
    Diagnostic,
    EntryKind,
    EntryPoint,
    Function,
    LazyFunctions,
    Location,
    ParamRef,
)
from amalint.profiles import BlockKind, Registry
from amalint.sources import text_lines
from amalint.unit import SourceFile, Unit
from tree_sitter import Language, Node, Parser, Tree

_LANGUAGE = Language(tree_sitter_cpp.language())
_PRIORITY = re.compile(r"(?:constructor|init_priority)\s*\(\s*(\d+)\s*\)")
_SCOPES = ("namespace_definition", "linkage_specification", "template_declaration")
_PREPROC = ("preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef")
_CLASSES = ("class_specifier", "struct_specifier", "union_specifier")

QName = tuple[str, ...]


@dataclass
class _Decl:
    """A function declared or defined somewhere in the unit."""

    qname: QName
    file: _File
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
class _Class:
    qname: QName
    scope: QName
    bases: list[QName] = field(default_factory=list)
    members: list[QName] = field(default_factory=list)


@dataclass
class _File:
    source: SourceFile
    lines: list[bytes]
    rel: str

    def location(self, node: Node) -> Location:
        row, col = node.start_point
        line = self.lines[row] if row < len(self.lines) else b""
        return Location(self.source.path, row + 1, len(line[:col].decode("utf-8", "replace")) + 1)

    def end_location(self, node: Node) -> Location:
        row, col = node.end_point
        line = self.lines[row] if row < len(self.lines) else b""
        return Location(self.source.path, row + 1, len(line[:col].decode("utf-8", "replace")) + 1)

    def text(self, node: Node) -> str:
        return self.source.data[node.start_byte : node.end_byte].decode("utf-8", "replace")


@dataclass
class _Entry:
    file: _File
    node: Node
    body: list[Node]
    label: str
    kind: EntryKind
    priority: int
    scope: QName
    construct: QName | None = None
    construct_args: Node | None = None


def _strip_templates(text: str) -> str:
    if "<" not in text:
        return text
    out, depth = [], 0
    for ch in text:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _split(text: str) -> QName:
    """``::a::b<T>::c`` → ``("a", "b", "c")``."""
    clean = _strip_templates(text).replace(" ", "").replace("\n", "")
    return tuple(part for part in clean.split("::") if part)


class _Symbols:
    """The declaration tables and the name lookup over them."""

    def __init__(self) -> None:
        self.namespaces: set[QName] = {()}
        self.ns_aliases: dict[QName, QName] = {}
        self.type_aliases: dict[QName, tuple[QName, QName]] = {}
        self.classes: dict[QName, _Class] = {}
        self.functions: dict[QName, list[_Decl]] = {}
        self.using: dict[QName, list[QName]] = {}

    def _expand(self, name: QName, scope: QName) -> QName:
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

    def class_chain(self, cls: QName, _depth: int = 0) -> list[QName]:
        """A class and its bases, nearest first."""
        out = [cls]
        info = self.classes.get(cls)
        if info is None or _depth > 16:
            return out
        for base in info.bases:
            out.extend(c for c in self.class_chain(base, _depth + 1) if c not in out)
        return out

    def lookup(self, name: QName, scope: QName) -> tuple[str, QName] | None:
        """Resolve a written name: ``("class", q)``, ``("function", q)`` or ``None``."""
        if not name:
            return None
        name = self._expand(name, scope)
        for base in self._scopes(scope):
            full = (*base, *name)
            kind = self._kind(full)
            if kind is not None:
                return kind
        return None

    def _kind(self, full: QName) -> tuple[str, QName] | None:
        if full in self.type_aliases:
            target, where = self.type_aliases[full]
            if target != full:
                found = self.lookup(target, where)
                if found is not None and found[0] == "class":
                    return found
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

    def methods(self, cls: QName, name: str) -> list[_Decl]:
        for c in self.class_chain(cls):
            decls = self.functions.get((*c, name))
            if decls:
                return decls
        return []


def _declarator_name(node: Node | None) -> Node | None:
    """The name node inside a (possibly nested) declarator."""
    while node is not None:
        if node.type in (
            "identifier",
            "field_identifier",
            "qualified_identifier",
            "destructor_name",
            "operator_name",
            "type_identifier",
            "template_function",
        ):
            return node
        node = _inner_declarator(node)
    return None


def _inner_declarator(node: Node) -> Node | None:
    """The declarator a pointer/reference/init declarator wraps (``&f()`` → ``f()``)."""
    inner = node.child_by_field_name("declarator")
    if inner is None and node.type == "reference_declarator" and node.named_children:
        inner = node.named_children[-1]
    return inner


def _function_declarator(node: Node | None) -> Node | None:
    while node is not None:
        if node.type == "function_declarator":
            return node
        node = _inner_declarator(node)
    return None


def _type_name(node: Node | None, file: _File) -> QName | None:
    """The class-ish name of a type node (pointers, references, cv and templates stripped)."""
    if node is None:
        return None
    if node.type in ("type_identifier", "qualified_identifier", "template_type"):
        return _split(file.text(node))
    return None


class _Builder:
    """Turns one parsed unit into a code model."""

    def __init__(self, unit: Unit, settings: Settings) -> None:
        self.unit = unit
        self.settings = settings
        self.registry: Registry = settings.registry
        self.symbols = _Symbols()
        self.entries: list[_Entry] = []
        self.diagnostics: list[Diagnostic] = list(unit.diagnostics)
        self.functions: dict[str, Function] = {}
        self.decls_by_id: dict[str, _Decl] = {}
        self.files: list[_File] = []
        self.trees: list[Tree] = []
        self._lambda_count = 0
        parser = Parser(_LANGUAGE)
        cwd = Path.cwd()
        for source in unit.files:
            tree = parser.parse(source.data)
            self.trees.append(tree)
            try:
                rel = str(source.path.relative_to(cwd))
            except ValueError:
                rel = str(source.path)
            file = _File(source, source.data.split(b"\n"), rel)
            self.files.append(file)
            if tree.root_node.has_error:
                first = _first_error(tree.root_node)
                where = file.location(first) if first is not None else Location(source.path, 1)
                self.diagnostics.append(Diagnostic(
                    where, "tree-sitter could not parse this; facts here may be missing", "parse"
                ))
            self._declarations(tree.root_node, file, (), None)

    # ---------------------------------------------------------------- declaration pass

    def _declarations(self, node: Node, file: _File, scope: QName, cls: QName | None) -> None:
        for child in node.named_children:
            kind = child.type
            if kind == "namespace_definition":
                name_node = child.child_by_field_name("name")
                inner = scope + (_split(file.text(name_node)) if name_node is not None else ())
                self.symbols.namespaces.add(inner)
                body = child.child_by_field_name("body")
                if body is not None:
                    self._declarations(body, file, inner, None)
            elif kind in ("linkage_specification", "template_declaration", *_PREPROC):
                body = child.child_by_field_name("body")
                self._declarations(body if body is not None else child, file, scope, cls)
            elif kind in ("declaration_list", "field_declaration_list", "ERROR"):
                self._declarations(child, file, scope, cls)
            elif kind == "namespace_alias_definition":
                name_node = child.child_by_field_name("name")
                target = [c for c in child.named_children if c is not name_node]
                if name_node is not None and target:
                    alias = (*scope, file.text(name_node))
                    self.symbols.ns_aliases[alias] = self.symbols._expand(
                        _split(file.text(target[-1])), scope
                    )
            elif kind == "using_declaration":
                text = file.text(child)
                if text.startswith("using namespace"):
                    target_name = _split(text[len("using namespace") :].rstrip(";").strip())
                    if target_name:
                        resolved = self.symbols._expand(target_name, scope)
                        self.symbols.using.setdefault(scope, []).append(resolved)
            elif kind in ("alias_declaration", "type_definition"):
                self._type_alias(child, file, scope)
            elif kind in _CLASSES:
                self._class(child, file, scope)
            elif kind == "function_definition":
                self._function_definition(child, file, scope, cls)
            elif kind in ("declaration", "field_declaration"):
                self._declaration(child, file, scope, cls)
            elif kind == "expression_statement" and cls is None:
                self._file_scope_statement(child, file, scope)

    def _type_alias(self, node: Node, file: _File, scope: QName) -> None:
        if node.type == "alias_declaration":
            name_node = node.child_by_field_name("name")
            type_node = node.child_by_field_name("type")
            target = type_node.child_by_field_name("type") if type_node is not None else None
        else:
            name_node = _declarator_name(node.child_by_field_name("declarator"))
            target = node.child_by_field_name("type")
        target_name = _type_name(target, file)
        if name_node is not None and target_name:
            alias = (*scope, file.text(name_node))
            self.symbols.type_aliases[alias] = (target_name, scope)

    def _class(self, node: Node, file: _File, scope: QName) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        qname = (*scope, *_split(file.text(name_node)))
        info = self.symbols.classes.setdefault(qname, _Class(qname, scope))
        for child in node.named_children:
            if child.type == "base_class_clause":
                for base in child.named_children:
                    base_name = _type_name(base, file)
                    if base_name:
                        info.bases.append(base_name)
        self._declarations(body, file, qname, qname)

    def _resolve_bases(self) -> None:
        for info in self.symbols.classes.values():
            resolved = []
            for base in info.bases:
                target = self.symbols.resolve_type(base, info.scope)
                if target is not None and target != info.qname:
                    resolved.append(target)
            info.bases = resolved

    def _record_function(
        self, node: Node, declarator: Node, file: _File, scope: QName, cls: QName | None,
        body: Node | None, return_type: Node | None,
    ) -> _Decl | None:
        name_node = _declarator_name(declarator.child_by_field_name("declarator"))
        if name_node is None:
            return None
        written = _split(file.text(name_node))
        if not written:
            return None
        qname = (*scope, *written)
        owner = cls
        if len(written) > 1:  # out-of-class definition: A::B::f
            owner_name = self.symbols._expand(written[:-1], scope)
            found = self.symbols.resolve_type(owner_name, scope)
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
            pname = _declarator_name(p.child_by_field_name("declarator"))
            ptype = p.child_by_field_name("type")
            if ptype is not None and ptype.type == "primitive_type" and file.text(ptype) == "void" \
                    and pname is None:
                continue
            params.append(file.text(pname) if pname is not None else "")
            types.append(_type_name(ptype, file))
            if p.type == "parameter_declaration":
                required = len(params)
        if plist is not None and "..." in file.text(plist):
            variadic = True
        decl = _Decl(
            qname=qname,
            file=file,
            node=node,
            scope=owner or scope,
            cls=owner,
            params=tuple(params),
            param_types=tuple(types),
            min_args=required,
            max_args=10_000 if variadic else len(params),
            return_type=_type_name(return_type, file),
            body=body,
        )
        decl.id = f"{'::'.join(qname)}@{file.rel}:{node.start_point[0] + 1}"
        self.symbols.functions.setdefault(qname, []).append(decl)
        if body is not None:
            self.decls_by_id[decl.id] = decl
        return decl

    def _function_definition(
        self, node: Node, file: _File, scope: QName, cls: QName | None
    ) -> None:
        declarator = _function_declarator(node.child_by_field_name("declarator"))
        body = node.child_by_field_name("body")
        if declarator is None or body is None:
            return
        name_node = _declarator_name(declarator.child_by_field_name("declarator"))
        name = file.text(name_node) if name_node is not None else ""
        block = self.registry.init_block(name) if cls is None else None
        if block is not None:
            ctor = block.kind is BlockKind.CONSTRUCTOR or (
                block.kind is BlockKind.GNU_CONSTRUCTOR and self.settings.gnu
            )
            self.entries.append(
                _Entry(
                    file, node, [body], f"{name}()",
                    EntryKind.CONSTRUCTOR if ctor else EntryKind.DYNAMIC, DEFAULT_PRIORITY, scope,
                )
            )
            return
        decl = self._record_function(
            node, declarator, file, scope, cls, body, node.child_by_field_name("type")
        )
        priority = self._attribute_priority(node, file, "constructor")
        if decl is not None and priority is not None and cls is None:
            self.entries.append(
                _Entry(
                    file, node, [body], f"constructor function {'::'.join(decl.qname)}",
                    EntryKind.CONSTRUCTOR, priority, decl.scope,
                )
            )

    @staticmethod
    def _attribute_priority(node: Node, file: _File, attribute: str) -> int | None:
        """The priority of a ``constructor``/``init_priority`` attribute on ``node``, if any."""
        for child in node.children:
            if child.type not in ("attribute_specifier", "attribute_declaration"):
                continue
            text = file.text(child)
            if attribute not in text:
                continue
            m = _PRIORITY.search(text)
            return int(m.group(1)) if m else DEFAULT_PRIORITY
        return None

    def _declaration(self, node: Node, file: _File, scope: QName, cls: QName | None) -> None:
        type_node = node.child_by_field_name("type")
        declarators = [c for c in node.children_by_field_name("declarator")]
        for declarator in declarators:
            fdecl = _function_declarator(declarator)
            if fdecl is not None and declarator.type != "init_declarator":
                self._record_function(node, fdecl, file, scope, cls, None, type_node)
                continue
            if cls is not None:
                if node.type == "field_declaration" and "static" not in _storage(node, file):
                    member_type = self.symbols._expand(_type_name(type_node, file) or (), scope)
                    if member_type:
                        self.symbols.classes[cls].members.append(member_type)
                continue
            self._variable(node, declarator, file, scope, type_node)

    def _variable(
        self, node: Node, declarator: Node, file: _File, scope: QName, type_node: Node | None
    ) -> None:
        """A namespace-scope variable: an entry point if its initialization runs code."""
        storage = _storage(node, file)
        if "extern" in storage and declarator.type != "init_declarator":
            return
        if "constexpr" in file.text(node).split("=")[0]:
            return
        name_node = _declarator_name(declarator)
        name = file.text(name_node) if name_node is not None else "?"
        value = declarator.child_by_field_name("value") if declarator.type == "init_declarator" \
            else None
        priority = self._attribute_priority(node, file, "init_priority")
        if priority is None:
            priority = self._attribute_priority(declarator, file, "init_priority")
        type_name = _type_name(type_node, file)
        is_object = declarator.type in ("identifier", "init_declarator") and not _is_pointer(
            declarator
        )
        args = value if value is not None and value.type in ("argument_list",
                                                             "initializer_list") else None
        self.entries.append(
            _Entry(
                file, node, [value] if value is not None and args is None else [],
                f"initializer of {name}", EntryKind.DYNAMIC,
                priority if priority is not None else DEFAULT_PRIORITY, scope,
                construct=type_name if is_object else None, construct_args=args,
            )
        )

    def _file_scope_statement(self, node: Node, file: _File, scope: QName) -> None:
        """A statement at namespace scope is a macro invocation (``TVM_REGISTER_GLOBAL("k")
        .set_body(...)``): it runs as a dynamic initializer if it calls anything known."""
        text = " ".join(file.text(node).split())
        label = text if len(text) <= 60 else text[:57] + "..."
        self.entries.append(_Entry(file, node, [node], label, EntryKind.DYNAMIC,
                                   DEFAULT_PRIORITY, scope))

    # ---------------------------------------------------------------- bodies, lazily

    def function(self, fid: str) -> Function | None:
        if fid in self.functions:
            return self.functions[fid]
        decl = self.decls_by_id.get(fid)
        if decl is None or decl.body is None:
            return None
        walker = _BodyWalker(self, decl.file, decl.scope, decl.cls, decl.params,
                             decl.param_types, fid)
        if decl.qname and decl.qname[-1].startswith("~") and decl.cls is not None:
            walker.walk(decl.body)
            walker.implicit_destruction(decl.cls, decl.node)
        else:
            if decl.cls is not None and decl.qname[-1] == decl.cls[-1]:
                walker.implicit_construction(decl.cls, decl.node)
            walker.walk(decl.body)
        fn = Function(
            id=fid, name="::".join(decl.qname), location=decl.file.location(decl.node),
            calls=tuple(walker.calls),
        )
        self.functions[fid] = fn
        return fn

    def synthetic(self, fid: str, name: str, location: Location, calls: list[CallSite]) -> str:
        self.functions[fid] = Function(id=fid, name=name, location=location, calls=tuple(calls))
        return fid

    def build(self) -> CodeModel:
        self._resolve_bases()
        entries: list[EntryPoint] = []
        for index, entry in enumerate(self.entries):
            walker = _BodyWalker(self, entry.file, entry.scope, None, (), (), f"entry{index}")
            if entry.construct is not None:
                cls = self.symbols.resolve_type(entry.construct, entry.scope)
                if cls is not None:
                    walker.construct(cls, entry.construct_args, entry.node, what="global",
                                     destroy=False)
                elif entry.construct_args is not None:
                    walker.walk(entry.construct_args)
            for body in entry.body:
                walker.walk(body)
            explicit = entry.kind is EntryKind.CONSTRUCTOR or entry.node.type == \
                "function_definition"
            if not explicit and not any(
                c.targets or self.registry.match(c.names) for c in walker.calls
            ):
                continue  # a variable or macro statement that runs nothing we know of
            fid = self.synthetic(
                f"{entry.label}@{entry.file.rel}:{entry.node.start_point[0] + 1}",
                entry.label, entry.file.location(entry.node), walker.calls,
            )
            source = entry.file.source
            entries.append(
                EntryPoint(
                    function=fid,
                    label=entry.label,
                    kind=entry.kind,
                    priority=entry.priority,
                    location=entry.file.location(entry.node),
                    end=entry.file.end_location(entry.node),
                    position=(*source.prefix, entry.node.start_byte),
                    unit=source.unit,
                )
            )
        return CodeModel(
            umbrella=self.unit.umbrella,
            functions=LazyFunctions(
                self.function, lambda: [*self.functions, *self.decls_by_id]
            ),
            entry_points=tuple(entries),
            files=tuple(f.source.path for f in self.files),
            diagnostics=tuple(self.diagnostics),
            source_lines={f.source.path: text_lines(f.source.data) for f in self.files},
            filescope=extract_filescope(self.unit, self.trees),
        )


def _storage(node: Node, file: _File) -> set[str]:
    return {file.text(c) for c in node.children if c.type == "storage_class_specifier"}


def _is_pointer(declarator: Node) -> bool:
    inner = declarator.child_by_field_name("declarator") if declarator.type == \
        "init_declarator" else declarator
    return inner is not None and inner.type in ("pointer_declarator", "reference_declarator",
                                                "array_declarator", "function_declarator")


def _first_error(node: Node) -> Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def _string_value(node: Node, file: _File) -> str | None:
    if node.type == "string_literal":
        parts = [file.text(c) for c in node.named_children if c.type in ("string_content",
                                                                         "escape_sequence")]
        return "".join(parts)
    if node.type == "concatenated_string":
        pieces = [_string_value(c, file) for c in node.named_children]
        if all(p is not None for p in pieces):
            return "".join(p for p in pieces if p is not None)
    if node.type == "raw_string_literal":
        content = node.child_by_field_name("content") or next(
            (c for c in node.named_children if c.type == "raw_string_content"), None)
        return file.text(content) if content is not None else None
    return None


class _BodyWalker:
    """Collects the call sites of one body (a function, an initializer, an init block)."""

    def __init__(
        self, builder: _Builder, file: _File, scope: QName, cls: QName | None,
        params: tuple[str, ...], param_types: tuple[QName | None, ...], owner: str,
    ) -> None:
        self.b = builder
        self.sym = builder.symbols
        self.file = file
        self.scope = scope
        self.cls = cls
        self.params = params
        self.owner = owner
        self.calls: list[CallSite] = []
        self.locals: dict[str, QName] = {
            p: t for p, t in zip(params, param_types, strict=True) if p and t is not None
        }
        self.local_lambdas: dict[str, str] = {}
        self.local_aliases: dict[str, QName] = {}
        self.local_using: list[QName] = []

    # -- helpers

    def lookup(self, written: QName) -> tuple[str, QName] | None:
        """Name lookup that also sees the body's own namespace aliases and using-directives."""
        if written and written[0] in self.local_aliases:
            written = (*self.local_aliases[written[0]], *written[1:])
        found = self.sym.lookup(written, self.scope)
        for used in self.local_using:
            if found is not None:
                break
            found = self.sym.lookup((*used, *written), ())
        return found

    def resolve_type(self, written: QName) -> QName | None:
        found = self.lookup(written)
        return found[1] if found is not None and found[0] == "class" else None

    def _args(self, arglist: Node | None) -> tuple[Arg, ...]:
        if arglist is None:
            return ()
        out: list[Arg] = []
        for arg in arglist.named_children:
            if arg.type == "comment":
                continue
            literal = _string_value(arg, self.file)
            if literal is not None:
                out.append(literal)
            elif arg.type == "identifier" and self.file.text(arg) in self.params:
                out.append(ParamRef(self.params.index(self.file.text(arg))))
            else:
                out.append(None)
        return tuple(out)

    def _add(self, site: CallSite) -> None:
        self.calls.append(site)

    def _overloads(self, decls: list[_Decl], nargs: int) -> tuple[str, ...]:
        fitting = [d for d in decls if d.min_args <= nargs <= d.max_args] or decls
        return tuple(d.id for d in fitting if d.body is not None)

    # -- classes

    def _lifecycle(self, cls: QName, *, construct: bool, nargs: int = 0) -> tuple[str, ...]:
        """Functions that run when ``cls`` is constructed (with ``nargs`` arguments) or
        destroyed: the user-written ones, else the implicit one if it does anything."""
        if construct:
            targets = self._overloads(self.sym.functions.get((*cls, cls[-1]), []), nargs)
        else:
            dtors = self.sym.functions.get((*cls, f"~{cls[-1]}"), [])
            targets = tuple(d.id for d in dtors if d.body is not None)
        if targets:
            return targets
        implicit = self._implicit(cls, construct=construct)
        return (implicit,) if implicit else ()

    def construct(self, cls: QName, args: Node | None, node: Node | None, *, what: str,
                  destroy: bool = True, shown: str | None = None) -> None:
        """Constructor of ``cls`` now; its destructor too for temporaries and locals (not for
        heap objects and statics). ``shown`` is the type as written, for messages."""
        nargs = len([a for a in args.named_children if a.type != "comment"]) if args else 0
        name = shown or "::".join(cls)
        if args is not None:
            self.walk(args)
        targets = self._lifecycle(cls, construct=True, nargs=nargs)
        if targets:
            self._add(CallSite((f"{'::'.join(cls)}::{cls[-1]}",), targets, self._args(args),
                               self._location(node), CallKind.CONSTRUCT,
                               note=f"constructs {what} `{name}`"))
        if destroy:
            self.destroy(cls, node, what, shown)

    def destroy(self, cls: QName, node: Node | None, what: str, shown: str | None = None) -> None:
        name = shown or "::".join(cls)
        targets = self._lifecycle(cls, construct=False)
        if targets:
            self._add(CallSite((f"{'::'.join(cls)}::~{cls[-1]}",), targets, (),
                               self._location(node), CallKind.DESTRUCT,
                               note=f"destroys {what} `{name}`: runs `~{cls[-1]}`"))

    def _location(self, node: Node | None) -> Location:
        return self.file.location(node) if node is not None else Location(self.file.source.path, 1)

    def _implicit(self, cls: QName, *, construct: bool) -> str | None:
        """A synthetic function for the implicit constructor/destructor of ``cls``: it builds or
        destroys the bases and members that have code of their own."""
        info = self.sym.classes.get(cls)
        if info is None:
            return None
        fid = f"{'::'.join(cls)}::{'<implicit ctor>' if construct else '<implicit dtor>'}"
        if fid in self.b.functions:
            return fid if self.b.functions[fid].calls else None
        location = Location(self.file.source.path, 1)
        self.b.synthetic(fid, fid, location, [])  # guards against recursion
        walker = _BodyWalker(self.b, self.file, info.scope, cls, (), (), fid)
        if construct:
            walker.implicit_construction(cls, None)
        else:
            walker.implicit_destruction(cls, None)
        self.b.synthetic(fid, fid, location, walker.calls)
        return fid if walker.calls else None

    def implicit_construction(self, cls: QName, node: Node | None) -> None:
        """Bases, then members, as a constructor builds them before its body."""
        info = self.sym.classes.get(cls)
        if info is None:
            return
        for what, parts in (("base", info.bases), ("member", info.members)):
            for part in parts:
                resolved = part if part in self.sym.classes else self.resolve_type(part)
                if resolved is not None:
                    self.construct(resolved, None, node, what=what, destroy=False)

    def implicit_destruction(self, cls: QName, node: Node | None) -> None:
        """Members, then bases, in reverse order, as a destructor does after its body."""
        info = self.sym.classes.get(cls)
        if info is None:
            return
        for what, parts in (("member", info.members), ("base", info.bases)):
            for part in reversed(parts):
                resolved = part if part in self.sym.classes else self.resolve_type(part)
                if resolved is not None:
                    self.destroy(resolved, node, what)

    # -- types of expressions

    def type_of(self, node: Node | None) -> QName | None:
        if node is None:
            return None
        kind = node.type
        if kind == "this":
            return self.cls
        if kind == "identifier":
            return self.locals.get(self.file.text(node))
        if kind in ("parenthesized_expression", "pointer_expression"):
            inner = node.named_children[-1] if node.named_children else None
            return self.type_of(inner)
        if kind == "call_expression":
            fn = node.child_by_field_name("function")
            if fn is None:
                return None
            if fn.type in ("identifier", "qualified_identifier", "template_function"):
                found = self.lookup(_split(self.file.text(fn)))
                if found is None:
                    return None
                if found[0] == "class":
                    return found[1]
                return self._return_type(self.sym.functions.get(found[1], []))
            if fn.type == "field_expression":
                recv = self.type_of(fn.child_by_field_name("argument"))
                field_node = fn.child_by_field_name("field")
                if recv is None or field_node is None:
                    return None
                return self._return_type(self.sym.methods(recv, self.file.text(field_node)))
        if kind == "compound_literal_expression":
            return self.resolve_type(_split(self.file.text(node.child_by_field_name("type")
                                                           or node)))
        return None

    def _return_type(self, decls: list[_Decl]) -> QName | None:
        for decl in decls:
            if decl.return_type:
                found = self.sym.resolve_type(decl.return_type, decl.scope)
                if found is not None:
                    return found
        return None

    # -- the walk

    def walk(self, node: Node) -> None:
        kind = node.type
        if kind == "call_expression":
            self._call(node)
        elif kind == "lambda_expression":
            self._lambda(node, invoked=False)
        elif kind == "declaration":
            self._local_declaration(node)
        elif kind == "new_expression":
            type_name = _type_name(node.child_by_field_name("type"), self.file)
            cls = self.resolve_type(type_name) if type_name else None
            args = node.child_by_field_name("arguments")
            if cls is not None:
                self.construct(cls, args, node, what="heap object", destroy=False)
            elif args is not None:
                self.walk(args)
        elif kind == "compound_literal_expression":
            type_name = _type_name(node.child_by_field_name("type"), self.file)
            cls = self.resolve_type(type_name) if type_name else None
            value = node.child_by_field_name("value")
            if cls is not None:
                self.construct(cls, value, node, what="temporary")
            elif value is not None:
                self.walk(value)
        elif kind == "namespace_alias_definition":
            name_node = node.child_by_field_name("name")
            target = [c for c in node.named_children if c is not name_node]
            if name_node is not None and target:
                self.local_aliases[self.file.text(name_node)] = self.sym._expand(
                    _split(self.file.text(target[-1])), self.scope)
        elif kind == "using_declaration":
            text = self.file.text(node)
            if text.startswith("using namespace"):
                used = _split(text[len("using namespace"):].rstrip(";").strip())
                if used:
                    self.local_using.append(self.sym._expand(used, self.scope))
        elif kind in ("function_definition", "class_specifier", "struct_specifier"):
            return
        else:
            for child in node.named_children:
                self.walk(child)

    def _lambda(self, node: Node, *, invoked: bool, bound: str | None = None) -> str:
        self.b._lambda_count += 1
        fid = f"lambda#{self.b._lambda_count}@{self.file.rel}:{node.start_point[0] + 1}"
        walker = _BodyWalker(self.b, self.file, self.scope, self.cls, (), (), fid)
        walker.locals = dict(self.locals)
        body = node.child_by_field_name("body")
        if body is not None:
            walker.walk(body)
        self.b.synthetic(fid, "lambda", self.file.location(node), walker.calls)
        if bound is None:
            self._add(CallSite(("<lambda>",), (fid,), (), self.file.location(node),
                               deferred=not invoked,
                               note="calls lambda" if invoked else "stores lambda (deferred)"))
        return fid

    def _local_declaration(self, node: Node) -> None:
        type_node = node.child_by_field_name("type")
        type_name = _type_name(type_node, self.file)
        cls = self.resolve_type(type_name) if type_name else None
        is_static = "static" in _storage(node, self.file)
        for declarator in node.children_by_field_name("declarator"):
            name_node = _declarator_name(declarator)
            name = self.file.text(name_node) if name_node is not None else ""
            value = declarator.child_by_field_name("value") if declarator.type == \
                "init_declarator" else None
            if value is None:  # `if (T x = f())`: the condition's value hangs on the declaration
                value = node.child_by_field_name("value")
            if value is not None and value.type == "lambda_expression":
                self.local_lambdas[name] = self._lambda(value, invoked=False, bound=name)
                continue
            if cls is not None and not _is_pointer(declarator):
                self.locals[name] = cls
                if value is None or value.type in ("argument_list", "initializer_list"):
                    self.construct(cls, value, node,
                                   what="static local" if is_static else f"local `{name}`",
                                   destroy=not is_static)
                    continue
            if value is not None:
                if cls is None:
                    inferred = self.type_of(value)
                    if inferred is not None:
                        self.locals[name] = inferred
                self.walk(value)

    def _call(self, node: Node) -> None:
        fn = node.child_by_field_name("function")
        arglist = node.child_by_field_name("arguments")
        if fn is None:
            return
        target = fn
        while target.type == "parenthesized_expression" and target.named_children:
            target = target.named_children[0]
        if target.type == "lambda_expression":
            if arglist is not None:
                self.walk(arglist)
            self._lambda(target, invoked=True)
            return
        nargs = len([a for a in arglist.named_children if a.type != "comment"]) if arglist \
            else 0
        location = self.file.location(node)
        if target.type in ("identifier", "qualified_identifier", "template_function"):
            text = self.file.text(target)
            if target.type == "identifier" and text in self.local_lambdas:
                if arglist is not None:
                    self.walk(arglist)
                self._add(CallSite(("<lambda>",), (self.local_lambdas[text],), (), location,
                                   note=f"calls lambda `{text}`"))
                return
            written = _split(text)
            found = self.lookup(written)
            if found is not None and found[0] == "class":
                self.construct(found[1], arglist, node, what="temporary",
                               shown=" ".join(text.split()))
                return
            if arglist is not None:
                self.walk(arglist)
            if found is None:
                names = ("::".join(self.sym._expand(written, self.scope)),)
                self._add(CallSite(names, (), self._args(arglist), location))
                return
            decls = self.sym.functions.get(found[1], [])
            self._add(CallSite(("::".join(found[1]),), self._overloads(decls, nargs),
                               self._args(arglist), location))
            return
        if target.type == "field_expression":
            receiver = target.child_by_field_name("argument")
            field_node = target.child_by_field_name("field")
            if receiver is not None:
                self.walk(receiver)
            if arglist is not None:
                self.walk(arglist)
            if field_node is None:
                return
            method = _split(self.file.text(field_node))[-1:]
            recv_type = self.type_of(receiver)
            if recv_type is None:
                self._add(CallSite((method[0] if method else "?",), (), self._args(arglist),
                                   location))
                return
            decls = self.sym.methods(recv_type, method[0]) if method else []
            qname = "::".join(decls[0].qname) if decls else "::".join((*recv_type, *method))
            self._add(CallSite((qname,), self._overloads(decls, nargs), self._args(arglist),
                               location))
            return
        # calls through pointers, subscripts, etc.
        self.walk(target)
        if arglist is not None:
            self.walk(arglist)
        self._add(CallSite((self.file.text(target)[:40],), (), self._args(arglist), location))


def parse(unit: Unit, settings: Settings) -> CodeModel:
    """Build the code model of ``unit`` with tree-sitter."""
    return _Builder(unit, settings).build()
