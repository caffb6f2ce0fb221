"""docs/rules.md is generated from the rule docstrings and must stay in sync with them; every
finding's url points at an existing section of it."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import FIXTURES, ROOT, amalint

from amalint.rules import RULES

DOCS = ROOT / "docs" / "rules.md"


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown page (outside code fences)."""
    anchors = set()
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6} (.+)", line)):
            anchors.add(re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-"))
    return anchors


def test_docs_are_in_sync_with_the_docstrings(tmp_path: Path) -> None:
    generated = amalint("rule", "--all", "--format", "markdown", cwd=tmp_path)
    assert generated.returncode == 0
    assert DOCS.read_text() == generated.stdout, (
        "docs/rules.md is stale: run `amalint rule --all --format markdown > docs/rules.md`")


def test_every_rule_has_a_section_with_every_part() -> None:
    text = DOCS.read_text()
    anchors = github_anchors(text)
    for rule in RULES.values():
        page, anchor = rule.url.split("#")
        assert page.endswith("/docs/rules.md") and anchor in anchors, rule.code
        section = text.split(f"## {rule.code} {rule.name}\n", 1)[1].split("\n## ", 1)[0]
        for part in ("What it does", "Why is this bad?", "Example", "Use instead",
                     "Fix safety"):
            assert f"### {part}\n" in section, (rule.code, part)


def test_finding_urls_resolve() -> None:
    result = amalint("check", "umbrella.cc", "--format", "json", "--", "-Iinclude", "-Ieager",
                     cwd=FIXTURES / "tvm_shape")
    anchors = github_anchors(DOCS.read_text())
    assert result.json
    for finding in result.json:
        assert finding["url"].split("#")[1] in anchors


def test_rule_prints_one_rule_and_all(tmp_path: Path) -> None:
    one = amalint("rule", "am901", cwd=tmp_path)
    assert one.returncode == 0 and one.stdout.startswith("AM901 unused-suppression:")
    every = amalint("rule", "--all", cwd=tmp_path)
    assert all(f"{code} {rule.name}:" in every.stdout for code, rule in RULES.items())
    unknown = amalint("rule", "AM999", cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown rule 'AM999'" in unknown.stderr
