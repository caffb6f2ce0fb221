"""The documentation site builds as CI builds it: ``mkdocs build --strict``, so a broken link, a
missing anchor or a page left out of the navigation fails; the pages made from the code (one
per rule, the configuration reference) are there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from amalint.config.files import KEY_DOCS, KEYS
from amalint.rules import RULES


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f",
         str(ROOT / "mkdocs.yml"), "-d", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    for rule in RULES.values():
        page = site / "rules" / f"{rule.code.lower()}-{rule.name}" / "index.html"
        assert "What it does" in page.read_text(), rule.code
    reference = (site / "configuration" / "index.html").read_text()
    assert all(f"<code>{key}</code>" in reference for key in KEYS)
    assert (site / "rules" / "index.html").is_file()  # docs/rules.md, the anchors' page


def test_every_config_key_is_documented() -> None:
    assert set(KEY_DOCS) == set(KEYS)
