"""The conservative CMake reader: literal arguments are trusted, anything else is said to be
unknown; and the source-list reorder the AM101 fix makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from amalint.config.buildsystems.cmakelists import parse
from amalint.config.buildsystems.properties import read_properties
from amalint.errors import InputError
from amalint.fix.cmakelists import reorder
from amalint.fix.solver import apply_fixes

TEXT = b"""# a comment with add_library(fake x.cc)
#[[ a bracket comment
add_executable(also_fake y.cc) ]]
add_library(core STATIC
  a.cc  # first
  "b c.cc"
  [=[d.cc]=]
  ${EXTRA})
set_source_files_properties(a.cc ${GENERATED} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
set_property(SOURCE "b c.cc" PROPERTY UNITY_GROUP ${group})
set_target_properties(core PROPERTIES UNITY_BUILD_MODE GROUP)
target_sources(core PRIVATE e.cc)
"""


def test_commands_and_literal_arguments(tmp_path: Path) -> None:
    commands = parse(TEXT, tmp_path / "CMakeLists.txt")
    assert [c.name for c in commands] == ["add_library", "set_source_files_properties",
                                          "set_property", "set_target_properties",
                                          "target_sources"]
    lib = commands[0]
    assert [(a.text, a.literal) for a in lib.args] == [
        ("core", True), ("STATIC", True), ("a.cc", True), ("b c.cc", True), ("d.cc", True),
        ("${EXTRA}", False)]
    assert (lib.line, lib.args[2].line, lib.args[2].column) == (4, 5, 3)


def test_unclosed_command_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"CMakeLists.txt:2: `add_library\(` is never closed"):
        parse(b"\nadd_library(core a.cc\n", tmp_path / "CMakeLists.txt")


def test_properties_are_read_literally_with_notes(tmp_path: Path) -> None:
    path = tmp_path / "CMakeLists.txt"
    path.write_bytes(TEXT)
    props = read_properties([path])
    assert props.skipped("core", tmp_path, tmp_path / "a.cc") == "SKIP_UNITY_BUILD_INCLUSION"
    assert props.targets["core"] == {"UNITY_BUILD_MODE": "GROUP"}
    assert props.of_source("core", tmp_path, tmp_path / "b c.cc") == {}
    assert len(props.notes) == 2  # the file named by a variable, the group's value
    assert [item.source.name for item in props.lists["core"]] == ["a.cc", "b c.cc", "d.cc",
                                                                  "e.cc"]


def test_reorder_moves_arguments_within_one_command(tmp_path: Path) -> None:
    path = tmp_path / "CMakeLists.txt"
    path.write_bytes(TEXT)
    items = read_properties([path]).lists["core"]
    a, b, d, e = (tmp_path / n for n in ("a.cc", "b c.cc", "d.cc", "e.cc"))
    edits = reorder([d, a, b, e], items)
    assert isinstance(edits, dict)
    new = apply_fixes(TEXT, [edits[path]])
    assert b'  [=[d.cc]=]  # first\n  a.cc\n  "b c.cc"\n  ${EXTRA})' in new
    assert "another command" in str(reorder([e, a, b, d], items))
    assert "not written literally" in str(reorder([a, tmp_path / "x.cc"], items))


def test_unity_build_off_through_a_variable_keeps_readiness_off_that_directory(
        tmp_path: Path) -> None:
    """curl's examples: `set_target_properties(${name} PROPERTIES UNITY_BUILD OFF)` in a loop.
    amalint cannot tell which targets it names, so readiness leaves the targets defined in that
    directory alone (with a note) instead of reporting programs that each define main()."""
    from amalint.config.buildsystems.pools import pools
    from amalint.config.buildsystems.targets import Target, TargetSource

    examples = tmp_path / "examples"
    examples.mkdir()
    (examples / "CMakeLists.txt").write_text(
        "foreach(name a b)\n  add_executable(example-${name} ${name}.c)\n"
        "  set_target_properties(example-${name} PROPERTIES UNITY_BUILD OFF)\nendforeach()\n")
    props = read_properties([examples / "CMakeLists.txt"])
    sources = tuple(TargetSource(examples / n, "C", False) for n in ("a.c", "b.c"))
    notes: list[str] = []
    assert pools(Target("example-all", examples, sources), props, notes) == []
    assert notes == [f"target `example-all`: {examples / 'CMakeLists.txt'}:3 sets UNITY_BUILD "
                     "off on targets named through a variable, perhaps this one; not checked"]
    elsewhere = Target("lib", tmp_path, sources)
    assert len(pools(elsewhere, props, [])) == 1
