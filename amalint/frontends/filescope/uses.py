"""Unqualified uses of the names another file could capture (a using-directive's names,
internal functions overloaded across files): found by a token scan, classified on the tree."""

from __future__ import annotations

import re
from collections.abc import Callable

from tree_sitter import Node

from amalint.frontends.filescope.arguments import argument_type
from amalint.frontends.filescope.source import FileText, identifiers
from amalint.frontends.treesitter.syntax import (
    CLASSES,
    declarator_name,
    function_declarator,
    split,
)
from amalint.model import ANONYMOUS, NameUse, Scope

_NAME_NODES = ("identifier", "type_identifier", "namespace_identifier")
#: Ancestors under which a declaration is not at namespace scope.
_LOCAL_CONTEXTS = ("compound_statement", "parameter_list", "field_declaration_list",
                   "template_parameter_list", "lambda_expression", "for_range_loop",
                   "condition_clause", "catch_clause", "requires_clause")


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


#: Members of a class body that declare nothing a name lookup could find.
_NO_NAMES = ("access_specifier", "comment", "friend_declaration", "static_assert_declaration",
             ";")


def _declared_names(member: Node, file: FileText) -> set[str] | None:
    """The names a member of a class body declares, ``None`` if not known (a macro...)."""
    if member.type in _NO_NAMES:
        return set()
    if member.type == "template_declaration":
        inner = [c for c in member.named_children if c.type != "template_parameter_list"]
        return _declared_names(inner[-1], file) if inner else None
    if member.type == "using_declaration":
        return {split(file.text(member))[-1].rstrip(";").split()[-1]}
    if member.type not in ("field_declaration", "declaration", "function_definition",
                           "alias_declaration", "type_definition"):
        return None
    names: set[str] = set()
    for declarator in member.children_by_field_name("declarator"):
        found = declarator_name(declarator)
        if found is None:
            return None
        names.add(file.text(found))
    named = member.child_by_field_name("name")
    if named is not None:
        names.add(file.text(named))
    kind = member.child_by_field_name("type")
    if kind is not None and kind.type in (*CLASSES, "enum_specifier"):
        tag = kind.child_by_field_name("name")
        if tag is not None:
            names.add(file.text(tag))
        body = kind.child_by_field_name("body")
        if kind.type == "enum_specifier" and body is not None:
            names |= {file.text(e.child_by_field_name("name") or e) for e in body.named_children}
        elif tag is None and body is not None:
            return None  # an anonymous struct or union's members are the class's
    return names


def _hides(body: Node, name: str, file: FileText) -> bool:
    """Whether a class body may hide namespace-scope ``name`` from the code inside it: the
    class has bases (not followed), is named so (its injected name), declares it, or has a
    member this pass cannot read."""
    owner = body.parent
    if owner is None or owner.type not in CLASSES or any(
            c.type == "base_class_clause" for c in owner.children):
        return True
    own = owner.child_by_field_name("name")
    if own is None or split(file.text(own))[-1:] == (name,):
        return True
    for member in body.named_children:
        names = _declared_names(member, file)
        if names is None or name in names:
            return True
    return False


def _enclosing(node: Node, file: FileText, name: str) -> tuple[Scope, bool, bool]:
    """The namespace scope around ``node``, whether it is in a member context where a member
    may hide ``name``, and whether it is inside a local context (function body, parameters,
    class body...)."""
    scope: list[str] = []
    member = local = False
    child, parent = node, node.parent
    while parent is not None:
        kind = parent.type
        if kind == "namespace_definition":
            name_node = parent.child_by_field_name("name")
            scope[:0] = list(split(file.text(name_node))) if name_node is not None \
                else [ANONYMOUS]
        elif kind == "field_declaration_list":
            member = member or _hides(parent, name, file)
        elif kind == "function_definition":
            declarator = function_declarator(parent.child_by_field_name("declarator"))
            defined = declarator_name(declarator.child_by_field_name("declarator")) \
                if declarator is not None else None
            outer = parent.child_by_field_name("declarator")
            # the parameters, trailing return type and body of an out-of-class member are
            # looked up in its class; the return type before the declarator is not
            # ([basic.lookup.unqual]): `Tag *TagUnion::tag() const` looks `Tag` up outside
            if defined is not None and defined.type == "qualified_identifier" \
                    and outer is not None \
                    and child.start_byte >= outer.start_byte:
                member = True
        if kind in _LOCAL_CONTEXTS:
            local = True
        child, parent = parent, parent.parent
    return tuple(scope), member, local


#: Resolves a written namespace name (``("", "a")`` for ``::a``) from a scope, if known.
Resolver = Callable[[tuple[str, ...], Scope], "Scope | None"]


def _block_directives(node: Node, file: FileText, scope: Scope,
                      resolve: Resolver) -> tuple[Scope, ...]:
    """The namespaces that ``using namespace`` statements of the blocks around ``node``
    nominate before it."""
    out: list[Scope] = []
    parent = node.parent
    while parent is not None:
        if parent.type == "compound_statement":
            for statement in parent.named_children:
                if statement.start_byte >= node.start_byte:
                    break
                if statement.type == "using_declaration":
                    text = file.text(statement)
                    if text.startswith("using namespace"):
                        written = text[len("using namespace"):].rstrip(";").strip()
                        target = resolve((("",) if written.startswith("::") else ())
                                         + split(written), scope)
                        if target is not None:
                            out.append(target)
        parent = parent.parent
    return tuple(out)


def find_uses(file: FileText, names: set[str], resolve: Resolver | None = None
              ) -> tuple[list[NameUse], set[str]]:
    """Unqualified uses of ``names`` in ``file``, and which of them it declares locally;
    ``resolve`` finds the namespaces that block-scope directives before a use nominate."""
    present = identifiers(file.blanked) & names
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
        scope, member, in_local = _enclosing(node, file, name)
        if context == "declaration":
            if in_local:
                local.add(name)
            continue
        if context != "use":
            continue
        parent = stand_in.parent
        call = parent is not None and parent.type == "call_expression" and \
            parent.child_by_field_name("function") == stand_in
        args: tuple[str, ...] = ()
        if call and parent is not None:
            arguments = parent.child_by_field_name("arguments")
            args = tuple(argument_type(a, file) for a in
                         (arguments.named_children if arguments is not None else ())
                         if a.type != "comment")
        nominated = _block_directives(node, file, scope, resolve) \
            if resolve is not None and in_local else ()
        uses.append(NameUse(name, scope, file.location(node), file.position(node.start_byte),
                            call, member, args, nominated))
    return uses, local

