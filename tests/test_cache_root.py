"""A cached result stays valid through includes found only in the project root (tried last for
quoted includes, as ``-idirafter ROOT``): it is a hit while nothing changed, and a miss once a
file appears where the include would now be found first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_cache import no_parse, settings, unit

from amalint.cache.stamps import IncludeStamp, resolves_alike
from amalint.cache.store import Store
from amalint.engine.cached import lint_cached
from amalint.scan.search import SearchPath


def test_an_include_found_in_the_project_root_resolves_alike(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "web").mkdir()
    (tmp_path / "src" / "a.cc").write_text("int a;\n")
    real = str(tmp_path / "src" / "a.cc")
    stamps = [IncludeStamp(str(tmp_path / "web"), "src/a.cc", False, real)]
    assert resolves_alike(stamps, SearchPath(root=tmp_path))
    assert not resolves_alike(stamps, SearchPath())  # without the root it is not found
    # an angled include never looks in the root
    assert not resolves_alike([IncludeStamp(str(tmp_path / "web"), "src/a.cc", True, real)],
                              SearchPath(root=tmp_path))
    # a file next to the including one now comes first
    (tmp_path / "web" / "src").mkdir()
    (tmp_path / "web" / "src" / "a.cc").write_text("int a;\n")
    assert not resolves_alike(stamps, SearchPath(root=tmp_path))


def test_an_absolute_angled_include_resolves_alike_without_include_dirs(tmp_path: Path) -> None:
    header = tmp_path / "abs.h"
    header.write_text("int x;\n")
    stamps = [IncludeStamp(str(tmp_path), str(header), True, str(header))]
    assert resolves_alike(stamps, SearchPath())
    header.unlink()
    assert not resolves_alike(stamps, SearchPath())


def test_a_unit_spelled_from_the_root_hits_then_misses_on_a_shadowing_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = Store(tmp_path / "cache")
    unit(tmp_path / "src")
    umbrella = tmp_path / "web" / "umbrella.cc"
    umbrella.parent.mkdir()
    umbrella.write_text('#include "src/user.cc"\n#include "src/provider.cc"\n')
    rooted = settings(tmp_path / "src", search=SearchPath((), (tmp_path / "src" / "include",),
                                                          root=tmp_path))
    first, hit = lint_cached(umbrella, rooted, store)
    assert not hit and [f.code for f in first.findings] == ["AM101"]
    with monkeypatch.context() as patched:
        no_parse(patched)
        second, hit = lint_cached(umbrella, rooted, store)
    assert hit and second == first
    # web/src/provider.cc now comes before the root's for `#include "src/provider.cc"`
    (tmp_path / "web" / "src").mkdir()
    (tmp_path / "web" / "src" / "provider.cc").write_text(
        '#include "reg.h"\nREG_INIT() { reg::Add("k"); }\n')
    third, hit = lint_cached(umbrella, rooted, store)
    assert not hit
    assert tmp_path / "web" / "src" / "provider.cc" in third.summary.files
    assert lint_cached(umbrella, rooted, store)[1]


def test_cli_firstrun_hits_the_second_time(tmp_path: Path) -> None:
    """fixtures/firstrun's umbrella includes its sources spelled from the project root."""
    copy = tmp_path / "firstrun"
    shutil.copytree(ROOT / "fixtures" / "firstrun", copy)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AMALINT_")},
           "AMALINT_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "amalint", "check", "web/emcc/wasm_runtime.cc", "-v",
               "--", "-I3rdparty/tvm-ffi/include"]

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True,
                              timeout=120)

    first = check()
    assert first.returncode == 1 and "0 hit(s), 1 miss(es)" in first.stderr
    second = check()
    assert "1 hit(s), 0 miss(es)" in second.stderr and second.stdout == first.stdout
    shadow = copy / "web" / "emcc" / "src" / "runtime" / "file_utils.cc"
    shadow.parent.mkdir(parents=True)
    shadow.write_text((copy / "src" / "runtime" / "file_utils.cc").read_text())
    assert "0 hit(s), 1 miss(es)" in check().stderr
