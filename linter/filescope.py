"""File-scope facts of a unit, for every front end: what sharing one translation unit can break.

From the preprocessor's scan and a tree-sitter parse of each file of the unit this extracts, per
file: the names declared at namespace scope (internal-linkage definitions marked, with their
enclosing namespace and, for functions, their parameter types), the file-scope
``using namespace`` directives, macro definitions, ``#undef``\\ s, tests and uses, and the
unqualified uses of the few names another file could capture (names a using-directive brings in,
internal functions overloaded across files). Only namespace-level declarations are walked;
uses are found by a token scan, then classified on the tree.

It is a separate pass so that any front end gets the same facts: the tree-sitter front end hands
over the trees it already parsed, others let this module parse.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import tree_sitter_cpp
from amalint.model import (
    ANONYMOUS,
    Declaration,
    DeclKind,
    FileFacts,
    FileScope,
    Location,
    MacroEvent,
    MacroEventKind,
    NameUse,
    Scope,
    UsingDirective,
)
from amalint.preprocessor import Directive, Lines, is_source
from amalint.unit import SourceFile, Unit
from tree_sitter import Language, Node, Parser, Tree

_LANGUAGE = Language(tree_sitter_cpp.language())
_CLASSES = ("class_specifier", "struct_specifier", "union_specifier")
_CONDITIONALS = ("preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif",
                 "preproc_elifdef")
_NAME_NODES = ("identifier", "type_identifier", "namespace_identifier")
#: Ancestors under which a declaration is not at namespace scope.
_LOCAL_CONTEXTS = ("compound_statement", "parameter_list", "field_declaration_list",
                   "template_parameter_list", "lambda_expression", "for_range_loop",
                   "condition_clause", "catch_clause", "requires_clause")
_WORD = re.compile(rb"\b[A-Za-z_]\w*")
_WORD_STR = re.compile(r"\b[A-Za-z_]\w*")
# Comments and string/char literals (raw strings included), blanked for token scans.
_LITERALS = re.compile(
    rb'//(?:\\\n|[^\n])*|/\*.*?(?:\*/|\Z)|R"([^(\s]{0,16})\(.*?\)\1"'
    rb"|\"(?:\\.|[^\"\\\n])*\"?|'(?:\\.|[^'\\\n])*'?",
    re.S,
)
_NOT_NEWLINE = re.compile(rb"[^\n]")
_DEFINE = re.compile(r"([A-Za-z_]\w*)(\([^)]*\))?(.*)", re.S)
_DEFINED = re.compile(r"\bdefined\s*\(?\s*([A-Za-z_]\w*)")
_SPACES = re.compile(r"\s+")
_PUNCT_SPACE = re.compile(r"\s*([*&,<>()\[\]])\s*")


def _blank_match(match: re.Match[bytes]) -> bytes:
    text = match.group(0)
    return _NOT_NEWLINE.sub(b" ", text) if b"\n" in text else b" " * len(text)


def _blank(data: bytes) -> bytes:
    """``data`` with comments and literals replaced by spaces (offsets and lines kept)."""
    return _LITERALS.sub(_blank_match, data)


@dataclass
class _File:
    """One file being extracted: its source, tree, and what has been found so far."""

    source: SourceFile
    tree: Tree
    lines: list[bytes]
    guard: str | None
    blanked: bytes
    declarations: list[Declaration] = field(default_factory=list)
    directives: list[tuple[Scope, tuple[str, ...], Node]] = field(default_factory=list)

    @cached_property
    def kinds(self) -> list[str]:
        return Lines.of(self.source.data).kinds()

    def location(self, node: Node) -> Location:
        return self.point(node.start_byte)

    @cached_property
    def starts(self) -> list[int]:
        """Byte offset of each line."""
        out = [0]
        for line in self.lines[:-1]:
            out.append(out[-1] + len(line) + 1)
        return out

    def line_index(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def point(self, offset: int) -> Location:
        line = self.line_index(offset)
        start = self.starts[line]
        return Location(self.source.path, line + 1,
                        len(self.source.data[start:offset].decode("utf-8", "replace")) + 1)

    def position(self, offset: int) -> tuple[int, ...]:
        return (*self.source.prefix, offset)

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source.data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def include_guard(blanked: bytes, directives: Sequence[Directive]) -> str | None:
    """The include guard of a file (``blanked``: its bytes without comments and literals):
    ``#pragma once``, or the macro of ``#ifndef G`` (or ``#if !defined(G)``) and ``#define G``
    opening it and a matching ``#endif`` closing it, with no code outside."""
    if any(d.name == "pragma" and d.rest.split() == ["once"] for d in directives):
        return "#pragma once"
    if len(directives) < 3:
        return None
    first, second = directives[0], directives[1]
    if first.name == "ifndef":
        name = first.rest.split()[0] if first.rest.split() else ""
    elif first.name == "if":
        m = re.fullmatch(r"!\s*defined\s*\(?\s*([A-Za-z_]\w*)\s*\)?", first.rest.strip())
        name = m.group(1) if m else ""
    else:
        return None
    if not name or second.name != "define" or second.rest.split()[:1] != [name]:
        return None
    depth = 0
    for index, directive in enumerate(directives):
        if directive.name in ("if", "ifdef", "ifndef"):
            depth += 1
        elif directive.name == "endif":
            depth -= 1
            if depth == 0 and index != len(directives) - 1:
                return None
    last_end = blanked.find(b"\n", directives[-1].start_byte)
    outside = blanked[: first.start_byte] + (blanked[last_end:] if last_end >= 0 else b"")
    return name if not outside.strip() else None


