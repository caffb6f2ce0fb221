"""What a rule is and what it produces. Rules live in ``amalint.rules``, one module each; the
module docstring is the rule's documentation (``amalint rule CODE`` prints it)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from amalint.analysis import Analysis, Effect, Step
from amalint.model import CodeModel, EntryPoint, Include, Location, Severity
from amalint.requirements import Requirement, cycles, evaluate


@dataclass(frozen=True)
class Related:
    location: Location
    message: str


@dataclass(frozen=True)
class Edit:
    content: str
    location: Location
    end_location: Location


@dataclass(frozen=True)
class Fix:
    applicability: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    end_location: Location
    related: tuple[Related, ...] = ()
    fix: Fix | None = None

    @property
    def url(self) -> str:
        return f"docs/rules.md#{self.code.lower()}-{self.name}"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    check: Callable[[RuleContext], Iterator[Finding]] = field(compare=False)
    doc: str = field(default="", compare=False)


def display(path: Path) -> str:
    """A path as shown to the user: relative to the working directory when below it."""
    try:
        return os.path.relpath(path) if path.is_absolute() and _below_cwd(path) else str(path)
    except ValueError:
        return str(path)


def _below_cwd(path: Path) -> bool:
    try:
        path.relative_to(Path.cwd())
    except ValueError:
        return False
    return True


class RuleContext:
    """The model and analysis of one amalgamation, with the views several rules share."""

    def __init__(self, model: CodeModel, analysis: Analysis) -> None:
        self.model = model
        self.analysis = analysis

    @cached_property
    def requirements(self) -> list[Requirement]:
        return evaluate(self.analysis)

    @cached_property
    def cycles(self) -> list[list[int]]:
        return cycles(self.requirements)

    @cached_property
    def units_in_cycles(self) -> set[int]:
        return {unit for group in self.cycles for unit in group}

    def include(self, unit: int) -> Include:
        return self.model.umbrella.includes[unit]

    def unit_name(self, unit: int | None) -> str:
        if unit is None:
            return display(self.model.umbrella.path)
        inc = self.include(unit)
        return display(inc.resolved) if inc.resolved is not None else inc.spelling

    def anchor(self, entry: EntryPoint) -> tuple[Location, Location]:
        """Where a finding about ``entry``'s file points: its ``#include`` line in the umbrella,
        or the entry itself when it is the umbrella's own code."""
        if entry.unit is None:
            return entry.location, entry.location
        return self.include_range(entry.unit)

    def include_range(self, unit: int) -> tuple[Location, Location]:
        inc = self.include(unit)
        text = inc.text.decode("utf-8", "replace").rstrip("\r\n")
        start = len(text) - len(text.lstrip()) + 1
        path = self.model.umbrella.path
        return Location(path, inc.line, start), Location(path, inc.line, len(text.rstrip()) + 1)

    def include_related(self, unit: int, message: str) -> Related:
        return Related(self.include_range(unit)[0], message)


def chain_related(effect: Effect) -> tuple[Related, ...]:
    """The steps of an effect's chain as related locations, the first being the entry point."""
    return tuple(
        Related(step.location, step.text if index == 0 else f"→ {step.text}")
        for index, step in enumerate(effect.chain)
    )


def registration_related(effect: Effect) -> Related:
    """Where a key is registered, and by which entry point."""
    entry = effect.chain[0]
    return Related(
        effect.site,
        f"`{effect.key}` is registered here (by {entry.text.removesuffix(' runs at start-up')}"
        f" at line {entry.location.line})",
    )


def chain_text(steps: tuple[Step, ...]) -> str:
    return " → ".join(step.text for step in steps)
