"""Where a leaked macro's name stands in a later source decides what the leak does: a name a
declaration declares breaks the build when the macro rewrites it, a name in an expression only
changes its value (:func:`amalint.frontends.filescope.macros.use_context`)."""

from __future__ import annotations

import pytest

from amalint.frontends.filescope.macros import use_context


@pytest.mark.parametrize(("code", "expected"), [
    ("int *MASK;", "declarator"),
    ("char buf[2], *MASK;", "declarator"),
    ("int &MASK = y;", "declarator"),
    ("void g(T& MASK);", "declarator"),
    ("static int MASK(int n);", "declarator"),
    # `*` and `&` after an operand are binary operators: the name is a value
    ("x = *ip++ & MASK);", ""),
    ("x = f(a) & MASK;", ""),
    ("x = t[1] * MASK;", ""),
    ("x = 3 * MASK;", ""),
    ("return MASK;", ""),
    ("y = MASK(2);", "call"),
])
def test_a_name_is_a_declarator_only_where_a_declaration_names_it(code: str,
                                                                   expected: str) -> None:
    data = code.encode()
    start = data.index(b"MASK")
    assert use_context(data, start, start + 4) == expected
