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
