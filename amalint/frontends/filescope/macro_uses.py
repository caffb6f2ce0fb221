"""Names a file uses through the macros it invokes: what the compiler meets when it expands them.

``#define SIZE_T_MAX ULONG_MAX`` and a use of ``SIZE_T_MAX`` use ``ULONG_MAX``, which only
``<limits.h>`` defines; json-c's ``json_object_object_foreach(obj, key, val)`` calls
``lh_table_head``, which ``json_object.h`` (where the macro is defined) does not declare. The
file's text never spells those names where it uses them, so the token scan of
:mod:`.references` does not see them; this reads the definition in force at each invocation.

Only the names a body calls (followed by ``(``) or that are macros themselves count, not a
parameter, a member after ``.`` or ``->``, or a name the expansion may declare (a type, a
variable): a use of the expansion fails alone only where it calls or expands what nothing the
file reads declares.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable

from amalint import preprocess
from amalint.frontends.filescope.source import FileText, blank
from amalint.preprocess.tokens import ID

#: How deep a macro's body is followed into the macros it invokes.
_DEPTH = 3


def macro_uses(pp: preprocess.Unit, file: FileText, words: Iterable[str],
               macros: Container[str], own: Callable[[str, int], bool]) -> dict[str, int]:
    """For each name the macros ``file`` invokes (among ``words``, the words of its compiled
    code; ``macros`` are the names some file defines) call or expand, the offset in ``file``
    of the first invocation that does. Only a macro whose definition there is the file's own
    business (``own(name, offset)``: a file it reads alone defines it) counts: compiled alone,
    a word only an earlier source's header makes a macro (jansson's ``dtoa.c`` and
    ``<sys/param.h>``'s ``roundup``) is no invocation."""
    invoked = [w for w in words if w in macros]
    if not invoked:
        return {}
    blanked = blank(file.source.code or file.source.data)
    directive_lines = {i for i, kind in enumerate(file.kinds) if kind == "directive"}
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in sorted(invoked))
                         + rb")\b")
    out: dict[str, int] = {}
    seen: set[str] = set()
    for m in pattern.finditer(blanked):
        name = m.group(0).decode()
        if name in seen or file.line_index(m.start()) in directive_lines \
                or not own(name, m.start()):
            continue
        seen.add(name)
        position = file.position(m.start())
        todo, done = [(name, 0)], {name}
        while todo:
            current, depth = todo.pop()
            macro = pp.macro_at(current, position)
            if macro is None:
                continue
            for used in _body_uses(macro, macros):
                out.setdefault(used, m.start())
                if used in macros and used not in done and depth + 1 < _DEPTH:
                    done.add(used)
                    todo.append((used, depth + 1))
    return out


def _body_uses(macro: preprocess.Macro, macros: Container[str]) -> list[str]:
    """The identifiers of ``macro``'s body that it calls or that are macros (see the module
    docstring)."""
    params = set(macro.params or ()) | {"__VA_ARGS__", "__VA_OPT__", "defined"}
    tokens = macro.tokens
    out: list[str] = []
    for k, tok in enumerate(tokens):
        if tok.kind != ID or tok.text in params:
            continue
        before = tokens[k - 1].text if k else ""
        if before in (".", "->", "#", "##") or (k + 1 < len(tokens)
                                                  and tokens[k + 1].text == "##"):
            continue
        called = k + 1 < len(tokens) and tokens[k + 1].text == "("
        if called or tok.text in macros:
            out.append(tok.text)
    return out
