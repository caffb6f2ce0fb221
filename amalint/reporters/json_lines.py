"""The JSON Lines report: one JSON object per finding per line, shaped as in the JSON report."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from amalint.engine.rule import Finding
from amalint.reporters.json import as_dict


def render(findings: Sequence[Finding], out: TextIO,
           sources: Mapping[Path, Sequence[str]], docs_url: str | None = None) -> None:
    del sources
    for finding in findings:
        out.write(json.dumps(as_dict(finding, docs_url)) + "\n")
