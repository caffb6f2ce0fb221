"""The code model from a libclang translation unit: entry points from the declarations at
namespace scope, function bodies built lazily by :mod:`.walker` from the entry points, and
the parse's diagnostics (compile errors per project file, for AM301)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from amalint.config.profiles import Registry
from amalint.config.settings import Settings
from amalint.frontends.libclang import diagnostics
from amalint.frontends.libclang.library import ResourceDir
from amalint.frontends.libclang.walker import Walker
from amalint.model import (
    DEFAULT_PRIORITY,
    CallSite,
    CodeModel,
    EntryKind,
    EntryPoint,
    FileScope,
    Function,
    LazyFunctions,
    Location,
)
from amalint.scan.sources import text_lines
from amalint.scan.unit import SourceFile, Unit

#: A libclang cursor (the bindings are untyped).
Cursor = Any

#: CXPrintingPolicy_TerseOutput: print a declaration without its body.
_TERSE_OUTPUT = 17
_ATTRIBUTE = re.compile(
    r"(?:__attribute__\s*\(\(|\[\[\s*(?:gnu::)?)\s*(?:__)?(constructor|init_priority)(?:__)?\b"
    r"\s*(?:\(\s*(\d+)\s*\))?"
)
_IDENTIFIER = re.compile(rb"[A-Za-z_]\w*")


@dataclass
class ClassInfo:
    """What construction and destruction of a class run, as cursors."""

    cursor: Cursor
    name: str
    destructor: Cursor | None
    bases: list[Cursor]
    #: The classes of its class-type members, in declaration order.
    members: list[Cursor]


class Builder:
    """Turns one parsed translation unit into a code model."""

    def __init__(self, cindex: ModuleType, tu: Any, unit: Unit, settings: Settings,
                 resource: ResourceDir) -> None:
        self.ci = cindex
        self.K = cindex.CursorKind
        self.tu = tu
        self.unit = unit
        self.registry: Registry = settings.registry
        self.resource = resource
        self.sources = {src.path: src for src in unit.files}
        self._by_name: dict[str, SourceFile | None] = {}
        self._paths: dict[str, Path] = {}
        self.cursors: dict[str, Cursor] = {}
        self.functions: dict[str, Function] = {}
        self._targets: dict[int, str | None] = {}
        self._qualified: dict[int, str] = {}
        self._classes: dict[int, ClassInfo | None] = {}
        self._implicit: dict[tuple[int, bool], str | None] = {}
        self._spans: dict[tuple[Path, int], tuple[int, int]] = {}
        self.function_kinds = {
            self.K.FUNCTION_DECL, self.K.CXX_METHOD, self.K.CONSTRUCTOR, self.K.DESTRUCTOR,
            self.K.CONVERSION_FUNCTION, self.K.FUNCTION_TEMPLATE,
        }
        self.record_kinds = {self.K.STRUCT_DECL, self.K.CLASS_DECL, self.K.UNION_DECL,
                             self.K.CLASS_TEMPLATE}
        K = self.K
        #: Expressions a walk looks through, keeping whether the value is owned.
        self.transparent = {K.UNEXPOSED_EXPR, K.PAREN_EXPR, K.CXX_FUNCTIONAL_CAST_EXPR,
                            K.CSTYLE_CAST_EXPR, K.CXX_STATIC_CAST_EXPR, K.CXX_CONST_CAST_EXPR}
        #: Cursors a walk never enters: references to types and names, nested declarations,
        #: and lambdas (their bodies run only when called).
        self.skipped = {K.TYPE_REF, K.TEMPLATE_REF, K.NAMESPACE_REF, K.LAMBDA_EXPR,
                        K.FUNCTION_DECL, K.CXX_METHOD, K.FUNCTION_TEMPLATE, K.STRUCT_DECL,
                        K.CLASS_DECL, K.UNION_DECL, K.CLASS_TEMPLATE, K.PARM_DECL,
                        K.TYPEDEF_DECL, K.TYPE_ALIAS_DECL, K.MEMBER_REF}
        self._policy = cindex.conf.lib.clang_getCursorPrintingPolicy(tu.cursor)
        cindex.conf.lib.clang_PrintingPolicy_setProperty(self._policy, _TERSE_OUTPUT, 1)

    # -- files and locations

    def source_of(self, cursor: Cursor) -> SourceFile | None:
        """The project file a cursor is in (``None`` for system and library headers)."""
        file = cursor.location.file
        if file is None:
            return None
        name = file.name
        if name not in self._by_name:
            self._by_name[name] = self.sources.get(self.path(name))
        return self._by_name[name]

    def path(self, name: str) -> Path:
        """A libclang file name as an absolute, resolved path."""
        found = self._paths.get(name)
        if found is None:
            found = self._paths[name] = Path(name).resolve()
        return found

    def location(self, cursor: Cursor) -> Location:
        point = cursor.extent.start
        file = point.file
        path = self.path(file.name) if file is not None else self.unit.umbrella.path
        return Location(path, point.line, point.column)

    def qualified(self, cursor: Cursor) -> str:
        """``ns::Class::member`` (template arguments left out), as profiles name APIs."""
        key = cursor.hash
        if key not in self._qualified:
            parts = []
            node = cursor
            while node is not None and node.kind != self.K.TRANSLATION_UNIT:
                if node.spelling and node.kind != self.K.LINKAGE_SPEC:
                    parts.append(node.spelling)
                node = node.semantic_parent
            self._qualified[key] = "::".join(reversed(parts))
        return self._qualified[key]

    def attribute(self, cursor: Cursor) -> tuple[str, int] | None:
        """The ``constructor``/``init_priority`` attribute of a declaration, with its priority,
        read from the declaration as clang prints it (so attributes from macros count too)."""
        if not any(c.kind.is_attribute() for c in cursor.get_children()):
            return None
        text = self.ci.conf.lib.clang_getCursorPrettyPrinted(cursor, self._policy)
        m = _ATTRIBUTE.search(text)
        if m is None:
            return None
        return m.group(1), int(m.group(2)) if m.group(2) else DEFAULT_PRIORITY

    # -- functions and classes

    def target(self, ref: Cursor) -> str | None:
        """The model id of the definition ``ref`` runs, if it is in the project."""
        key = ref.hash
        if key in self._targets:
            return self._targets[key]
        definition = ref.get_definition()
        fid = None
        if definition is not None and self.source_of(definition) is not None:
            fid = definition.get_usr() or f"{self.qualified(definition)}@{definition.hash}"
            self.cursors.setdefault(fid, definition)
        self._targets[key] = fid
        return fid

    def class_info(self, cls: Cursor | None) -> ClassInfo | None:
        """Destructor, bases and class-type fields of a class in the project."""
        if cls is None or cls.kind not in self.record_kinds or self.source_of(cls) is None:
            return None
        key = cls.hash
        if key in self._classes:
            return self._classes[key]
        self._classes[key] = None  # guards against recursion
        children = list(cls.get_children())
        if not children:  # an implicit instantiation: its members are the pattern's
            pattern = self.ci.conf.lib.clang_getSpecializedCursorTemplate(cls)
            if pattern is not None:
                children = list(pattern.get_children())
        destructor = next((c for c in children if c.kind == self.K.DESTRUCTOR), None)
        bases = [c.type.get_canonical().get_declaration() for c in children
                 if c.kind == self.K.CXX_BASE_SPECIFIER]
        fields = [c for c in children if c.kind == self.K.FIELD_DECL] \
            if cls.kind == self.K.CLASS_TEMPLATE else cls.type.get_canonical().get_fields()
        members = [f.type.get_canonical().get_declaration() for f in fields]
        info = ClassInfo(
            cls, self.qualified(cls), destructor,
            [b for b in bases if b is not None and b.kind in self.record_kinds],
            [m for m in members if m is not None and m.kind in self.record_kinds],
        )
        self._classes[key] = info
        return info

    def destructor(self, info: ClassInfo) -> str | None:
        """What destroying the class runs: its destructor, or the implicit one's work."""
        if info.destructor is not None:
            fid = self.target(info.destructor)
            if fid is not None:
                return fid
        return self.implicit(info, construct=False)

    def implicit(self, info: ClassInfo, *, construct: bool) -> str | None:
        """A synthetic function for an implicit constructor or destructor: the bases' and
        members' own, in the order the language runs them; ``None`` if it runs nothing."""
        key = (info.cursor.hash, construct)
        if key in self._implicit:
            return self._implicit[key]
        self._implicit[key] = None  # guards against recursion
        fid = f"{info.name}::{'<implicit ctor>' if construct else '<implicit dtor>'}"
        walker = Walker(self, None)
        if construct:
            walker.construct_parts(info, explicit=set())
        else:
            walker.destroy_parts(info)
        if not walker.calls:
            return None
        self.functions[fid] = Function(fid, fid, self.location(info.cursor), tuple(walker.calls))
        self._implicit[key] = fid
        return fid

    def function(self, fid: str) -> Function | None:
        if fid in self.functions:
            return self.functions[fid]
        cursor = self.cursors.get(fid)
        if cursor is None:
            return None
        walker = Walker(self, cursor)
        walker.definition(cursor)
        fn = Function(fid, self.qualified(cursor), self.location(cursor), tuple(walker.calls))
        self.functions[fid] = fn
        return fn

    # -- entry points

    def _declarations(self, parent: Cursor, entries: list[EntryPoint]) -> None:
        K = self.K
        for cursor in parent.get_children():
            source = self.source_of(cursor)
            if source is None:
                continue
            kind = cursor.kind
            if kind in (K.NAMESPACE, K.LINKAGE_SPEC, K.UNEXPOSED_DECL):
                self._declarations(cursor, entries)
                continue
            start, end = cursor.extent.start, cursor.extent.end
            span = (source.path, start.offset)
            previous = self._spans.get(span, (0, 0))
            self._spans[span] = max(previous, (end.line, end.column - 1))
            if kind == K.FUNCTION_DECL and cursor.is_definition():
                attribute = self.attribute(cursor)
                if attribute is not None and attribute[0] == "constructor":
                    entries.append(self._entry(cursor, source, EntryKind.CONSTRUCTOR,
                                               attribute[1]))
            elif kind == K.VAR_DECL:
                entry = self._variable(cursor, source)
                if entry is not None:
                    entries.append(entry)

    def _variable(self, cursor: Cursor, source: SourceFile) -> EntryPoint | None:
        """A namespace-scope variable is an entry point if its initialization runs code."""
        walker = Walker(self, None)
        walker.variable(cursor, static=True)
        if not any(c.targets or self.registry.match(c.names) for c in walker.calls):
            return None
        if "constexpr" in (t.spelling for t in cursor.get_tokens()):
            return None
        attribute = self.attribute(cursor)
        priority = attribute[1] if attribute is not None and attribute[0] == "init_priority" \
            else DEFAULT_PRIORITY
        return self._entry(cursor, source, EntryKind.DYNAMIC, priority, walker.calls)

    def _label(self, cursor: Cursor, source: SourceFile, kind: EntryKind) -> str:
        start = cursor.extent.start.offset
        head = _IDENTIFIER.match(source.data, start)
        written = head.group().decode() if head else ""
        if written and self.registry.init_block(written) is not None:
            return f"{written}()"
        name_at = cursor.location.offset
        if source.data[name_at : name_at + len(cursor.spelling)] != cursor.spelling.encode():
            # made by a macro: show the invocation, as written
            text = " ".join(source.data[start : cursor.extent.end.offset].decode(
                "utf-8", "replace").split())
            return text if len(text) <= 60 else text[:57] + "..."
        if kind is EntryKind.CONSTRUCTOR:
            return f"constructor function {self.qualified(cursor)}"
        return f"initializer of {cursor.spelling}"

    def _entry(self, cursor: Cursor, source: SourceFile, kind: EntryKind, priority: int,
               calls: Sequence[CallSite] | None = None) -> EntryPoint:
        label = self._label(cursor, source, kind)
        location = self.location(cursor)
        if calls is None:
            walker = Walker(self, cursor)
            walker.definition(cursor)
            calls = walker.calls
        fid = f"{label}@{location.path}:{location.line}"
        self.functions[fid] = Function(fid, label, location, tuple(calls))
        start = cursor.extent.start.offset
        return EntryPoint(
            function=fid, label=label, kind=kind, priority=priority, location=location,
            end=location, position=(*source.prefix, start), unit=source.unit,
        )

    def _with_spans(self, entries: list[EntryPoint]) -> list[EntryPoint]:
        """Stretch each entry over every declaration its macro invocation produced."""
        out = []
        for entry in entries:
            line, column = self._spans[(entry.location.path, entry.position[-1])]
            out.append(EntryPoint(
                entry.function, entry.label, entry.kind, entry.priority, entry.location,
                Location(entry.location.path, line, max(column, 1)), entry.position, entry.unit,
            ))
        return out

    # -- parse health

    def build(self, filescope: FileScope) -> CodeModel:
        entries: list[EntryPoint] = []
        self._declarations(self.tu.cursor, entries)
        compiler, setup = diagnostics.collect(self)
        self.ci.conf.lib.clang_PrintingPolicy_dispose(self._policy)
        return CodeModel(
            umbrella=self.unit.umbrella,
            functions=LazyFunctions(self.function, lambda: list(self.cursors)),
            entry_points=tuple(self._with_spans(entries)),
            files=tuple(src.path for src in self.unit.files),
            diagnostics=(*self.unit.diagnostics, *setup),
            source_lines={src.path: text_lines(src.data) for src in self.unit.files},
            filescope=filescope,
            compiler_diagnostics=tuple(compiler),
        )

