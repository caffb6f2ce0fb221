"""Ask a compiler on PATH for what it knows before reading a unit.

Only compilers found on PATH by a plain name (``g++``, ``gcc``, ``clang++``, ``clang``, ``c++``,
``cc``, optionally with a version suffix such as ``clang++-14``) are run; never a path from the
linted repository or a compilation database. Three runs, each on stdin, with the build's flags
that change them (``-std=``, ``-m*``, ``-f*``, ``-O*``, ``-ansi``, ``-pthread``, ``--target``,
``--sysroot``, ``-nostdinc``, ``-undef`` …; never ``-D``/``-U``/``-I``), as the allowlist of
:mod:`amalint.config.trust` keeps them (never a plugin, a program directory or an output file):

* ``-dM -E -nostdinc``: the predefined macros (``-nostdinc`` keeps out the macros of files the
  compiler reads before the unit, gcc's ``stdc-predef.h``: the walk reads those files itself);
* ``-E -v``: the system include directories, and from its line markers those pre-read files;
* ``-E -P`` of a probe: which ``__has_*`` operators and dynamic built-ins exist, and each
  operator's answer for a table of common operands (see ``profile.PROBED``).

The three run side by side, on stdin (as ``/dev/null`` would be). Answers are memoized per
(compiler, language, flags). With no compiler on PATH, or when one fails or times out, the
built-in table of ``profile`` (gcc 12 on x86-64 Linux) is used instead: an approximation, marked
``approximate`` with a note saying why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from functools import lru_cache

from ..config.trust import screen
from . import profile
from .config import (
    DYNAMIC_BUILTINS,
    FEATURE_OPERATORS,
    CompilerInfo,
    Config,
    Features,
    parse_args,
)
from .literals import decimal

TIMEOUT = 20.0
_NAME = re.compile(r"(?:g\+\+|gcc|clang\+\+|clang|c\+\+|cc)(?:-[0-9]+(?:\.[0-9]+)*)?")
CANDIDATES = {"c++": ("c++", "g++", "clang++"), "c": ("cc", "gcc", "clang")}
_DEFINE = re.compile(r"#define (\S+)(?: (.*))?$")
_MARKER = re.compile(r'# \d+ "([^"]*)"((?: \d)*)')


def allowed(name: str) -> bool:
    """Whether ``name`` may be run: a plain compiler name, never a path."""
    return _NAME.fullmatch(name) is not None


def find(language: str, preferred: str | None = None) -> str | None:
    """The path of the compiler to ask: ``preferred`` (a plain name) if it is on PATH, else the
    first of ``c++``/``g++``/``clang++`` (``cc``/``gcc``/``clang`` for C) that is."""
    names = ((preferred,) if preferred else ()) + CANDIDATES.get(language, CANDIDATES["c++"])
    for name in names:
        if allowed(name):
            path = shutil.which(name)
            if path and os.path.isabs(path):  # an empty or relative PATH entry: the tree's
                return path
    return None


def configure(args: tuple[str, ...] | list[str] = (), language: str | None = None,
              compiler: str | None = None, umbrella: str | None = None) -> Config:
    """The configuration for a build: the language (``-x``, else ``language``, else from the
    umbrella's suffix: ``.c`` is C, anything else C++) and the compiler's facts."""
    parsed = parse_args(tuple(args))
    lang = parsed.language or language or (
        "c" if umbrella is not None and umbrella.endswith(".c") else "c++")
    return Config(compiler=compiler_info(lang, parsed.compiler_flags, compiler), language=lang,
                  args=tuple(args))


def compiler_info(language: str, flags: tuple[str, ...] = (),
                  compiler: str | None = None) -> CompilerInfo:
    path = find(language, compiler)
    if path is None:
        return profile.fallback(language, flags, "no C/C++ compiler on PATH")
    return _query(path, language, screen(flags).kept)


@lru_cache(maxsize=64)
def _query(path: str, language: str, flags: tuple[str, ...]) -> CompilerInfo:
    lang = "c" if language == "c" else "c++"
    notes: list[str] = []
    attempts = [flags]
    std = tuple(f for f in flags if f.startswith("-std="))
    if std != flags:
        attempts += [std, ()]
    source = probe_source()[0]
    for used in attempts:
        try:  # the three runs at once
            (rc, macros, err), (rc_v, markers, verbose), (_, probe, _) = _run_all([
                ([path, "-x", lang, *used, "-nostdinc", "-dM", "-E", "-"], ""),
                ([path, "-x", lang, *used, "-E", "-v", "-"], ""),
                ([path, "-x", lang, *used, "-E", "-P", "-"], source)])
        except (OSError, subprocess.SubprocessError) as e:
            notes.append(f"{path} {' '.join(used)}: {e}")
            continue
        if rc != 0 or rc_v != 0:
            notes.append(f"{path} {' '.join(used)}: {(err.strip().splitlines() or ['failed'])[-1]}")
            continue
        predefined = tuple(sorted(_parse_defines(macros)))
        values = dict(line.partition(" ")[::2] for line in predefined)
        family = "clang" if "__clang__" in values else "gcc"
        version = values.get("__clang_version__", values.get("__VERSION__", "")).strip('" ')
        features = _probe_answers(probe)
        if used != flags:
            notes.append(f"{path} rejected some flags; asked with {' '.join(used) or 'none'}")
        return CompilerInfo(path, family, version, predefined, _search_dirs(verbose), features,
                            preincludes=_preincludes(markers), notes=tuple(notes))
    return profile.fallback(language, flags, "; ".join(notes) or f"{path} failed")


def _run_all(jobs: list[tuple[list[str], str]]) -> list[tuple[int, str, str]]:
    """Run the commands side by side: (exit code, stdout, stderr) of each, all within TIMEOUT
    (else every one is killed and TimeoutExpired raised)."""
    procs = [subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, errors="surrogateescape")
             for cmd, _ in jobs]
    deadline = time.monotonic() + TIMEOUT
    results = []
    try:
        for proc, (_, stdin) in zip(procs, jobs, strict=True):  # inputs are small: no blocking
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
            proc.stdin = None  # so that communicate() only reads
        for proc in procs:
            out, err = proc.communicate(timeout=max(0.0, deadline - time.monotonic()))
            results.append((proc.returncode, out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


def _preincludes(markers: str) -> tuple[str, ...]:
    """Files entered before the (empty) input, from ``-E`` line markers."""
    out = []
    for line in markers.splitlines():
        m = _MARKER.match(line)
        if m and m.group(2).split()[:1] == ["1"] and not m.group(1).startswith("<"):
            out.append(m.group(1))
    return tuple(out)


def _parse_defines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        m = _DEFINE.match(line)
        if m:
            out.append(f"{m.group(1)} {m.group(2) or ''}".rstrip())
    return out


def _search_dirs(verbose: str) -> tuple[str, ...]:
    dirs: list[str] = []
    inside = False
    for line in verbose.splitlines():
        if line.startswith("#include <...> search starts here"):
            inside = True
        elif line.startswith("End of search list"):
            break
        elif inside and line.startswith(" "):
            d = line.strip()
            if d.endswith("(framework directory)"):
                continue
            dirs.append(d)
    return tuple(dirs)


def _probe_names() -> list[str]:
    return [*FEATURE_OPERATORS, "__has_include", "__has_include_next", *sorted(DYNAMIC_BUILTINS)]


def probe_source() -> tuple[str, list[tuple[str, str]]]:
    """The probe program and the (operator, operand) of each ``V`` line."""
    names = _probe_names()
    lines = []
    for k, name in enumerate(names):
        lines += [f"#ifdef {name}", f"O {k}", "#endif"]
    operands: list[tuple[str, str]] = []
    for op, items in profile.PROBED.items():
        lines.append(f"#ifdef {op}")
        for item in items:
            lines.append(f"V {len(operands)} {op}({item})")
            operands.append((op, item))
        lines.append("#endif")
    return "\n".join(lines) + "\n", operands


def _probe_answers(output: str) -> Features:
    names = _probe_names()
    operands = probe_source()[1]
    found: set[str] = set()
    values: dict[str, int] = {}
    for line in output.splitlines():
        parts = line.split()
        index = decimal(parts[1]) if len(parts) in (2, 3) else None
        if len(parts) == 2 and parts[0] == "O" and index is not None and index < len(names):
            found.add(names[index])
        elif len(parts) == 3 and parts[0] == "V" and index is not None \
                and index < len(operands):
            value = decimal(parts[2].rstrip("uUlL"))
            if value is not None:
                op, item = operands[index]
                profile.store(values, op, item, value)
    return Features(operators=frozenset(found & set(FEATURE_OPERATORS)
                                        | found & {"__has_include", "__has_include_next"}),
                    values=values, builtins=frozenset(found & DYNAMIC_BUILTINS))
