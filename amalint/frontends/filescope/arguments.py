"""The type of a call's argument, as far as the file's own text tells, for overload resolution
(:mod:`amalint.analysis.overloads`, spelled as :mod:`amalint.analysis.convert` reads types).

A literal has its type (``3`` ``int``, ``"s"`` ``const char*``...; plain ``0`` is ``0``, the
literal zero, a null pointer constant too). A named variable is an lvalue of its declared type
(``T&``), found by a walk out through the blocks, ``for`` headers and function parameters
around the call (the nearest declaration before the call), then the file's namespace-scope
variables; an array decays to a pointer. ``&x``, ``*p``, ``p[i]``, parentheses, C casts and
``sizeof`` follow. Anything else (calls, members, operators, ``auto``) is ``?``: unknown.
"""

from __future__ import annotations

from tree_sitter import Node

from amalint.frontends.filescope.declarations import declared_type
from amalint.frontends.filescope.source import FileText
from amalint.frontends.treesitter.syntax import declarator_name

_LITERALS = ("number_literal", "string_literal", "raw_string_literal", "char_literal", "null",
             "concatenated_string", "true", "false", "nullptr")
_PARAMETERS = ("parameter_declaration", "optional_parameter_declaration")
_UNKNOWN = "?"


def literal_type(text: str, is_c: bool = False) -> str:
    """The type of a literal argument as written, ``?`` if it is not a literal."""
    t = text.strip()
    if t.startswith(("\"", "u8\"", "R\"")):
        return "const char*"
    if t.startswith("'"):
        return "int" if is_c else "char"
    if t in ("true", "false"):
        return "bool"
    if t == "nullptr":
        return "nullptr"
    if t == "0":
        return "0"
    digits = t.lower().lstrip("-+")
    if not digits or not digits[0].isdigit():
        return "?"
    if any(c in digits for c in ".") or ("e" in digits and not digits.startswith("0x")):
        return "float" if digits.endswith("f") else "double"
    suffix = digits[len(digits.rstrip("ul")):]
    unsigned = "u" in suffix
    longs = suffix.count("l")
    base = {0: "int", 1: "long", 2: "long long"}[min(longs, 2)]
    return ("unsigned" if base == "int" else f"unsigned {base}") if unsigned else base


def _lvalue(declared: str) -> str:
    """An lvalue of a variable declared with type ``declared`` (an array decays)."""
    if not declared or "auto" in declared.split() or "decltype" in declared:
        return _UNKNOWN
    if "[" in declared:
        if declared.count("[") > 1 or "(" in declared:
            return _UNKNOWN
        return declared[:declared.index("[")].rstrip() + "*"
    if declared.endswith("&&"):
        declared = declared[:-2]
    return declared if declared.endswith("&") else f"{declared}&"


def _declared_in(node: Node, name: str, file: FileText) -> str | None:
    """The type of ``name`` as a declaration among ``node``'s children declares it."""
    declarator = node.child_by_field_name("declarator") if node.type in _PARAMETERS else None
    if declarator is not None:
        found = declarator_name(declarator)
        if found is not None and file.text(found) == name:
            return declared_type(file, node, declarator, found)
        return None
    if node.type != "declaration":
        return None
    for declarator in node.children_by_field_name("declarator"):
        found = declarator_name(declarator)
        if found is not None and file.text(found) == name:
            return declared_type(file, node, declarator, found)
    return None


def _variable(use: Node, name: str, file: FileText) -> str:
    """The type of the variable ``name`` where ``use`` names it."""
    child, parent = use, use.parent
    while parent is not None:
        if parent.type in ("compound_statement", "for_statement", "translation_unit",
                           "declaration_list"):
            found = None
            for item in parent.named_children:
                if item.start_byte >= child.start_byte:
                    break
                found = _declared_in(item, name, file) or found
            if found is not None:
                return _lvalue(found)
        elif parent.type == "function_definition" or parent.type == "lambda_expression":
            declarator = parent.child_by_field_name("declarator")
            params = _parameters(declarator)
            for param in params.named_children if params is not None else ():
                found = _declared_in(param, name, file)
                if found is not None:
                    return _lvalue(found)
        child, parent = parent, parent.parent
    return _UNKNOWN


def _parameters(declarator: Node | None) -> Node | None:
    while declarator is not None:
        params = declarator.child_by_field_name("parameters")
        if params is not None:
            return params
        declarator = declarator.child_by_field_name("declarator")
    return None


def argument_type(node: Node, file: FileText, is_c: bool = False) -> str:
    """The type of the argument expression ``node`` (see the module docstring)."""
    kind = node.type
    if kind in _LITERALS:
        return literal_type(file.text(node), is_c)
    if kind == "unary_expression" and file.text(node).lstrip("-+ ")[:1].isdigit():
        return literal_type(file.text(node).replace(" ", ""), is_c)
    if kind == "parenthesized_expression" and node.named_child_count == 1:
        return argument_type(node.named_children[0], file, is_c)
    if kind == "identifier":
        return _variable(node, file.text(node), file)
    if kind == "sizeof_expression":
        return "unsigned long"
    if kind == "cast_expression":
        target = node.child_by_field_name("type")
        return file.text(target) if target is not None else _UNKNOWN
    operand = node.child_by_field_name("argument")
    if kind == "pointer_expression" and operand is not None:
        inner = argument_type(operand, file, is_c)
        operator = node.children[0].type
        if operator == "&" and inner.endswith("&"):
            return inner[:-1] + "*"
        if operator == "*" and inner.rstrip("&").endswith("*"):
            return inner.rstrip("&")[:-1] + "&"
        return _UNKNOWN
    if kind == "subscript_expression":
        base = node.child_by_field_name("argument")
        inner = argument_type(base, file, is_c) if base is not None else _UNKNOWN
        return inner.rstrip("&")[:-1] + "&" if inner.rstrip("&").endswith("*") else _UNKNOWN
    return _UNKNOWN

