"""The source distribution carries what its tests need, and the metadata names the project's
addresses."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from conftest import ROOT


def test_sdist_holds_the_tests_fixtures_and_urls(tmp_path: Path) -> None:
    # build from a copy, so the checkout gets no build output
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "build", "dist", "__pycache__", ".*_cache"))
    built = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools import build_meta as b; "
         "print(b.build_sdist(sys.argv[1]))", str(tmp_path / "dist")],
        cwd=source, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    archive = tmp_path / "dist" / built.stdout.strip().splitlines()[-1]
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
        info = tar.extractfile(next(n for n in tar.getnames() if n.endswith("/PKG-INFO")))
        assert info is not None
        metadata = info.read().decode()
        # the "data" filter refuses links and paths out of the directory (Python >= 3.10.12)
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(tmp_path / "unpacked", **safe)  # type: ignore[arg-type]
    for needed in ("tests/conftest.py", "tests/data/sarif-2.1.0-rtm.5.json",
                   "tests/test_oracle.py", "fixtures/tvm_shape/umbrella.cc",
                   "fixtures/plug/include/plug/registry.h", "fixtures/firstrun/web/emcc/"
                   "wasm_runtime.cc", "docs/rules.md", "scripts/readme_samples.py",
                   "README.md", ".pre-commit-hooks.yaml", "mkdocs.yml", "scripts/mkdocs_hooks.py"):
        assert needed in names, needed
    assert not any("__pycache__" in name for name in names)
    for label in ("Homepage", "Documentation", "Repository", "Issues"):
        assert f"Project-URL: {label}, https://" in metadata
    # the unpacked tests run against the installed amalint
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/test_ruledocs.py"], cwd=unpacked, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
