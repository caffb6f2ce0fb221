"""Eviction and ``amalint clean`` remove nothing but the regular files amalint wrote into its
cache directory: a symbolic link planted in the cache (or as it, or as its entry directory)
never leads them to anything outside, whatever its name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from amalint.cache.key import FORMAT
from amalint.cache.store import TAG, TAG_NAME, Store

KEYS = [c * 64 for c in "abc"]
OLD = 1_000_000_000


def outside(tmp_path: Path) -> tuple[Path, Path]:
    """A file and a directory (with a file named like an entry) outside the cache."""
    target = tmp_path / "outside" / "precious.txt"
    target.parent.mkdir()
    target.write_text("keep me\n")
    directory = tmp_path / "outside" / "dir"
    directory.mkdir()
    (directory / f"{'d' * 64}.json").write_text("{}")
    for path in (target, directory / f"{'d' * 64}.json"):
        os.utime(path, ns=(OLD, OLD))  # oldest of all: evicted first if ever looked at
    return target, directory


def intact(target: Path, directory: Path) -> None:
    assert target.read_text() == "keep me\n"
    assert [p.name for p in directory.iterdir()] == [f"{'d' * 64}.json"]


def filled(path: Path) -> Store:
    store = Store(path, limit=1)
    for key in KEYS:
        store.save(key, {"x": "y" * 100})
    return store


def test_eviction_follows_no_planted_link(tmp_path: Path) -> None:
    target, directory = outside(tmp_path)
    store = filled(tmp_path / "cache")
    # links named as an entry and as a temporary file, to a file and to a directory
    (store.entries / f"{'e' * 64}.json").symlink_to(target)
    (store.entries / ".tmp-abcdefgh").symlink_to(target)
    (store.entries / f"{'f' * 64}.json").symlink_to(directory)
    (store.entries / "notes.txt").write_text("not amalint's\n")
    os.utime(store.entries / "notes.txt", ns=(OLD, OLD))
    store.limit = 0
    assert store.evict() == 3
    intact(target, directory)
    assert sorted(p.name for p in store.entries.iterdir()) == sorted(
        [f"{'e' * 64}.json", f"{'f' * 64}.json", ".tmp-abcdefgh", "notes.txt"])


def test_eviction_through_a_linked_directory_removes_nothing(tmp_path: Path) -> None:
    target, directory = outside(tmp_path)
    store = filled(tmp_path / "cache")
    # the entry directory is a link to a directory outside
    for entry in store.entries.iterdir():
        entry.unlink()
    store.entries.rmdir()
    store.entries.symlink_to(directory)
    store.limit = 0
    assert store.evict() == 0
    intact(target, directory)
    # the cache directory itself is a link to a tagged directory outside
    elsewhere = filled(tmp_path / "elsewhere")
    before = sorted(p.name for p in elsewhere.entries.iterdir())
    linked = tmp_path / "linked"
    linked.symlink_to(elsewhere.directory)
    assert Store(linked, limit=0).evict() == 0
    assert sorted(p.name for p in elsewhere.entries.iterdir()) == before
    # a directory amalint did not tag is not amalint's to evict from
    (elsewhere.directory / TAG_NAME).write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    elsewhere.limit = 0
    assert elsewhere.evict() == 0


def clean(cache: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMALINT_")}
    return subprocess.run([sys.executable, "-m", "amalint", "clean", "--cache-dir", str(cache)],
                          cwd=cwd, capture_output=True, text=True,
                          env={**env, "XDG_CACHE_HOME": str(cwd / "home")}, timeout=120)


def test_clean_removes_only_what_amalint_wrote(tmp_path: Path) -> None:
    target, directory = outside(tmp_path)
    store = filled(tmp_path / "cache")
    (store.entries / f"{'e' * 64}.json").symlink_to(target)
    (store.entries / ".tmp-abcdefgh").symlink_to(target)
    other = f"v{FORMAT + 1}"
    (store.directory / other).symlink_to(directory)  # named as an entry directory
    (store.directory / "link").symlink_to(directory)
    (store.directory / "mine.txt").write_text("the user's\n")
    cleaned = clean(store.directory, tmp_path)
    assert cleaned.returncode == 0, cleaned.stderr
    assert "left 4 item(s) amalint did not write" in cleaned.stderr
    intact(target, directory)
    assert sorted(p.name for p in store.directory.iterdir()) == sorted(
        ["link", "mine.txt", store.entries.name, other])
    assert sorted(p.name for p in store.entries.iterdir()) == [".tmp-abcdefgh",
                                                               f"{'e' * 64}.json"]
    # once the user's things are gone, the whole directory goes
    for name in ("link", "mine.txt", other):
        (store.directory / name).unlink()
    for entry in store.entries.iterdir():
        entry.unlink()
    (store.directory / TAG_NAME).write_text(TAG)
    cleaned = clean(store.directory, tmp_path)
    assert cleaned.returncode == 0 and "Removed" in cleaned.stderr
    assert not store.directory.exists()


def test_clean_refuses_a_linked_or_foreign_cache_directory(tmp_path: Path) -> None:
    target, directory = outside(tmp_path)
    store = filled(tmp_path / "elsewhere")
    linked = tmp_path / "linked"
    linked.symlink_to(store.directory)
    refused = clean(linked, tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "a symbolic link" in refused.stderr
    assert sorted(p.name for p in store.entries.iterdir()) == sorted(f"{k}.json" for k in KEYS)
    # another tool's cache directory (its own CACHEDIR.TAG) is not amalint's
    (directory / TAG_NAME).write_text("Signature: 8a477f597d28d172789f06886806bc55\n# ruff\n")
    refused = clean(directory, tmp_path)
    assert refused.returncode == 2 and "not an amalint cache" in refused.stderr
    assert (directory / f"{'d' * 64}.json").is_file()
    assert target.read_text() == "keep me\n"
