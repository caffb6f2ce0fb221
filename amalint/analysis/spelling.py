"""One spelling for each C/C++ type a declaration writes, so that two spellings of one type
compare equal: ``void const*`` and ``const void*``, ``unsigned`` and ``unsigned int``,
``long int`` and ``long``; comments dropped. A parameter declared as an array is a pointer
(``U32 rep[ZSTD_REP_NUM]`` and ``U32 rep[3]`` are both ``U32*``). The file-scope pass spells
the builtin types of what it records the same way (:func:`builtin_spelling`).

Pure functions over the spelled text (after typedef names are resolved, see
:func:`amalint.analysis.redeclarations.resolved`). They make spellings equal, never unequal: a
type they cannot take apart is left as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_TOKEN = re.compile(r"\w+|\S")
_CV = ("const", "volatile")
#: Words of the builtin arithmetic types, in the order the canonical spelling uses.
_BUILTIN = ("signed", "unsigned", "short", "long", "char", "int", "float", "double", "bool",
            "void", "_Bool", "wchar_t", "char8_t", "char16_t", "char32_t")
#: A run of builtin type words anywhere in a type (``long unsigned int``, ``<unsigned int>``).
_BUILTIN_RUN = re.compile(rf"(?<![\w$])(?:{'|'.join(_BUILTIN)})(?:\s+(?:{'|'.join(_BUILTIN)}))*"
                          rf"(?![\w$])")


def builtin_spelling(text: str) -> str:
    """``text`` with each run of builtin type words spelled one way wherever it stands
    (``long int`` is ``long``, ``int unsigned`` is ``unsigned``, ``signed`` is ``int``); what
    the file-scope pass records as a declaration's type."""
    return _BUILTIN_RUN.sub(lambda m: " ".join(_builtin(m.group(0).split())), text)


def type_spelling(text: str) -> str:
    """``text`` with its leading declaration specifiers in one order (see the module
    docstring); what follows the first ``*``, ``&``, ``(`` or ``[`` stays as it is."""
    tokens = _TOKEN.findall(_COMMENT.sub(" ", text))
    cut = next((i for i, t in enumerate(tokens) if t in "*&([<:,"), len(tokens))
    head, rest = tokens[:cut], tokens[cut:]
    cv = [q for q in _CV if q in head]
    builtin = _builtin([t for t in head if t in _BUILTIN])
    others = [t for t in head if t not in _CV and t not in _BUILTIN]
    return _join([*cv, *builtin, *others], rest)


def parameter_spelling(text: str) -> str:
    """A parameter's type as the function's type has it: an array is a pointer to its element
    (``T[N]`` is ``T*``, ``T[N][M]`` is ``T(*)[M]``)."""
    spelled = _top_level_cv_dropped(type_spelling(text))
    bracket = spelled.find("[")
    if bracket < 0 or "(" in spelled[:bracket]:
        return spelled
    close = spelled.find("]", bracket)
    if close < 0:
        return spelled
    element, inner = spelled[:bracket].rstrip(), spelled[close + 1:].lstrip()
    return f"{element}(*){inner}" if inner else f"{element}*"


def _top_level_cv_dropped(spelled: str) -> str:
    """A parameter's own ``const``/``volatile`` is not part of the function's type."""
    if not any(c in spelled for c in "*&([<:"):
        words = spelled.split()
        return " ".join(w for w in words if w not in _CV) if len(words) > 1 else spelled
    for cv in _CV:
        if spelled.endswith("*" + cv):
            return spelled[:-len(cv)]
    return spelled


def signature_spelling(signature: str) -> str:
    """A ``(T1, T2)`` parameter list with each type spelled by :func:`parameter_spelling`."""
    open_ = signature.find("(")
    if open_ < 0 or not signature.endswith(")"):
        return signature
    spelled = (parameter_spelling(p) for p in split_parameters(signature[open_ + 1:-1]))
    return f"{signature[:open_ + 1]}{', '.join(spelled)})"


def array_bounds_differ_only(a: str, b: str) -> bool:
    """Whether two array types differ only in that one leaves its first bound out (``extern
    T x[];`` then ``T x[N];``): one type, completed by the second declaration."""
    return _unbounded(a) == _unbounded(b) and ("[]" in (a[a.find("["):a.find("]") + 1],
                                                        b[b.find("["):b.find("]") + 1]))


