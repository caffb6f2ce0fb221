"""Trust: which compiler flags amalint passes on, whoever wrote them.

amalint lints trees it does not trust (a pull request in CI). It *reads* their files; it *runs*
only a compiler found on PATH by a plain name (or the one the user names), to ask for its
predefined macros and search list, and it hands flags to libclang to parse the unit. A flag
reaches either only through :func:`screen`: from a compilation database, a build directory, a
config file, or the command line after ``--``. The compiler named in a database entry is never
run; nothing from the linted tree is ever run or loaded.

:func:`screen` is an allowlist: a flag passes only if it selects the language, the target or the
configuration the code is read with: ``-std= -x -ansi -D -U``, the search path (``-I -iquote
-isystem -idirafter -isysroot -iprefix -iwithprefix(before) -F -iframework --sysroot
-resource-dir -nostdinc* -nobuiltininc``), ``-include -imacros`` (files read, never run),
``--target= -target -m*`` (no path in it, not ``-mllvm``), ``-stdlib= -pthread -undef
-trigraphs -O*``, warnings (``-w -W*`` without a comma: ``-Wp, -Wa, -Wl,`` pass flags on) and
the ``-f`` flags below. Everything else is dropped, in particular whatever loads or runs code
(``-fplugin*``, ``-fpass-plugin=``, ``-Xclang`` with its argument, ``-Xpreprocessor``, ``-mllvm``,
``-B``, ``-specs``, ``-wrapper``, ``--gcc-toolchain`` (a program directory, as ``-B``),
``--config``, ``-no-integrated-cpp``, ``@file``) and whatever writes files (``-o -MF -MD
-MJ -save-temps -dumpdir -ftime-trace -fdump-* -fprofile-* -fmodules``).

``-f`` flags: a curated allowlist, not a denylist. The positive ``-fNAME`` space holds flags that
load code (``-fplugin=``), run programs (gcc's ``-fmodule-mapper=|cmd``, ``-fuse-ld=``), and
write files (``-fdump-tree-all``, ``-ftime-trace``, ``-fstack-usage``,
``-fsave-optimization-record``, ``-fprofile-generate``, ``-fmodules``' cache), all without an
``=`` some of them, and each compiler release adds more: a denylist fails open. So a positive
``-fNAME`` passes only if NAME is in :data:`F_NAMES` (flags that change the language or the
predefined macros), ``-fNAME=VALUE`` only if NAME is in :data:`F_VALUES` and VALUE is a plain
word or number list; ``-fno-NAME`` (no ``=``) passes for any NAME, since it only turns a feature
off, except those that make the driver use another program (:data:`F_NO_DENIED`). A language
flag missing from the list costs a predefined macro; a dangerous flag let through would cost
code execution.

The kept arguments parse, for the compiler, exactly as here. A flag that takes a value is kept
as two arguments, flag and value, however it was written (``-Iinc`` becomes ``-I inc``), so a
longer flag unknown here that starts as an allowed one cannot take the next argument; every kept
argument is an allowed flag or the value of one; a dropped flag whose value this module does not
know of leaves that value to be judged as a flag of its own. No kept argument starts with ``@``
(gcc and clang expand it as a response file, even where a value is expected).

The flags the user types after ``--`` go through the same list (they reach the same compiler
and libclang, and a CI script may paste them from the tree): each dropped one is a warning, since
the user asked for it. Flags from the tree are dropped with one note under ``--verbose``. Both
sinks (:mod:`amalint.preprocess.compiler` and :mod:`amalint.frontends.libclang.parsing`) screen
again what they are given, whatever its origin.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

#: Flags whose value is glued on or the next argument: paths and macros (any value), the
#: language (a name). Kept as two arguments, whichever way they were written (see above).
_JOINED_OR_SEPARATE = ("-iwithprefixbefore", "-iwithprefix", "-iprefix", "-iframework",
                       "-idirafter", "-isysroot", "-isystem", "-iquote", "-include", "-imacros",
                       "-I", "-F", "-D", "-U", "-x")
#: Longer flags that start as one of those: not that flag with a value glued on.
_NOT_JOINED = ("-include-pch", "-isystem-after", "-iframeworkwithsysroot")
#: Flags whose value is the next argument, or glued on after ``=``.
_SEPARATE_OR_EQUALS = ("--sysroot", "-resource-dir", "--include-directory", "--define-macro",
                       "--undefine-macro")
#: Flags whose value is glued on after ``=`` and must be a plain name.
_NAMED = ("-std=", "--std=", "-stdlib=", "--target=")
#: Flags whose value is the next argument and must be a plain name.
_NAMED_SEPARATE = ("-target", "-x")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
_WORDS = re.compile(r"[A-Za-z0-9_.+-][A-Za-z0-9_.,+-]*")

_BARE = frozenset({"-ansi", "-pthread", "-pthreads", "-nostdinc", "-nostdinc++",
                   "-nostdlibinc", "-nobuiltininc", "-undef", "-trigraphs", "-w", "-pedantic",
                   "-pedantic-errors", "-fsyntax-only"})
_OPT = re.compile(r"-O(?:[0-4sgz]|fast)?")
_WARNING = re.compile(r"-W[A-Za-z0-9_+.=-]*")
_MACHINE = re.compile(r"-m[A-Za-z0-9][A-Za-z0-9_.,+=-]*")
_MACHINE_DENIED = re.compile(r"-mllvm|.*(?:file|bitcode|plugin)")


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Positive ``-fNAME`` flags that change the language, its extensions or predefined macros.
F_NAMES = _names("""
    exceptions cxx-exceptions rtti ms-extensions ms-compatibility borland-extensions declspec
    char8_t coroutines coroutines-ts concepts concepts-ts openmp openmp-simd openacc
    signed-char unsigned-char signed-bitfields unsigned-bitfields short-wchar short-enums
    pic PIC pie PIE gnu89-inline gnu-keywords asm builtin hosted freestanding
    threadsafe-statics sized-deallocation aligned-new permissive operator-names
    dollars-in-identifiers extended-identifiers fast-math finite-math-only math-errno wrapv
    trapv strict-aliasing strict-overflow strict-enums common inline omit-frame-pointer
    stack-protector stack-protector-strong stack-protector-all stack-protector-explicit
    stack-clash-protection cf-protection visibility-inlines-hidden delayed-template-parsing
    blocks gnu-runtime next-runtime objc-arc objc-exceptions new-ttp-matching
    relaxed-template-template-args elide-constructors access-control gnu-tm plan9-extensions
    ms-volatile rounding-math signaling-nans unsafe-math-optimizations reciprocal-math
    associative-math signed-zeros trapping-math single-precision-constant
    lax-vector-conversions pack-struct gnu-inline-asm use-cxa-atexit implicit-templates
    implicit-inline-templates default-inline keep-inline-functions
    double-square-bracket-attributes digraphs trigraphs pascal-strings writable-strings
    const-strings fixed-point zvector
    altivec emulated-tls enable-matrix ident strict-vtable-pointers char-subscripts
    gnu-inline semantic-interposition
