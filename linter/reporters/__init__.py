"""Reporters: each renders findings through the same ``render(findings, out, sources)`` function
(text, concise, json, json-lines, github, sarif); also the ``--statistics`` table, the graph
pictures and the rule documentation page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from amalint.engine.rule import Finding


def render_machine(fmt: str, findings: Sequence[Finding], sources: Any, fixable: set[int],
                   out: TextIO) -> None:
    from amalint.reporters import concise, github, json_lines, sarif
    from amalint.reporters import json as json_reporter

    if fmt == "concise":
        concise.render(findings, out, sources, fixable)
    elif fmt == "sarif":
        sarif.render(findings, out, sources, fixable)
    else:
        {"json": json_reporter.render, "json-lines": json_lines.render,
         "github": github.render}[fmt](findings, out, sources)

