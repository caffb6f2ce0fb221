"""The concise report: one line per finding, ``path:line:col: CODE [*] message``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from amalint.engine.rule import Finding, display


def render(findings: Sequence[Finding], out: TextIO, sources: Mapping[Path, Sequence[str]],
           fixable: Collection[int] = ()) -> None:
    del sources
    for finding in findings:
        loc = finding.location
        mark = " [*]" if id(finding) in fixable else ""
        out.write(f"{display(loc.path)}:{loc.line}:{loc.column}: {finding.code}{mark} "
                  f"{finding.message}\n")
