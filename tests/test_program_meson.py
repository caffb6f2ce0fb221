"""``--program`` on a Meson build directory: the link read from ``build.ninja`` (Meson puts the
libraries in one ``--start-group``, thin archives), each object's source from the
introspection. fixtures/program built with Meson and run: the sequence amalint prints is what
ran, its errors are the start-up failures."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, amalint

pytestmark = pytest.mark.skipif(not (Path(sys.executable).parent / "meson").exists(),
                                reason="meson and ninja come with the dev extra")

TRACE = re.compile(r"^init (.+):(\d+)$", re.M)
FAST = ("--frontend", "tree-sitter")
MESON = """\
project('program', 'cpp')
inc = include_directories('../plug/include')
plugins = static_library('plugins', 'plugins/zip.cc', 'plugins/tar.cc', include_directories: inc)
helpers = static_library('helpers', 'log.cc', include_directories: inc)
executable('app', {sources}, include_directories: inc, {libraries})
"""
MAIN_WITHOUT_ZIP = """\
#include "plug/registry.h"

PLUG_INIT() {
  PLUG_TRACE();
  plug::Require("log.sink");
}

int main() { return 0; }
"""
CASES = {
    # libraries searched in a group: nothing references the registrars
    "link_with": ("'main.cc'", "link_with: [plugins, helpers]", None, {"AM107"}),
    # linked whole, after main.cc's object: registered too late
    "link_whole": ("'main.cc'", "link_whole: [plugins, helpers]", None, {"AM106"}),
    # the log sink first, the plugins whole, nobody needs the zip codec at start-up
    "clean": ("'log.cc', 'main.cc'", "link_whole: [plugins]", MAIN_WITHOUT_ZIP, set()),
}


@pytest.mark.parametrize("case", list(CASES))
def test_meson_program_runs_as_the_model_says(tmp_path: Path, case: str) -> None:
    sources, libraries, main, errors = CASES[case]
    root = tmp_path / "program"
    shutil.copytree(FIXTURES / "program", root,
                    ignore=shutil.ignore_patterns("*.o", "*.a", "build.sh", "amalint.toml"))
    shutil.copy(FIXTURES / "program" / "amalint.toml", root)
    shutil.copytree(FIXTURES / "plug", tmp_path / "plug")
    if main is not None:
        (root / "main.cc").write_text(main)
    (root / "meson.build").write_text(MESON.format(sources=sources, libraries=libraries))
    tools = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    for command in (["meson", "setup", "build"], ["ninja", "-C", "build"]):
        subprocess.run(command, cwd=root, check=True, capture_output=True, env=env)
    ran = subprocess.run(["./build/app"], cwd=root, capture_output=True, text=True)
    traces = [f"{Path(f).name}:{line}" for f, line in TRACE.findall(ran.stdout)]
    order = amalint("order", "--program", "app", "-p", "build", "--format", "json", *FAST,
                    cwd=root)
    assert order.returncode == 0, order.stderr
    predicted = [f"{Path(r['filename']).name}:{r['location']['row'] + 1}"
                 for r in order.json["sequence"]]
    assert traces == predicted[:len(traces)]
    check = amalint("check", "--program", "app", "-p", "build", "--format", "json", *FAST,
                    cwd=root)
    assert {f["code"] for f in check.findings if f["severity"] == "error"} == errors
    assert (ran.returncode == 0) == (not errors)
    if case == "link_with":
        remedies = " ".join(r["message"] for f in check.findings for r in f["related"])
        assert "`link_whole: [plugins]`" in remedies