def _split(text: str) -> tuple[str, ...]:
    return tuple(p for p in re.sub(r"<[^<>]*>", "", text).replace(" ", "").split("::") if p)


_NAMES = ("identifier", "field_identifier", "qualified_identifier", "operator_name",
          "type_identifier", "destructor_name", "template_function")


def _find_declarator(node: Node | None, types: Iterable[str]) -> Node | None:
    """The first node of one of ``types`` down a chain of declarators (``*&f()`` → ``f()``)."""
    while node is not None:
        if node.type in types:
            return node
        inner = node.child_by_field_name("declarator")
        if inner is None and node.type == "reference_declarator" and node.named_children:
            inner = node.named_children[-1]
        node = inner
    return None


def _declarator_name(node: Node | None) -> Node | None:
    return _find_declarator(node, _NAMES)


def _function_declarator(node: Node | None) -> Node | None:
    return _find_declarator(node, ("function_declarator",))


def _specifiers(node: Node, file: _File) -> set[str]:
    return {file.text(c) for c in node.children
            if c.type in ("storage_class_specifier", "type_qualifier", "virtual")}


def _normalize(text: str) -> str:
    return _PUNCT_SPACE.sub(r"\1", _SPACES.sub(" ", text).strip())


def _signature(declarator: Node, file: _File, template: Node | None) -> str:
    """Parameter types of a function declarator, names and default arguments dropped."""
    params = declarator.child_by_field_name("parameters")
    types: list[str] = []
    for param in params.named_children if params is not None else ():
        if param.type == "comment":
            continue
        start, end = param.start_byte, param.end_byte
        cut: list[tuple[int, int]] = []
        name = _declarator_name(param.child_by_field_name("declarator"))
        if name is not None:
            cut.append((name.start_byte, name.end_byte))
        default = param.child_by_field_name("default_value")
        if default is not None:
            eq = file.source.data.rfind(b"=", start, default.start_byte)
            cut.append((eq if eq >= 0 else default.start_byte, default.end_byte))
        data = file.source.data
        pieces, cursor = [], start
        for a, b in sorted(cut):
            pieces.append(data[cursor:a])
            cursor = b
        pieces.append(data[cursor:end])
        types.append(_normalize(b"".join(pieces).decode("utf-8", "replace")))
    if types == ["void"]:
        types = []
    head = ""
    if template is not None:
        tparams = template.child_by_field_name("parameters")
        count = len(tparams.named_children) if tparams is not None else 0
        head = f"template<{count}> "
    return f"{head}({', '.join(types)})"


