"""One function body under libclang: the calls it makes, resolved semantically, with the
constructors and destructors that run implicitly, and lambdas only when called.

The walk is iterative: a stack of tasks (a cursor to visit, or what is left to do once the
cursors pushed above it are done), so expressions and statements nested to any depth are fine,
and no libclang callback ever runs deep in the Python stack."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from amalint.frontends import tasks as stack
from amalint.model import Arg, CallKind, CallSite, ParamRef

if TYPE_CHECKING:
    from amalint.frontends.libclang.builder import Builder, ClassInfo, Cursor

#: A unit of work: visit a cursor (``True``: its value is owned), or run what comes after.
Task = stack.Task[tuple["Cursor", bool]]


def literal(spelling: str) -> str | None:
    """The text of a string literal as clang spells it (prefix, quotes, raw delimiters)."""
    quote = spelling.find('"')
    if quote < 0 or not spelling.endswith('"'):
        return None
    prefix, body = spelling[:quote], spelling[quote + 1 : -1]
    if prefix.endswith("R"):
        open_paren = body.find("(")
        return body[open_paren + 1 : len(body) - open_paren - 1] if open_paren >= 0 else None
    return body


class Walker:
    """Collects the call sites of one body, in the order they run."""

    def __init__(self, builder: Builder, function: Cursor | None) -> None:
        self.b = builder
        self.K = builder.K
        self.kinds = builder.kinds
        self.fast = builder.fast
        self.calls: list[CallSite] = []
        #: Destructors of temporaries, run at the end of the full expression.
        self.pending: list[CallSite] = []
        #: Destructors of locals, per open block, run at its end in reverse.
        self.scopes: list[list[CallSite]] = []
        self.params: dict[int, int] = {}
        if function is not None and function.kind != self.K.FUNCTION_TEMPLATE:
            self.params = {self.fast.hash(p): i
                           for i, p in enumerate(function.get_arguments() or ())}
        self._todo: list[Task] = []

    def _run(self, steps: Iterable[Task | None]) -> None:
        """Do ``steps`` in order, and everything they push."""
        base = len(self._todo)
        stack.then(self._todo, *steps)
        stack.run(self._todo, lambda task: self._visit(*task), base)

    def _then(self, *steps: Task | None) -> None:
        """Push ``steps`` to run in the order given, before anything already pushed."""
        stack.then(self._todo, *steps)

    # -- bodies

    def definition(self, cursor: Cursor) -> None:
        """A function definition: constructors build their bases and members first, the body
        runs, destructors then destroy members and bases."""
        K = self.K
        info = self.b.class_info(cursor.semantic_parent) if cursor.kind in (
            K.CONSTRUCTOR, K.DESTRUCTOR) else None
        children = self.fast.children(cursor)
        if cursor.kind == K.CONSTRUCTOR and info is not None:
            explicit = {self.fast.hash(ref) for c in children
                        if c._kind_id in (self.kinds.member_ref, self.kinds.type_ref)
                        and (ref := self.fast.referenced(c)) is not None}
            self.construct_parts(info, explicit)
        tasks: list[Task] = []
        for child in children:
            if child._kind_id == self.kinds.compound:
                tasks.append((child, False))
            elif child._kind_id in self.fast.expressions:  # a member or base initializer
                tasks += [(child, True), self.flush]
        self._run(tasks)
        if cursor.kind == K.DESTRUCTOR and info is not None:
            self.destroy_parts(info)

    def variable(self, cursor: Cursor, *, static: bool) -> None:
        """A variable's initialization; a local that is not static is destroyed at the end of
        its block."""
        self._run([self._variable(cursor, static)])

    def _variable(self, cursor: Cursor, static: bool) -> Task:
        def initialize() -> None:
            self._then(*((child, True) for child in self.fast.children(cursor)
                         if child._kind_id in self.fast.expressions), self.flush, destroy)

        def destroy() -> None:
            if not static and self.scopes:
                info = self.b.class_info(cursor.type.get_canonical().get_declaration())
                if info is not None:
                    site = self._destroy(info, cursor, f"local `{cursor.spelling}`")
                    if site is not None:
                        self.scopes[-1].append(site)

        return initialize

    def construct_parts(self, info: ClassInfo, explicit: set[int]) -> None:
        for what, parts in (("base", info.bases), ("member", info.members)):
            for part in parts:
                if self.fast.hash(part) in explicit:
                    continue
                part_info = self.b.class_info(part)
                if part_info is None:
                    continue
                fid = self.b.implicit(part_info, construct=True)
                if fid is None:
                    ctor = self._default_constructor(part_info)
                    fid = self.b.target(ctor) if ctor is not None else None
                if fid is not None:
                    self.calls.append(CallSite(
                        (f"{part_info.name}::{part_info.cursor.spelling}",), (fid,), (),
                        self.b.location(info.cursor), CallKind.CONSTRUCT,
                        note=f"constructs {what} `{part_info.name}`",
                    ))

    def _default_constructor(self, info: ClassInfo) -> Cursor | None:
        for child in self.fast.children(info.cursor):
            if child.kind == self.K.CONSTRUCTOR and not list(child.get_arguments() or ()):
                return child
        return None

    def destroy_parts(self, info: ClassInfo) -> None:
        for what, parts in (("member", info.members), ("base", info.bases)):
            for part in reversed(parts):
                part_info = self.b.class_info(part)
                if part_info is not None:
                    site = self._destroy(part_info, info.cursor, f"{what} `{part_info.name}`")
                    if site is not None:
                        self.calls.append(site)

    def _destroy(self, info: ClassInfo, where: Cursor, what: str) -> CallSite | None:
        fid = self.b.destructor(info)
        if fid is None:
            return None
        name = info.cursor.spelling
        return CallSite((f"{info.name}::~{name}",), (fid,), (), self.b.location(where),
                        CallKind.DESTRUCT, note=f"destroys {what}: runs `~{name}`")

    def flush(self) -> None:
        """End of a full expression: its temporaries are destroyed, last made first."""
        self.calls.extend(reversed(self.pending))
        self.pending.clear()

    # -- the walk

    def _visit(self, cursor: Cursor, owned: bool) -> None:
        """Visit ``cursor``; ``owned`` says its value initializes a variable, a return value,
        a member or a heap object, so it is not a temporary. What it encloses is pushed."""
        k = self.kinds
        kind = cursor._kind_id
        if kind == k.call:
            self._call(cursor, owned)
        elif kind in k.skipped or kind in k.leaves:
            return
        elif kind == k.compound:
            self.scopes.append([])
            tasks: list[Task] = []
            for child in self._inside(cursor):
                tasks += [(child, False), self.flush]
            self._then(*tasks, self._close_scope)
        elif kind == k.var:
            static = cursor.storage_class == self.b.ci.StorageClass.STATIC or \
                cursor.tls_kind != self.b.ci.TLSKind.NONE
            self._then(self._variable(cursor, static))
        elif kind == k.delete:
            tasks = []
            for child in self._inside(cursor):
                tasks += [(child, False), self._deleted(cursor, child)]
            self._then(*tasks)
        else:
            owns = owned if kind in k.transparent else kind in k.owning
            self._todo.extend([(child, owns) for child in reversed(self._inside(cursor))])

    def _inside(self, cursor: Cursor) -> list[Cursor]:
        """The children of ``cursor`` a walk enters."""
        skipped = self.kinds.skipped
        return [c for c in self.fast.children(cursor) if c._kind_id not in skipped]

    def _close_scope(self) -> None:
        self.calls.extend(reversed(self.scopes.pop()))

    def _deleted(self, cursor: Cursor, child: Cursor) -> Task:
        def destroy() -> None:
            pointee = child.type.get_canonical().get_pointee().get_declaration()
            info = self.b.class_info(pointee)
            site = self._destroy(info, cursor, "deleted object") if info else None
            if site is not None:
                self.calls.append(site)

        return destroy

    def _call(self, cursor: Cursor, owned: bool) -> None:
        self._then(*((child, False) for child in self._inside(cursor)),
                   lambda: self._called(cursor, owned))

    def _called(self, cursor: Cursor, owned: bool) -> None:
        """The call itself, after its callee and arguments are walked."""
        K = self.K
        ref = self.fast.referenced(cursor)
        location = self.b.location(cursor)
        if ref is None or ref._kind_id not in self.kinds.functions:
            shown = cursor.spelling or "<call through a pointer>"
            self.calls.append(CallSite((shown,), (), (), location, note="indirect call"))
            return
        args = self.args(cursor, ref)
        if ref._kind_id == self.kinds.constructor:
            info = self.b.class_info(ref.semantic_parent)
            if info is None:
                return
            fid = self.b.target(ref) or self.b.implicit(info, construct=True)
            shown = cursor.type.spelling
            what = "temporary" if not owned else "object"
            name = self.b.qualified(ref)
            # a registrar object whose constructor is defined in another unit still calls
            # the registry API its profile names
            if fid is not None or self.b.registry.match((name,)) is not None:
                self.calls.append(CallSite((name,), () if fid is None else (fid,), args,
                                           location, CallKind.CONSTRUCT,
                                           note=f"constructs {what} `{shown}`"))
            if not owned:
                site = self._destroy(info, cursor, f"temporary `{shown}`")
                if site is not None:
                    self.pending.append(site)
            return
        name = self.b.qualified(ref)
        if self.b.registry.match((name,)) is not None:
            self.calls.append(CallSite((name,), (), args, location))
            return
        if ref.kind == K.CXX_METHOD and ref.is_virtual_method():
            self.calls.append(CallSite((f"{name} (virtual)",), (), args, location))
            return
        fid = self.b.target(ref)
        if fid is None:
            if self.b.source_of(ref) is not None:  # declared here, defined elsewhere
                self.calls.append(CallSite((name,), (), args, location))
            return
        self.calls.append(CallSite((name,), (fid,), args, location))
        returned = ref.result_type.get_canonical()
        if not owned and returned.kind == self.b.ci.TypeKind.RECORD:
            info = self.b.class_info(returned.get_declaration())
            if info is not None:
                site = self._destroy(info, cursor, f"the `{cursor.type.spelling}` it returns")
                if site is not None:
                    self.pending.append(site)

    def args(self, cursor: Cursor, ref: Cursor) -> tuple[Arg, ...]:
        values = [self.value(a) if a is not None else None
                  for a in self.fast.arguments(cursor)]
        if ref.spelling.startswith("operator") and ref.kind == self.K.CXX_METHOD and \
                len(values) == len(list(ref.get_arguments() or ())) + 1:
            values = values[1:]  # a member operator call passes the object first
        return tuple(values)

    def value(self, cursor: Cursor) -> Arg:
        """A string literal (through conversions and converting constructors) or a parameter
        of the function being walked; anything else is unknown. Each step goes one level down
        the expression, so the loop ends."""
        k = self.kinds
        while True:
            kind = cursor._kind_id
            if kind == k.string:
                return literal(cursor.spelling)
            if kind == k.decl_ref:
                ref = self.fast.referenced(cursor)
                if ref is not None and ref._kind_id == k.parm:
                    index = self.params.get(self.fast.hash(ref))
                    return ParamRef(index) if index is not None else None
                return None
            if kind == k.call:
                ref = self.fast.referenced(cursor)
                if ref is None or ref._kind_id != k.constructor:
                    return None
                inner = self.fast.arguments(cursor)
            elif kind in k.transparent:
                inner = [c for c in self.fast.children(cursor)
                         if c._kind_id in self.fast.expressions]
            else:
                return None
            if len(inner) != 1 or inner[0] is None:
                return None
            cursor = inner[0]
