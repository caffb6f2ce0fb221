"""The cache (issue 13): a result is reused only while everything it was made from holds, a bad
entry is a miss, never a failure, and the command line's cache options do what they say.
Timing is for benchmarks/, not here: a hit is shown by the lint not running at all."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from amalint.cache import key as cache_key
from amalint.cache.key import FORMAT
from amalint.cache.store import Store
from amalint.config.profiles import profile_from_config
from amalint.config.settings import Settings
from amalint.engine import cached
from amalint.engine.cached import lint_cached
from amalint.engine.run import lint
from amalint.scan.search import SearchPath

REG_H = """\
#pragma once
namespace reg { void Add(const char* key); void Need(const char* key); }
#define REG_CAT_(a, b) a##b
#define REG_CAT(a, b) REG_CAT_(a, b)
#define REG_INIT() __attribute__((constructor)) static void REG_CAT(reg_init_, __COUNTER__)()
"""
PROFILE = profile_from_config(
    "reg", {"providers": ["reg::Add"], "consumers": ["reg::Need"],
            "init-blocks": [{"macro": "REG_INIT", "kind": "constructor"}]}, "test")
CONFIG = """\
[profiles.reg]
providers = ["reg::Add"]
consumers = ["reg::Need"]
init-blocks = [{ macro = "REG_INIT", kind = "constructor" }]
"""
OLD = 1_000_000_000  # a modification time long before any lint of the tests


def unit(root: Path, name: str = "umbrella.cc", order: tuple[str, ...] = ("user.cc",
                                                                          "provider.cc")) -> Path:
    """A unit whose user looks `k` up before the provider registers it (AM101)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "include").mkdir(exist_ok=True)
    (root / "include" / "reg.h").write_text(REG_H)
    (root / "user.cc").write_text('#include "reg.h"\nREG_INIT() { reg::Need("k"); }\n')
    (root / "provider.cc").write_text('#include "reg.h"\nREG_INIT() { reg::Add("k"); }\n')
    umbrella = root / name
    umbrella.write_text("".join(f'#include "{s}"\n' for s in order))
    return umbrella


def settings(root: Path, **changes: Any) -> Settings:
    return replace(Settings(profiles=(PROFILE,), frontend="tree-sitter",
                            search=SearchPath((), (root / "include",))), **changes)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.chdir(tmp_path)
    return Store(tmp_path / "cache")


