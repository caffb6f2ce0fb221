"""The namespace-level pass over one file: declarations (internal-linkage definitions marked,
functions with their parameter types) and using-directives. Never enters function bodies."""

from __future__ import annotations

import bisect
import re

from tree_sitter import Node

from amalint.analysis.spelling import builtin_spelling
from amalint.frontends.filescope.source import FileText, normalize
from amalint.frontends.treesitter.syntax import (
    CLASSES,
    CONDITIONALS,
    NAMES,
    declarator_name,
    function_declarator,
    inner_declarator,
    split,
)
from amalint.model import ANONYMOUS, Declaration, DeclKind, Scope

#: Specifiers that decide a declaration's linkage.
SPECIFIERS = ("storage_class_specifier", "type_qualifier", "virtual")
def canonical(text: str) -> str:
    """A type as written, normalized: spacing, and one spelling per arithmetic type (the
    analysis's, :func:`amalint.analysis.spelling.builtin_spelling`)."""
    return builtin_spelling(normalize(text))


def declared_type(file: FileText, node: Node, declarator: Node, name: Node | None,
                  qualifiers: list[str] | None = None) -> str:
    """The type a declarator gives its name: the specifiers' type, ``const``/``volatile``
    (``qualifiers``, if the caller has them), and the declarator's pointers, references and
    array bounds (the name and initializer left out)."""
    base = node.child_by_field_name("type")
    if qualifiers is None:
        qualifiers = [file.text(c) for c in node.children if c.type == "type_qualifier"]
    shape = declarator.child_by_field_name("declarator") \
        if declarator.type == "init_declarator" else declarator
    text = file.text(shape)
    if name is not None and shape is not None:
        start, end = name.start_byte - shape.start_byte, name.end_byte - shape.start_byte
        text = text[:start] + text[end:]
    return canonical(" ".join([*qualifiers, file.text(base), text]))


def signature(declarator: Node, file: FileText, template: Node | None, is_c: bool) -> str:
    """Parameter types of a function declarator, names and default arguments dropped, ``...``
    last if it is variadic. In C, ``(void)`` (no parameters) stays apart from ``()``
    (parameters not declared)."""
    params = declarator.child_by_field_name("parameters")
    types: list[str] = []
    for param in params.named_children if params is not None else ():
        if param.type == "comment":
            continue
        start, end = param.start_byte, param.end_byte
        cut: list[tuple[int, int]] = []
        name = declarator_name(param.child_by_field_name("declarator"))
        if name is not None:
            cut.append((name.start_byte, name.end_byte))
        default = param.child_by_field_name("default_value")
        if default is not None:
            eq = file.parsed.rfind(b"=", start, default.start_byte)
            cut.append((eq if eq >= 0 else default.start_byte, default.end_byte))
        cut.extend(_not_type(param))
        data = file.parsed
        pieces, cursor = [], start
        for a, b in sorted(cut):
            pieces.append(data[cursor:max(a, cursor)])
            cursor = max(b, cursor)
        pieces.append(data[cursor:end])
        types.append(normalize(b"".join(pieces).decode("utf-8", "replace")))
    if types == ["void"] and not is_c:
        types = []
    if params is not None and any(c.type == "..." for c in params.children):
        types.append("...")
    head = ""
    if template is not None:
        tparams = template.child_by_field_name("parameters")
        count = len(tparams.named_children) if tparams is not None else 0
        head = f"template<{count}> "
    return f"{head}({', '.join(types)})"


#: Parts of a parameter that are not its type: attributes and comments.
_NOT_TYPE = ("attribute_specifier", "attribute_declaration", "ms_declspec_modifier", "comment")


def _not_type(param: Node) -> list[tuple[int, int]]:
    """The byte ranges of a parameter's attributes (``__attribute__((unused))``,
    ``[[maybe_unused]]``) and comments: the compiler's type of the parameter has neither."""
    out: list[tuple[int, int]] = []
    todo = list(param.children)
    while todo:
        node = todo.pop()
        if node.type in _NOT_TYPE:
            out.append((node.start_byte, node.end_byte))
        else:
            todo.extend(node.children)
    return out


