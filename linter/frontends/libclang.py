"""The libclang front end: the compiler's own view of the unit, for precision.

libclang parses the umbrella with the build's flags, so macros are expanded, only the active
``#if`` branches exist, and every call is resolved as the compiler resolves it: overloads by
their argument types, templates into the very specialization or instantiation called, operators,
conversions and implicit constructors included. The code model is then built *lazily* from the
entry points; no function body is visited unless an initializer can reach it, and nothing is
visited in files outside the project (system and library headers the unit does not reach through
its own include paths).

Entry points are namespace-scope functions with a ``constructor`` attribute and namespace-scope
variables whose initializer runs code; declarations that one macro invocation produces (an
init-block macro's variable and function, say) share one span of text. Inside bodies:

* a constructed temporary is destroyed at the end of its full expression and a local at the end
  of its block, so their destructors run eagerly; a static local, a global, a returned object and
  a heap object are not destroyed at start-up;
* the destructor and the implicit constructor and destructor of a class template specialization
  are walked in the class template's pattern (libclang does not expose instantiated special
  members), so calls that depend on the template arguments there stay unresolved;
* a lambda runs only when it is called: immediately, or through a variable, or from a template
  it was passed to (the instantiated call is followed); a stored lambda is deferred;
* virtual calls, calls through function pointers and calls to functions declared but not defined
  in the unit are unresolved (``--verbose`` lists them); calls into headers outside the project
  are not followed, unless they match a registry API of a profile.

libclang needs clang's builtin headers (``stddef.h`` and the like), which the pip ``libclang``
wheel does not ship. They are looked for in ``--resource-dir`` (or config ``resource-dir``), the
resource directory of a clang on ``PATH``, and well-known install paths, preferring the version
of the loaded libclang; without one the parse goes on, with errors, and a warning says so. Parse
errors never stop the run (clang's error limit is lifted); files with errors get AM301.
"""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from amalint.config import Settings
from amalint.errors import InputError
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
    FileScope,
    Function,
    LazyFunctions,
    Location,
    ParamRef,
)
from amalint.profiles import Registry
from amalint.sources import text_lines
from amalint.unit import SourceFile, Unit

#: A libclang cursor (the bindings are untyped).
Cursor = Any

#: CXTranslationUnit_KeepGoing: do not stop at a fatal error (a missing header).
_KEEP_GOING = 0x200
#: CXPrintingPolicy_TerseOutput: print a declaration without its body.
_TERSE_OUTPUT = 17
_ATTRIBUTE = re.compile(
    r"(?:__attribute__\s*\(\(|\[\[\s*(?:gnu::)?)\s*(?:__)?(constructor|init_priority)(?:__)?\b"
    r"\s*(?:\(\s*(\d+)\s*\))?"
)
_IDENTIFIER = re.compile(rb"[A-Za-z_]\w*")
_PARSE_ARGS = ("-ferror-limit=0", "-w", "-Qunused-arguments")
_RESOURCE_ROOTS = (
    "/usr/lib/llvm-*/lib/clang/*", "/usr/lib/clang/*", "/usr/lib64/clang/*",
    "/usr/local/lib/clang/*", "/usr/local/opt/llvm/lib/clang/*",
    "/opt/homebrew/opt/llvm/lib/clang/*", "/Library/Developer/CommandLineTools/usr/lib/clang/*",
)


# ---------------------------------------------------------------------------- loading libclang


def load() -> ModuleType:
    """The ``clang.cindex`` bindings with a working libclang; raise :class:`InputError` saying
    why not."""
    try:
        from clang import cindex
    except ImportError:
        raise InputError("libclang is not installed (pip install libclang)") from None
    try:
        lib = cindex.conf.lib
    except Exception as exc:  # cindex raises its own LibclangError, or OSError from ctypes
        raise InputError(f"libclang does not load: {exc}".splitlines()[0]) from None
    _declare(cindex, lib)
    module: ModuleType = cindex
    return module


