"""The README's sample outputs are what amalint prints: each marked block is run by
scripts/readme_samples.py (which rewrites them; see its docstring) and compared here."""

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


def test_the_readme_shows_real_output() -> None:
    text = samples.README.read_text()
    found = list(samples.samples(text))
    assert len(found) >= 15  # the first-run story, the examples of every section
    stale = [(text.count("\n", 0, s.start) + 1, actual) for s, actual in samples.drift(text)]
    assert not stale, "README samples drifted (run python scripts/readme_samples.py):\n" + \
        "\n".join(f"README.md:{line}:\n{actual}" for line, actual in stale)


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