class _Walker:
    """The namespace-level pass over one file: declarations and using-directives."""

    def __init__(self, file: _File, is_c: bool, aliases: dict[Scope, tuple[Scope, str]],
                 members: set[str]) -> None:
        self.file = file
        self.is_c = is_c
        self.aliases = aliases
        self.members = members

    def walk(self, node: Node, scope: Scope, conditional: bool) -> None:
        for child in node.named_children:
            kind = child.type
            if kind == "namespace_definition":
                self._namespace(child, scope, conditional)
            elif kind == "linkage_specification":
                body = child.child_by_field_name("body")
                if body is not None and body.type == "declaration_list":
                    self.walk(body, scope, conditional)
                elif body is not None:
                    self.one(body, scope, conditional, None)
            elif kind in _CONDITIONALS:
                guard = (kind == "preproc_ifdef" and self.file.guard is not None
                         and self.file.text(child.child_by_field_name("name"))
                         == self.file.guard and self.file.text(child).startswith("#ifndef"))
                self.walk(child, scope, conditional or not guard)
            elif kind == "ERROR":
                self.walk(child, scope, True)
            else:
                self.one(child, scope, conditional, None)

    def _namespace(self, node: Node, scope: Scope, conditional: bool) -> None:
        name = node.child_by_field_name("name")
        parts = _split(self.file.text(name)) if name is not None else (ANONYMOUS,)
        inner = scope
        for part in parts:
            self._add(inner, part, DeclKind.NAMESPACE, node, conditional)
            inner = (*inner, part)
        body = node.child_by_field_name("body")
        if body is not None:
            self.walk(body, inner, conditional)

    def _add(self, scope: Scope, name: str, kind: DeclKind, node: Node, conditional: bool,
             internal: str = "", signature: str | None = None) -> None:
        self.file.declarations.append(Declaration(
            scope, name, kind, self.file.location(node), self.file.position(node.start_byte),
            internal, signature, conditional))

    def one(self, node: Node, scope: Scope, conditional: bool, template: Node | None) -> None:
        kind = node.type
        anonymous = ANONYMOUS in scope
        if kind == "template_declaration":
            for child in node.named_children:
                if child.type != "template_parameter_list":
                    self.one(child, scope, conditional, node)
        elif kind == "function_definition":
            self._function(node, scope, conditional, template)
        elif kind == "declaration":
            self._declaration(node, scope, conditional, template)
        elif kind in _CLASSES or kind == "enum_specifier":
            self._type(node, scope, conditional, anonymous)
        elif kind in ("alias_declaration", "type_definition"):
            name = node.child_by_field_name("name") if kind == "alias_declaration" else \
                _declarator_name(node.child_by_field_name("declarator"))
            if name is not None:
                self._add(scope, self.file.text(name), DeclKind.ALIAS, name, conditional)
            target = node.child_by_field_name("type")
            if target is not None and target.type in (*_CLASSES, "enum_specifier"):
                self._type(target, scope, conditional, anonymous)
        elif kind == "using_declaration":
            text = self.file.text(node)
            if text.startswith("using namespace"):
                written = text[len("using namespace"):].rstrip(";").strip()
                self.file.directives.append((scope, (("",) if written.startswith("::") else ())
                                             + _split(written), node))
            elif node.named_children:
                used = _split(self.file.text(node.named_children[-1]))
                if used:
                    self._add(scope, used[-1], DeclKind.USING, node, conditional)
        elif kind == "namespace_alias_definition":
            alias = node.child_by_field_name("name")
            targets = [c for c in node.named_children if c is not alias]
            if alias is not None and targets:
                key = (*scope, self.file.text(alias))
                self.aliases[key] = (scope, self.file.text(targets[-1]))
                self._add(scope, self.file.text(alias), DeclKind.ALIAS, alias, conditional)

    def _function(self, node: Node, scope: Scope, conditional: bool,
                  template: Node | None) -> None:
        declarator = _function_declarator(node.child_by_field_name("declarator"))
        name = _declarator_name(declarator.child_by_field_name("declarator")) \
            if declarator is not None else None
        if declarator is None or name is None or name.type == "qualified_identifier":
            return  # a member or namespace-qualified definition: declared elsewhere
        storage = _specifiers(node, self.file)
        internal = "static" if "static" in storage else \
            "anonymous namespace" if ANONYMOUS in scope else ""
        self._add(scope, self.file.text(name), DeclKind.FUNCTION, name, conditional, internal,
                  _signature(declarator, self.file, template))

    def _declaration(self, node: Node, scope: Scope, conditional: bool,
                     template: Node | None) -> None:
        specifiers = _specifiers(node, self.file)
        type_node = node.child_by_field_name("type")
        if type_node is not None and type_node.type in (*_CLASSES, "enum_specifier"):
            self._type(type_node, scope, conditional, ANONYMOUS in scope)
        for declarator in node.children_by_field_name("declarator"):
            fdecl = _function_declarator(declarator)
            name = _declarator_name(declarator)
            if name is None or name.type == "qualified_identifier":
                continue
            if fdecl is not None and declarator.type != "init_declarator":
                self._add(scope, self.file.text(name), DeclKind.FUNCTION, name, conditional,
                          signature=_signature(fdecl, self.file, template))
                continue
            self._add(scope, self.file.text(name), DeclKind.VARIABLE, name, conditional,
                      self._linkage(declarator, specifiers, scope))

    def _linkage(self, declarator: Node, specifiers: set[str], scope: Scope) -> str:
        """How a namespace-scope variable *definition* gets internal linkage ("" if it is not
        an internal definition)."""
        initialized = declarator.type == "init_declarator"
        if ("extern" in specifiers and not initialized) or (self.is_c and not initialized):
            return ""  # a declaration, or a C tentative definition (two are one variable)
        if "static" in specifiers:
            return "static"
        if ANONYMOUS in scope:
            return "anonymous namespace"
        if not self.is_c and not specifiers & {"inline", "extern"} and (
                "constexpr" in specifiers
                or ("const" in specifiers and not _indirect(declarator))):
            return "const"
        return ""

    def _type(self, node: Node, scope: Scope, conditional: bool, anonymous: bool) -> None:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is None or name.type != "type_identifier":
            return
        internal = "anonymous namespace" if anonymous and body is not None else ""
        self._add(scope, self.file.text(name), DeclKind.TYPE, name, conditional, internal)
        if body is None:
            return
        if node.type == "enum_specifier":
            if not re.match(r"enum\s+(class|struct)\b", self.file.text(node)):
                for enumerator in body.named_children:
                    value = enumerator.child_by_field_name("name")
                    if value is not None:
                        self._add(scope, self.file.text(value), DeclKind.VARIABLE, value,
                                  conditional)
            return
        for member in body.named_children:
            for declarator in member.children_by_field_name("declarator"):
                member_name = _declarator_name(declarator)
                if member_name is not None:
                    self.members.add(self.file.text(member_name))


