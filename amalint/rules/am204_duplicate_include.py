"""AM204 duplicate-include: the umbrella includes the same source twice.

## What it does
Finds an `#include` in the umbrella that names a file already included above it, by the same
spelling or by a different spelling that resolves to the same file, when the file has no include
guard (`#ifndef`/`#define`/`#endif` around the whole file, or `#pragma once`). Sources usually
have none; a file with a guard is read once however often it is included (projects guard
sources that way on purpose), so that is not reported. An include inside an `#if` branch counts
only when the first one is active whenever it is (the first is unconditional or in an
enclosing branch): includes in different branches of an `#if` are not duplicates.

## Why is this bad?
Sources have no include guards: the second copy defines every function, variable and class of
the file again in the same translation unit, and the unity build fails with redefinition errors
(or, for a file of declarations and macros only, silently does everything twice). Long
generated include lists (CMake `UNITY_BUILD`, WebKit's unified sources) and merges make this
easy to miss.

## Example
```c++
// umbrella.cc
#include "src/codec.cc"
#include "src/viewer.cc"
// codecs
#include "src/codec.cc"
```

## Use instead
```c++
#include "src/codec.cc"
#include "src/viewer.cc"
```

## Fix safety
Fixable (safe): `--fix` removes the later `#include` line together with the comment lines
directly above it. The first inclusion stays where it is, so the start-up order does not change.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from amalint.engine.rule import Finding, Related, Rule, RuleContext
from amalint.model import Include, Severity
from amalint.scan.directives import is_source


def _harmful(inc: Include, guards: dict[Path, str | None]) -> bool:
    """Whether including ``inc``'s file twice does something: a file without include guard
    (a source with one, or with ``#pragma once``, is read once; projects guard sources so)."""
    if inc.resolved is None:
        return is_source(inc.spelling)
    return guards.get(inc.resolved) is None


def check(ctx: RuleContext) -> Iterator[Finding]:
    guards = {f.path: f.guard for f in ctx.model.filescope.files}
    includes = ctx.model.umbrella.includes
    first: dict[object, int] = {}
    for index, inc in enumerate(includes):
        keys: list[object] = [("spelling", inc.target)]
        if inc.resolved is not None:
            keys.append(("path", inc.resolved))
        earlier = next((first[k] for k in keys if k in first), None)
        if earlier is None:
            for key in keys:
                first.setdefault(key, index)
            continue
        prev = includes[earlier]
        if inc.block[: len(prev.block)] != prev.block or not _harmful(inc, guards):
            continue  # another #if branch, or a guarded header
        how = "" if prev.target == inc.target else f" (as {prev.target}, the same file)"
        message = (f"{inc.target} is included again; line {prev.line} includes it already{how}, "
                   "and a second copy of a source redefines everything in it")
        start, end = ctx.include_range(index)
        fix = ctx.umbrella_fix("safe", [(inc.comment_start_byte, inc.end_byte, b"")])
        yield Finding(RULE.code, RULE.name, RULE.severity, message, start, end,
                      (Related(ctx.include_range(earlier)[0], "first included here"),), fix)


RULE = Rule(
    code="AM204",
    name="duplicate-include",
    severity=Severity.ERROR,
    summary="the umbrella includes the same source twice",
    check=check,
    doc=__doc__ or "",
)
