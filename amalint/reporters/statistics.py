"""``--statistics``: findings per rule, most frequent first, as ruff prints them."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from amalint.engine.rule import Finding
from amalint.rules import RULES


def render(findings: Sequence[Finding], fixable: set[int], fmt: str, out: TextIO) -> None:
    """Findings per rule, most frequent first, as ruff's ``--statistics``."""
    counts = Counter(f.code for f in findings)
    fixes = Counter(f.code for f in findings if id(f) in fixable)
    rows = [{"code": code, "name": RULES[code].name, "count": count,
             "fixable": fixes[code] == count}
            for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if fmt in ("json", "json-lines", "sarif"):
        json.dump(rows, out, indent=2)
        out.write("\n")
        return
    width = max((len(str(r["count"])) for r in rows), default=1)
    for row in rows:
        mark = "[*] " if row["fixable"] else "    "
        out.write(f"{row['count']:>{width}}\t{row['code']}\t{mark}{row['name']}\n")

