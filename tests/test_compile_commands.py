"""`amalint compile-commands` (issue 22, the editor): each source of a unity unit gets a command
under which it compiles as it does inside the unit. The compiler is the judge: every emitted
command is run with `-fsyntax-only` by each compiler, and a source that does not compile alone
must compile with its command."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from conftest import amalint

UTIL_H = "#pragma once\ninline int twice(int x) { return 2 * x; }\n"
#: a.cc includes util.h; b.cc uses `twice` without including it, and `BASE`, which only the
#: umbrella defines: b.cc compiles inside the unit and nowhere else.
A_CC = '#include "util.h"\nint a() { return twice(1); }\n'
B_CC = "int b() { return twice(BASE); }\n"
UMBRELLA = """\
// the unit
#define BASE 20
#include <cstdio>
#include "src/a.cc"
#if BASE > 0
#include "src/b.cc"
#endif
int main() { std::printf("%d\\n", a() + b()); return 0; }
"""


def unit(root: Path) -> None:
    (root / "src").mkdir(parents=True)
    (root / "include").mkdir()
    (root / "include" / "util.h").write_text(UTIL_H)
    (root / "src" / "a.cc").write_text(A_CC)
    (root / "src" / "b.cc").write_text(B_CC)
    (root / "umbrella.cc").write_text(UMBRELLA)


def syntax_check(entry: dict[str, Any], compiler: str) -> subprocess.CompletedProcess[str]:
    """The entry's command with ``compiler`` as the driver and ``-fsyntax-only``."""
    return subprocess.run([compiler, "-fsyntax-only", *entry["arguments"][1:]],
                          cwd=entry["directory"], capture_output=True, text=True, check=False)


def test_a_source_that_compiles_only_in_its_unit_compiles_with_its_command(
        tmp_path: Path, compiler: str) -> None:
    unit(tmp_path)
    alone = subprocess.run([compiler, "-fsyntax-only", "-Iinclude", "src/b.cc"], cwd=tmp_path,
                           capture_output=True, text=True, check=False)
    assert alone.returncode != 0 and "twice" in alone.stderr  # the premise
    made = amalint("compile-commands", "umbrella.cc", "-o", "build/compile_commands.json",
                   "--", "-Iinclude", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    entries = json.loads((tmp_path / "build" / "compile_commands.json").read_text())
    assert [Path(e["file"]) for e in entries] == [
        (tmp_path / name).resolve() for name in ("umbrella.cc", "src/a.cc", "src/b.cc")]
    for entry in entries:
        checked = syntax_check(entry, compiler)
        assert checked.returncode == 0, (entry["file"], checked.stderr)
    # the prefix header is what makes b.cc compile: without it, it fails as alone
    (b_entry,) = [e for e in entries if e["file"].endswith("b.cc")]
    index = b_entry["arguments"].index("-include")
    stripped = {**b_entry, "arguments": b_entry["arguments"][:index]
                + b_entry["arguments"][index + 2:]}
    assert syntax_check(stripped, compiler).returncode != 0


def test_the_database_goes_to_stdout_and_a_non_umbrella_is_refused(tmp_path: Path) -> None:
    unit(tmp_path)
    printed = amalint("compile-commands", "umbrella.cc", "-o", "-", "--", "-Iinclude",
                      cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert len(json.loads(printed.stdout)) == 3
    assert (tmp_path / ".amalint-unity").is_dir()
    refused = amalint("compile-commands", "src/a.cc", "-o", "-", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "not an umbrella" in refused.stderr
