"""JUnit XML, for CI dashboards that show test reports (GitLab ``artifacts:reports:junit``,
Jenkins, Azure Pipelines, CircleCI).

One ``<testsuite>`` per file with findings (its name the path as shown elsewhere), one
failing ``<testcase>`` per finding: ``classname`` the file, ``name`` the rule code and name with
the line and column, a ``<failure>`` whose ``type`` is the rule code, ``message`` the message
and text the finding as ``--format concise`` prints it with the chain as notes. A clean run is
one passing test case, so a dashboard shows the check ran. Written with :mod:`xml.etree`, which
escapes markup; characters XML 1.0 cannot hold at all (control characters, the bytes of a file
name that is not UTF-8) are written as ``\\xNN``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from amalint.engine.rule import Finding, display

#: What XML 1.0 cannot hold: control characters but tab and line breaks, surrogates (a file
#: name's undecodable bytes), U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"
    return _NOT_XML.sub(escape, text)


def _where(finding: Finding) -> str:
    loc = finding.location
    return f"{display(loc.path)}:{loc.line}:{loc.column}"


def _body(finding: Finding) -> str:
    lines = [f"{_where(finding)}: {finding.code} {finding.message}"]
    lines += [f"{display(r.location.path)}:{r.location.line}:{r.location.column}: note: "
              f"{r.message}" for r in finding.related]
    return "\n".join(lines)


def document(findings: Sequence[Finding]) -> ET.Element:
    """The ``<testsuites>`` element of ``findings``."""
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(display(finding.location.path), []).append(finding)
    total = max(len(findings), 1)
    suites = ET.Element("testsuites", name="amalint", tests=str(total),
                        failures=str(len(findings)), errors="0")
    if not findings:
        suite = ET.SubElement(suites, "testsuite", name="amalint", tests="1", failures="0",
                              errors="0", skipped="0")
        ET.SubElement(suite, "testcase", classname="amalint", name="no findings")
    for name, group in by_file.items():
        suite = ET.SubElement(suites, "testsuite", name=_clean(name), tests=str(len(group)),
                              failures=str(len(group)), errors="0", skipped="0")
        for finding in group:
            loc = finding.location
            case = ET.SubElement(
                suite, "testcase", classname=_clean(name),
                name=f"{finding.code} {finding.name} at {loc.line}:{loc.column}",
                file=_clean(name), line=str(loc.line))
            failure = ET.SubElement(case, "failure", type=finding.code,
                                    message=_clean(finding.message))
            failure.text = _clean(_body(finding))
    return suites


def render(findings: Sequence[Finding], out: TextIO,
           sources: Mapping[Path, Sequence[str]]) -> None:
    del sources  # the report carries locations, not source text
    root = document(findings)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
