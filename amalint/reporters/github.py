"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request,
``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=amalint (AM101)::message``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from amalint.engine.rule import Finding, display
from amalint.model import Severity


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: Sequence[Finding], out: TextIO,
           sources: Mapping[Path, Sequence[str]]) -> None:
    del sources
    for finding in findings:
        level = "error" if finding.severity is Severity.ERROR else "warning"
        loc, end = finding.location, finding.end_location
        props = [("file", display(loc.path)), ("line", str(loc.line)), ("col", str(loc.column))]
        if end.line >= loc.line:
            props += [("endLine", str(end.line)), ("endColumn", str(end.column))]
        props.append(("title", f"amalint ({finding.code})"))
        fields = ",".join(f"{k}={_property(v)}" for k, v in props)
        out.write(f"::{level} {fields}::{_data(f'{finding.code} {finding.message}')}\n")