def _declare(cindex: ModuleType, lib: Any) -> None:
    """Declare the C functions these bindings do not wrap."""
    lib.clang_getClangVersion.restype = cindex._CXString
    lib.clang_getClangVersion.errcheck = cindex._CXString.from_result
    lib.clang_getClangVersion.argtypes = []
    lib.clang_getCursorPrintingPolicy.argtypes = [cindex.Cursor]
    lib.clang_getCursorPrintingPolicy.restype = ctypes.c_void_p
    lib.clang_PrintingPolicy_setProperty.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                                     ctypes.c_uint]
    lib.clang_PrintingPolicy_dispose.argtypes = [ctypes.c_void_p]
    lib.clang_getCursorPrettyPrinted.argtypes = [cindex.Cursor, ctypes.c_void_p]
    lib.clang_getCursorPrettyPrinted.restype = cindex._CXString
    lib.clang_getCursorPrettyPrinted.errcheck = cindex._CXString.from_result


def version(cindex: ModuleType) -> str:
    """libclang's version string, e.g. ``clang version 18.1.1``."""
    return str(cindex.conf.lib.clang_getClangVersion())


def _major(text: str) -> int | None:
    m = re.search(r"(\d+)(?:\.\d+)*", text)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------- resource dir


@dataclass(frozen=True)
class ResourceDir:
    """Where clang's builtin headers are, how it was found, and whether its version matches."""

    path: Path | None
    origin: str
    matches: bool = True


def _is_resource_dir(path: Path) -> bool:
    return (path / "include" / "stddef.h").is_file()


