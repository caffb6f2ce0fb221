"""One lint run: umbrella → unit → model → analysis → findings. No output here; besides reading
the unit, the only I/O is AM205's search for sources the umbrella misses
(:mod:`amalint.engine.orphans`). The cache (:mod:`amalint.cache`) wraps :func:`prepare`,
:func:`build_prepared` and :func:`evaluate` the same way :func:`lint` chains them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from amalint.analysis.effects import Analysis, analyze
from amalint.analysis.requirements import Status
from amalint.analysis.startup import startup
from amalint.config.flags import with_database
from amalint.config.settings import Settings
from amalint.engine import suppressions
from amalint.engine.orphans import Searched, find_orphans
from amalint.engine.result import Result, Summary
from amalint.engine.rule import Finding, Rule, RuleContext, display
from amalint.errors import InputError
from amalint.frontends import select as select_frontend
from amalint.frontends.treesitter.syntax import parses_kept
from amalint.model import CodeModel
from amalint.rules import RULES
from amalint.rules import am901_unused_suppression as am901
from amalint.scan.missing import check_missing
from amalint.scan.sources import is_directory
from amalint.scan.unit import Unit, load_unit

#: The rule that needs the file-system search for sources the umbrella does not include.
ORPHAN_RULE = "AM205"


def selected_rules(settings: Settings) -> list[Rule]:
    """Rules chosen by code prefixes, as ruff does: ``select`` (default: all) plus
    ``extend-select``, less ``ignore``; ``AM1`` selects AM101 to AM105, ``ALL`` all. A preview
    rule only when one of the two names its code in full."""

    def matches(code: str, prefixes: Iterable[str]) -> bool:
        return any(p == "ALL" or code.startswith(p) for p in prefixes)

    named = (*settings.select, *settings.extend_select)
    chosen = [
        r for r in RULES.values()
        if (r.code in named if r.preview else not settings.select or matches(r.code, named))
    ]
    return [r for r in chosen if not matches(r.code, settings.ignore)]


@dataclass(frozen=True)
class Build:
    unit: Unit
    model: CodeModel
    analysis: Analysis
    frontend: str
    reason: str
    warnings: tuple[str, ...]
    #: What ``--verbose`` says about how the unit was read.
    notes: tuple[str, ...] = ()
    #: Whether it was read with the build's flags (a database, ``--``, the config), not in
    #: the compiler's default configuration: then its findings assume nothing.
    flags_known: bool = True

    @property
    def summary(self) -> Summary:
        return Summary.of(self.model, self.analysis)


def prepare(umbrella: Path, settings: Settings) -> tuple[Settings, tuple[str, ...]]:
    """The settings with the compilation database's flags for ``umbrella``, and warnings
    about them."""
    settings, warning = with_database(umbrella, settings, Path.cwd())
    return settings, (warning,) if warning else ()


def build_prepared(umbrella: Path, settings: Settings, data: bytes | None = None,
                   warnings: tuple[str, ...] = ()) -> Build:
    """:func:`build` with settings :func:`prepare` made."""
    name, parse, why = select_frontend(settings)
    unit = load_unit(umbrella, settings, data)
    if name == "libclang" and (odd := _undecodable(unit)) is not None:
        # libclang's bindings take file names as UTF-8 text
        if settings.frontend == "libclang":
            raise InputError(f"{display(odd)}: the file name is not valid UTF-8, which libclang "
                             "cannot open; use --frontend tree-sitter")
        from amalint.frontends import treesitter

        name, parse = "tree-sitter", treesitter.parse
        why = f"{display(odd)} has a file name that is not UTF-8, which libclang cannot open"
    absent = _missing_dirs(settings)
    try:
        found = check_missing(unit, settings)
    except InputError as exc:  # a mistyped -I is the likely reason: say so on the same line
        raise InputError("; ".join((str(exc), *absent))) from None
    notes: tuple[str, ...] = ()
    root = settings.search.root
    if unit.via_root and root is not None:
        first = unit.via_root[0]
        notes = (f"{display(umbrella)}: {len(unit.via_root)} include(s) found only in the "
                 f"project root {display(root)} (tried last for quoted includes, as "
                 f"`-idirafter {display(root)}`), first at {display(first.path)}:{first.line}",)
        # the compiler (libclang) must find them too
        settings = replace(settings, compiler_args=(*settings.compiler_args, "-idirafter",
                                                    str(root)))
    notes += tuple(f"{display(umbrella)}: flags from {origin} not passed on to the compiler "
                   f"or libclang (not on amalint's allowlist; see docs/trust.md): "
                   f"{' '.join(dropped)}" for origin, dropped in settings.dropped_flags)
    if settings.refused_flags:
        refused = " ".join(settings.refused_flags)
        warnings += (f"flags after -- not passed on to the compiler or libclang (not on "
                     f"amalint's allowlist; see docs/trust.md): {refused}",)
    if settings.flags_origin is None:
        notes += (f"{display(umbrella)}: no compiler flags known, so read as "
                  f"`{_compiler(unit)} -fsyntax-only` would read it on this machine (give "
                  "-p BUILD_DIR, flags after --, or config include-paths/defines)",)
    model = parse(unit, settings)
    clang = unit.preprocessed is not None and unit.preprocessed.config.compiler.family == "clang"
    return Build(unit, model, analyze(model, settings.registry, clang), name, why,
                 (*warnings, *absent, *found), notes, settings.flags_origin is not None)


def _compiler(unit: Unit) -> str:
    """The compiler whose default configuration the unit was read in."""
    pp = unit.preprocessed
    if pp is None or pp.config.compiler.approximate:
        return "cc"
    return Path(pp.config.compiler.name).name


#: Rules whose findings do not rest on which code the compiler reads.
_NO_ASSUMPTION = ("AM204", "AM301", "AM9")


def _assumed(finding: Finding, unit: Unit) -> Finding:
    """``finding`` saying, in its own text, what it assumed: no flags were given, so the
    unit was read in the compiler's default configuration."""
    if finding.code.startswith(_NO_ASSUMPTION):
        return finding
    return replace(finding, message=f"{finding.message} (assuming the build uses no flags: "
                                    f"read as `{_compiler(unit)}` does by default)")


