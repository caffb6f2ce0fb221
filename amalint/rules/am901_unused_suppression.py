"""AM901 unused-suppression: a suppression comment that suppresses nothing, names no rule, or
is not one amalint reads.

## What it does
Finds `// amalint: ignore[...]`, `// amalint: ignore-file[...]`, `// NOLINT(amalint-...)`,
`// NOLINTNEXTLINE(amalint-...)` and `// NOLINTBEGIN(amalint-...)`/`// NOLINTEND(amalint-...)`
comments that suppressed no finding of an enabled rule in this run, and those that name a rule
code amalint does not have. Like ruff's RUF100. It also reports comments meant for amalint in a
spelling it does not read, with what to write instead: `// noqa: AM101` (ruff's), an
`// amalint: ...` comment that names a rule without `ignore`, `// NOLINT(AM101)` without the
`amalint-` prefix, and a `NOLINTBEGIN` or `NOLINTEND` without its other half (clang-tidy pairs
them by the checks they name).

## Why is this bad?
A suppression outlives the problem it hid: after the include order is fixed, a forgotten
`ignore[AM101]` would silently hide the next real init-order hazard on that line. A misspelled
code (`ignore[AM110]`) suppresses nothing while looking as if it did.

## Example
```c++
#include "src/object.cc"
#include "src/users.cc"  // amalint: ignore[AM101]   (the order is right now)
```

## Use instead
```c++
#include "src/object.cc"
#include "src/users.cc"
```

## Fix safety
No automatic fix: delete the comment or correct the code. Codes of rules that are not selected
in this run are not reported as unused (they may be selected elsewhere). A suppression in a
file that several linted umbrellas share is reported only if it is unused in all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from amalint.engine.rule import Finding, Rule, RuleContext
from amalint.engine.suppressions import Scope, Suppression
from amalint.model import Severity


def check(ctx: RuleContext) -> Iterator[Finding]:
    """Nothing to do per unit: the engine reports unused suppressions through :func:`report`
    once every other rule has run."""
    del ctx
    return iter(())


def report(
    unused: Iterable[tuple[Suppression, tuple[str, ...], tuple[str, ...]]],
) -> Iterator[Finding]:
    for sup, idle, unknown in unused:
        if sup.scope is Scope.INVALID:
            yield Finding(RULE.code, RULE.name, RULE.severity, f"suppression comment "
                          f"`{sup.text}` is not one amalint reads: write `{sup.hint}`"
                          if not sup.hint.startswith("a NOLINT") else
                          f"`{sup.text}` has no partner: it needs {sup.hint}",
                          sup.location, sup.end)
            continue
        parts = []
        if unknown:
            parts.append("unknown: " + ", ".join(unknown))
        if idle:
            parts.append("unused: " + ", ".join(idle))
        detail = f" ({'; '.join(parts)})" if parts else ""
        what = "names no rule" if unknown and not idle else "is unused"
        yield Finding(RULE.code, RULE.name, RULE.severity, f"suppression `{sup.text}` {what}"
                      f"{detail}", sup.location, sup.end)


RULE = Rule(
    code="AM901",
    name="unused-suppression",
    severity=Severity.WARNING,
    summary="a suppression comment that suppresses nothing, names no rule, or is not read",
    check=check,
    doc=__doc__ or "",
)
