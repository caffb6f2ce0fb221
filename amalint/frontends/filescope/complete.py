"""Where a use of a type needs its definition, not only a declaration.

A forward declaration (``class Node;``, ``struct hostent;``) lets a file name a type through
pointers and references. Some uses need the type complete, and a source whose own closure only
forward-declares it compiles only after an earlier source of its unit read the definition:

* ``T::``, which looks into the class;
* a base class (``: public T``);
* an object of the type: a variable or member by value (``T x;``, ``struct hostent h;``), not
  ``extern``, not a ``static`` member, not through a pointer or reference;
* a function definition that returns the type by value (``Node Clone(...) { ... }``);
* ``new T``.

Uses inside templates and lambdas are left out (a type may be completed before the template is
instantiated), and so is ``T x(y);``, which the parser may take for a function declaration.
"""

from __future__ import annotations

from tree_sitter import Node

from amalint.frontends.treesitter.syntax import CLASSES

#: Declarators that declare an object of the written type itself.
_BY_VALUE = ("identifier", "field_identifier", "array_declarator")


def needs_definition(node: Node, after: bytes) -> bool:
    """Whether the type name ``node`` (followed by the text ``after``) is used where the
    compiler needs the type's definition (see the module docstring)."""
    if after.lstrip().startswith(b"::"):
        return True
    typed = node
    parent = node.parent
    while parent is not None and parent.type in ("qualified_identifier", "template_type"):
        typed, parent = parent, parent.parent
    if parent is None:
        return False
    if parent.type == "base_class_clause":
        return True
    if parent.type in CLASSES and parent.child_by_field_name("body") is None:
        typed, parent = parent, parent.parent  # `struct hostent h;`: the elaborated type
        if parent is None:
            return False
    if parent.type == "new_expression":
        return parent.child_by_field_name("type") == typed and not in_template(parent)
    if parent.type not in ("declaration", "field_declaration", "function_definition") \
            or parent.child_by_field_name("type") != typed or in_template(parent):
        return False
    if parent.type == "function_definition":
        return _returns_value(parent)
    storage = {c.text for c in parent.children if c.type == "storage_class_specifier"}
    if b"extern" in storage or (b"static" in storage and _in_class(parent)):
        return False  # declares an object defined elsewhere (a static member: out of class)
    return any(_object(d) for d in parent.children_by_field_name("declarator"))


def _returns_value(definition: Node) -> bool:
    declarator = definition.child_by_field_name("declarator")
    return declarator is not None and declarator.type == "function_declarator"


def _object(declarator: Node) -> bool:
    if declarator.type == "init_declarator":
        inner = declarator.child_by_field_name("declarator")
        return inner is not None and inner.type in _BY_VALUE
    return declarator.type in _BY_VALUE


def _in_class(node: Node) -> bool:
    parent = node.parent
    return parent is not None and parent.type == "field_declaration_list"


def in_template(node: Node | None) -> bool:
    """Whether ``node`` lies in a template or a lambda."""
    while node is not None:
        if node.type in ("template_declaration", "lambda_expression"):
            return True
        node = node.parent
    return False