def _indirect(declarator: Node) -> bool:
    """Whether a declarator declares a pointer or reference (``const`` then applies to what it
    points to)."""
    node: Node | None = declarator
    while node is not None:
        if node.type == "reference_declarator":
            return True
        if node.type == "pointer_declarator":
            return not any(c.type == "type_qualifier" for c in node.children)
        node = node.child_by_field_name("declarator")
    return False


# ---------------------------------------------------------------------------- macros


def _define(rest: str) -> tuple[str, str] | None:
    m = _DEFINE.match(rest)
    if m is None:
        return None
    return m.group(1), _normalize((m.group(2) or "") + " " + m.group(3))


def _macro_events(file: _File, names: set[str], function_like: set[str]) -> list[MacroEvent]:
    """Every define, undef, test and use of ``names`` in ``file``, in file order. A
    function-like macro counts as used in code only where a ``(`` follows it."""
    events: list[MacroEvent] = []

    def add(kind: MacroEventKind, name: str, offset: int, definition: str = "") -> None:
        if name in names:
            events.append(MacroEvent(kind, name, file.point(offset), file.position(offset),
                                     definition))

    for directive in file.source.directives.directives:
        rest = _blank(directive.rest.encode()).decode("utf-8", "replace")
        words = rest.split()

        def offset_of(name: str, directive: Directive = directive) -> int:
            found = file.source.data.find(name.encode(), directive.start_byte)
            return found if found >= 0 else directive.start_byte

        if directive.name == "define":
            parsed = _define(rest)
            if parsed is None:
                continue
            name, definition = parsed
            add(MacroEventKind.DEFINE, name, offset_of(name), definition)
            used = definition.split(")", 1)[1] if definition.startswith("(") else definition
        elif directive.name in ("undef", "ifdef", "ifndef", "elifdef", "elifndef"):
            if words:
                kind = MacroEventKind.UNDEF if directive.name == "undef" else MacroEventKind.TEST
                add(kind, words[0], offset_of(words[0]))
            continue
        elif directive.name in ("if", "elif"):
            for name in sorted(set(_DEFINED.findall(rest))):
                add(MacroEventKind.TEST, name, offset_of(name))
            used = _DEFINED.sub(" ", rest)
        elif directive.name == "include":
            used = rest
        else:
            continue
        for m in _WORD_STR.finditer(used):
            if m.group(0) not in function_like or used[m.end() :].lstrip().startswith("("):
                add(MacroEventKind.USE, m.group(0), offset_of(m.group(0)))
    blanked = file.blanked
    present = {w.decode() for w in _WORD.findall(blanked)} & names
    if present:
        directive_lines = {i for i, kind in enumerate(file.kinds) if kind == "directive"}
        pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in present)
                             + rb")\b")
        for found in pattern.finditer(blanked):
            name = found.group(0).decode()
            if file.line_index(found.start()) in directive_lines or (
                name in function_like
                and not blanked[found.end() : found.end() + 200].lstrip().startswith(b"(")
            ):
                continue
            add(MacroEventKind.USE, name, found.start())
    events.sort(key=lambda event: event.position)
    return events


