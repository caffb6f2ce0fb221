"""The code model from a libclang translation unit: entry points from the declarations at
namespace scope, function bodies built lazily by :mod:`.walker` from the entry points, and
the parse's diagnostics (compile errors per project file, for AM301)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from amalint.config.profiles import Registry
from amalint.config.settings import Settings
from amalint.frontends.libclang import diagnostics
from amalint.frontends.libclang.calls import call_targets
from amalint.frontends.libclang.cursors import Cursors, Kinds
from amalint.frontends.libclang.library import ResourceDir
from amalint.frontends.libclang.walker import Walker
from amalint.model import (
    DEFAULT_PRIORITY,
    CallSite,
    CompilerDiagnostic,
    Diagnostic,
    EntryKind,
    EntryPoint,
    Function,
    Location,
    function_id,
    priority_value,
)
from amalint.scan.unit import SourceFile, Unit

#: A libclang cursor (the bindings are untyped).
Cursor = Any

#: CXPrintingPolicy_TerseOutput: print a declaration without its body.
_TERSE_OUTPUT = 17
_ATTRIBUTE = re.compile(
    r"(?:__attribute__\s*\(\(|\[\[\s*(?:gnu::)?)\s*(?:__)?(constructor|init_priority)(?:__)?\b"
    r"\s*(?:\(\s*([0-9]+)\s*\))?"
)
_IDENTIFIER = re.compile(rb"[A-Za-z_]\w*")


@dataclass(frozen=True)
class Parsed:
    """What the libclang front end takes from the translation unit into the code model."""

    entry_points: tuple[EntryPoint, ...]
    #: Problems of the set-up (builtin headers), for warnings.
    diagnostics: tuple[Diagnostic, ...]
    #: Every function the entry points may run, by id (the analysis asks for no other).
    functions: dict[str, Function]
    #: The compiler's own errors and the warnings rules are about.
    compiler_diagnostics: tuple[CompilerDiagnostic, ...]
    #: Every file the parse read, system headers too (the cache checks them).
    inputs: tuple[Path, ...] = ()
    #: Calls of names that several project files define functions of, with the file of the
    #: function clang bound each to (:mod:`.calls`).
    call_targets: tuple[tuple[Location, Location], ...] = ()


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
        #: entries made by one macro invocation, which share a label and a line
        self._repeats: dict[str, int] = {}
        self._defined: dict[str, set[Path]] = {}
        self.fast = Cursors(cindex, tu)
        self.kinds = Kinds(cindex)
        self._policy = cindex.conf.lib.clang_getCursorPrintingPolicy(tu.cursor)
        cindex.conf.lib.clang_PrintingPolicy_setProperty(self._policy, _TERSE_OUTPUT, 1)

    # -- files and locations

    def source_of(self, cursor: Cursor) -> SourceFile | None:
        """The project file a cursor is in (``None`` for system and library headers)."""
        name = self.fast.spot(cursor)[0]
        if name is None:
            return None
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
        name, line, column, _ = self.fast.start(cursor)
        path = self.path(name) if name is not None else self.unit.umbrella.path
        return Location(path, line, column)

    def qualified(self, cursor: Cursor) -> str:
        """``ns::Class::member`` (template arguments left out), as profiles name APIs."""
        key = self.fast.hash(cursor)
        if key in self._qualified:
            return self._qualified[key]
        chain: list[tuple[int, str]] = []  # up to the first ancestor already named
        name = ""
        node = cursor
        while node is not None and node.kind != self.K.TRANSLATION_UNIT:
            node_key = self.fast.hash(node)
            if node_key in self._qualified:
                name = self._qualified[node_key]
                break
            chain.append((node_key, node.spelling if node.kind != self.K.LINKAGE_SPEC else ""))
            node = node.semantic_parent
        for node_key, part in reversed(chain):  # each ancestor's name is cached on the way
            name = f"{name}::{part}" if name and part else part or name
            self._qualified[node_key] = name
        return name

    def attribute(self, cursor: Cursor) -> tuple[str, int] | None:
        """The ``constructor``/``init_priority`` attribute of a declaration, with its priority,
        read from the declaration as clang prints it (so attributes from macros count too)."""
        if not any(c._kind_id in self.fast.attributes for c in self.fast.children(cursor)):
            return None
        text = self.ci.conf.lib.clang_getCursorPrettyPrinted(cursor, self._policy)
        m = _ATTRIBUTE.search(text)
        if m is None:
            return None
        return m.group(1), priority_value(m.group(2)) if m.group(2) else DEFAULT_PRIORITY

    # -- functions and classes

    def target(self, ref: Cursor) -> str | None:
        """The model id of the definition ``ref`` runs, if it is in the project."""
        key = self.fast.hash(ref)
        if key in self._targets:
            return self._targets[key]
        definition = self.fast.definition(ref)
        fid = None
        if definition is not None and self.source_of(definition) is not None:
            fid = definition.get_usr() or \
                f"{self.qualified(definition)}@{self.fast.hash(definition)}"
            self.cursors.setdefault(fid, definition)
        self._targets[key] = fid
        return fid

    def class_info(self, cls: Cursor | None) -> ClassInfo | None:
        """Destructor, bases and class-type fields of a class in the project."""
        if cls is None or cls._kind_id not in self.kinds.records or self.source_of(cls) is None:
            return None
        key = self.fast.hash(cls)
        if key in self._classes:
            return self._classes[key]
        self._classes[key] = None
        children = self.fast.children(cls)
        if not children:  # an implicit instantiation: its members are the pattern's
            pattern = self.ci.conf.lib.clang_getSpecializedCursorTemplate(cls)
            if pattern is not None:
                children = self.fast.children(pattern)
        K = self.K
        destructor = next((c for c in children if c._kind_id == K.DESTRUCTOR.value), None)
        bases = [c.type.get_canonical().get_declaration() for c in children
                 if c._kind_id == K.CXX_BASE_SPECIFIER.value]
        fields = [c for c in children if c._kind_id == K.FIELD_DECL.value] \
            if cls._kind_id == K.CLASS_TEMPLATE.value else cls.type.get_canonical().get_fields()
        members = [f.type.get_canonical().get_declaration() for f in fields]
        records = self.kinds.records
        info = ClassInfo(
            cls, self.qualified(cls), destructor,
            [b for b in bases if b is not None and b._kind_id in records],
            [m for m in members if m is not None and m._kind_id in records],
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
        members' own, in the order the language runs them; ``None`` if it runs nothing.

        The implicit ones of the parts are made first, deepest first, with an explicit stack
        (inheritance chains may be thousands deep); a class met again while its own is being
        made (a cycle) counts as running nothing, as a recursion guard would have it."""
        key = (self.fast.hash(info.cursor), construct)
        if key in self._implicit:
            return self._implicit[key]
        self._implicit[key] = None  # in progress
        todo = [(info, iter(self._implicit_parts(info, construct)))]
        while todo:
            current, parts = todo[-1]
            for part in parts:
                part_key = (self.fast.hash(part.cursor), construct)
                if part_key not in self._implicit:
                    self._implicit[part_key] = None
                    todo.append((part, iter(self._implicit_parts(part, construct))))
                    break
            else:  # every part it needs is made (or in progress): make this one
                todo.pop()
                self._make_implicit(current, construct)
        return self._implicit[key]

    def _implicit_parts(self, info: ClassInfo, construct: bool) -> list[ClassInfo]:
        """The parts whose implicit constructors (or destructors) ``info``'s own asks for, in
        the order it asks."""
        if construct:
            found = [self.class_info(part) for part in (*info.bases, *info.members)]
            return [part for part in found if part is not None]
        out = []
        for part in (*reversed(info.members), *reversed(info.bases)):
            part_info = self.class_info(part)
            if part_info is not None and (part_info.destructor is None
                                          or self.target(part_info.destructor) is None):
                out.append(part_info)
        return out

    def _make_implicit(self, info: ClassInfo, construct: bool) -> None:
        walker = Walker(self, None)
        if construct:
            walker.construct_parts(info, explicit=set())
        else:
            walker.destroy_parts(info)
        if walker.calls:
            fid = f"{info.name}::{'<implicit ctor>' if construct else '<implicit dtor>'}"
            self.functions[fid] = Function(fid, fid, self.location(info.cursor),
                                           tuple(walker.calls))
            self._implicit[(self.fast.hash(info.cursor), construct)] = fid

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

    def _declarations(self, root: Cursor, entries: list[EntryPoint]) -> None:
        """Entry points among the declarations at namespace scope, in text order (iteratively,
        into namespaces and linkage specifications nested to any depth)."""
        K = self.K
        nested = {K.NAMESPACE.value, K.LINKAGE_SPEC.value, K.UNEXPOSED_DECL.value}
        todo = [iter(self.fast.children(root))]
        while todo:
            cursor = next(todo[-1], None)
            if cursor is None:
                todo.pop()
                continue
            source = self.source_of(cursor)
            if source is None:
                continue
            kind = cursor._kind_id
            if kind in nested:
                todo.append(iter(self.fast.children(cursor)))
                continue
            start = self.fast.start(cursor)[3]
            _, end_line, end_column, _ = self.fast.end(cursor)
            span = (source.path, start)
            previous = self._spans.get(span, (0, 0))
            self._spans[span] = max(previous, (end_line, end_column - 1))
            if kind == K.FUNCTION_DECL.value and cursor.is_definition():
                self._defined.setdefault(cursor.spelling, set()).add(source.path)
                attribute = self.attribute(cursor)
                if attribute is not None and attribute[0] == "constructor":
                    entries.append(self._entry(cursor, source, EntryKind.CONSTRUCTOR,
                                               attribute[1]))
            elif kind == K.VAR_DECL.value:
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
        explicit = attribute is not None and attribute[0] == "init_priority"
        priority = attribute[1] if attribute is not None and explicit else DEFAULT_PRIORITY
        return self._entry(cursor, source, EntryKind.DYNAMIC, priority, walker.calls, explicit)

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
               calls: Sequence[CallSite] | None = None, explicit: bool = False) -> EntryPoint:
        label = self._label(cursor, source, kind)
        location = self.location(cursor)
        if calls is None:
            walker = Walker(self, cursor)
            walker.definition(cursor)
            calls = walker.calls
        fid = function_id(label, location.path, location.line)
        if fid in self._repeats:  # one invocation made several (`MAKEFLAG10(x)` in gflags)
            self._repeats[fid] += 1
            fid = f"{fid}#{self._repeats[fid]}"
        else:
            self._repeats[fid] = 0
        self.functions[fid] = Function(fid, label, location, tuple(calls))
        start = cursor.extent.start.offset
        return EntryPoint(
            function=fid, label=label, kind=kind, priority=priority, location=location,
            end=location, position=(*source.prefix, start), unit=source.unit,
            explicit=explicit,
        )

    def _with_spans(self, entries: list[EntryPoint]) -> list[EntryPoint]:
        """Stretch each entry over every declaration its macro invocation produced."""
        out = []
        for entry in entries:
            line, column = self._spans[(entry.location.path, entry.position[-1])]
            out.append(replace(entry, end=Location(entry.location.path, line, max(column, 1))))
        return out

    # -- parse health

    def build(self) -> Parsed:
        """The entry points, the parse's diagnostics, and every function the entry points may
        run (built now, eagerly: the translation unit does not outlive this call's process)."""
        entries: list[EntryPoint] = []
        self._declarations(self.tu.cursor, entries)
        entry_points = tuple(self._with_spans(entries))
        functions: dict[str, Function] = {}
        todo = [entry.function for entry in entry_points]
        while todo:
            fid = todo.pop()
            if fid in functions:
                continue
            fn = self.function(fid)
            if fn is not None:
                functions[fid] = fn
                todo.extend(t for call in fn.calls if not call.deferred for t in call.targets)
        compiler, setup = diagnostics.collect(self)
        self.ci.conf.lib.clang_PrintingPolicy_dispose(self._policy)
        inputs = tuple(Path(i.include.name) for i in self.tu.get_includes())
        shared = [name for name, paths in self._defined.items() if len(paths) > 1]
        return Parsed(entry_points, tuple(setup), functions, tuple(compiler), inputs,
                      call_targets(self, shared))

