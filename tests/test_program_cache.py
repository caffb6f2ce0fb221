"""``--program`` takes each object's analysis from the cache: the stored analysis is the one a
fresh build makes, and an edited source is analysed again."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from conftest import FIXTURES, amalint

from amalint.cache.analyses import decode_analysis, encode_analysis
from amalint.config.files import load_config
from amalint.config.settings import Settings
from amalint.engine.run import build

LINK = "g++ main.o log.o plugins/libplugins.a"


def test_a_stored_analysis_is_the_analysis(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "program", tmp_path / "program")
    shutil.copytree(FIXTURES / "plug" / "include", tmp_path / "plug" / "include")
    folder = tmp_path / "program"
    settings = load_config(folder / "amalint.toml", Settings())
    for source in ("main.cc", "log.cc", "plugins/zip.cc", "plugins/tar.cc"):
        analysis = build(folder / source, settings).analysis
        assert analysis.order  # each has start-up code
        stored = json.loads(json.dumps(encode_analysis(analysis)))
        again = decode_analysis(stored)
        assert again.order == analysis.order
        assert all(again.effects[e] == analysis.effects[e] for e in analysis.order)


def test_a_warm_order_is_the_cold_one_and_an_edit_is_seen(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "program", tmp_path / "program")
    shutil.copytree(FIXTURES / "plug" / "include", tmp_path / "plug" / "include")
    folder = tmp_path / "program"
    subprocess.run(["sh", "build.sh"], cwd=folder, check=True, capture_output=True)
    cache = tmp_path / "cache"
    args = ("order", "--program", "app", "--link", LINK, "--cache-dir", str(cache))
    cold = amalint(*args, cwd=folder)
    warm = amalint(*args, cwd=folder)
    assert cold.returncode == warm.returncode == 0
    assert warm.stdout == cold.stdout
    assert any('"analysis"' in p.read_text() for p in cache.rglob("*.json"))
    # log.cc no longer registers its key: the stored analysis of log.cc is not reused
    log = folder / "log.cc"
    log.write_text(log.read_text().replace('plug::Provide("log.sink"', 'plug::Provide("x.y"'))
    edited = amalint(*args, cwd=folder)
    assert "provides `x.y`" in edited.stdout and "provides `log.sink`" not in edited.stdout
