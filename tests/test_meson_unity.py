"""Unity builds made by Meson, against real Meson, Ninja and compilers.

``fixtures/meson_unity`` is configured once per session (the pip ``meson`` and ``ninja``
wheels): without unity builds, with ``unity_size`` 2 (which keeps its colliding sources in
different batches) and 100 (one unit per target and language, where the compiler meets them).
The tests hold amalint's findings against what the compiler says.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, amalint, compiler_errors, one_line, places

from amalint.config.buildsystems import meson
from amalint.config.buildsystems.compdb import language_of

PROJECT = FIXTURES / "meson_unity"
BIN = Path(sys.executable).parent
MESON = str(BIN / "meson") if (BIN / "meson").exists() else shutil.which("meson") or "meson"
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "LC_ALL": "C"}
VARIANTS = {
    "off": ["--unity=off"],
    "size2": ["--unity=on", "-Dunity_size=2"],
    "whole": ["--unity=on", "-Dunity_size=100"],
}


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("meson_unity")
    out = {}
    for name, args in VARIANTS.items():
        done = subprocess.run([MESON, "setup", str(root / name), str(PROJECT), *args],
                              capture_output=True, text=True, env=ENV, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        out[name] = root / name
    return out


def ninja(build: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MESON, "compile", "-C", str(build), "--ninja-args=-k0"],
                          capture_output=True, text=True, env=ENV, timeout=300)


def check(*args: str) -> list[dict[str, Any]]:
    result = amalint("check", "--no-cache", "--format", "json", *args, cwd=PROJECT)
    found: list[dict[str, Any]] = result.findings
    return found


@pytest.fixture(scope="session")
def whole_target_errors(builds: dict[str, Path]) -> set[tuple[str, int]]:
    """What the compiler says when each target is one unit."""
    built = ninja(builds["whole"])
    assert built.returncode != 0
    return compiler_errors(built.stdout + built.stderr, PROJECT)


def test_unity_size_2_hides_the_collisions_one_batch_exposes(
        builds: dict[str, Path], whole_target_errors: set[tuple[str, int]]) -> None:
    for name in ("off", "size2"):
        built = ninja(builds[name])
        assert built.returncode == 0, built.stdout
    assert whole_target_errors == {("shapes/square.cc", 2), ("codec/huff.c", 3)}


@pytest.mark.parametrize("variant", ["off", "size2", "whole"])
def test_readiness_equals_the_errors_of_whole_target_units(
        builds: dict[str, Path], whole_target_errors: set[tuple[str, int]],
        variant: str) -> None:
    """With or without unity builds, readiness reports what the compiler rejects when each
    target is one unit, at the sources, and nothing else: not `legacy` (override_options
    unity=off), not C and C++ sources of `app`, not C's two `static int verbose;`."""
    found = check("-p", str(builds[variant]), "--unity-readiness", "--select", "AM2")
    assert all(f["severity"] == "error" for f in found), found
    assert places(found) == whole_target_errors
    for finding in found:
        assert "[target `" in finding["message"]
        assert "override_options: ['unity=off']" in finding["message"]  # Meson's remedy
        assert "SKIP_UNITY_BUILD_INCLUSION" not in finding["message"]
        assert finding["fix"] is None
        context = finding["related"][-1]
        assert context["filename"] == "meson.build", context
        assert "(as with a unity_size of at least that many)" in context["message"]


def test_readiness_points_at_the_target_in_meson_build(builds: dict[str, Path]) -> None:
    found = check("-p", str(builds["off"]), "--unity-readiness", "--select", "AM2")
    lines = {f["filename"]: f["related"][-1]["location"]["row"] for f in found}
    text = (PROJECT / "meson.build").read_text().splitlines()
    assert text[lines["shapes/square.cc"] - 1].startswith("shapes = static_library('shapes',")
    assert text[lines["codec/huff.c"] - 1].startswith("codec = static_library('codec',")


def test_generated_unity_sources_report_at_the_sources(
        builds: dict[str, Path], whole_target_errors: set[tuple[str, int]]) -> None:
    found = check("-p", str(builds["whole"]), "--select", "AM2")
    assert places(found) == whole_target_errors
    for finding in found:
        unity = [r for r in finding["related"] if re.search(r"\.p/\w+-unity0\.c", r["filename"])]
        assert unity and "in its unity source" in unity[0]["message"], finding
    assert check("-p", str(builds["size2"]), "--select", "AM2") == []


def test_precommit_checks_a_changed_source_against_its_target(builds: dict[str, Path]) -> None:
    build = str(builds["size2"])
    assert places(check("-p", build, "codec/crc.c")) == {("codec/huff.c", 3)}
    assert check("-p", build, "codec/rle.c", "shapes/line.cc") == []
    skipped = amalint("check", "--no-cache", "-p", build, "legacy/old.cc", cwd=PROJECT)
    assert (skipped.returncode, skipped.stdout) == (0, "")
    assert "legacy/old.cc: no umbrella includes it; nothing to check" in skipped.stderr


