"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run: ``tool.driver.rules`` describes every rule (ids are the stable rule codes); each
result has its location, ``relatedLocations`` for the call chain and the registration, and
``fixes`` when ``--fix`` could fix it. File URIs are relative to the repository root (the
nearest directory above the working directory holding ``.git``, else the working directory),
given as ``%SRCROOT%``, and percent-encoded (a file name that is not UTF-8 keeps its bytes).

``partialFingerprints`` identify a result across commits, so code scanning keeps one alert
while unrelated lines move: they hash the rule, the file, the text of the flagged line and the
message with its line numbers taken out (plus a counter for identical ones), never a line
number (:mod:`amalint.engine.fingerprints`, shared with GitLab Code Quality and the baseline).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, TextIO

from amalint.engine.fingerprints import SCHEME, identify, relative, root, uri
from amalint.engine.rule import Finding, Rule, rule_url, section
from amalint.model import Location, Severity
from amalint.rules import RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def _rule(rule: Rule, docs_url: str | None) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": section(rule.doc, "What it does") or rule.summary},
        "help": {"text": rule.doc.strip(), "markdown": rule.doc.strip()},
        "helpUri": rule_url(rule.code, rule.name, docs_url),
        "defaultConfiguration": {"level": _level(rule.severity)},
    }


class _Locations:
    def __init__(self, root: Path) -> None:
        self.root = root

    def artifact(self, path: Path) -> dict[str, Any]:
        if relative(path, self.root) is None:
            return {"uri": uri(path, self.root)}
        return {"uri": uri(path, self.root), "uriBaseId": "%SRCROOT%"}

    def physical(self, start: Location, end: Location | None = None) -> dict[str, Any]:
        region: dict[str, Any] = {"startLine": start.line, "startColumn": start.column}
        if end is not None and (end.line, end.column) > (start.line, start.column):
            region.update(endLine=end.line, endColumn=end.column)
        return {"artifactLocation": self.artifact(start.path), "region": region}


def _result(finding: Finding, index: int, places: _Locations, fixable: bool,
            fingerprint_value: str) -> dict[str, Any]:
    where = places.physical(finding.location, finding.end_location)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": _level(finding.severity),
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": where}],
        "partialFingerprints": {SCHEME: fingerprint_value},
    }
    if finding.related:
        result["relatedLocations"] = [
            {"id": number, "physicalLocation": places.physical(r.location),
             "message": {"text": r.message}}
            for number, r in enumerate(finding.related, 1)
        ]
    if finding.fix is not None and fixable:
        changes: dict[Path, list[dict[str, Any]]] = {}
        for edit in finding.fix.edits:
            region = places.physical(edit.location, edit.end_location)["region"]
            if "endLine" not in region:  # an insertion: an empty region
                region.update(endLine=edit.location.line, endColumn=edit.location.column)
            changes.setdefault(edit.location.path, []).append(
                {"deletedRegion": region, "insertedContent": {"text": edit.content}})
        result["fixes"] = [{
            "description": {"text": f"Reorder the includes ({finding.fix.applicability} fix)"},
            "artifactChanges": [
                {"artifactLocation": places.artifact(path), "replacements": replacements}
                for path, replacements in changes.items()
            ],
        }]
    return result


def render(findings: Sequence[Finding], out: TextIO, sources: Mapping[Path, Sequence[str]],
           fixable: Collection[int] = (), docs_url: str | None = None) -> None:
    base = root()
    places = _Locations(base)
    index = {code: number for number, code in enumerate(RULES)}
    results = [
        _result(finding, index[finding.code], places, id(finding) in fixable, who.fingerprint)
        for finding, who in zip(findings, identify(findings, sources, base), strict=True)
    ]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "amalint",
                "version": version("amalint"),
                "rules": [_rule(rule, docs_url) for rule in RULES.values()],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    json.dump(log, out, indent=2)
    out.write("\n")