# ---------------------------------------------------------------------------- uses


def _name_context(node: Node) -> tuple[str, Node]:
    """Whether a name node is a ``declaration``, a ``qualified`` name, or an unqualified
    ``use``; and the node that stands for it in its parent."""
    current = node
    parent = current.parent
    while parent is not None and parent.type in ("template_type", "template_function") \
            and parent.child_by_field_name("name") == current:
        current, parent = parent, parent.parent
    if parent is None:
        return "use", current
    if parent.type == "qualified_identifier":
        if parent.child_by_field_name("name") == current:
            return "qualified", current
        outer = parent.parent
        nested = outer is not None and outer.type == "qualified_identifier" and \
            outer.child_by_field_name("name") == parent
        if nested or parent.children[0].type == "::":  # `a::b::c`'s b, or `::a::b`'s a
            return "qualified", current
        if outer is not None and outer.child_by_field_name("declarator") == parent:
            return "qualified", current  # the class of an out-of-class definition
        return "use", current
    if parent.child_by_field_name("declarator") == current or (
        parent.child_by_field_name("name") == current
    ) or parent.type in ("type_parameter_declaration", "optional_type_parameter_declaration",
                         "variadic_type_parameter_declaration"):
        return "declaration", current
    return "use", current


def _enclosing(node: Node, file: _File) -> tuple[Scope, bool, bool]:
    """The namespace scope around ``node``, whether it is in a member context, and whether it
    is inside a local context (function body, parameters, class body...)."""
    scope: list[str] = []
    member = local = False
    parent = node.parent
    while parent is not None:
        kind = parent.type
        if kind == "namespace_definition":
            name = parent.child_by_field_name("name")
            scope[:0] = list(_split(file.text(name))) if name is not None else [ANONYMOUS]
        elif kind == "field_declaration_list":
            member = True
        elif kind == "function_definition":
            declarator = _function_declarator(parent.child_by_field_name("declarator"))
            name = _declarator_name(declarator.child_by_field_name("declarator")) \
                if declarator is not None else None
            if name is not None and name.type == "qualified_identifier":
                member = True
        if kind in _LOCAL_CONTEXTS:
            local = True
        parent = parent.parent
    return tuple(scope), member, local


def _uses(file: _File, names: set[str]) -> tuple[list[NameUse], set[str]]:
    """Unqualified uses of ``names`` in ``file``, and which of them it declares locally."""
    present = {w.decode() for w in _WORD.findall(file.blanked)} & names
    if not present:
        return [], set()
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in sorted(present))
                         + rb")\b")
    uses: list[NameUse] = []
    local: set[str] = set()
    root = file.tree.root_node
    for m in pattern.finditer(file.blanked):
        node = root.descendant_for_byte_range(m.start(), m.end())
        if node is None or node.type not in _NAME_NODES or node.start_byte != m.start() \
                or node.end_byte != m.end():
            continue
        context, stand_in = _name_context(node)
        name = m.group(0).decode()
        scope, member, in_local = _enclosing(node, file)
        if context == "declaration":
            if in_local:
                local.add(name)
            continue
        if context != "use":
            continue
        parent = stand_in.parent
        call = parent is not None and parent.type == "call_expression" and \
            parent.child_by_field_name("function") == stand_in
        uses.append(NameUse(name, scope, file.location(node), file.position(node.start_byte),
                            call, member))
    return uses, local


# ---------------------------------------------------------------------------- the pass


def resolve_namespace(written: tuple[str, ...], scope: Scope, known: set[Scope],
                      aliases: dict[Scope, tuple[Scope, str]], _depth: int = 0) -> Scope | None:
    """The namespace a written name denotes from ``scope`` (a leading ``""`` means ``::``)."""
    if not written or _depth > 8:
        return None
    if written[0] == "":
        levels: Iterable[int] = (0,)
        written = written[1:]
    else:
        levels = range(len(scope), -1, -1)
    for level in levels:
        head = (*scope[:level], written[0])
        if head in aliases:
            where, target = aliases[head]
            base = resolve_namespace(_split(target) if not target.startswith("::")
                                     else ("", *_split(target)), where, known, aliases,
                                     _depth + 1)
            if base is not None:
                candidate: Scope = (*base, *written[1:])
                return candidate if candidate in known else None
        candidate = (*scope[:level], *written)
        if candidate in known:
            return candidate
    return None


