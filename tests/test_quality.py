"""The code standards as tests: ruff and mypy (strict) are clean."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def _tool(*args: str) -> subprocess.CompletedProcess[str]:
    """A check as a developer types it in the checkout (its settings in pyproject.toml)."""
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True)


def test_ruff_is_clean() -> None:
    result = _tool("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    """``mypy`` with no arguments: strict, over the package, the tests, the benchmarks and the
    scripts (``[tool.mypy]`` lists them)."""
    result = _tool("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_subpackage_is_installed() -> None:
    """Each folder of amalint/ is a stage sub-package: without an ``__init__.py`` setuptools'
    package search would leave it out of a non-editable install."""
    folders = {p.parent for p in (ROOT / "amalint").rglob("*.py")}
    assert all((folder / "__init__.py").is_file() for folder in folders)


def test_no_module_is_too_long_to_hold_in_mind() -> None:
    """One responsibility per module: none over about 400 lines."""
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "amalint").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 420}
    assert not long
