"""Function bodies of the tree-sitter front end, walked lazily: the calls a body makes, resolved
by name, with the constructors and destructors that run implicitly (temporaries at the end of
the full expression, locals at the end of their block, bases and members), and lambdas that run
only when called.

The walk is iterative: one stack of tasks (a node to visit with its walker, or what is left to
do once the nodes pushed above it are done) serves a body and the lambdas nested in it, so
expressions, blocks and lambdas nested to any depth are fine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from amalint.frontends import tasks as stack
from amalint.frontends.treesitter import lifecycle
from amalint.frontends.treesitter.symbols import Decl, File, type_qname
from amalint.frontends.treesitter.syntax import (
    QName,
    declarator_name,
    is_pointer,
    split,
    string_value,
)
from amalint.model import Arg, CallKind, CallSite, Location, ParamRef, function_id

if TYPE_CHECKING:
    from amalint.frontends.treesitter.builder import Builder

#: A unit of work of the walk: visit a node with a walker, or run what comes after.
Task = stack.Task[tuple["BodyWalker", Node]]


def run(todo: list[Task]) -> None:
    """Do the tasks on ``todo`` (a stack: the last one first) and everything they push."""
    stack.run(todo, lambda task: task[0].visit(task[1], todo))


def then(todo: list[Task], *pushed: Task | None) -> None:
    """Push ``pushed`` to run in the order given, before anything already on ``todo``."""
    stack.then(todo, *pushed)


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

    def nested(self, scope: QName, cls: QName | None, owner: str) -> BodyWalker:
        """A walker for another body of this file, with nothing local yet."""
        return BodyWalker(self.b, self.file, scope, cls, (), (), owner)

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

    def overloads(self, decls: list[Decl], nargs: int) -> tuple[str, ...]:
        fitting = [d for d in decls if d.min_args <= nargs <= d.max_args] or decls
        return tuple(d.id for d in fitting if d.body is not None)

    # -- classes

    def _lifecycle(self, cls: QName, *, construct: bool, nargs: int = 0) -> tuple[str, ...]:
        """Functions that run when ``cls`` is constructed (with ``nargs`` arguments) or
        destroyed: the user-written ones, else the implicit one if it does anything."""
        targets = lifecycle.user_written(self, cls, construct=construct, nargs=nargs)
        if targets:
            return targets
        made = lifecycle.implicit(self, cls, construct=construct)
        return (made,) if made else ()

    def construct(self, cls: QName, args: Node | None, node: Node | None, *, what: str,
                  destroy: bool = True, shown: str | None = None) -> None:
        """Constructor of ``cls`` now; its destructor too for temporaries and locals (not for
        heap objects and statics). ``shown`` is the type as written, for messages."""
        todo: list[Task] = []
        self._construct(todo, cls, args, node, what=what, destroy=destroy, shown=shown)
        run(todo)

    def _construct(self, todo: list[Task], cls: QName, args: Node | None, node: Node | None,
                   *, what: str, destroy: bool = True, shown: str | None = None) -> None:
        nargs = len([a for a in args.named_children if a.type != "comment"]) if args else 0
        name = shown or "::".join(cls)

        def after_arguments() -> None:
            targets = self._lifecycle(cls, construct=True, nargs=nargs)
            names = (f"{'::'.join(cls)}::{cls[-1]}",)
            # a registrar object whose constructor is defined in another unit still calls
            # the registry API its profile names
            if targets or self.b.registry.match(names) is not None:
                self._add(CallSite(names, targets, self._args(args), self._location(node),
                                   CallKind.CONSTRUCT, note=f"constructs {what} `{name}`"))
            if destroy:
                self.destroy(cls, node, what, shown)

        then(todo, (self, args) if args is not None else None, after_arguments)

    def destroy(self, cls: QName, node: Node | None, what: str, shown: str | None = None) -> None:
        name = shown or "::".join(cls)
        targets = self._lifecycle(cls, construct=False)
        if targets:
            self._add(CallSite((f"{'::'.join(cls)}::~{cls[-1]}",), targets, (),
                               self._location(node), CallKind.DESTRUCT,
                               note=f"destroys {what} `{name}`: runs `~{cls[-1]}`"))

    def _location(self, node: Node | None) -> Location:
        return self.file.location(node) if node is not None else Location(self.file.source.path, 1)

    def implicit_construction(self, cls: QName, node: Node | None) -> None:
        """Bases, then members, as a constructor builds them before its body."""
        for what, part in lifecycle.parts(self, cls, construct=True):
            self.construct(part, None, node, what=what, destroy=False)

    def implicit_destruction(self, cls: QName, node: Node | None) -> None:
        """Members, then bases, in reverse order, as a destructor does after its body."""
        for what, part in lifecycle.parts(self, cls, construct=False):
            self.destroy(part, node, what)

    # -- types of expressions

    def type_of(self, node: Node | None) -> QName | None:
        """The class an expression's value has, as far as names tell: a local or parameter,
        ``this``, a constructed temporary, what a function or method returns. Iterative down
        the receivers of a call chain (``a.f().g()``) and parentheses."""
        methods: list[str] = []  # methods called on the value, innermost last
        found: QName | None = None
        while node is not None:
            kind = node.type
            if kind == "this":
                found = self.cls
            elif kind == "identifier":
                found = self.locals.get(self.file.text(node))
            elif kind in ("parenthesized_expression", "pointer_expression"):
                node = node.named_children[-1] if node.named_children else None
                continue
            elif kind == "call_expression":
                fn = node.child_by_field_name("function")
                if fn is not None and fn.type in ("identifier", "qualified_identifier",
                                                  "template_function"):
                    called = self.lookup(split(self.file.text(fn)))
                    if called is not None:
                        found = called[1] if called[0] == "class" else \
                            self._return_type(self.sym.functions.get(called[1], []))
                elif fn is not None and fn.type == "field_expression":
                    field_node = fn.child_by_field_name("field")
                    if field_node is not None:
                        methods.append(self.file.text(field_node))
                        node = fn.child_by_field_name("argument")
                        continue
            elif kind == "compound_literal_expression":
                found = self.resolve_type(split(self.file.text(
                    node.child_by_field_name("type") or node)))
            break
        for method in reversed(methods):
            if found is None:
                return None
            found = self._return_type(self.sym.methods(found, method))
        return found

    def _return_type(self, decls: list[Decl]) -> QName | None:
        for decl in decls:
            if decl.return_type:
                found = self.sym.resolve_type(decl.return_type, decl.scope)
                if found is not None:
                    return found
        return None

    # -- the walk

    def walk(self, node: Node) -> None:
        """Collect the calls under ``node`` (a body, an initializer, an argument list)."""
        run([(self, node)])

    def visit(self, node: Node, todo: list[Task]) -> None:
        """One node of the walk; what it encloses is pushed on ``todo``."""
        kind = node.type
        if kind == "call_expression":
            self._call(node, todo)
        elif kind == "lambda_expression":
            self._lambda(node, todo, invoked=False)
        elif kind == "declaration":
            self._local_declaration(node, todo)
        elif kind in ("new_expression", "compound_literal_expression"):
            heap = kind == "new_expression"
            type_name = type_qname(node.child_by_field_name("type"), self.file)
            cls = self.resolve_type(type_name) if type_name else None
            args = node.child_by_field_name("arguments" if heap else "value")
            if cls is not None:
                self._construct(todo, cls, args, node, what="heap object" if heap
                                else "temporary", destroy=not heap)
            elif args is not None:
                todo.append((self, args))
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
        elif kind not in ("function_definition", "class_specifier", "struct_specifier"):
            todo.extend((self, child) for child in reversed(node.named_children))

    def _lambda(self, node: Node, todo: list[Task], *, invoked: bool,
                bound: str | None = None) -> str:
        """A lambda's body becomes a function of its own, walked next; the lambda runs only
        when called (``invoked``), else its call site is deferred. ``bound``: the local it is
        stored in, called later by name."""
        self.b._lambda_count += 1
        fid = function_id(f"lambda#{self.b._lambda_count}", self.file.source.path,
                          node.start_point[0] + 1)
        walker = self.nested(self.scope, self.cls, fid)
        walker.locals = dict(self.locals)
        body = node.child_by_field_name("body")

        def after_body() -> None:
            self.b.synthetic(fid, "lambda", self.file.location(node), walker.calls)
            if bound is None:
                self._add(CallSite(("<lambda>",), (fid,), (), self.file.location(node),
                                   deferred=not invoked,
                                   note="calls lambda" if invoked else "stores lambda (deferred)"))

        then(todo, (walker, body) if body is not None else None, after_body)
        return fid

    def _local_declaration(self, node: Node, todo: list[Task]) -> None:
        type_node = node.child_by_field_name("type")
        type_name = type_qname(type_node, self.file)
        cls = self.resolve_type(type_name) if type_name else None
        is_static = "static" in self.file.specifiers(node)
        then(todo, *(self._declarator(node, d, cls, is_static, todo)
                     for d in node.children_by_field_name("declarator")))

    def _declarator(self, node: Node, declarator: Node, cls: QName | None, is_static: bool,
                    todo: list[Task]) -> Task:
        """One declarator of a local declaration, as a task: declarators run in order."""

        def declare() -> None:
            name_node = declarator_name(declarator)
            name = self.file.text(name_node) if name_node is not None else ""
            value = declarator.child_by_field_name("value") if declarator.type == \
                "init_declarator" else None
            if value is None:  # `if (T x = f())`: the condition's value hangs on the declaration
                value = node.child_by_field_name("value")
            if value is not None and value.type == "lambda_expression":
                self.local_lambdas[name] = self._lambda(value, todo, invoked=False, bound=name)
                return
            if cls is not None and not is_pointer(declarator):
                self.locals[name] = cls
                if value is None or value.type in ("argument_list", "initializer_list"):
                    self._construct(todo, cls, value, node,
                                    what="static local" if is_static else f"local `{name}`",
                                    destroy=not is_static)
                    return
            if value is not None:
                if cls is None:
                    inferred = self.type_of(value)
                    if inferred is not None:
                        self.locals[name] = inferred
                todo.append((self, value))

        return declare

    def _call(self, node: Node, todo: list[Task]) -> None:
        fn = node.child_by_field_name("function")
        arglist = node.child_by_field_name("arguments")
        if fn is None:
            return
        target = fn
        while target.type == "parenthesized_expression" and target.named_children:
            target = target.named_children[0]
        walk_args = (self, arglist) if arglist is not None else None
        if target.type == "lambda_expression":
            lambda_node = target

            def invoke() -> None:
                self._lambda(lambda_node, todo, invoked=True)

            then(todo, walk_args, invoke)
            return
        nargs = len([a for a in arglist.named_children if a.type != "comment"]) if arglist \
            else 0
        location = self.file.location(node)
        if target.type in ("identifier", "qualified_identifier", "template_function"):
            text = self.file.text(target)
            if target.type == "identifier" and text in self.local_lambdas:
                site = CallSite(("<lambda>",), (self.local_lambdas[text],), (), location,
                                note=f"calls lambda `{text}`")
                then(todo, walk_args, lambda: self._add(site))
                return
            written = split(text)
            found = self.lookup(written)
            if found is not None and found[0] == "class":
                self._construct(todo, found[1], arglist, node, what="temporary",
                                shown=" ".join(text.split()))
                return
            if found is None:
                names = ("::".join(self.sym.expand(written, self.scope)),)
                unresolved = CallSite(names, (), self._args(arglist), location)
                then(todo, walk_args, lambda: self._add(unresolved))
                return
            decls = self.sym.functions.get(found[1], [])
            site = CallSite(("::".join(found[1]),), self.overloads(decls, nargs),
                            self._args(arglist), location)
            then(todo, walk_args, lambda: self._add(site))
            return
        if target.type == "field_expression":
            receiver = target.child_by_field_name("argument")
            field_node = target.child_by_field_name("field")

            def method_call() -> None:
                if field_node is None:
                    return
                method = split(self.file.text(field_node))[-1:]
                recv_type = self.type_of(receiver)
                if recv_type is None:
                    self._add(CallSite((method[0] if method else "?",), (),
                                       self._args(arglist), location))
                    return
                decls = self.sym.methods(recv_type, method[0]) if method else []
                qname = "::".join(decls[0].qname) if decls else \
                    "::".join((*recv_type, *method))
                self._add(CallSite((qname,), self.overloads(decls, nargs),
                                   self._args(arglist), location))

            then(todo, (self, receiver) if receiver is not None else None, walk_args,
                 method_call)
            return
        # calls through pointers, subscripts, etc.
        indirect = CallSite((self.file.text(target)[:40],), (), self._args(arglist), location)
        then(todo, (self, target), walk_args, lambda: self._add(indirect))
