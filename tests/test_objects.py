"""The symbols amalint reads from ELF objects and static libraries, against binutils' ``nm``
on objects g++ compiles: globals, weak definitions (inline functions), GNU unique symbols (a
static local of an inline function), undefined and weakly undefined references, and members
whose names are in the archive's name table."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from amalint.config.buildsystems.objects import read_archive, read_object

SOURCE = """\
int global_counter = 1;
extern int elsewhere();
extern int maybe() __attribute__((weak));
inline int& shared() { static int value = elsewhere(); return value; }
int use() { return shared() + (maybe ? maybe() : 0) + global_counter; }
static int hidden() { return 2; }
int also() { return hidden(); }
"""

pytestmark = pytest.mark.skipif(shutil.which("nm") is None or shutil.which("g++") is None,
                                reason="needs g++ and binutils")


def nm(path: Path) -> tuple[set[str], set[str]]:
    """(defined, strongly undefined) global symbols, as ``nm`` lists them."""
    out = subprocess.run(["nm", "-P", str(path)], capture_output=True, text=True,
                         check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2 or parts[0].endswith(":"):
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            undefined.add(name)
        elif kind in "uVWvTDBRGSC" and kind != "w":
            defined.add(name)
    return defined, undefined


def test_symbols_are_what_nm_lists(tmp_path: Path) -> None:
    (tmp_path / "a_member_with_a_long_name.cc").write_text(SOURCE)
    subprocess.run(["g++", "-g", "-c", "a_member_with_a_long_name.cc", "-o",
                    "a_member_with_a_long_name.o"], cwd=tmp_path, check=True)
    subprocess.run(["ar", "rcs", "libx.a", "a_member_with_a_long_name.o"], cwd=tmp_path,
                   check=True)
    obj, source = read_object(tmp_path / "a_member_with_a_long_name.o")
    defined, undefined = nm(tmp_path / "a_member_with_a_long_name.o")
    assert set(obj.defined) == defined and set(obj.undefined) == undefined
    assert source == "a_member_with_a_long_name.cc"
    assert "_ZZ6sharedvE5value" in obj.defined  # GNU unique (`nm` type u)
    assert "_Z5maybev" not in obj.undefined  # a weak reference pulls nothing in
    [(member, recorded)] = read_archive(tmp_path / "libx.a")
    assert member.member == "a_member_with_a_long_name.o"
    assert (member.defined, member.undefined, recorded) == (obj.defined, obj.undefined, source)
