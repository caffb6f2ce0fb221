"""One function body under libclang: the calls it makes, resolved semantically, with the
constructors and destructors that run implicitly, and lambdas only when called."""

from __future__ import annotations

from typing import TYPE_CHECKING

from amalint.model import Arg, CallKind, CallSite, ParamRef

if TYPE_CHECKING:
    from amalint.frontends.libclang.builder import Builder, ClassInfo, Cursor


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
        self.calls: list[CallSite] = []
        #: Destructors of temporaries, run at the end of the full expression.
        self.pending: list[CallSite] = []
        #: Destructors of locals, per open block, run at its end in reverse.
        self.scopes: list[list[CallSite]] = []
        self.params: dict[int, int] = {}
        if function is not None and function.kind != self.K.FUNCTION_TEMPLATE:
            self.params = {p.hash: i for i, p in enumerate(function.get_arguments() or ())}
        self.transparent = builder.transparent
        self.skipped = builder.skipped

    # -- bodies

    def definition(self, cursor: Cursor) -> None:
        """A function definition: constructors build their bases and members first, the body
        runs, destructors then destroy members and bases."""
        K = self.K
        info = self.b.class_info(cursor.semantic_parent) if cursor.kind in (
            K.CONSTRUCTOR, K.DESTRUCTOR) else None
        if cursor.kind == K.CONSTRUCTOR and info is not None:
            explicit = {c.referenced.hash for c in cursor.get_children()
                        if c.kind in (K.MEMBER_REF, K.TYPE_REF) and c.referenced is not None}
            self.construct_parts(info, explicit)
        for child in cursor.get_children():
            if child.kind == K.COMPOUND_STMT:
                self.walk(child)
            elif child.kind.is_expression():  # a member or base initializer
                self.walk(child, owned=True)
                self.flush()
        if cursor.kind == K.DESTRUCTOR and info is not None:
            self.destroy_parts(info)

    def variable(self, cursor: Cursor, *, static: bool) -> None:
        """A variable's initialization; a local that is not static is destroyed at the end of
        its block."""
        for child in cursor.get_children():
            if child.kind.is_expression():
                self.walk(child, owned=True)
        self.flush()
        if not static and self.scopes:
            info = self.b.class_info(cursor.type.get_canonical().get_declaration())
            if info is not None:
                site = self._destroy(info, cursor, f"local `{cursor.spelling}`")
                if site is not None:
                    self.scopes[-1].append(site)

    def construct_parts(self, info: ClassInfo, explicit: set[int]) -> None:
        for what, parts in (("base", info.bases), ("member", info.members)):
            for part in parts:
                if part.hash in explicit:
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
        for child in info.cursor.get_children():
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

    def walk(self, cursor: Cursor, owned: bool = False) -> None:
        """Visit ``cursor``; ``owned`` says its value initializes a variable, a return value,
        a member or a heap object, so it is not a temporary."""
        K = self.K
        kind = cursor.kind
        if kind == K.CALL_EXPR:
            self.call(cursor, owned)
        elif kind in self.skipped:
            return
        elif kind == K.COMPOUND_STMT:
            self.scopes.append([])
            for child in cursor.get_children():
                self.walk(child)
                self.flush()
            self.calls.extend(reversed(self.scopes.pop()))
        elif kind == K.VAR_DECL:
            static = cursor.storage_class == self.b.ci.StorageClass.STATIC or \
                cursor.tls_kind != self.b.ci.TLSKind.NONE
            self.variable(cursor, static=static)
        elif kind in self.transparent:
            for child in cursor.get_children():
                self.walk(child, owned)
        elif kind in (K.RETURN_STMT, K.CXX_NEW_EXPR):
            for child in cursor.get_children():
                self.walk(child, owned=True)
        elif kind == K.CXX_DELETE_EXPR:
            for child in cursor.get_children():
                self.walk(child)
                pointee = child.type.get_canonical().get_pointee().get_declaration()
                info = self.b.class_info(pointee)
                site = self._destroy(info, cursor, "deleted object") if info else None
                if site is not None:
                    self.calls.append(site)
        else:
            for child in cursor.get_children():
                self.walk(child)

    def call(self, cursor: Cursor, owned: bool) -> None:
        K = self.K
        for child in cursor.get_children():
            self.walk(child)
        ref = cursor.referenced
        location = self.b.location(cursor)
        if ref is None or ref.kind not in self.b.function_kinds:
            shown = cursor.spelling or "<call through a pointer>"
            self.calls.append(CallSite((shown,), (), (), location, note="indirect call"))
            return
        args = self.args(cursor, ref)
        if ref.kind == K.CONSTRUCTOR:
            info = self.b.class_info(ref.semantic_parent)
            if info is None:
                return
            fid = self.b.target(ref) or self.b.implicit(info, construct=True)
            shown = cursor.type.spelling
            what = "temporary" if not owned else "object"
            if fid is not None:
                self.calls.append(CallSite((self.b.qualified(ref),), (fid,), args, location,
                                           CallKind.CONSTRUCT,
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
        values = [self.value(a) for a in cursor.get_arguments() or ()]
        if ref.spelling.startswith("operator") and ref.kind == self.K.CXX_METHOD and \
                len(values) == len(list(ref.get_arguments() or ())) + 1:
            values = values[1:]  # a member operator call passes the object first
        return tuple(values)

    def value(self, cursor: Cursor) -> Arg:
        """A string literal (through conversions and converting constructors) or a parameter
        of the function being walked; anything else is unknown."""
        K = self.K
        for _ in range(32):
            kind = cursor.kind
            if kind == K.STRING_LITERAL:
                return literal(cursor.spelling)
            if kind == K.DECL_REF_EXPR:
                ref = cursor.referenced
                if ref is not None and ref.kind == K.PARM_DECL and ref.hash in self.params:
                    return ParamRef(self.params[ref.hash])
                return None
            if kind == K.CALL_EXPR:
                ref = cursor.referenced
                if ref is None or ref.kind != K.CONSTRUCTOR:
                    return None
                inner = list(cursor.get_arguments() or ())
            elif kind in self.transparent:
                inner = [c for c in cursor.get_children() if c.kind.is_expression()]
            else:
                return None
            if len(inner) != 1:
                return None
            cursor = inner[0]
        return None