def _from_path_clangs(major: int | None) -> Iterator[Path]:
    names = [f"clang-{major}", f"clang++-{major}"] if major is not None else []
    for name in (*names, "clang", "clang++"):
        exe = shutil.which(name)
        if exe is None:
            continue
        try:
            out = subprocess.run([exe, "-print-resource-dir"], capture_output=True, text=True,
                                 timeout=20, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode == 0 and out.stdout.strip():
            yield Path(out.stdout.strip())


def find_resource_dir(explicit: Path | None, libclang_version: str) -> ResourceDir:
    """The builtin-header directory to give libclang: ``explicit`` if given (it must be one),
    else one of a clang on PATH or of a well-known install, the libclang version first."""
    if explicit is not None:
        if not _is_resource_dir(explicit):
            raise InputError(f"{explicit}: not a clang resource directory (no include/stddef.h)")
        return ResourceDir(explicit, "--resource-dir")
    major = _major(libclang_version)
    found: list[tuple[Path, str]] = [(p, "clang on PATH") for p in _from_path_clangs(major)]
    for pattern in _RESOURCE_ROOTS:
        found.extend((p, "installed clang") for p in sorted(Path("/").glob(pattern.lstrip("/"))))
    valid = [(p, how) for p, how in found if _is_resource_dir(p)]
    if not valid:
        return ResourceDir(None, "none found", matches=False)
    same = [(p, how) for p, how in valid if _major(p.name) == major]
    if same:
        return ResourceDir(same[0][0], same[0][1])
    newest = max(valid, key=lambda item: _major(item[0].name) or 0)
    return ResourceDir(newest[0], newest[1], matches=False)


# ---------------------------------------------------------------------------- parsing


@contextmanager
def _progress(message: str) -> Iterator[None]:
    """A spinner on stderr while a parse takes more than a second; only on a terminal."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    done = threading.Event()

    def show() -> None:
        if done.wait(1.0):
            return
        with console.status(message):
            done.wait()

    thread = threading.Thread(target=show, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def parse_args(settings: Settings, resource: ResourceDir) -> list[str]:
    """The arguments libclang parses the umbrella with."""
    args = list(settings.compiler_args)
    args += [f"-I{d}" for d in settings.search.include_dirs if f"-I{d}" not in args]
    args += [f"-D{d}" if not d.startswith("-") else f"-U{d[1:]}" for d in settings.defines]
    if resource.path is not None and "-resource-dir" not in args:
        args += ["-resource-dir", str(resource.path)]
    return [*args, *_PARSE_ARGS]


def parse(unit: Unit, settings: Settings) -> CodeModel:
    """Build the code model of ``unit`` with libclang."""
    cindex = load()
    return parse_with(cindex, unit, settings,
                      find_resource_dir(settings.resource_dir, version(cindex)))


def parse_with(
    cindex: ModuleType, unit: Unit, settings: Settings, resource: ResourceDir
) -> CodeModel:
    """Build the code model of ``unit`` with libclang and the builtin headers of ``resource``."""
    args = parse_args(settings, resource)
    path = unit.umbrella.path
    # the umbrella's bytes may be a fix being checked before it is written
    unsaved = [(str(path), unit.umbrella.data.decode("utf-8"))]
    # the file-scope facts come from tree-sitter: get them while libclang parses (which
    # releases the GIL)
    with ThreadPoolExecutor(max_workers=1) as pool:
        filescope = pool.submit(extract_filescope, unit)
        with _progress(f"libclang: parsing {path.name}"):
            try:
                tu = cindex.Index.create().parse(str(path), args=args, unsaved_files=unsaved,
                                                 options=_KEEP_GOING)
            except cindex.TranslationUnitLoadError:
                raise InputError(f"{path}: libclang could not parse it with these flags: "
                                 f"{' '.join(args)}") from None
        return _Builder(cindex, tu, unit, settings, resource).build(filescope.result())


# ---------------------------------------------------------------------------- the model


@dataclass
class _ClassInfo:
    """What construction and destruction of a class run, as cursors."""

    cursor: Cursor
    name: str
    destructor: Cursor | None
    bases: list[Cursor]
    #: The classes of its class-type members, in declaration order.
    members: list[Cursor]


class _Builder:
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
        self._classes: dict[int, _ClassInfo | None] = {}
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

    def class_info(self, cls: Cursor | None) -> _ClassInfo | None:
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
        info = _ClassInfo(
            cls, self.qualified(cls), destructor,
            [b for b in bases if b is not None and b.kind in self.record_kinds],
            [m for m in members if m is not None and m.kind in self.record_kinds],
        )
        self._classes[key] = info
        return info

    def destructor(self, info: _ClassInfo) -> str | None:
        """What destroying the class runs: its destructor, or the implicit one's work."""
        if info.destructor is not None:
            fid = self.target(info.destructor)
            if fid is not None:
                return fid
        return self.implicit(info, construct=False)

    def implicit(self, info: _ClassInfo, *, construct: bool) -> str | None:
        """A synthetic function for an implicit constructor or destructor: the bases' and
        members' own, in the order the language runs them; ``None`` if it runs nothing."""
        key = (info.cursor.hash, construct)
        if key in self._implicit:
            return self._implicit[key]
        self._implicit[key] = None  # guards against recursion
        fid = f"{info.name}::{'<implicit ctor>' if construct else '<implicit dtor>'}"
        walker = _Walker(self, None)
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
        walker = _Walker(self, cursor)
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
        walker = _Walker(self, None)
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
            walker = _Walker(self, cursor)
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

    def _diagnostics(self) -> list[Diagnostic]:
        """One diagnostic per project file with errors (errors in other headers are charged to
        the project file that includes them); errors in the builtin headers of a resource
        directory of another clang version are the setup's, reported once."""
        includer: dict[str, tuple[str, int]] = {}
        for inclusion in self.tu.get_includes():
            name = inclusion.include.name
            if name not in includer and inclusion.source is not None:
                includer[name] = (inclusion.source.name, inclusion.location.line)
        errors: dict[Path, list[tuple[int, str, str]]] = {}
        toolchain: list[str] = []
        for diag in self.tu.diagnostics:
            if diag.severity < self.ci.Diagnostic.Error or diag.location.file is None:
                continue
            name = diag.location.file.name
            line = diag.location.line
            shown = f"{Path(name).name}:{line}: {diag.spelling}"
            if self.resource.path is not None and not self.resource.matches and \
                    self.path(name).is_relative_to(self.resource.path.resolve()):
                toolchain.append(shown)
                continue
            seen: set[str] = set()
            while self.sources.get(self.path(name)) is None and name in includer \
                    and name not in seen:
                seen.add(name)
                name, line = includer[name]
            path = self.path(name)
            if path in self.sources:
                errors.setdefault(path, []).append((line, diag.spelling, shown))
        out = []
        for path, items in errors.items():
            first = ", ".join(f"'{shown}'" for _, _, shown in items[:3])
            more = f" and {len(items) - 3} more" if len(items) > 3 else ""
            out.append(Diagnostic(
                Location(path, items[0][0]),
                f"{len(items)} compile error(s), first {first}{more}", "compile",
            ))
        if toolchain:
            out.append(Diagnostic(
                Location(self.unit.umbrella.path, 1),
                f"{len(toolchain)} error(s) in the builtin headers of {self.resource.path}, "
                f"which belong to another clang version than libclang ({version(self.ci)}); "
                f"first '{toolchain[0]}' (pass --resource-dir of a matching clang)",
            ))
        elif self.resource.path is None:
            out.append(Diagnostic(
                Location(self.unit.umbrella.path, 1),
                "no clang resource directory found (builtin headers such as stddef.h are "
                "missing); pass --resource-dir or install clang",
            ))
        return out

    def build(self, filescope: FileScope) -> CodeModel:
        entries: list[EntryPoint] = []
        self._declarations(self.tu.cursor, entries)
        self.ci.conf.lib.clang_PrintingPolicy_dispose(self._policy)
        return CodeModel(
            umbrella=self.unit.umbrella,
            functions=LazyFunctions(self.function, lambda: list(self.cursors)),
            entry_points=tuple(self._with_spans(entries)),
            files=tuple(src.path for src in self.unit.files),
            diagnostics=(*self.unit.diagnostics, *self._diagnostics()),
            source_lines={src.path: text_lines(src.data) for src in self.unit.files},
            filescope=filescope,
        )


def _literal(spelling: str) -> str | None:
    """The text of a string literal as clang spells it (prefix, quotes, raw delimiters)."""
    quote = spelling.find('"')
    if quote < 0 or not spelling.endswith('"'):
        return None
    prefix, body = spelling[:quote], spelling[quote + 1 : -1]
    if prefix.endswith("R"):
        open_paren = body.find("(")
        return body[open_paren + 1 : len(body) - open_paren - 1] if open_paren >= 0 else None
    return body


class _Walker:
    """Collects the call sites of one body, in the order they run."""

    def __init__(self, builder: _Builder, function: Cursor | None) -> None:
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

    def construct_parts(self, info: _ClassInfo, explicit: set[int]) -> None:
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

    def _default_constructor(self, info: _ClassInfo) -> Cursor | None:
        for child in info.cursor.get_children():
            if child.kind == self.K.CONSTRUCTOR and not list(child.get_arguments() or ()):
                return child
        return None

    def destroy_parts(self, info: _ClassInfo) -> None:
        for what, parts in (("member", info.members), ("base", info.bases)):
            for part in reversed(parts):
                part_info = self.b.class_info(part)
                if part_info is not None:
                    site = self._destroy(part_info, info.cursor, f"{what} `{part_info.name}`")
                    if site is not None:
                        self.calls.append(site)

    def _destroy(self, info: _ClassInfo, where: Cursor, what: str) -> CallSite | None:
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
                return _literal(cursor.spelling)
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


def available() -> str | None:
    """``None`` if the libclang front end can run here, else why not."""
    try:
        load()
    except InputError as exc:
        return str(exc)
    return None

