"""One lint run: umbrella → unit → model → analysis → findings. No output here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from amalint import suppressions
from amalint.analysis import Analysis, analyze
from amalint.config import Settings
from amalint.fixer import Plan
from amalint.frontends import select as select_frontend
from amalint.model import CodeModel
from amalint.rule import Finding, Rule, RuleContext
from amalint.rules import RULES
from amalint.rules import am901_unused_suppression as am901
from amalint.unit import Unit, load_unit


@dataclass(frozen=True)
class Result:
    model: CodeModel
    analysis: Analysis
    findings: tuple[Finding, ...]
    frontend: str
    #: The include reorder that fixes the fixable findings, if there are any.
    plan: Plan | None = None

    def fix_allowed(self, unsafe: bool) -> bool:
        """Whether ``plan`` may be applied: it changes something and is safe, or unsafe fixes
        are allowed."""
        return self.plan is not None and self.plan.changed and (unsafe or not self.plan.unsafe)


def selected_rules(settings: Settings) -> list[Rule]:
    """Rules chosen by code prefixes, as ruff does: ``select`` (default: all) plus
    ``extend-select``, less ``ignore``; ``AM1`` selects AM101 to AM104, ``ALL`` all."""

    def matches(code: str, prefixes: Iterable[str]) -> bool:
        return any(p == "ALL" or code.startswith(p) for p in prefixes)

    chosen = [
        r for r in RULES.values()
        if not settings.select or matches(r.code, (*settings.select, *settings.extend_select))
    ]
    return [r for r in chosen if not matches(r.code, settings.ignore)]


def _model(unit: Unit, settings: Settings) -> tuple[CodeModel, Analysis, str]:
    name, parse = select_frontend(settings.frontend)
    model = parse(unit, settings)
    return model, analyze(model, settings.registry), name


def build(umbrella: Path, settings: Settings) -> tuple[CodeModel, Analysis, str]:
    return _model(load_unit(umbrella, settings), settings)


def lint(umbrella: Path, settings: Settings) -> Result:
    unit = load_unit(umbrella, settings)
    model, analysis, frontend = _model(unit, settings)
    rules = selected_rules(settings)
    found = [s for f in unit.files for s in suppressions.scan(f.path, f.data)]
    graph = suppressions.IncludeGraph.of((f.path, f.directives.includes) for f in unit.files)

    def run(ctx: RuleContext) -> suppressions.Outcome:
        findings = [finding for rule in rules for finding in rule.check(ctx)]
        return suppressions.apply(findings, found, graph, settings.per_file_ignores,
                                  enabled={r.code for r in rules}, known=set(RULES))

    ctx = RuleContext(model, analysis)
    outcome = run(ctx)
    if outcome.excluded:  # a suppressed finding's constraint must not shape the fix
        ctx = RuleContext(model, analysis, outcome.excluded)
        outcome = run(ctx)
    findings = outcome.kept
    if any(r.code == am901.RULE.code for r in rules):
        findings.extend(f for f in am901.report(outcome.unused)
                        if not suppressions.per_file_ignored(f, graph, settings.per_file_ignores))
    findings.sort(key=lambda f: (str(f.location.path), f.location.line, f.location.column,
                                 f.code))
    plan = ctx.plan if any(f.fix is not None for f in findings) else None
    return Result(model, analysis, tuple(findings), frontend, plan)


def merge(results: Sequence[Result]) -> list[Finding]:
    """The findings of several umbrellas, each once. A finding of a suppression's being unused
    (AM901) in a file that several umbrellas share counts only if every one of them reports it:
    the suppression may be used through another umbrella."""
    out: dict[Finding, None] = {}
    for result in results:
        for finding in result.findings:
            if finding.code == am901.RULE.code and not all(
                finding in other.findings for other in results
                if finding.location.path in other.model.files
            ):
                continue
            out.setdefault(finding)
    return list(out)
