"""The JSON report: a list of findings with paths relative to the working directory."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from amalint.engine.rule import Finding, display, rule_url
from amalint.model import Location


def _point(loc: Location) -> dict[str, int]:
    return {"row": loc.line, "column": loc.column}


def as_dict(finding: Finding, docs_url: str | None = None) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "severity": finding.severity.value,
        "filename": display(finding.location.path),
        "location": _point(finding.location),
        "end_location": _point(finding.end_location),
        "related": [
            {"filename": display(r.location.path), "location": _point(r.location),
             "message": r.message}
            for r in finding.related
        ],
        "fix": None if finding.fix is None else {
            "applicability": finding.fix.applicability,
            "edits": [
                {"content": e.content, "location": _point(e.location),
                 "end_location": _point(e.end_location)}
                for e in finding.fix.edits
            ],
        },
        "url": rule_url(finding.code, finding.name, docs_url),
    }


def render(findings: Sequence[Finding], out: TextIO,
           sources: Mapping[Path, Sequence[str]], docs_url: str | None = None) -> None:
    del sources  # JSON carries locations, not source text
    json.dump([as_dict(f, docs_url) for f in findings], out, indent=2)
    out.write("\n")