""")
#: ``-fNAME=VALUE`` flags (VALUE a plain word, number or comma list) that do the same.
F_VALUES = _names("""
    visibility template-depth constexpr-depth constexpr-steps constexpr-loop-limit
    constexpr-ops-limit bracket-depth max-include-depth ms-compatibility-version msc-version
    sanitize no-sanitize sanitize-recover no-sanitize-recover sanitize-trap cf-protection
    fp-contract fp-model fp-exception-behavior abi-version gnuc-version openmp
    openmp-version pack-struct excess-precision clang-abi-compat strict-flex-arrays
    trivial-auto-var-init message-length tabstop macro-backtrace-limit
    template-backtrace-limit error-limit zero-call-used-regs
""")
#: ``-fno-NAME`` flags that make the driver run another program or process.
F_NO_DENIED = frozenset({"integrated-as", "integrated-cc1"})
_F_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+.-]*")

#: Dropped flags known to take the next argument: dropped with it, so that the note names the
#: pair (a flag missing here still leaves its value to be judged alone: never kept unjudged).
_DROPPED_WITH_VALUE = frozenset({
    "-Xclang", "-Xpreprocessor", "-Xlinker", "-Xassembler", "-Xanalyzer", "-Xopenmp-target",
    "-Xcuda-fatbinary", "-Xcuda-ptxas", "-Xflang", "-mllvm", "-o", "-MF", "-MT", "-MQ", "-MJ",
    "-dumpdir", "-dumpbase", "-dumpbase-ext", "-auxbase", "-auxbase-strip", "-include-pch",
    "-specs", "-wrapper", "--param", "-B", "-arch", "-imultilib", "-ivfsoverlay",
    "-serialize-diagnostics", "--serialize-diagnostics", "-dependency-file", "-load",
    "-plugin", "-add-plugin", "--config", "-working-directory", "--gcc-toolchain",
    "-gcc-toolchain", "-cxx-isystem", "--output", "-T", "-u", "-z", "-L", "-framework",
})


@dataclass(frozen=True)
class Screened:
    """The arguments kept, in order, and those dropped (each with its value, if it had one)."""

    kept: tuple[str, ...]
    dropped: tuple[str, ...]


def screen(args: Sequence[str]) -> Screened:
    """``args`` without every flag outside the allowlist (see the module docstring)."""
    kept: list[str] = []
    dropped: list[str] = []
    i = 0
    n = len(args)
    while i < n:
        arg = args[i]
        kind, flag, value = _token(arg)
        if kind == _VALUE_NEXT:
            value = args[i + 1] if i + 1 < n else None
        if kind in (_VALUE_NEXT, _VALUE_GLUED):
            if value is not None and not value.startswith("@") and (
                    flag not in _NAMED_SEPARATE or _NAME.fullmatch(value)):
                kept += (flag, value)
            else:
                dropped += args[i:i + 2] if kind == _VALUE_NEXT else (arg,)
            i += 2 if kind == _VALUE_NEXT else 1
        elif kind == _KEEP:
            kept.append(arg)
            i += 1
        elif kind == _DROP_WITH_NEXT and i + 1 < n:
            dropped += args[i:i + 2]
            i += 2
        else:
            dropped.append(arg)
            i += 1
    return Screened(tuple(kept), tuple(dropped))


_KEEP, _DROP, _DROP_WITH_NEXT, _VALUE_NEXT, _VALUE_GLUED = range(5)


@functools.lru_cache(maxsize=1 << 16)
def _token(arg: str) -> tuple[int, str, str | None]:
    """What ``arg`` is: a flag kept or dropped alone, dropped with the next argument, or an
    allowed flag whose value is the next argument or glued on (then the flag and the value).
    Memoized: a compilation database repeats the same flags in every entry."""
    if arg in _JOINED_OR_SEPARATE or arg in _SEPARATE_OR_EQUALS or arg in _NAMED_SEPARATE:
        return _VALUE_NEXT, arg, None
    if arg.startswith(_JOINED_OR_SEPARATE) and not arg.startswith(_NOT_JOINED):
        flag = next(f for f in _JOINED_OR_SEPARATE if arg.startswith(f))
        return _VALUE_GLUED, flag, arg[len(flag):]
    if allowed(arg):
        return _KEEP, arg, None
    if arg in _DROPPED_WITH_VALUE or arg.startswith("-Xarch_"):
        return _DROP_WITH_NEXT, arg, None
    return _DROP, arg, None


def allowed(arg: str) -> bool:
    """Whether ``arg``, a flag without a value or with one glued on after ``=``, is allowed
    (flags that take a separate value are :func:`screen`'s business)."""
    if arg in _BARE or _OPT.fullmatch(arg):
        return True
    if any(arg.startswith(flag + "=") for flag in _SEPARATE_OR_EQUALS):
        return not arg.partition("=")[2].startswith("@")
    named = next((flag for flag in _NAMED if arg.startswith(flag)), None)
    if named is not None:
        return _NAME.fullmatch(arg[len(named):]) is not None
    if arg.startswith("-W"):
        return _WARNING.fullmatch(arg) is not None
    if arg.startswith("-m"):
        return _MACHINE.fullmatch(arg) is not None and not _MACHINE_DENIED.fullmatch(arg)
    if arg.startswith("-f"):
        return _f_allowed(arg[2:])
    return False


def _f_allowed(rest: str) -> bool:
    name, equals, value = rest.partition("=")
    if equals:
        return name in F_VALUES and _WORDS.fullmatch(value) is not None
    if name.startswith("no-"):
        return _F_NAME.fullmatch(name[3:]) is not None and name[3:] not in F_NO_DENIED
    return name in F_NAMES
