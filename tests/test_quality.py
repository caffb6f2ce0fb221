"""The code standards as tests: ruff and mypy (strict) are clean; the suite compares with the
compilers or does not run."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_the_suite_refuses_to_start_without_a_compiler_it_compares_with(tmp_path: Path) -> None:
    """A missing clang must not turn the differential tests into passes that compared nothing:
    the session stops, naming what is missing and how to install it."""
    (tmp_path / "bin").mkdir()
    for tool in ("gcc", "g++"):
        found = shutil.which(tool)
        assert found is not None
        (tmp_path / "bin" / tool).symlink_to(found)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n0", "-p", "no:cacheprovider", "--collect-only", "-q",
         str(ROOT / "tests" / "test_quality.py")], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PATH": str(tmp_path / "bin")}, timeout=120)
    assert result.returncode == 4, result.stdout + result.stderr
    assert ("ERROR: clang++, clang not on PATH: the tests compare amalint with gcc and clang and "
            "would pass without comparing; bash scripts/setup.sh installs them") in result.stderr


#: The packages whose docstring is the map of their modules (the others describe a stage whose
#: modules their own docstrings explain).
MAPPED = ("analysis", "engine", "cache", "cli", "fix", "server", "frontends",
          "frontends/treesitter", "frontends/libclang")


def test_package_docstrings_name_every_module_they_hold() -> None:
    """A module added to one of these packages is named in its ``__init__`` docstring, so the
    docstring keeps saying what the package holds."""
    missing = {}
    for package in MAPPED:
        folder = ROOT / "amalint" / package
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text())) or ""
        held = [p.stem for p in folder.glob("*.py") if p.stem != "__init__"]
        held += [p.name for p in folder.iterdir() if (p / "__init__.py").is_file()]
        if gone := [name for name in held if not re.search(rf"\b{name}\b", doc)]:
            missing[package] = sorted(gone)
    assert missing == {}