def test_unity_off_without_readiness_is_an_error_naming_meson(builds: dict[str, Path]) -> None:
    result = amalint("check", "--no-cache", "-p", str(builds["off"]), cwd=PROJECT)
    assert result.returncode == 2
    assert "no unity sources (Meson's unity option is off)" in result.stderr


def test_broken_introspection_is_one_line_and_exit_2(builds: dict[str, Path],
                                                      tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(builds["off"], broken)
    (broken / "meson-info" / "intro-targets.json").write_text("{ not json")
    result = amalint("check", "-p", str(broken), "--unity-readiness", cwd=PROJECT)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "intro-targets.json: not valid Meson introspection" in lines[0]


def _copy(builds: dict[str, Path], tmp_path: Path) -> Path:
    broken = tmp_path / "broken"
    shutil.copytree(builds["off"], broken)
    return broken


def test_headers_listed_with_a_target_are_not_its_sources(builds: dict[str, Path],
                                                           tmp_path: Path) -> None:
    build = _copy(builds, tmp_path)
    path = build / "meson-info" / "intro-targets.json"
    targets = json.loads(path.read_text())
    shapes = next(t for t in targets if t["name"] == "shapes")
    group = next(g for g in shapes["target_sources"] if g.get("language") == "cpp")
    group["sources"] += [str(PROJECT / "shapes" / "shapes.h"), str(PROJECT / "shapes" / "s.hpp")]
    path.write_text(json.dumps(targets))
    found = next(t for t in meson.read_build(build).reply.targets if t.name == "shapes")
    assert [s.path.name for s in found.sources] == ["circle.cc", "line.cc", "square.cc"]
    assert {s.language for s in found.sources} == {"CXX"}
    assert language_of(Path("x.h")) is None  # the one function CMake's reading takes


@pytest.mark.parametrize(("name", "value", "message"), [
    ("intro-targets.json", "[" * 100_000, "(nested too deeply)"),
    ("intro-targets.json", [5], "a target that is not an object"),
    ("intro-targets.json", [{"name": 1, "defined_in": "x"}], "a target without name"),
    ("intro-targets.json", [{"name": "t", "type": "executable", "defined_in": "/m.build",
                             "target_sources": {}}], "'target_sources' must be a list"),
    ("intro-targets.json", [{"name": "t", "type": "executable", "defined_in": "/m.build",
                             "target_sources": [[]]}], "not an object"),
    ("intro-targets.json", [{"name": "t", "type": "executable", "defined_in": "/m.build",
                             "target_sources": [{"language": "cpp", "sources": "a.cc"}]}],
     "'sources' must be a list"),
    ("intro-targets.json", [{"name": "t", "type": "executable", "defined_in": "/m.build",
                             "target_sources": [{"language": "cpp", "sources": [1]}]}],
     "'sources' must be a list of strings"),
    ("intro-targets.json", [{"name": "t", "type": "executable", "defined_in": "/m\u0000"}],
     "a NUL byte in the path"),
    ("meson-info.json", {"directories": []}, "no directories.source"),
    ("intro-buildoptions.json", "{", "not valid Meson introspection"),
])
def test_malformed_introspection(builds: dict[str, Path], tmp_path: Path, name: str,
                                 value: Any, message: str) -> None:
    build = _copy(builds, tmp_path)
    path = build / "meson-info" / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    result = amalint("check", "-p", str(build), "--unity-readiness", cwd=PROJECT, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    line = one_line(result.stderr)
    assert line.startswith(f"amalint: error: {path}: not valid Meson introspection"), line
    assert message in line


@pytest.mark.parametrize("name", ["intro-targets.json", "intro-buildoptions.json"])
@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_fifos_and_devices_in_meson_info(builds: dict[str, Path], tmp_path: Path, name: str,
                                         kind: str) -> None:
    build = _copy(builds, tmp_path)
    path = build / "meson-info" / name
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(kind)
    result = amalint("check", "-p", str(build), "--unity-readiness", cwd=PROJECT, timeout=60)
    problem = "a FIFO" if kind == "fifo" else "a device"
    assert result.returncode == 2
    assert f"{name}: {problem}, not a Meson introspection file" in one_line(result.stderr)


def test_a_fifo_for_meson_build_is_refused(builds: dict[str, Path], tmp_path: Path) -> None:
    build = _copy(builds, tmp_path)
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    path = build / "meson-info" / "intro-targets.json"
    path.write_text(path.read_text().replace(str(PROJECT), str(project)))
    (project / "meson.build").unlink()
    os.mkfifo(project / "meson.build")
    result = amalint("check", "-p", str(build), "--unity-readiness", cwd=project, timeout=60)
    assert result.returncode == 2
    assert "meson.build: a FIFO, not a meson.build" in one_line(result.stderr)
