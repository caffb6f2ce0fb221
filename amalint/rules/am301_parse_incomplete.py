"""AM301 parse-incomplete: the compiler could not fully parse a file; findings there may be
missing.

## What it does
Reports each project file (the umbrella, an included source, or a project header) in which the
libclang front end met compile errors, naming the first few. Errors in a system or library header
are charged to the project file that includes it. With a resource directory of another clang
version than libclang's, errors inside those builtin headers are a set-up warning instead.

Errors that only exist because the files share one unit (a redefinition whose earlier
definition is in another included source, an ambiguity between files, a leaked macro) are not
AM301 but AM201, AM202 or AM203; so are the errors of a source whose header the compiler skipped
because another file has the same include guard, or whose setting for a header an earlier source
already read is ignored (AM203). The other errors of a file that has a
unity-only one are taken as its consequences.

## Why is this bad?
Where clang reports an error, the declaration or statement it was in may be missing from the
model: an initializer, a registration or a lookup there is not seen, so a hazard can go
unreported. Facts from the rest of the file are still used. Usual causes are missing or wrong
flags (include paths, defines, `-std`), a missing resource directory (`stddef.h` not found), or
code for another compiler.

## Example
```text
$ amalint check umbrella.cc --frontend libclang -- -Iinclude
umbrella.cc:2:1: AM301 `src/codec.cc`: 2 compile error(s), first 'codec.cc:2: unknown type
name 'Frame'', 'codec.cc:2: use of undeclared identifier 'Frame''; facts there may be missing
```

## Use instead
Give amalint the build's flags: `-p BUILD_DIR` with a `compile_commands.json`, the flags after
`--`, or `include-paths`/`defines` in the config; pass `--resource-dir` if builtin headers are
not found. The tree-sitter front end does not report AM301: it recovers from what it cannot
parse, and `--verbose` lists those files.

## Fix safety
Not fixable.
"""

from __future__ import annotations

from collections.abc import Iterator

from amalint.analysis.macro_leaks import IGNORED
from amalint.analysis.unity import own_errors
from amalint.engine.rule import Finding, Rule, RuleContext, display
from amalint.model import Location, Severity


def check(ctx: RuleContext) -> Iterator[Finding]:
    umbrella = ctx.model.umbrella
    scope = ctx.model.filescope
    # a header whose content the compiler skipped for a guard clash (AM203) explains the
    # errors of the source that needed it
    clashed = {s.unit for s in scope.skipped
               if s.missing and s.guard_file not in (None, s.path)}
    clashed |= {leak.unit for leak in ctx.leaks if leak.effect == IGNORED}
    units = {f.path: f.unit for f in reversed(scope.files)}
    # a name an earlier source poisoned (AM203) explains the error at its use
    poisoned = {(p.use.path, p.use.line) for p in scope.poisoned}
    for path, found in own_errors(ctx.model, ctx.unity).items():
        if clashed and units.get(path, -1) in clashed:
            continue
        errors = [e for e in found if (e.location.path, e.location.line) not in poisoned]
        if not errors:
            continue
        start: Location = errors[0].location
        end: Location = start
        if path != start.path:
            start = end = Location(path, 1)
        if path != umbrella.path:
            unit = next((i for i, inc in enumerate(umbrella.includes) if inc.resolved == path),
                        None)
            if unit is not None:  # point at its #include, where a suppression would go
                start, end = ctx.include_range(unit)
        first = ", ".join(f"'{e.location.path.name}:{e.location.line}: {e.message}'"
                          for e in errors[:3])
        more = f" and {len(errors) - 3} more" if len(errors) > 3 else ""
        yield Finding(
            RULE.code, RULE.name, RULE.severity,
            f"`{display(path)}`: {len(errors)} compile error(s), first {first}{more}; facts "
            "there may be missing", start, end,
        )


RULE = Rule(
    code="AM301",
    name="parse-incomplete",
    severity=Severity.WARNING,
    summary="the compiler could not fully parse a file; findings there may be missing",
    check=check,
    doc=__doc__ or "",
)
