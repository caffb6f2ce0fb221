"""What a cold run no longer does: the names each file refers to (AM206's facts) are sought
only when AM206 runs, and blanking comments and literals keeps every offset and newline."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import FIXTURES

from amalint.config.settings import Settings, parse_compiler_args
from amalint.engine.run import build
from amalint.frontends.filescope.source import blank
from amalint.scan.directives import Lines

HIDDEN = FIXTURES / "hidden"


def _references(select: tuple[str, ...], ignore: tuple[str, ...] = ()) -> int:
    search, defines = parse_compiler_args(("-std=c++17", "-Iinclude"), HIDDEN)
    settings = Settings(search=search, defines=defines, frontend="tree-sitter",
                        select=select, ignore=ignore)
    cwd = Path.cwd()
    os.chdir(HIDDEN)
    try:
        built = build(HIDDEN / "umbrella.cc", settings)
    finally:
        os.chdir(cwd)
    return sum(len(f.references) for f in built.model.filescope.files)


def test_references_are_sought_only_when_am206_runs() -> None:
    assert _references(("AM206",)) > 0
    assert _references(("AM1", "AM2")) == 0  # AM206 is a preview rule: not run by prefix
    assert _references(("ALL",)) == 0
    assert _references(("AM206",), ignore=("AM2",)) == 0


def test_settings_runs_preview_as_the_rule_selection_does() -> None:
    assert Settings(extend_select=("AM206",)).runs_preview("AM206")
    assert not Settings(select=("AM2",)).runs_preview("AM206")
    assert not Settings(select=("AM206",), ignore=("ALL",)).runs_preview("AM206")


@pytest.mark.parametrize("text", [
    b"char a; /* one\r\n two\tthree */ int b; // tail \\\n continued\nint c;",
    b'const char* s = "a\\"b /* not */"; char c = \'/\'; /* \xc3\xa9 */',
    b'char* r = R"x(raw\n"still"\n)x"; int n = 1\'000; /* \x0c */',
])
def test_blanking_keeps_offsets_and_newlines(text: bytes) -> None:
    blanked = blank(text)
    assert len(blanked) == len(text)
    assert [m.start() for m in re.finditer(b"\n", blanked)] == \
        [m.start() for m in re.finditer(b"\n", text)]
    assert b"/*" not in blanked and b"//" not in blanked
    assert b"char" in blanked
    lines = Lines.of(text)  # the directive scan's view: comments blanked, line by line
    assert [len(c) for c in lines.code] == [len(r) for r in lines.raw]
