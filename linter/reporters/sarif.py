"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run: ``tool.driver.rules`` describes every rule (ids are the stable rule codes); each
result has its location, ``relatedLocations`` for the call chain and the registration, and
``fixes`` when ``--fix`` could fix it. File URIs are relative to the repository root (the
nearest directory above the working directory holding ``.git``, else the working directory),
given as ``%SRCROOT%``, and percent-encoded (a file name that is not UTF-8 keeps its bytes).

``partialFingerprints`` identify a result across commits, so code scanning keeps one alert
while unrelated lines move: they hash the rule, the file, the text of the flagged line and the
message with its line numbers taken out (plus a counter for identical ones), never a line
number.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.parse
from collections.abc import Collection, Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, TextIO

from amalint.config.files import repository_root
from amalint.engine.rule import Finding, Rule, rule_url, section
from amalint.model import Location, Severity
from amalint.rules import RULES
from amalint.scan.sources import real

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
        resolved = real(path)
        try:
            relative = resolved.relative_to(self.root).as_posix()
        except ValueError:
            return {"uri": resolved.as_uri()}
        return {"uri": _quote(relative), "uriBaseId": "%SRCROOT%"}

    def physical(self, start: Location, end: Location | None = None) -> dict[str, Any]:
        region: dict[str, Any] = {"startLine": start.line, "startColumn": start.column}
        if end is not None and (end.line, end.column) > (start.line, start.column):
            region.update(endLine=end.line, endColumn=end.column)
        return {"artifactLocation": self.artifact(start.path), "region": region}


def _quote(path: str) -> str:
    return urllib.parse.quote(os.fsencode(path), safe="/")


_LINE_NUMBERS = re.compile(r"\b(line|lines) \d+|:\d+(?::\d+)?\b")


def fingerprint(finding: Finding, uri: str, line_text: str, occurrence: int) -> str:
    """A hash that survives unrelated edits: no line numbers in it (see the module doc)."""
    message = _LINE_NUMBERS.sub(lambda m: m.group(1) or ":", finding.message)
    text = " ".join(line_text.split())
    key = f"{finding.code}\0{uri}\0{text}\0{message}\0{occurrence}"
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _result(finding: Finding, index: int, places: _Locations, fixable: bool,
            fingerprint_value: str) -> dict[str, Any]:
    where = places.physical(finding.location, finding.end_location)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": _level(finding.severity),
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": where}],
        "partialFingerprints": {"amalint/v2": fingerprint_value},
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
    root = repository_root(Path.cwd())
    places = _Locations(root)
    index = {code: number for number, code in enumerate(RULES)}
    seen: dict[tuple[str, ...], int] = {}
    results = []
    for finding in findings:
        uri = places.artifact(finding.location.path)["uri"]
        lines = sources.get(finding.location.path, ())
        line = lines[finding.location.line - 1] if 0 < finding.location.line <= len(lines) \
            else ""
        key = (finding.code, uri, " ".join(line.split()), finding.message)
        seen[key] = seen.get(key, -1) + 1
        results.append(_result(finding, index[finding.code], places, id(finding) in fixable,
                               fingerprint(finding, uri, line, seen[key])))
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "amalint",
                "version": version("amalint"),
                "rules": [_rule(rule, docs_url) for rule in RULES.values()],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    json.dump(log, out, indent=2)
    out.write("\n")
