"""One lint run: umbrella → unit → model → analysis → findings. No output here; besides reading
the unit, the only I/O is AM205's search for sources the umbrella misses (amalint.orphans)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from amalint.analysis import Analysis, analyze
from amalint.config import Settings
from amalint.flags import with_database
from amalint.frontends import select as select_frontend
from amalint.model import CodeModel
from amalint.orphans import find_orphans
from amalint.rule import Finding, Rule, RuleContext
from amalint.rules import RULES
from amalint.unit import load_unit

#: The rule that needs the file-system search for sources the umbrella does not include.
ORPHAN_RULE = "AM205"


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

    def fixes(self, unsafe: bool) -> list[Finding]:
        """The findings whose fix may be applied: safe ones, and unsafe ones if allowed."""
        return [f for f in self.findings if f.fix is not None and f.fix.edits
                and (unsafe or f.fix.applicability == "safe")]


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


def build(umbrella: Path, settings: Settings, data: bytes | None = None) -> Build:
    """Parse ``umbrella`` (with ``data`` standing for its bytes, if given) with the front end
    the settings and flags call for, and analyze it."""
    settings, warning = with_database(umbrella, settings, Path.cwd())
    name, parse, why = select_frontend(settings)
    model = parse(load_unit(umbrella, settings, data), settings)
    return Build(model, analyze(model, settings.registry), name, why,
                 (warning,) if warning else ())


def lint(umbrella: Path, settings: Settings, data: bytes | None = None) -> Result:
    built = build(umbrella, settings, data)
    model, analysis = built.model, built.analysis
    rules = selected_rules(settings.select, settings.ignore)
    ctx = RuleContext(model, analysis)
    if any(rule.code == ORPHAN_RULE for rule in rules):
        def build_variant(variant: bytes) -> tuple[CodeModel, Analysis]:
            variant_build = build(umbrella, settings, variant)
            return variant_build.model, variant_build.analysis

        ctx.orphans = find_orphans(settings, model, ctx.requirements, build_variant)
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(rule.check(ctx))
    findings.sort(key=lambda f: (str(f.location.path), f.location.line, f.location.column,
                                 f.code))
    return Result(model, analysis, tuple(findings), built.frontend, built.reason,
                  built.warnings)