def no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on a lint that reaches the front end fails the test."""
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed although the cache should have the result")

    monkeypatch.setattr(cached, "build_prepared", fail)


def codes(result: Any) -> list[str]:
    return [f.code for f in result.findings]


# --------------------------------------------------------------------------------- hits


def test_a_hit_does_not_parse_and_equals_the_lint(tmp_path: Path, store: Store,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    umbrella = unit(tmp_path)
    first, hit = lint_cached(umbrella, settings(tmp_path), store)
    assert not hit and codes(first) == ["AM101"]
    no_parse(monkeypatch)
    second, hit = lint_cached(umbrella, settings(tmp_path), store)
    assert hit
    assert second == first == lint(umbrella, settings(tmp_path))


def test_a_virtual_unit_is_keyed_by_its_bytes(tmp_path: Path, store: Store,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    umbrella = unit(tmp_path)
    reordered = b'#include "provider.cc"\n#include "user.cc"\n'
    assert codes(lint_cached(umbrella, settings(tmp_path), store, reordered)[0]) == []
    assert codes(lint_cached(umbrella, settings(tmp_path), store)[0]) == ["AM101"]
    no_parse(monkeypatch)
    assert lint_cached(umbrella, settings(tmp_path), store, reordered)[1]
    assert lint_cached(umbrella, settings(tmp_path), store)[1]


# -------------------------------------------------------------------------------- misses


def test_a_changed_file_of_the_unit_is_a_miss(tmp_path: Path, store: Store) -> None:
    umbrella = unit(tmp_path)
    lint_cached(umbrella, settings(tmp_path), store)
    # same size, same modification time: only the content tells
    provider = tmp_path / "provider.cc"
    text = provider.read_text()
    provider.write_text(text.replace('"k"', '"q"'))
    os.utime(provider, ns=(OLD, OLD))
    result, hit = lint_cached(umbrella, settings(tmp_path), store)
    assert not hit and codes(result) == ["AM102"]
    # the fast path (an old, recorded modification time) still sees a change of size
    provider.write_text(text.replace('"k"', '"kk"'))
    os.utime(provider, ns=(OLD, OLD))
    assert not lint_cached(umbrella, settings(tmp_path), store)[1]


def test_a_new_header_shadowing_an_include_is_a_miss(tmp_path: Path, store: Store) -> None:
    umbrella = unit(tmp_path)
    lint_cached(umbrella, settings(tmp_path), store)
    assert lint_cached(umbrella, settings(tmp_path), store)[1]
    # "reg.h" next to the including file comes before the include path
    (tmp_path / "reg.h").write_text(REG_H)
    result, hit = lint_cached(umbrella, settings(tmp_path), store)
    assert not hit and tmp_path / "reg.h" in result.summary.files


def test_flags_settings_and_versions_are_in_the_key(tmp_path: Path, store: Store,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    umbrella = unit(tmp_path)
    lint_cached(umbrella, settings(tmp_path), store)
    for changed in (settings(tmp_path, defines=("X=1",)),
                    settings(tmp_path, compiler_args=("-DX=1",)),
                    settings(tmp_path, ignore=("AM101",)),
                    settings(tmp_path, compiler="other"),
                    settings(tmp_path, profiles=())):
        assert not lint_cached(umbrella, changed, store)[1], changed
    assert codes(lint_cached(umbrella, settings(tmp_path, ignore=("AM101",)), store)[0]) == []
    assert lint_cached(umbrella, settings(tmp_path), store)[1]
    # where the cache lives is not a setting that changes results
    assert lint_cached(umbrella, settings(tmp_path, cache_dir=tmp_path / "x"), store)[1]
    tools = cache_key._tools()
    for name, value in (("code", "edited"), ("tree-sitter-cpp", "reinstalled"),
                        ("python", [3, 99])):
        monkeypatch.setattr(cache_key, "_tools", lambda n=name, v=value: {**tools, n: v})
        assert not lint_cached(umbrella, settings(tmp_path), store)[1], name


def test_an_orphan_search_of_a_directory_changed_meanwhile_is_not_reused(
        tmp_path: Path, store: Store) -> None:
    """AM205 looks at sources next to the umbrella that it does not include: such a result
    depends on more than the unit. A directory modified just before or while it listed it
    cannot be trusted to show a later change, so the findings are not reused."""
    umbrella = unit(tmp_path, order=("user.cc",))
    result, _ = lint_cached(umbrella, settings(tmp_path), store)
    assert codes(result) == ["AM102", "AM205"]
    assert not lint_cached(umbrella, settings(tmp_path), store)[1]
    (tmp_path / "provider.cc").unlink()
    assert codes(lint_cached(umbrella, settings(tmp_path), store)[0]) == ["AM102"]


def backdate(root: Path, when: int = OLD) -> None:
    """Every file and directory below ``root`` last modified at ``when``, long ago."""
    for path in (root, *root.rglob("*")):
        os.utime(path, ns=(when, when))


def test_an_orphan_search_is_reused_while_what_it_listed_and_read_holds(
        tmp_path: Path, store: Store) -> None:
    """The entry records the directories AM205 listed and the sources it read: the findings
    are reused until a source is added there or one it read changes."""
    root = tmp_path / "project"
    umbrella = unit(root, order=("user.cc",))
    backdate(root)
    first, hit = lint_cached(umbrella, settings(root), store)
    assert codes(first) == ["AM102", "AM205"] and not hit
    assert lint_cached(umbrella, settings(root), store) == (first, True)
    (root / "other.cc").write_text("int other;\n")  # the directory's listing changes
    backdate(root, OLD + 10**9)
    assert not lint_cached(umbrella, settings(root), store)[1]
    assert lint_cached(umbrella, settings(root), store)[1]
    (root / "provider.cc").write_text('#include "reg.h"\nREG_INIT() { reg::Add("j"); }\n')
    backdate(root, OLD + 2 * 10**9)
    changed, hit = lint_cached(umbrella, settings(root), store)
    assert not hit and codes(changed) == ["AM102"]


# ------------------------------------------------------------------------- bad entries


def entry_file(store: Store) -> Path:
    (path,) = store.entries.glob("*.json")
    return path


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],                               # truncated
    lambda text: "\0\xff garbage",                                     # not JSON
    lambda text: "[" * 100_000 + "]" * 100_000,                        # nested too deep
    lambda text: text.replace(f'"format":{FORMAT}', '"format":0'),     # another format
    lambda text: text.replace('"entry_points":', '"entry_points":"x",'
                              '"_":'),                                 # wrong type
    lambda text: text.replace('"location":["', '"location":[-5,"'),    # wrong shape
    lambda text: text.replace('"AM101"', '{"__reduce__":1}'),           # not a string
    lambda text: text.replace('.cc"', '\\u0000.cc"'),                  # NUL in the paths
    lambda text: text.replace('"AM101"', '"AM201"'),                    # valid, but altered
    lambda text: text.replace('"links":[[1,', '"links":[[7,'),         # no such include
    lambda text: text.replace('"dynamic"', '"static"')
                     .replace('"constructor"', '"static"'),            # no such entry kind
])
def test_a_damaged_entry_is_a_miss_and_is_replaced(tmp_path: Path, store: Store,
                                                   damage: Any) -> None:
    umbrella = unit(tmp_path)
    good, _ = lint_cached(umbrella, settings(tmp_path), store)
    path = entry_file(store)
    text = path.read_text()
    path.write_text(damage(text))
    result, hit = lint_cached(umbrella, settings(tmp_path), store)
    assert not hit and result == good
    assert path.read_text() == text  # replaced by a good entry
    assert lint_cached(umbrella, settings(tmp_path), store)[1]


def test_a_planted_link_or_fifo_is_not_followed(tmp_path: Path, store: Store) -> None:
    """A repository could ship its own .amalint_cache: an entry that is a symbolic link (to a
    valid entry elsewhere) or a FIFO (which would block a reader) is a miss, then replaced."""
    umbrella = unit(tmp_path)
    lint_cached(umbrella, settings(tmp_path), store)
    path = entry_file(store)
    elsewhere = tmp_path / "elsewhere.json"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    assert not lint_cached(umbrella, settings(tmp_path), store)[1]
    assert not path.is_symlink() and lint_cached(umbrella, settings(tmp_path), store)[1]
    path.unlink()
    os.mkfifo(path)
    assert not lint_cached(umbrella, settings(tmp_path), store)[1]
    assert path.is_file() and lint_cached(umbrella, settings(tmp_path), store)[1]


def test_an_entry_pointing_outside_the_unit_is_rejected(tmp_path: Path, store: Store) -> None:
    """A well-formed entry whose fix would edit another file, or past the umbrella's end, or
    whose file belongs to an include the umbrella does not have, is not believed."""
    umbrella = unit(tmp_path)
    lint_cached(umbrella, settings(tmp_path), store)
    key = entry_file(store).stem
    entry = store.load(key)
    for poison in ("fix-elsewhere", "fix-past-end", "unit"):
        bad = json.loads(json.dumps(entry))
        result = bad["result"]
        if poison == "unit":
            result["units"] = [[str(umbrella), 7]]
        else:
            edit = result["findings"][0]["fix"]["edits"][0]
            if poison == "fix-elsewhere":
                edit[1][0] = str(tmp_path / "provider.cc")
            else:
                edit[2][1] = 999
        assert store.save(key, bad)  # with its checksum: only the decoder can refuse it
        assert not lint_cached(umbrella, settings(tmp_path), store)[1], poison


def test_eviction_keeps_the_size_bounded_least_recently_used_first(tmp_path: Path,
                                                                   store: Store) -> None:
    small = Store(store.directory, limit=1)
    a, b, c = (letter * 64 for letter in "abc")
    for key in (a, b, c):
        small.save(key, {"x": "y" * 100})
    os.utime(small.entries / f"{a}.json", ns=(OLD, OLD))
    os.utime(small.entries / f"{c}.json", ns=(OLD + 1, OLD + 1))
    assert small.load(c) is not None  # used now: kept longest
    small.limit = (small.entries / f"{c}.json").stat().st_size * 4 // 3 + 1  # room for one
    assert small.evict() == 2
    assert sorted(p.name for p in small.entries.iterdir()) == [f"{c}.json"]


# --------------------------------------------------------------------------- libclang


def test_libclang_system_headers_are_checked(tmp_path: Path, store: Store) -> None:
    """libclang reads headers the include scan never sees (-isystem): they are stamped too."""
    umbrella = unit(tmp_path)
    system = tmp_path / "sys"
    system.mkdir()
    header = system / "plat.h"
    header.write_text("#define PLAT_KEY \"k\"\n")
    os.utime(header, ns=(OLD, OLD))
    (tmp_path / "user.cc").write_text('#include "reg.h"\n#include <plat.h>\n'
                                      'REG_INIT() { reg::Need(PLAT_KEY); }\n')
    clang = settings(tmp_path, frontend="libclang", compiler_args=("-isystem", str(system)))
    first, _ = lint_cached(umbrella, clang, store)
    assert codes(first) == ["AM101"]
    stamped = json.loads(entry_file(store).read_text())["value"]["files"]
    assert str(header) in [f[0] for f in stamped]
    assert lint_cached(umbrella, clang, store)[1]
    header.write_text("#define PLAT_KEY \"q\"\n")
    result, hit = lint_cached(umbrella, clang, store)
    assert not hit and codes(result) == ["AM102"]


# ----------------------------------------------------------------------- command line


def run(*args: str, cwd: Path, cache: Path | None = None) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMALINT_")}
    if cache is not None:
        env["AMALINT_CACHE_DIR"] = str(cache)
    proc = subprocess.run([sys.executable, "-m", "amalint", *args], cwd=cwd, text=True,
                          capture_output=True, env={**env, "NO_COLOR": "1"}, timeout=120)
    return proc


def project(root: Path, count: int = 3, config: str = "") -> list[str]:
    """``count`` umbrellas in one project with a config file (``config`` first in it); the
    first has AM101."""
    unit(root)
    (root / "amalint.toml").write_text(f'{config}include-paths = ["include"]\n{CONFIG}')
    names = ["umbrella.cc"]
    for index in range(1, count):
        name = f"u{index}.cc"
        (root / name).write_text('#include "provider.cc"\n#include "user.cc"\n')
        names.append(name)
    return names


def test_cli_jobs_give_byte_identical_output(tmp_path: Path) -> None:
    names = project(tmp_path, 5)
    outputs = {}
    for jobs in ("1", "2"):
        for fmt in ("text", "json"):
            proc = run("check", *names, "-j", jobs, "--no-cache", "--format", fmt, cwd=tmp_path)
            outputs[jobs, fmt] = (proc.returncode, proc.stdout, proc.stderr)
    for fmt in ("text", "json"):
        assert outputs["1", fmt] == outputs["2", fmt]
        assert outputs["1", fmt][0] == 1
    # an unreadable umbrella fails the run in the same words whatever the number of workers
    (tmp_path / "u2.cc").write_bytes(b"\0binary")
    errors = {run("check", *names, "-j", jobs, "--no-cache", cwd=tmp_path).stderr
              for jobs in ("1", "2")}
    assert errors == {"amalint: error: u2.cc: binary file, not C/C++ source\n"}


def test_cli_concurrent_runs_share_the_cache(tmp_path: Path) -> None:
    names = project(tmp_path, 6)
    cache = tmp_path / "shared-cache"
    env = {**os.environ, "AMALINT_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "amalint", "check", *names, "-j", "2", "--format", "json"]
    procs = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [1, 1]
    assert outs[0] == outs[1] and outs[0][1] == ""
    assert not [p for p in (cache / f"v{FORMAT}").iterdir() if not p.name.endswith(".json")]
    warm = run("check", *names, "-v", "--format", "json", cwd=tmp_path, cache=cache)
    assert "6 hit(s), 0 miss(es)" in warm.stderr and warm.stdout == outs[0][0]


def test_cli_fix_does_not_poison_the_cache(tmp_path: Path) -> None:
    """After ``--fix`` the cache has the lint of the fixed umbrella (``--fix`` made it), never
    the lint of the umbrella before the fix."""
    project(tmp_path, 1)
    assert run("check", "umbrella.cc", cwd=tmp_path).returncode == 1
    fixed = run("check", "umbrella.cc", "--fix", "-v", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout
    assert "1 hit(s), 1 miss(es)" in fixed.stderr  # the fixed bytes were linted once
    after = run("check", "umbrella.cc", "-v", cwd=tmp_path)
    assert after.returncode == 0 and "1 hit(s), 0 miss(es)" in after.stderr
    assert after.stdout == run("check", "umbrella.cc", "--no-cache", cwd=tmp_path).stdout


def test_progress_bar_only_on_a_terminal_and_only_after_the_delay(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import time

    from amalint.cli import progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for is_terminal, delay, shown in ((False, 0.0, False), (True, 60.0, False),
                                      (True, 0.0, True)):
        out = Terminal() if is_terminal else io.StringIO()
        monkeypatch.setattr(sys, "stderr", out)
        monkeypatch.setattr(progress, "DELAY_SECONDS", delay)
        with progress.bar(3) as advance:
            advance()
            time.sleep(0.3)
            advance()
        assert ("amalint: linting" in out.getvalue()) is shown, (is_terminal, delay)


def test_cli_a_hit_prints_the_text_report_as_a_lint_does(tmp_path: Path) -> None:
    """The text report shows a call chain's repeated tail once; the chain steps (not only the
    related places) must come back from the cache for that."""
    copy = tmp_path / "tvm"
    shutil.copytree(ROOT / "fixtures" / "tvm_shape", copy)
    args = ("check", "umbrella.cc", "--frontend", "tree-sitter", "--", "-Iinclude", "-Ieager")
    cold = run(*args[:4], "--no-cache", *args[4:], cwd=copy)
    assert "then 3 more step(s) as shown above" in cold.stdout
    run(*args, cwd=copy)
    warm = run(*args[:4], "-v", *args[4:], cwd=copy)
    assert "1 hit(s)" in warm.stderr and warm.stdout == cold.stdout