def extract(unit: Unit, trees: Sequence[Tree] | None = None) -> FileScope:
    """File-scope facts of ``unit``; ``trees`` are tree-sitter parses of ``unit.files`` if the
    caller has them."""
    is_c = unit.umbrella.path.suffix == ".c"
    parser = Parser(_LANGUAGE)
    aliases: dict[Scope, tuple[Scope, str]] = {}
    members: set[str] = set()
    files: list[_File] = []
    for index, source in enumerate(unit.files):
        tree = trees[index] if trees is not None else parser.parse(source.data)
        blanked = _blank(source.data)
        file = _File(source, tree, source.data.split(b"\n"),
                     include_guard(blanked, source.directives.directives), blanked)
        _Walker(file, is_c, aliases, members).walk(tree.root_node, (), False)
        files.append(file)
    known = {(*d.scope, d.name) for f in files for d in f.declarations
             if d.kind is DeclKind.NAMESPACE}
    targets: dict[tuple[int, int], Scope] = {}
    #: name -> the first unit whose file could capture it (a directive, an overload)
    captured: dict[str, int] = {}
    by_scope: dict[Scope, set[str]] = {}
    for f in files:
        for d in f.declarations:
            by_scope.setdefault(d.scope, set()).add(d.name)
    for index, f in enumerate(files):
        for number, (scope, written, _) in enumerate(f.directives):
            target = resolve_namespace(written, scope, known, aliases)
            if target is not None:
                targets[(index, number)] = target
                if f.source.unit is not None:
                    for name in by_scope.get(target, ()):
                        captured[name] = min(captured.get(name, f.source.unit), f.source.unit)
    for name, first in _overloaded(files).items():
        captured[name] = min(captured.get(name, first), first)
    defined: dict[str, list[str]] = {}
    guards = {f.guard for f in files if f.guard}
    included = {inc.resolved for inc in unit.umbrella.includes
                if inc.resolved is not None and is_source(inc.resolved)}
    for f in files:
        if f.source.path not in included:
            continue
        for directive in f.source.directives.directives:
            if directive.name == "define":
                parsed = _define(directive.rest)
                if parsed is not None and parsed[0] not in guards:
                    defined.setdefault(parsed[0], []).append(parsed[1])
    macro_names = set(defined)
    function_like = {name for name, defs in defined.items()
                     if all(d.startswith("(") for d in defs)}
    out: list[FileFacts] = []
    for index, f in enumerate(files):
        names = {n for n, u in captured.items() if f.source.unit is not None
                 and u < f.source.unit}
        uses, local = _uses(f, names) if names else ([], set())
        events = _macro_events(f, macro_names, function_like) if macro_names else []
        directives = tuple(
            UsingDirective(scope, targets[(index, number)], f.location(node),
                           f.position(node.start_byte))
            for number, (scope, _, node) in enumerate(f.directives)
            if (index, number) in targets
        )
        out.append(FileFacts(
            path=f.source.path,
            unit=f.source.unit,
            guard=f.guard,
            includes=tuple(i.resolved for i in f.source.directives.includes
                           if i.resolved is not None),
            declarations=tuple(f.declarations),
            using_directives=directives,
            uses=tuple(uses),
            local_names=frozenset(local),
            macros=tuple(events),
        ))
    return FileScope(tuple(out), frozenset(members), is_c)


def _overloaded(files: Sequence[_File]) -> dict[str, int]:
    """Internal-linkage function names defined in more than one unit with different
    signatures (calls to them may be captured), with the first unit defining them."""
    seen: dict[tuple[Scope, str], set[tuple[int | None, str | None]]] = {}
    for f in files:
        for d in f.declarations:
            if d.internal and d.kind is DeclKind.FUNCTION:
                seen.setdefault((d.scope, d.name), set()).add((f.source.unit, d.signature))
    out: dict[str, int] = {}
    for (_, name), found in seen.items():
        units = {u for u, _ in found if u is not None}
        if len(units) > 1 and len({s for _, s in found}) > 1:
            out[name] = min(units)
    return out


def reachable(facts: Sequence[FileFacts], start: Path) -> set[Path]:
    """Every file ``start`` includes, directly or not (as far as the unit's files show)."""
    by_path = {f.path: f for f in facts}
    seen: set[Path] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        found = by_path.get(path)
        if found is not None:
            todo.extend(found.includes)
    return seen