def _undecodable(unit: Unit) -> Path | None:
    """A file of the unit whose name is not valid UTF-8, if any."""
    for f in unit.files:
        try:
            str(f.path).encode("utf-8")
        except UnicodeEncodeError:
            return f.path
    return None


def _missing_dirs(settings: Settings) -> list[str]:
    """A warning for each include directory that does not exist (a mistyped ``-I``)."""
    search = settings.search
    return [f"include directory {display(d)} does not exist"
            for d in dict.fromkeys((*search.quote_dirs, *search.include_dirs))
            if not is_directory(d)]


def build(umbrella: Path, settings: Settings, data: bytes | None = None) -> Build:
    """Parse ``umbrella`` (with ``data`` standing for its bytes, if given) with the front end
    the settings and flags call for, and analyze it. Raise :class:`InputError` when the unit
    misses included sources or project headers (:func:`check_missing`)."""
    prepared, warnings = prepare(umbrella, settings)
    return build_prepared(umbrella, prepared, data, warnings)


def lint(umbrella: Path, settings: Settings, data: bytes | None = None) -> Result:
    """Lint ``umbrella`` (``data`` standing for its bytes, if given): no cache."""
    with parses_kept():  # for AM205's trial builds
        return evaluate(build(umbrella, settings, data), umbrella, settings)[0]


def evaluate(built: Build, umbrella: Path, settings: Settings,
             search: bool = True, searched: Searched | None = None) -> tuple[Result, bool]:
    """The findings of a built unit, and whether AM205 searched the file system for sources
    the umbrella misses (then the findings depend on files outside the unit, recorded in
    ``searched``); with ``search`` false it never searches, and says whether it would have
    (then the findings lack AM205's: only the start-up order and the summary are the
    lint's)."""
    unit, model, analysis = built.unit, built.model, built.analysis
    rules = selected_rules(settings)
    found = [s for f in unit.files for s in suppressions.scan(f.path, f.data)]
    graph = suppressions.IncludeGraph.of((f.path, f.directives.includes) for f in unit.files)
    ctx = RuleContext(model, analysis)
    searches = False
    if any(rule.code == ORPHAN_RULE for rule in rules):
        searches = any(r.status is Status.MISSING for r in ctx.requirements)
    if searches and search:

        def build_variant(variant: bytes) -> tuple[CodeModel, Analysis]:
            # a trial reads only the start-up model, of the candidate's registrations: no
            # file-scope facts, and tree-sitter's (libclang's would parse the unit again)
            trial = replace(settings, file_scope=False, frontend="tree-sitter")
            variant_build = build(umbrella, trial, variant)
            return variant_build.model, variant_build.analysis

        ctx.orphans = find_orphans(settings, model, ctx.requirements, build_variant, searched)

    def run(ctx: RuleContext) -> suppressions.Outcome:
        findings = [finding for rule in rules if rule.check is not None
                    for finding in rule.check(ctx)]
        return suppressions.apply(findings, found, graph, settings.per_file_ignores,
                                  enabled={r.code for r in rules}, known=set(RULES))

    outcome = run(ctx)
    if outcome.excluded:  # a suppressed finding's constraint must not shape the fix
        outcome = run(RuleContext(model, analysis, ctx.orphans, outcome.excluded))
    findings = outcome.kept
    if any(r.code == am901.RULE.code for r in rules):
        findings.extend(f for f in am901.report(outcome.unused)
                        if not suppressions.per_file_ignored(f, graph, settings.per_file_ignores))
    if not built.flags_known:  # the settings given may be from before the database's flags
        findings = [_assumed(f, unit) for f in findings]
    findings.sort(key=lambda f: (str(f.location.path), f.location.line, f.location.column,
                                 f.code))
    return Result(tuple(findings), built.summary, built.frontend, built.reason,
                  built.warnings, built.notes, startup(analysis, ctx.requirements)), searches


def merge(results: Sequence[Result]) -> list[Finding]:
    """The findings of several umbrellas, each once. A finding of a suppression's being unused
    (AM901) in a file that several umbrellas share counts only if every one of them reports it:
    the suppression may be used through another umbrella."""
    out: dict[Finding, None] = {}
    for result in results:
        for finding in result.findings:
            if finding.code == am901.RULE.code and not all(
                finding in other.findings for other in results
                if finding.location.path in other.summary.files
            ):
                continue
            out.setdefault(finding)
    return list(out)
