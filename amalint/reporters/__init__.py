"""Reporters: one module per output format (text, concise, json, json-lines, github, sarif,
gitlab, junit), each a ``render(findings, out, ...)`` that takes the findings, the output
stream and what the format needs besides (the source lines, the fixable findings, the
documentation URL); :func:`render_machine` picks one by name. Also the ``--statistics``
table, the graph pictures and the rule documentation page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from amalint.engine.rule import Finding


def render_machine(fmt: str, findings: Sequence[Finding], sources: Any, fixable: set[int],
                   out: TextIO, docs_url: str | None = None) -> None:
    """Render in a machine format; ``docs_url`` is where the rule documentation is published
    (the base of JSON ``url`` and SARIF ``helpUri``; ``None``: amalint's own)."""
    from amalint.reporters import concise, github, gitlab, json_lines, junit, sarif
    from amalint.reporters import json as json_reporter

    if fmt == "concise":
        concise.render(findings, out, sources, fixable)
    elif fmt == "sarif":
        sarif.render(findings, out, sources, fixable, docs_url)
    elif fmt in ("github", "gitlab", "junit"):
        {"github": github, "gitlab": gitlab, "junit": junit}[fmt].render(findings, out, sources)
    else:
        {"json": json_reporter.render, "json-lines": json_lines.render}[fmt](
            findings, out, sources, docs_url)

