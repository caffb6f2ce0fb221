"""The code standards as tests: ruff and mypy (strict) are clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean(tmp_path: Path) -> None:
    # Lay the package out as it installs (linter/ → amalint/, rules/ → amalint/rules/): mypy
    # cannot follow setuptools' package-dir mapping in an editable install.
    package = tmp_path / "amalint"
    shutil.copytree(ROOT / "linter", package)
    shutil.copytree(ROOT / "rules", package / "rules")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "-p", "amalint"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_subpackage_is_installed() -> None:
    """Each folder of linter/ is a stage sub-package; pyproject.toml must list it, or a
    non-editable install would silently lack it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {"amalint." + ".".join(p.parent.relative_to(ROOT / "linter").parts)
             for p in (ROOT / "linter").rglob("__init__.py")} | {"amalint.rules"}
    found = {name.rstrip(".") for name in found}
    assert found == listed


def test_no_module_is_too_long_to_hold_in_mind() -> None:
    """One responsibility per module: none over about 400 lines."""
    long = {str(p.relative_to(ROOT)): n for folder in ("linter", "rules")
            for p in (ROOT / folder).rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 420}
    assert not long
