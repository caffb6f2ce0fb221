"""Function bodies of the tree-sitter front end, walked lazily: the calls a body makes, resolved
by name, with the constructors and destructors that run implicitly (temporaries at the end of
the full expression, locals at the end of their block, bases and members), and lambdas that run
only when called."""

from __future__ import annotations

from typing import TYPE_CHECKING

from amalint.frontends.treesitter.symbols import Decl, File, type_qname
from amalint.frontends.treesitter.syntax import (
    QName,
    declarator_name,
    is_pointer,
    split,
    string_value,
)
from amalint.model import Arg, CallKind, CallSite, Location, ParamRef
from tree_sitter import Node

if TYPE_CHECKING:
    from amalint.frontends.treesitter.builder import Builder


class BodyWalker:
    """Collects the call sites of one body (a function, an initializer, an init block)."""

    def __init__(
        self, builder: Builder, file: File, scope: QName, cls: QName | None,
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
            literal = string_value(arg, self.file)
            if literal is not None:
                out.append(literal)
            elif arg.type == "identifier" and self.file.text(arg) in self.params:
                out.append(ParamRef(self.params.index(self.file.text(arg))))
            else:
                out.append(None)
        return tuple(out)

    def _add(self, site: CallSite) -> None:
        self.calls.append(site)

    def _overloads(self, decls: list[Decl], nargs: int) -> tuple[str, ...]:
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
        walker = BodyWalker(self.b, self.file, info.scope, cls, (), (), fid)
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
                found = self.lookup(split(self.file.text(fn)))
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
            return self.resolve_type(split(self.file.text(node.child_by_field_name("type")
                                                           or node)))
        return None

    def _return_type(self, decls: list[Decl]) -> QName | None:
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
            type_name = type_qname(node.child_by_field_name("type"), self.file)
            cls = self.resolve_type(type_name) if type_name else None
            args = node.child_by_field_name("arguments")
            if cls is not None:
                self.construct(cls, args, node, what="heap object", destroy=False)
            elif args is not None:
                self.walk(args)
        elif kind == "compound_literal_expression":
            type_name = type_qname(node.child_by_field_name("type"), self.file)
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
                self.local_aliases[self.file.text(name_node)] = self.sym.expand(
                    split(self.file.text(target[-1])), self.scope)
        elif kind == "using_declaration":
            text = self.file.text(node)
            if text.startswith("using namespace"):
                used = split(text[len("using namespace"):].rstrip(";").strip())
                if used:
                    self.local_using.append(self.sym.expand(used, self.scope))
        elif kind in ("function_definition", "class_specifier", "struct_specifier"):
            return
        else:
            for child in node.named_children:
                self.walk(child)

    def _lambda(self, node: Node, *, invoked: bool, bound: str | None = None) -> str:
        self.b._lambda_count += 1
        fid = f"lambda#{self.b._lambda_count}@{self.file.rel}:{node.start_point[0] + 1}"
        walker = BodyWalker(self.b, self.file, self.scope, self.cls, (), (), fid)
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
        type_name = type_qname(type_node, self.file)
        cls = self.resolve_type(type_name) if type_name else None
        is_static = "static" in self.file.specifiers(node)
        for declarator in node.children_by_field_name("declarator"):
            name_node = declarator_name(declarator)
            name = self.file.text(name_node) if name_node is not None else ""
            value = declarator.child_by_field_name("value") if declarator.type == \
                "init_declarator" else None
            if value is None:  # `if (T x = f())`: the condition's value hangs on the declaration
                value = node.child_by_field_name("value")
            if value is not None and value.type == "lambda_expression":
                self.local_lambdas[name] = self._lambda(value, invoked=False, bound=name)
                continue
            if cls is not None and not is_pointer(declarator):
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
            written = split(text)
            found = self.lookup(written)
            if found is not None and found[0] == "class":
                self.construct(found[1], arglist, node, what="temporary",
                               shown=" ".join(text.split()))
                return
            if arglist is not None:
                self.walk(arglist)
            if found is None:
                names = ("::".join(self.sym.expand(written, self.scope)),)
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
            method = split(self.file.text(field_node))[-1:]
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

