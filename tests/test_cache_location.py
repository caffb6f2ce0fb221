"""Where the cache is: by default in the user's cache directory, one per project, so that a
check writes nothing into the project (only ``--fix`` does); elsewhere only when asked
(``--cache-dir``, ``AMALINT_CACHE_DIR``, config ``cache-dir``); nowhere with ``--no-cache``.
Every test runs with its own ``XDG_CACHE_HOME`` (conftest.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_cache import project, run

from amalint.cache import location
from amalint.cache.key import FORMAT


def user_cache() -> Path:
    return Path(os.environ["XDG_CACHE_HOME"]) / "amalint"


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and directory (``None``) below ``root``."""
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes()
            for p in sorted(root.rglob("*"))}


def entries(cache: Path) -> list[Path]:
    return sorted((cache / f"v{FORMAT}").glob("*.json"))


def test_the_default_is_the_users_cache_one_per_project(tmp_path: Path) -> None:
    root = tmp_path / "project"
    found = location.cache_dir(None, None, root)
    assert found == location.platform_dir(root) and found.parent == user_cache()
    assert found != location.cache_dir(None, None, tmp_path / "other")
    assert location.cache_dir(None, tmp_path / "configured", root) == tmp_path / "configured"
    # asked for: relative to the working directory, a symbolic link not resolved
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    os.chdir(tmp_path)
    assert location.cache_dir(Path("link"), tmp_path / "configured", root) == tmp_path / "link"


def test_cli_a_default_check_leaves_the_project_unchanged(tmp_path: Path) -> None:
    copy = tmp_path / "firstrun"
    shutil.copytree(ROOT / "fixtures" / "firstrun", copy)
    before = snapshot(copy)
    args = ("check", "web/emcc/wasm_runtime.cc", "-v", "--", "-I3rdparty/tvm-ffi/include")
    assert run(*args[:3], "--no-cache", *args[3:], cwd=copy).returncode == 1
    assert not user_cache().exists() and snapshot(copy) == before  # nothing written anywhere
    first = run(*args, cwd=copy)
    assert first.returncode == 1 and "0 hit(s), 1 miss(es)" in first.stderr
    assert snapshot(copy) == before
    cache = location.platform_dir(copy)
    assert f"in {cache}\n" in first.stderr and len(entries(cache)) == 1
    assert "1 hit(s), 0 miss(es)" in run(*args, cwd=copy).stderr
    # AMALINT_CACHE_DIR (as --cache-dir) puts it where asked
    asked = tmp_path / "asked"
    assert "0 hit(s), 1 miss(es)" in run(*args, cwd=copy, cache=asked).stderr
    assert len(entries(asked)) == 1 and snapshot(copy) == before


def test_cli_default_cache_hits_and_says_so(tmp_path: Path) -> None:
    project(tmp_path)
    before = snapshot(tmp_path)
    (tmp_path / "sub").mkdir()
    first = run("check", "../umbrella.cc", "-v", cwd=tmp_path / "sub")
    assert first.returncode == 1 and "0 hit(s), 1 miss(es)" in first.stderr
    cache = location.platform_dir(tmp_path)  # the project of the config file
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    tag = (cache / "CACHEDIR.TAG").read_text()
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55")
    second = run("check", "../umbrella.cc", "-v", cwd=tmp_path / "sub")
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)
    # the -v account (front end, files, entry points, skipped calls) comes from the cache too
    assert second.stderr == first.stderr.replace("0 hit(s), 1 miss(es)", "1 hit(s), 0 miss(es)")
    run("check", "umbrella.cc", cwd=tmp_path)  # the working directory is in the key
    for options in (["--format", "json"], ["--format", "sarif"], ["--statistics"]):
        cold = run("check", "umbrella.cc", *options, "--no-cache", cwd=tmp_path)
        warm = run("check", "umbrella.cc", *options, "-v", cwd=tmp_path)
        assert "1 hit(s)" in warm.stderr and warm.stdout == cold.stdout
    assert snapshot(tmp_path) == {**before, "sub": None}


def test_cli_no_cache_and_clean(tmp_path: Path) -> None:
    project(tmp_path)
    before = snapshot(tmp_path)
    cache = location.platform_dir(tmp_path)
    assert run("check", "umbrella.cc", "--no-cache", cwd=tmp_path).returncode == 1
    env_off = subprocess.run([sys.executable, "-m", "amalint", "check", "umbrella.cc"],
                             cwd=tmp_path, capture_output=True, text=True,
                             env={**os.environ, "AMALINT_NO_CACHE": "1"})
    assert env_off.returncode == 1 and not user_cache().exists()
    run("check", "umbrella.cc", cwd=tmp_path)
    assert len(entries(cache)) == 1
    cleaned = run("clean", cwd=tmp_path)
    assert cleaned.returncode == 0 and cleaned.stderr == f"Removed {cache}\n"
    assert not cache.exists() and snapshot(tmp_path) == before
    # a directory that is not amalint's cache is never removed
    (tmp_path / "keep").mkdir()
    refused = run("clean", "--cache-dir", "keep", cwd=tmp_path)
    assert refused.returncode == 2 and (tmp_path / "keep").is_dir()
    assert refused.stderr.strip().endswith("keep: not an amalint cache (no amalint "
                                           "CACHEDIR.TAG); not removed")


def test_cli_cache_dir_from_the_config(tmp_path: Path) -> None:
    project(tmp_path, config='cache-dir = ".amalint_cache"\n')
    run("check", "umbrella.cc", cwd=tmp_path)
    assert (tmp_path / ".amalint_cache" / "CACHEDIR.TAG").is_file()
    assert len(entries(tmp_path / ".amalint_cache")) == 1 and not user_cache().exists()
    cleaned = run("clean", cwd=tmp_path)
    assert cleaned.returncode == 0 and cleaned.stderr == "Removed .amalint_cache\n"
    assert not (tmp_path / ".amalint_cache").exists()


@pytest.mark.parametrize("how", ["option", "config"])
def test_cli_a_symlinked_cache_directory_is_not_followed(tmp_path: Path, how: str) -> None:
    project(tmp_path, config='cache-dir = "link"\n' if how == "config" else "")
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    option = ["--cache-dir", "link"] if how == "option" else []
    proc = run("check", "umbrella.cc", "-v", *option, cwd=tmp_path)
    assert proc.returncode == 1 and "amalint: cache: off" in proc.stderr
    assert "is a symbolic link or cannot be examined); running without the cache" \
        in proc.stderr  # said, once
    assert not list(elsewhere.iterdir()) and not user_cache().exists()


def test_cli_a_cache_directory_that_cannot_be_written_is_said_once(tmp_path: Path) -> None:
    # a file where the directory would be (root may write anywhere, so no chmod here)
    project(tmp_path)
    (tmp_path / "blocked").write_text("")
    result = run("check", "umbrella.cc", "--cache-dir", "blocked/cache", "-j", "2",
                 cwd=tmp_path)
    assert result.returncode == 1 and result.stdout  # the lint ran, without the cache
    lines = [line for line in result.stderr.splitlines() if "cache" in line]
    assert lines == [f"amalint: warning: the cache directory {tmp_path / 'blocked/cache'} "
                     "cannot be written (Not a directory); running without the cache"]
