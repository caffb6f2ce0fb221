"""What the language standard and the compiler build in: lexing options derived from the
predefined macros, and the dynamic macros (``__LINE__``, ``__FILE__`` …)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from .config import Config
from .literals import decimal
from .tokens import NUM, STR, LexOptions, Token

__all__ = ["NUM", "dynamic", "lex_options"]


def _number(value: str | None) -> int:
    if not value:
        return 0
    digits = value.rstrip("uUlL")
    return decimal(digits) or 0


def lex_options(language: str, values: Mapping[str, str], family: str) -> LexOptions:
    """What the standard in force changes in lexing (from ``__cplusplus``/``__STDC_VERSION__``):
    digit separators from C++14 (and C2x in gcc), raw strings from C++11 (and GNU C modes in gcc),
    user-defined literal suffixes from C++11, ``#elifdef`` in gcc's GNU modes and from C2x/C++23
    (always in clang)."""
    gnu_mode = "__STRICT_ANSI__" not in values
    if language == "c++":
        cpp = _number(values.get("__cplusplus")) or 201703
        return LexOptions(digit_separators=cpp >= 201402, raw_strings=cpp >= 201103,
                          ud_suffix=cpp >= 201103,
                          elifdef=family != "gcc" or gnu_mode or cpp > 202002,
                          va_opt_everywhere=family == "clang")
    stdc = _number(values.get("__STDC_VERSION__"))
    return LexOptions(digit_separators=family == "gcc" and stdc > 201710,
                      raw_strings=family == "gcc" and gnu_mode and stdc >= 199901,
                      ud_suffix=False, elifdef=family != "gcc" or gnu_mode or stdc > 201710,
                      va_opt_everywhere=family == "clang")


def _string(text: str) -> Token:
    return Token(STR, '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')


def dynamic(name: str, config: Config, presumed: str, line: int, depth: int,
            base: str) -> list[Token] | None:
    """The tokens of a dynamic built-in macro at a place, or None if ``name`` is not one.
    ``__TIMESTAMP__`` is what gcc prints when it cannot tell; ``__COUNTER__`` is counted by the
    caller."""
    if name == "__LINE__":
        return [Token(NUM, str(line))]
    if name == "__FILE__":
        return [_string(presumed)]
    if name == "__FILE_NAME__":
        return [_string(os.path.basename(presumed))]
    if name == "__BASE_FILE__":
        return [_string(base)]
    if name == "__INCLUDE_LEVEL__":
        return [Token(NUM, str(depth))]
    if name == "__DATE__":
        return [Token(STR, config.date)]
    if name == "__TIME__":
        return [Token(STR, config.time)]
    if name == "__TIMESTAMP__":
        return [Token(STR, '"??? ??? ?? ??:??:?? ????"')]
    if name == "__COUNTER__":
        return [Token(NUM, "0")]
    return None
