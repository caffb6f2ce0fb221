"""One lint run: umbrella → unit → model → analysis → findings. No output here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from amalint.analysis import Analysis, analyze
from amalint.config import Settings
from amalint.fixer import Plan
from amalint.flags import with_database
from amalint.frontends import select as select_frontend
from amalint.model import CodeModel
from amalint.rule import Finding, Rule, RuleContext
from amalint.rules import RULES
from amalint.unit import load_unit


@dataclass(frozen=True)
class Result:
    model: CodeModel
    analysis: Analysis
    findings: tuple[Finding, ...]
    frontend: str
    #: Why that front end (for ``--verbose``).
    reason: str = ""
    #: Warnings about the flags, for the command line to show.
    warnings: tuple[str, ...] = ()
    #: The include reorder that fixes the fixable findings, if there are any.
    plan: Plan | None = None

    def fix_allowed(self, unsafe: bool) -> bool:
        """Whether ``plan`` may be applied: it changes something and is safe, or unsafe fixes
        are allowed."""
        return self.plan is not None and self.plan.changed and (unsafe or not self.plan.unsafe)


def selected_rules(select: Sequence[str], ignore: Sequence[str]) -> list[Rule]:
    """Rules chosen by code prefixes, as ruff does: ``AM1`` selects AM101 to AM104, ``ALL`` all."""

    def matches(code: str, prefixes: Iterable[str]) -> bool:
        return any(p == "ALL" or code.startswith(p) for p in prefixes)

    chosen = [r for r in RULES.values() if not select or matches(r.code, select)]
    return [r for r in chosen if not matches(r.code, ignore)]


@dataclass(frozen=True)
class Build:
    model: CodeModel
    analysis: Analysis
    frontend: str
    reason: str
    warnings: tuple[str, ...]


def build(umbrella: Path, settings: Settings) -> Build:
    """Parse ``umbrella`` with the front end the settings and flags call for, and analyze it."""
    settings, warning = with_database(umbrella, settings, Path.cwd())
    name, parse, why = select_frontend(settings)
    model = parse(load_unit(umbrella, settings), settings)
    return Build(model, analyze(model, settings.registry), name, why,
                 (warning,) if warning else ())


def lint(umbrella: Path, settings: Settings) -> Result:
    built = build(umbrella, settings)
    model, analysis = built.model, built.analysis
    ctx = RuleContext(model, analysis)
    findings: list[Finding] = []
    for rule in selected_rules(settings.select, settings.ignore):
        findings.extend(rule.check(ctx))
    findings.sort(key=lambda f: (str(f.location.path), f.location.line, f.location.column,
                                 f.code))
    plan = ctx.plan if any(f.fix is not None for f in findings) else None
    return Result(model, analysis, tuple(findings), built.frontend, built.reason,
                  built.warnings, plan)
