"""GitLab Code Quality: a JSON array of issues (``artifacts:reports:codequality``), shown in the
merge request widget and the pipeline's Code Quality tab.

Each issue has ``description`` (the rule code and the message), ``check_name`` (the rule
code), ``fingerprint`` (the one SARIF carries, see :mod:`amalint.engine.fingerprints`: GitLab
compares the merge request's issues with the target branch's by it, so a line shift does not
turn an old issue into a new one), ``severity`` (``major`` for error-severity rules, ``minor``
for warnings) and ``location`` (the path relative to the repository root, ``lines.begin``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from amalint.engine.fingerprints import identify, relative, root
from amalint.engine.rule import Finding
from amalint.model import Severity
from amalint.scan.sources import real

#: amalint's severities as GitLab's (info, minor, major, critical, blocker).
SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor"}


def issues(findings: Sequence[Finding],
           sources: Mapping[Path, Sequence[str]]) -> list[dict[str, Any]]:
    base = root()
    out = []
    for finding, who in zip(findings, identify(findings, sources, base), strict=True):
        path = relative(finding.location.path, base) or str(real(finding.location.path))
        out.append({
            "description": f"{finding.code} {finding.message}",
            "check_name": finding.code,
            "fingerprint": who.fingerprint,
            "severity": SEVERITIES[finding.severity],
            "location": {"path": path, "lines": {"begin": finding.location.line}},
        })
    return out


def render(findings: Sequence[Finding], out: TextIO,
           sources: Mapping[Path, Sequence[str]]) -> None:
    json.dump(issues(findings, sources), out, indent=2)
    out.write("\n")
