"""docs/baseline-and-formats.md shows what amalint prints: its marked samples are run by
scripts/docs_samples.py (which rewrites them) and compared here."""

from __future__ import annotations

import importlib.util
import sys

from conftest import ROOT

_SPEC = importlib.util.spec_from_file_location("docs_samples",
                                               ROOT / "scripts" / "docs_samples.py")
assert _SPEC is not None and _SPEC.loader is not None
docs = importlib.util.module_from_spec(_SPEC)
sys.modules["docs_samples"] = docs
_SPEC.loader.exec_module(docs)


def test_the_baseline_and_formats_page_shows_real_output() -> None:
    text = docs.PAGE.read_text()
    assert len(list(docs.samples.samples(text))) >= 5
    stale = [(text.count("\n", 0, s.start) + 1, actual) for s, actual in docs.samples.drift(text)]
    assert not stale, "samples drifted (run python scripts/docs_samples.py):\n" + \
        "\n".join(f"{docs.PAGE.name}:{line}:\n{actual}" for line, actual in stale)
