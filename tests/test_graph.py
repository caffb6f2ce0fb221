"""Pictures: `amalint graph` (dot, mermaid, svg through Graphviz) and `amalint order --format
table`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import FIXTURES, amalint

TVM = FIXTURES / "tvm_shape"
PLUG = FIXTURES / "plug"
EAGER = ("--", "-Iinclude", "-Ieager")
LAZY = ("--", "-Iinclude", "-Ilazy")


def test_dot_nodes_in_include_order_and_hazards_in_red() -> None:
    result = amalint("graph", "umbrella.cc", *EAGER, cwd=TVM)
    assert result.returncode == 0, result.stderr
    dot = result.stdout
    labels = re.findall(r'^  (n\d+) \[label="(\d+): ([^"]+)"\];$', dot, re.M)
    assert [(line, path) for _, line, path in labels] == [
        ("6", "src/registry.cc"), ("7", "src/file_utils.cc"), ("8", "src/profiling.cc"),
        ("10", "src/object.cc")]
    ids = {path: node for node, _, path in labels}
    hazards = re.findall(r"^  (n\d+) -> (n\d+) \[label=\"([^\"]+)\".*color=red", dot, re.M)
    assert sorted(hazards) == sorted([
        (ids["src/object.cc"], ids["src/file_utils.cc"], "ffi.GetKwargsObject"),
        (ids["src/object.cc"], ids["src/profiling.cc"], "ffi.GetKwargsObject")])
    # the same sources with the deferred lookup: no requirement, no edge
    lazy = amalint("graph", "umbrella.cc", *LAZY, cwd=TVM).stdout
    assert "color=red" not in lazy and "label=\"ffi." not in lazy


def test_satisfied_edges_are_not_red() -> None:
    fixed = amalint("graph", "umbrella.fixed.cc", *EAGER, cwd=TVM).stdout
    edges = re.findall(r"^  n\d+ -> n\d+ \[label=\"ffi.GetKwargsObject\"(.*)\];$", fixed, re.M)
    assert len(edges) == 2 and not any("red" in e for e in edges)


def test_mermaid_for_a_job_summary() -> None:
    result = amalint("graph", "umbrella.cc", "--format", "mermaid", "--", "-I../include",
                     cwd=PLUG / "chain")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "flowchart TD" in lines
    nodes = [line.split("[", 1)[1] for line in lines if re.match(r"  n\d+\[", line)]
    assert nodes == ['"3: app.cc"]', '"4: service.cc"]', '"6: store.cc"]']
    links = [line for line in lines if "-->" in line or "~~~" in line]
    assert links[2:] == ['  n1 -- "service.api" --> n0', '  n2 -- "store.db" --> n1']
    assert lines[-1] == "  linkStyle 2,3 stroke:red,color:red,stroke-width:2px"


def test_svg_through_graphviz(tmp_path: Path) -> None:
    out = tmp_path / "unit.svg"
    result = amalint("graph", "umbrella.cc", "--format", "svg", "-o", str(out), *EAGER, cwd=TVM)
    assert result.returncode == 0, result.stderr
    svg = ET.parse(out).getroot()
    text = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "10: src/object.cc" in text and "ffi.GetKwargsObject" in text
    strokes = {p.get("stroke") for p in svg.iter("{http://www.w3.org/2000/svg}path")}
    assert "red" in strokes


def test_svg_without_graphviz_says_so(tmp_path: Path) -> None:
    # a PATH without Graphviz's dot; amalint itself runs by absolute interpreter path
    env = {**os.environ, "PATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "amalint", "graph", "umbrella.cc", "--format",
                           "svg", *EAGER], cwd=TVM, env=env, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip() == (
        "amalint: error: --format svg needs Graphviz's `dot` on PATH (Debian/Ubuntu: apt-get "
        "install graphviz); --format dot or mermaid need nothing")


def test_order_table() -> None:
    result = amalint("order", "umbrella.cc", "--format", "table", *EAGER, cwd=TVM)
    assert result.returncode == 0
    rows = [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in result.stdout.splitlines() if line.startswith("│")]
    assert [(r[0], r[4], r[5]) for r in rows] == [
        ("1", "src/registry.cc:8", "6"), ("2", "src/file_utils.cc:13", "7"),
        ("3", "src/profiling.cc:17", "8"), ("4", "src/object.cc:10", "10")]
    # the lookups that run before their provider are marked, with the provider's place
    assert rows[1][7] == "ffi.GetKwargsObject ! before its provider (#4)"
    assert rows[3][6] == "ffi.GetKwargsObject" and rows[3][7] == ""


def test_order_table_on_a_narrow_terminal_never_splits_a_name(tmp_path: Path) -> None:
    """At 100 columns (a terminal: rich's TTY_COMPATIBLE), a path wraps after a `/` and a key
    after a `.`, never inside a directory, file or key name."""
    folder = "src/runtime/contrib/extension_modules"
    key = "runtime.module.loadfile_cudnn_json"
    (tmp_path / folder).mkdir(parents=True)
    (tmp_path / folder / "cudnn_json_runtime_registration.cc").write_text(
        "__attribute__((constructor)) static void provide() {\n"
        f'  tvm::ffi::Function::SetGlobal("{key}", 0);\n}}\n')
    (tmp_path / folder / "a_module_that_loads_it_at_start.cc").write_text(
        "__attribute__((constructor)) static void use() {\n"
        f'  tvm::ffi::Function::GetGlobalRequired("{key}");\n}}\n')
    (tmp_path / "u.cc").write_text(f'#include "{folder}/a_module_that_loads_it_at_start.cc"\n'
                                   f'#include "{folder}/cudnn_json_runtime_registration.cc"\n')
    env = {**os.environ, "COLUMNS": "100", "TTY_COMPATIBLE": "1"}
    result = amalint("order", "u.cc", "--format", "table", "--frontend", "tree-sitter",
                     cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    lines = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout).splitlines()  # bold, dim
    assert max(len(line) for line in lines) <= 100
    names = [*folder.split("/"), "a_module_that_loads_it_at_start.cc:1",
             "cudnn_json_runtime_registration.cc:1", *key.split(".")]
    assert [n for n in names if not any(n in line for line in lines)] == [], result.stdout
    # the table did have to wrap: the longest path does not fit on one line
    assert not any(f"{folder}/cudnn_json_runtime_registration.cc" in line for line in lines)