def _name(declarator: Node | None) -> Node | None:
    """The name a declarator declares, also through parentheses (``(*callback_t)(int)``)."""
    node = declarator
    while node is not None:
        if node.type in NAMES:
            return node
        node = node.named_children[0] if node.type == "parenthesized_declarator" \
            and node.named_children else inner_declarator(node)
    return None


def _pointer_to_function(fdecl: Node | None) -> bool:
    """Whether a function declarator declares a pointer to function (``void (*f)(int)``), not
    a function."""
    inner = fdecl.child_by_field_name("declarator") if fdecl is not None else None
    while inner is not None and inner.type == "parenthesized_declarator" \
            and inner.named_children:
        inner = inner.named_children[0]  # `void (name)(int)` is a function, `(*name)` not
        if inner.type in ("pointer_declarator", "reference_declarator"):
            return True
    return False


def default_count(declarator: Node) -> int:
    """How many parameters of a function declarator have a default argument."""
    params = declarator.child_by_field_name("parameters")
    return sum(1 for param in (params.named_children if params is not None else ())
               if param.child_by_field_name("default_value") is not None)


class Walker:
    """The namespace-level pass over one file: declarations and using-directives."""

    def __init__(self, file: FileText, is_c: bool, aliases: dict[Scope, tuple[Scope, str]],
                 members: set[str]) -> None:
        self.file = file
        self.is_c = is_c
        self.aliases = aliases
        self.members = members
        self._ends: list[int] | None = None

    def walk(self, root: Node, scope: Scope, conditional: bool) -> None:
        """Every declaration at namespace scope under ``root``, in file order, on an explicit
        stack (namespaces and ``#if``\\ s may nest a thousand deep)."""
        todo: list[tuple[Node, Scope, bool]] = [(root, scope, conditional)]
        while todo:
            node, scope, conditional = todo.pop()
            found: list[tuple[Node, Scope, bool]] = []
            for child in node.named_children:
                kind = child.type
                if self._in_body(child.start_byte):
                    # inside braces that are no namespace's: code the parser could not place
                    # (`if mi_unlikely(x) {` with the macro unexpanded), never file scope
                    continue
                if kind == "namespace_definition":
                    inner = self._namespace(child, scope, conditional)
                    body = child.child_by_field_name("body")
                    if body is not None:
                        found.append((body, inner, conditional))
                elif kind == "linkage_specification":
                    body = child.child_by_field_name("body")
                    if body is not None and body.type == "declaration_list":
                        found.append((body, scope, conditional))
                    elif body is not None:
                        self.one(body, scope, conditional, None)
                elif kind in CONDITIONALS:
                    guard = (kind == "preproc_ifdef" and self.file.guard is not None
                             and self.file.text(child.child_by_field_name("name"))
                             == self.file.guard and self.file.text(child).startswith("#ifndef"))
                    found.append((child, scope, conditional or not guard))
                elif kind == "ERROR":
                    found.append((child, scope, True))
                else:
                    self.one(child, scope, conditional, None)
            todo.extend(reversed(found))

    def _in_body(self, offset: int) -> bool:
        """Whether ``offset`` of the parsed text is inside a function, class, enum or
        initializer body, found lexically (where the parser's recovery went astray)."""
        braces = self.file.braces
        if self._ends is None:
            self._ends = [b for _, b in braces]
        k = bisect.bisect_right(self._ends, offset)
        return k < len(braces) and braces[k][0] < offset

    def _namespace(self, node: Node, scope: Scope, conditional: bool) -> Scope:
        """Declare a namespace (``a::b`` is two); the scope inside it."""
        name = node.child_by_field_name("name")
        parts = split(self.file.text(name)) if name is not None else (ANONYMOUS,)
        inner = scope
        for part in parts:
            self._add(inner, part, DeclKind.NAMESPACE, node, conditional)
            inner = (*inner, part)
        return inner

    def _add(self, scope: Scope, name: str, kind: DeclKind, node: Node, conditional: bool,
             internal: str = "", signature: str | None = None, *, definition: bool = False,
             storage: str = "", type: str = "", tag: str = "", defaults: int = 0) -> None:
        self.file.declarations.append(Declaration(
            scope, name, kind, self.file.location(node), self.file.position(node.start_byte),
            internal, signature, conditional, definition, storage, type, tag,
            self.file.macro_at(node.start_byte, name), defaults))

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
        elif kind in CLASSES or kind == "enum_specifier":
            self._type(node, scope, conditional, anonymous)
        elif kind == "alias_declaration":
            name = node.child_by_field_name("name")
            target = node.child_by_field_name("type")
            if name is not None:
                self._add(scope, self.file.text(name), DeclKind.ALIAS, name, conditional,
                          definition=True, type=canonical(self.file.text(target)))
        elif kind == "type_definition":
            target = node.child_by_field_name("type")
            if target is not None and target.type in (*CLASSES, "enum_specifier"):
                self._type(target, scope, conditional, anonymous)
            for declarator in node.children_by_field_name("declarator"):
                name = _name(declarator)
                if name is not None:
                    self._add(scope, self.file.text(name), DeclKind.ALIAS, name, conditional,
                              definition=True,
                              type=self._tag_type(target) or declared_type(
                                  self.file, node, declarator, name))
        elif kind == "using_declaration":
            text = self.file.text(node)
            if text.startswith("using namespace"):
                written = text[len("using namespace"):].rstrip(";").strip()
                self.file.directives.append((scope, (("",) if written.startswith("::") else ())
                                             + split(written), node))
            elif node.named_children:
                used = split(self.file.text(node.named_children[-1]))
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
        declarator = function_declarator(node.child_by_field_name("declarator"))
        name = declarator_name(declarator.child_by_field_name("declarator")) \
            if declarator is not None else None
        if declarator is None or name is None or name.type == "qualified_identifier":
            return  # a member or namespace-qualified definition: declared elsewhere
        storage = self.file.specifiers(node, SPECIFIERS)
        internal = "static" if "static" in storage else \
            "anonymous namespace" if ANONYMOUS in scope else ""
        self._add(scope, self.file.text(name), DeclKind.FUNCTION, name, conditional, internal,
                  signature(declarator, self.file, template, self.is_c), definition=True,
                  storage=_storage(storage), type=self._return_type(node),
                  defaults=default_count(declarator))

    def _declaration(self, node: Node, scope: Scope, conditional: bool,
                     template: Node | None) -> None:
        specifiers = self.file.specifiers(node, SPECIFIERS)
        qualifiers = [self.file.text(c) for c in node.children if c.type == "type_qualifier"]
        type_node = node.child_by_field_name("type")
        if type_node is not None and type_node.type in (*CLASSES, "enum_specifier"):
            self._type(type_node, scope, conditional, ANONYMOUS in scope)
        for declarator in node.children_by_field_name("declarator"):
            fdecl = function_declarator(declarator)
            name = _name(declarator)
            if name is None or name.type == "qualified_identifier":
                continue
            if fdecl is not None and declarator.type != "init_declarator" \
                    and not _pointer_to_function(fdecl):
                self._add(scope, self.file.text(name), DeclKind.FUNCTION, name, conditional,
                          signature=signature(fdecl, self.file, template, self.is_c),
                          storage=_storage(specifiers), type=self._return_type(node),
                          defaults=default_count(fdecl))
                continue
            initialized = declarator.type == "init_declarator"
            self._add(scope, self.file.text(name), DeclKind.VARIABLE, name, conditional,
                      self._linkage(declarator, specifiers, scope),
                      definition=initialized or (not self.is_c and "extern" not in specifiers),
                      storage=_storage(specifiers),
                      type=declared_type(self.file, node, declarator, name, qualifiers))

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
                or ("const" in specifiers and not indirect(declarator))):
            return "const"
        return ""

    def _return_type(self, node: Node) -> str:
        qualifiers = [self.file.text(c) for c in node.children if c.type == "type_qualifier"]
        return canonical(" ".join([*qualifiers, self.file.text(node.child_by_field_name("type"))]))

    def _tag_type(self, node: Node | None) -> str:
        """``struct S`` for a typedef of a named tag (``typedef struct S {...} S_t;``)."""
        if node is None or node.type not in (*CLASSES, "enum_specifier"):
            return ""
        name = node.child_by_field_name("name")
        if name is not None:
            return f"{node.type.split('_')[0]} {self.file.text(name)}"
        # every anonymous struct is a type of its own, even one read again from the same file
        where = self.file.position(node.start_byte)
        return f"{node.type.split('_')[0]} <anonymous {self.file.source.path}{where}>"

    def _type(self, node: Node, scope: Scope, conditional: bool, anonymous: bool) -> None:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is not None and name.type == "qualified_identifier":
            return  # `enum A::B {...}`, `struct A::B {...}`: a member, defined out of line
        if node.type == "enum_specifier" and body is not None:
            self._enumerators(node, body, scope, conditional)
        if name is None or name.type != "type_identifier":
            if self.is_c and body is not None and node.type != "enum_specifier":
                self._members(body, scope, conditional)  # an anonymous struct's body
            return
        internal = "anonymous namespace" if anonymous and body is not None else ""
        self._add(scope, self.file.text(name), DeclKind.TYPE, name, conditional, internal,
                  definition=body is not None, tag=node.type.split("_")[0])
        if body is None or node.type == "enum_specifier":
            return
        self._members(body, scope, conditional, self.file.text(name))

    def _members(self, body: Node, scope: Scope, conditional: bool,
                 owner: str | None = None) -> None:
        """A class body's member names (the enumerators of a member enum too; not the
        constructors, named as the class ``owner`` is); in C, the enumerators and tags it
        defines, which are file-scope names there."""
        for member in body.named_children:
            for declarator in member.children_by_field_name("declarator"):
                member_name = declarator_name(declarator)
                if member_name is not None and self.file.text(member_name) != owner:
                    self.members.add(self.file.text(member_name))
                    self.file.members.append((self.file.text(member_name),
                                              self.file.location(member_name)))
            inner = member.child_by_field_name("type")
            if self.is_c and inner is not None and inner.type in (*CLASSES, "enum_specifier"):
                self._type(inner, scope, conditional, False)
            elif inner is not None and inner.type in CLASSES \
                    and (nested := inner.child_by_field_name("body")) is not None:
                nested_name = inner.child_by_field_name("name")  # a nested class's members
                self._members(nested, scope, conditional,
                              self.file.text(nested_name) if nested_name is not None else None)
            elif inner is not None and inner.type == "enum_specifier" \
                    and (values := inner.child_by_field_name("body")) is not None:
                self.members.update(self.file.text(v.child_by_field_name("name"))
                                    for v in values.named_children
                                    if v.child_by_field_name("name") is not None)

    def _enumerators(self, node: Node, body: Node, scope: Scope, conditional: bool) -> None:
        if re.match(r"enum\s+(class|struct)\b", self.file.text(node)):
            return  # scoped: its enumerators are not namespace-scope names
        for enumerator in body.named_children:
            value = enumerator.child_by_field_name("name")
            if value is not None:
                self._add(scope, self.file.text(value), DeclKind.ENUMERATOR, value,
                          conditional, definition=True)


def _storage(specifiers: set[str]) -> str:
    return "static" if "static" in specifiers else "extern" if "extern" in specifiers else ""


def indirect(declarator: Node) -> bool:
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

