"""Shared support for the preprocessor tests (no tests here): preprocess in-memory files with a
small, fixed compiler profile, so the unit tests need no compiler on PATH."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from amalint.preprocess import CompilerInfo, Config, Features, Unit, preprocess

GCC_CXX = CompilerInfo(
    "test", "gcc", "12", ("__cplusplus 201703L", "__GNUC__ 12", "__x86_64__ 1", "__STDC__ 1"),
    ("/sys/include",),
    Features(operators=frozenset({"__has_include", "__has_include_next", "__has_attribute",
                                  "__has_builtin", "__has_cpp_attribute"}),
             values={"__has_attribute noreturn": 1, "__has_cpp_attribute nodiscard": 201907,
                     "__has_builtin __builtin_expect": 1}),
)
GCC_C = CompilerInfo("test", "gcc", "12", ("__STDC_VERSION__ 201710L", "__GNUC__ 12"),
                     ("/sys/include",), GCC_CXX.features)
CLANG_CXX = CompilerInfo("test", "clang", "14", ("__cplusplus 201402L", "__clang__ 1"),
                         ("/sys/include",),
                         Features(operators=GCC_CXX.features.operators
                                  | {"__has_feature", "__has_extension", "__has_warning"}))


def config(args: tuple[str, ...] | list[str] = (), language: str = "c++",
           compiler: CompilerInfo | None = None, **options: object) -> Config:
    info = compiler or (GCC_C if language == "c" else GCC_CXX)
    return Config(compiler=info, language=language, args=tuple(args), **options)  # type: ignore[arg-type]


def pp(files: Mapping[str, str | bytes], args: tuple[str, ...] | list[str] = (),
       language: str = "c++", compiler: CompilerInfo | None = None, main: str | None = None,
       **options: object) -> Unit:
    """Preprocess ``main`` (default: the first file) among in-memory ``files``."""
    store = {os.path.normpath(k): v.encode() if isinstance(v, str) else v
             for k, v in files.items()}
    umbrella = main or next(iter(files))
    return preprocess(umbrella, config(args, language, compiler, **options),
                      read=lambda p: store.get(os.path.normpath(p)),
                      is_file=lambda p: os.path.normpath(p) in store)


def code(unit: Unit, path: str | None = None) -> list[str]:
    """The non-blank active lines (comments removed) of every inclusion of ``path`` (default:
    the umbrella), in inclusion order."""
    out: list[str] = []
    for inc in unit.inclusions:
        if inc.skipped is not None or (path or unit.umbrella.path) != inc.path:
            continue
        text = unit.active_text(inc).decode("utf-8", "replace")
        text = re.sub(r"/\*.*?\*/|//[^\r\n]*", " ", text, flags=re.S)
        out += [line.strip() for line in re.split(r"\r\n|\r|\n", text) if line.strip()]
    return out


def expanded(unit: Unit, text: str) -> str:
    """``text`` expanded with the macros in force at the end of the umbrella, tokens joined by
    single spaces."""
    end = unit.umbrella.position(len(unit.data(unit.umbrella)) + 1)
    return " ".join(t.text for t in unit.expand(text, end))


def errors(unit: Unit) -> list[str]:
    return [d.message for d in unit.diagnostics if d.severity == "error"]