def array_bounds_unknown(a: str, b: str) -> bool:
    """Whether two types differ only in array bounds of which one pair is not two integer
    literals (``[! ! sizeof(struct {...})]``, ``[N * 2]``): the compiler compares their values,
    which a spelling does not give, so the types may be one."""
    bounds_a, rest_a = _bounds(a)
    bounds_b, rest_b = _bounds(b)
    if rest_a != rest_b or len(bounds_a) != len(bounds_b):
        return False
    return any(x != y and not (_LITERAL.fullmatch(x) and _LITERAL.fullmatch(y))
               for x, y in zip(bounds_a, bounds_b, strict=True))


#: An integer literal, maybe in parentheses, with its suffix.
_LITERAL = re.compile(r"\(*\s*(0[xX][0-9a-fA-F']+|[0-9][0-9']*)[uUlLzZ]*\s*\)*")


def _bounds(text: str) -> tuple[list[str], str]:
    """The outermost ``[...]`` contents of ``text``, and ``text`` with each emptied."""
    bounds: list[str] = []
    rest: list[str] = []
    depth = 0
    for char in text:
        if char == "[":
            depth += 1
            if depth == 1:
                bounds.append("")
                rest.append(char)
                continue
        elif char == "]" and depth:
            depth -= 1
            if depth == 0:
                rest.append(char)
                continue
        if depth:
            bounds[-1] += char
        else:
            rest.append(char)
    return [b.strip() for b in bounds], "".join(rest)


def _unbounded(text: str) -> str:
    start, end = text.find("["), text.find("]")
    return text if start < 0 or end < start else text[:start] + "[]" + text[end + 1:]


def _wordy(char: str) -> bool:
    return char.isalnum() or char == "_"


def _builtin(words: list[str]) -> list[str]:
    if not words:
        return []
    counts = {w: words.count(w) for w in words}
    if "unsigned" not in counts and "char" not in counts:
        counts.pop("signed", None)  # signed int is int, signed char is not char
    if "int" in counts and ({"short", "long"} & counts.keys()):
        counts.pop("int")  # short int is short, long long int is long long
    if not ({"char", "int", "short", "long", "float", "double", "bool", "void", "_Bool",
             "wchar_t", "char8_t", "char16_t", "char32_t"} & counts.keys()):
        counts["int"] = 1  # signed is int
    if counts.keys() == {"unsigned", "int"}:
        counts.pop("int")  # unsigned int is unsigned
    return [w for w in _BUILTIN for _ in range(counts.get(w, 0))]


def _join(head: list[str], rest: list[str]) -> str:
    """Tokens as one string, a space only between two words."""
    out = ""
    for token in [*head, *rest]:
        if out and _wordy(out[-1]) and _wordy(token[0]):
            out += " "
        out += token
    return out


def split_parameters(params: str) -> list[str]:
    """The parameters of a parameter list's inside, ``int, std::map<int, int>``: its top-level
    comma-separated pieces, stripped (commas inside ``()``, ``[]``, ``<>`` stay)."""
    pieces: list[str] = []
    depth = start = 0
    for i, ch in enumerate(params):
        if ch in "([<":
            depth += 1
        elif ch in ")]>":
            depth -= 1
        elif ch == "," and depth == 0:
            pieces.append(params[start:i].strip())
            start = i + 1
    last = params[start:].strip()
    return [*pieces, last] if last or pieces else []


#: The standard library's typedefs of integer types (``<stdint.h>``, ``<stddef.h>``) and the
#: macro each compiler predefines to what the typedef names on its target.
_STANDARD_TYPEDEFS = {
    **{f"{u}int{n}_t": f"__{u.upper()}INT{n}_TYPE__" for u in ("", "u") for n in (8, 16, 32, 64)},
    "intptr_t": "__INTPTR_TYPE__", "uintptr_t": "__UINTPTR_TYPE__",
    "intmax_t": "__INTMAX_TYPE__", "uintmax_t": "__UINTMAX_TYPE__",
    "size_t": "__SIZE_TYPE__", "ptrdiff_t": "__PTRDIFF_TYPE__",
}


def standard_typedefs(predefined: Mapping[str, str]) -> dict[str, str]:
    """What ``uint32_t``, ``size_t``... name on the compiler's target, from its predefined
    macros (``__UINT32_TYPE__`` is ``unsigned int``): ``U32`` typedef'd as ``uint32_t`` in one
    source and ``unsigned int`` in another is one type."""
    return {name: predefined[macro] for name, macro in _STANDARD_TYPEDEFS.items()
            if predefined.get(macro)}
