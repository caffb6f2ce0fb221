"""The tree-sitter front end's declaration pass and the model's assembly: namespaces, aliases,
classes with their bases and members, functions by qualified name (into :mod:`.symbols`), and the
static-init entry points; function bodies are handed to :mod:`.bodies` lazily."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from amalint.config.profiles import BlockKind, Registry
from amalint.config.settings import Settings
from amalint.frontends.filescope import HIDDEN_RULE
from amalint.frontends.filescope import extract as extract_filescope
from amalint.frontends.treesitter.bodies import BodyWalker
from amalint.frontends.treesitter.symbols import ClassInfo, Decl, File, Symbols, type_qname
from amalint.frontends.treesitter.syntax import (
    CLASSES,
    CONDITIONALS,
    QName,
    declarator_name,
    first_error,
    function_declarator,
    is_pointer,
    parse,
    split,
)
from amalint.model import (
    DEFAULT_PRIORITY,
    CallSite,
    CodeModel,
    Diagnostic,
    EntryKind,
    EntryPoint,
    FileScope,
    Function,
    LazyFunctions,
    Location,
    function_id,
    priority_value,
)
from amalint.scan.sources import text_lines
from amalint.scan.unit import Unit

_PRIORITY = re.compile(r"(?:constructor|init_priority)\s*\(\s*([0-9]+)\s*\)")
#: A scope the declaration pass is walking: its remaining children, its name and its class.
_Scope = tuple[Iterator[Node], QName, QName | None]


@dataclass
class _Entry:
    file: File
    node: Node
    body: list[Node]
    label: str
    kind: EntryKind
    priority: int
    scope: QName
    construct: QName | None = None
    construct_args: Node | None = None
    #: A dynamic initializer's priority is written (``init_priority``).
    explicit: bool = False


class Builder:
    """Turns one parsed unit into a code model."""

    def __init__(self, unit: Unit, settings: Settings) -> None:
        self.unit = unit
        self.settings = settings
        self.registry: Registry = settings.registry
        self.symbols = Symbols()
        self.entries: list[_Entry] = []
        self.diagnostics: list[Diagnostic] = list(unit.diagnostics)
        self.functions: dict[str, Function] = {}
        self.decls_by_id: dict[str, Decl] = {}
        self.files: list[File] = []
        self._lambda_count = 0
        #: Per declaration node (by id): its storage class specifiers, whether it is
        #: ``constexpr``, its ``init_priority``: once, not once per declarator.
        self._shared: dict[int, tuple[set[str], bool, int | None]] = {}
        for source in unit.files:
            tree = parse(source.text)
            file = File(source, source.data.split(b"\n"))
            self.files.append(file)
            if tree.root_node.has_error:
                first = first_error(tree.root_node)
                where = file.location(first) if first is not None else Location(source.path, 1)
                self.diagnostics.append(Diagnostic(
                    where, "tree-sitter could not parse this; facts here may be missing", "parse"
                ))
            self._declarations(tree.root_node, file)

    # ---------------------------------------------------------------- declaration pass

    def _declarations(self, root: Node, file: File) -> None:
        """The declaration pass over one file, in text order. Iterative (a stack of the scopes
        being walked), so nesting of any depth is fine."""
        todo: list[_Scope] = [(iter(root.named_children), (), None)]
        while todo:
            children, scope, cls = todo[-1]
            child = next(children, None)
            if child is None:
                todo.pop()
            else:
                self._declaration_of(child, file, scope, cls, todo)

    def _declaration_of(self, child: Node, file: File, scope: QName, cls: QName | None,
                        todo: list[_Scope]) -> None:
        """One declaration at namespace or class scope; what it encloses is pushed on ``todo``
        to be walked next."""
        kind = child.type
        if kind == "namespace_definition":
            name_node = child.child_by_field_name("name")
            inner = scope + (split(file.text(name_node)) if name_node is not None else ())
            self.symbols.namespaces.add(inner)
            body = child.child_by_field_name("body")
            if body is not None:
                todo.append((iter(body.named_children), inner, None))
        elif kind in ("linkage_specification", "template_declaration", *CONDITIONALS):
            body = child.child_by_field_name("body")
            todo.append((iter((body if body is not None else child).named_children), scope, cls))
        elif kind in ("declaration_list", "field_declaration_list", "ERROR"):
            todo.append((iter(child.named_children), scope, cls))
        elif kind == "namespace_alias_definition":
            name_node = child.child_by_field_name("name")
            target = [c for c in child.named_children if c is not name_node]
            if name_node is not None and target:
                alias = (*scope, file.text(name_node))
                self.symbols.ns_aliases[alias] = self.symbols.expand(
                    split(file.text(target[-1])), scope
                )
        elif kind == "using_declaration":
            text = file.text(child)
            if text.startswith("using namespace"):
                target_name = split(text[len("using namespace") :].rstrip(";").strip())
                if target_name:
                    resolved = self.symbols.expand(target_name, scope)
                    self.symbols.using.setdefault(scope, []).append(resolved)
        elif kind in ("alias_declaration", "type_definition"):
            self._type_alias(child, file, scope)
        elif kind in CLASSES:
            self._class(child, file, scope, todo)
        elif kind == "function_definition":
            self._function_definition(child, file, scope, cls)
        elif kind in ("declaration", "field_declaration"):
            self._declaration(child, file, scope, cls)
        elif kind == "expression_statement" and cls is None:
            self._file_scope_statement(child, file, scope)

    def _type_alias(self, node: Node, file: File, scope: QName) -> None:
        if node.type == "alias_declaration":
            name_node = node.child_by_field_name("name")
            type_node = node.child_by_field_name("type")
            target = type_node.child_by_field_name("type") if type_node is not None else None
        else:
            name_node = declarator_name(node.child_by_field_name("declarator"))
            target = node.child_by_field_name("type")
        target_name = type_qname(target, file)
        if name_node is not None and target_name:
            alias = (*scope, file.text(name_node))
            self.symbols.type_aliases[alias] = (target_name, scope)

    def _class(self, node: Node, file: File, scope: QName, todo: list[_Scope]) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        qname = (*scope, *split(file.text(name_node)))
        info = self.symbols.classes.setdefault(qname, ClassInfo(qname, scope))
        for child in node.named_children:
            if child.type == "base_class_clause":
                for base in child.named_children:
                    base_name = type_qname(base, file)
                    if base_name:
                        info.bases.append(base_name)
        todo.append((iter(body.named_children), qname, qname))

    def _resolve_bases(self) -> None:
        for info in self.symbols.classes.values():
            resolved = []
            for base in info.bases:
                target = self.symbols.resolve_type(base, info.scope)
                if target is not None and target != info.qname:
                    resolved.append(target)
            info.bases = resolved

    def _record(self, node: Node, declarator: Node, file: File, scope: QName,
                cls: QName | None, body: Node | None, return_type: Node | None) -> Decl | None:
        decl = self.symbols.record_function(node, declarator, file, scope, cls, body,
                                            return_type)
        if decl is not None and body is not None:
            self.decls_by_id[decl.id] = decl
        return decl

    def _function_definition(
        self, node: Node, file: File, scope: QName, cls: QName | None
    ) -> None:
        declarator = function_declarator(node.child_by_field_name("declarator"))
        body = node.child_by_field_name("body")
        if declarator is None or body is None:
            return
        name_node = declarator_name(declarator.child_by_field_name("declarator"))
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
        decl = self._record(
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
    def _attribute_priority(node: Node, file: File, attribute: str) -> int | None:
        """The priority of a ``constructor``/``init_priority`` attribute on ``node``, if any."""
        for child in node.children:
            if child.type not in ("attribute_specifier", "attribute_declaration"):
                continue
            text = file.text(child)
            if attribute not in text:
                continue
            m = _PRIORITY.search(text)
            if m is None:
                return DEFAULT_PRIORITY
            return priority_value(m.group(1))
        return None

    def _declaration(self, node: Node, file: File, scope: QName, cls: QName | None) -> None:
        type_node = node.child_by_field_name("type")
        declarators = [c for c in node.children_by_field_name("declarator")]
        for declarator in declarators:
            fdecl = function_declarator(declarator)
            if fdecl is not None and declarator.type != "init_declarator":
                self._record(node, fdecl, file, scope, cls, None, type_node)
                continue
            if cls is not None:
                if node.type == "field_declaration" and "static" not in file.specifiers(node):
                    member_type = self.symbols.expand(type_qname(type_node, file) or (), scope)
                    if member_type:
                        self.symbols.classes[cls].members.append(member_type)
                continue
            self._variable(node, declarator, file, scope, type_node)

    def _variable(
        self, node: Node, declarator: Node, file: File, scope: QName, type_node: Node | None
    ) -> None:
        """A namespace-scope variable: an entry point if its initialization runs code."""
        if node.id not in self._shared:
            head = node.child_by_field_name("declarator")
            before = file.text(node)[:head.start_byte - node.start_byte] if head is not None \
                else file.text(node).split("=")[0]
            self._shared[node.id] = (file.specifiers(node), "constexpr" in before,
                                           self._attribute_priority(node, file,
                                                                    "init_priority"))
        storage, constexpr, priority = self._shared[node.id]
        if "extern" in storage and declarator.type != "init_declarator":
            return
        if constexpr:
            return
        name_node = declarator_name(declarator)
        name = file.text(name_node) if name_node is not None else "?"
        value = declarator.child_by_field_name("value") if declarator.type == "init_declarator" \
            else None
        if priority is None:
            priority = self._attribute_priority(declarator, file, "init_priority")
        type_name = type_qname(type_node, file)
        is_object = declarator.type in ("identifier", "init_declarator") and not is_pointer(
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
                explicit=priority is not None,
            )
        )

    def _file_scope_statement(self, node: Node, file: File, scope: QName) -> None:
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
        walker = BodyWalker(self, decl.file, decl.scope, decl.cls, decl.params,
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
        self.symbols.freeze()
        entries: list[EntryPoint] = []
        for index, entry in enumerate(self.entries):
            walker = BodyWalker(self, entry.file, entry.scope, None, (), (), f"entry{index}")
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
                function_id(entry.label, entry.file.source.path, entry.node.start_point[0] + 1),
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
                    explicit=entry.explicit,
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
            filescope=extract_filescope(self.unit, self.registry.macros,
                                        self.settings.runs_preview(HIDDEN_RULE))
            if self.settings.file_scope else FileScope(),
        )
