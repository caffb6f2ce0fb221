"""The sample outputs of the README and of the documentation pages are what amalint prints:
each marked block is run by scripts/readme_samples.py (which rewrites them; see its docstring)
and compared here."""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys

from conftest import ROOT, amalint

_SPEC = importlib.util.spec_from_file_location("readme_samples",
                                               ROOT / "scripts" / "readme_samples.py")
assert _SPEC is not None and _SPEC.loader is not None
samples = importlib.util.module_from_spec(_SPEC)
sys.modules["readme_samples"] = samples
_SPEC.loader.exec_module(samples)


def test_the_readme_and_the_docs_show_real_output() -> None:
    pages = samples.pages()
    assert pages[0] == samples.README and len(pages) > 10
    texts = {page: page.read_text() for page in pages}
    assert list(samples.samples(texts[samples.README]))  # the README shows one real run at least
    # the first-run story, the examples of every page
    assert sum(len(list(samples.samples(text))) for text in texts.values()) >= 15
    stale = [(page.relative_to(ROOT), text.count("\n", 0, s.start) + 1, actual)
             for page, text in texts.items() for s, actual in samples.drift(text)]
    assert not stale, "samples drifted (run python scripts/readme_samples.py):\n" + \
        "\n".join(f"{page}:{line}:\n{actual}" for page, line, actual in stale)


def test_the_readme_keeps_no_measurements() -> None:
    """Times, recall and before/after tables belong on docs/benchmarks.md, with date and
    machine; the README is for users."""
    text = samples.README.read_text()
    assert len(text.splitlines()) <= 250
    for word in ("recall", "precision", "CPU", "peak MB", "before/after", "issue 1"):
        assert word not in text, word


def test_an_elided_sample_matches_any_lines_in_place_of_the_ellipsis() -> None:
    assert samples.matches("a\n…\nz\n", "a\nb\nc\nz\n")
    assert samples.matches("a\n…\nz\n", "a\nz\n")
    assert not samples.matches("a\n…\nz\n", "a\nb\n")
    assert not samples.matches("a\nb\n", "a\nc\n")


def test_the_readme_run_commands_find_the_example_hazards() -> None:
    """The "Set up, run, test" block's lint commands, run from the repository root as written,
    exit 1 (they find hazards), not 2 (could not see the code)."""
    text = samples.README.read_text()
    section = text.split("## Set up, run, test", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\.venv/bin/amalint (.+)$", section, flags=re.MULTILINE)
    assert len(commands) == 2
    for command in commands:
        result = amalint(*shlex.split(command), cwd=ROOT)
        assert result.returncode == 1, (command, result.stderr)
        assert "Found" in result.stdout
