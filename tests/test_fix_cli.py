"""`--fix` and `--diff` through the command line: what is written, and what never is."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from conftest import amalint

CONFIG = """\
[profiles.reg]
providers = ["reg::Add"]
consumers = ["reg::Need"]
init-blocks = [{ macro = "REG_INIT", kind = "constructor" }]
"""
HEADER = "#pragma once\nnamespace reg { void Add(const char*); void Need(const char*); }\n"


def make_unit(root: Path, sources: dict[str, str], order: list[str],
              newline: str = "\n") -> Path:
    """A small amalgamation: ``sources`` (REG_INIT bodies) included in ``order``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "amalint.toml").write_text(CONFIG)
    (root / "reg.h").write_text(HEADER)
    for name, body in sources.items():
        (root / name).write_text(f'#include "reg.h"\nREG_INIT() {{ {body} }}\n')
    umbrella = root / "umbrella.cc"
    text = "// the unit\n\n" + "".join(f'#include "{name}"\n' for name in order) + "int x;\n"
    umbrella.write_bytes(text.replace("\n", newline).encode())
    return umbrella


HAZARD = {"user.cc": 'reg::Need("k");', "provider.cc": 'reg::Add("k");'}


def test_diff_prints_and_writes_nothing(tmp_path: Path) -> None:
    umbrella = make_unit(tmp_path, HAZARD, ["user.cc", "provider.cc"])
    before = umbrella.read_bytes(), umbrella.stat().st_mtime_ns
    result = amalint("check", "umbrella.cc", "--diff", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "--- a/umbrella.cc\n+++ b/umbrella.cc\n@@ -1,5 +1,5 @@\n // the unit\n \n"
        '+#include "provider.cc"\n #include "user.cc"\n-#include "provider.cc"\n int x;\n'
    )
    assert (umbrella.read_bytes(), umbrella.stat().st_mtime_ns) == before
    clean = make_unit(tmp_path / "clean", HAZARD, ["provider.cc", "user.cc"])
    result = amalint("check", "umbrella.cc", "--diff", cwd=clean.parent)
    assert (result.returncode, result.stdout) == (0, "")


def test_json_carries_the_fix(tmp_path: Path) -> None:
    make_unit(tmp_path, HAZARD, ["user.cc", "provider.cc"])
    (finding,) = amalint("check", "umbrella.cc", "--format", "json", cwd=tmp_path).json
    assert finding["fix"] == {
        "applicability": "safe",
        "edits": [{"content": '#include "provider.cc"\n#include "user.cc"\n',
                   "location": {"row": 3, "column": 1},
                   "end_location": {"row": 5, "column": 1}}],
    }


def test_fix_keeps_crlf_and_mode_and_is_idempotent(tmp_path: Path) -> None:
    umbrella = make_unit(tmp_path, HAZARD, ["user.cc", "provider.cc"], newline="\r\n")
    umbrella.chmod(0o640)
    result = amalint("check", "umbrella.cc", "--fix", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "Found 1 error (1 fixed, 0 remaining).\n"
    assert umbrella.read_bytes() == (b'// the unit\r\n\r\n#include "provider.cc"\r\n'
                                     b'#include "user.cc"\r\nint x;\r\n')
    assert stat.S_IMODE(umbrella.stat().st_mode) == 0o640
    mtime = umbrella.stat().st_mtime_ns
    again = amalint("check", "umbrella.cc", "--fix", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "All checks passed!\n")
    assert umbrella.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".amalint")] == []


def test_read_only_and_outside_the_tree_are_errors_and_write_nothing(tmp_path: Path) -> None:
    umbrella = make_unit(tmp_path / "unit", HAZARD, ["user.cc", "provider.cc"])
    before = umbrella.read_bytes()
    umbrella.chmod(0o444)
    result = amalint("check", "umbrella.cc", "--fix", cwd=umbrella.parent)
    assert result.returncode == 2
    assert result.stderr.strip() == "amalint: error: umbrella.cc: read-only; not fixing it"
    assert umbrella.read_bytes() == before
    umbrella.chmod(0o644)
    (tmp_path / "elsewhere").mkdir()
    result = amalint("check", "../unit/umbrella.cc", "--fix", cwd=tmp_path / "elsewhere")
    assert result.returncode == 2
    assert "outside the working tree" in result.stderr
    assert umbrella.read_bytes() == before


def test_unsafe_fix_needs_unsafe_fixes(tmp_path: Path) -> None:
    # the cheapest fix moves p.cc (fewest bytes) above user_of_k.cc, across other.cc, which
    # registers "j" as p.cc does: the move changes which of the two registers "j" first
    sources = {"user_of_k.cc": 'reg::Need("k");', "other.cc": 'reg::Add("j");',
               "p.cc": 'reg::Add("k"); reg::Add("j");'}
    umbrella = make_unit(tmp_path, sources, ["user_of_k.cc", "other.cc", "p.cc"])
    before = umbrella.read_bytes()
    result = amalint("check", "umbrella.cc", "--select", "AM101", "--fix", cwd=tmp_path)
    assert result.returncode == 1 and umbrella.read_bytes() == before
    listed = amalint("check", "umbrella.cc", "--select", "AM101", cwd=tmp_path)
    assert "1 hidden fix(es) can be enabled with the `--unsafe-fixes` option." in listed.stdout
    assert "[*]" not in listed.stdout
    (finding,) = amalint("check", "umbrella.cc", "--select", "AM101", "--format", "json",
                         cwd=tmp_path).json
    assert finding["fix"]["applicability"] == "unsafe"
    result = amalint("check", "umbrella.cc", "--select", "AM101", "--fix", "--unsafe-fixes",
                     cwd=tmp_path)
    assert result.returncode == 0
    assert umbrella.read_bytes().index(b'"p.cc"') < umbrella.read_bytes().index(b"user_of_k")


def test_a_barrier_is_reported_as_unfixable(tmp_path: Path) -> None:
    umbrella = make_unit(tmp_path, HAZARD, ["user.cc", "provider.cc"])
    umbrella.write_text(umbrella.read_text().replace('#include "provider.cc"',
                                                     '#define MODE 1\n#include "provider.cc"'))
    result = amalint("check", "umbrella.cc", cwd=tmp_path)
    assert result.returncode == 1
    assert "(not fixable: the provider would have to move across line 4 (`#define MODE 1`))" \
        in result.stdout
    assert amalint("check", "umbrella.cc", "--diff", cwd=tmp_path).stdout == ""
    assert os.access(umbrella, os.R_OK)


def test_removal_and_reorder_compose(tmp_path: Path) -> None:
    # user.cc is included twice (AM204) and before its provider (AM101): the fixes overlap,
    # so one pass removes the duplicate, the next reorders; no other line is lost or doubled
    umbrella = make_unit(tmp_path, HAZARD, ["user.cc", "provider.cc", "user.cc"])
    result = amalint("check", "umbrella.cc", "--diff", cwd=tmp_path)
    assert result.returncode == 1
    result = amalint("check", "umbrella.cc", "--fix", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "Found 2 errors (2 fixed, 0 remaining).\n")
    assert umbrella.read_text() == (
        '// the unit\n\n#include "provider.cc"\n#include "user.cc"\nint x;\n')


def test_orphan_sources_are_searched_where_the_config_says(tmp_path: Path) -> None:
    umbrella = make_unit(tmp_path, {"user.cc": 'reg::Need("k");'}, ["user.cc"])
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "provider.cc").write_text(
        '#include "../reg.h"\nREG_INIT() { reg::Add("k"); }\n')
    assert [f["code"] for f in amalint("check", "umbrella.cc", "--format", "json",
                                        cwd=tmp_path).json] == ["AM102"]
    (tmp_path / "amalint.toml").write_text('sources = ["extra/**/*.cc"]\n' + CONFIG)
    found = amalint("check", "umbrella.cc", "--format", "json", cwd=tmp_path).json
    assert [f["code"] for f in found] == ["AM102", "AM205"]
    assert found[1]["fix"] == {
        "applicability": "unsafe",
        "edits": [{"content": '#include "extra/provider.cc"\n',
                   "location": {"row": 3, "column": 1}, "end_location": {"row": 3, "column": 1}}],
    }
    result = amalint("check", "umbrella.cc", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert umbrella.read_text() == (
        '// the unit\n\n#include "extra/provider.cc"\n#include "user.cc"\nint x;\n')


def test_an_orphan_is_tried_alike_by_either_front_end(tmp_path: Path) -> None:
    """AM205's trial build (the umbrella with the candidate included) is tree-sitter's under
    either front end (libclang would parse the whole unit again for it): the findings and
    fixes are the same."""
    make_unit(tmp_path, {"user.cc": 'reg::Need("k");'}, ["user.cc"])
    (tmp_path / "reg.h").write_text(HEADER + (  # an init block libclang can compile
        "#define REG_CAT2(a, b) a##b\n#define REG_CAT(a, b) REG_CAT2(a, b)\n"
        "#define REG_INIT() __attribute__((constructor)) static void "
        "REG_CAT(reg_init_, __COUNTER__)()\n"))
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "provider.cc").write_text(
        '#include "../reg.h"\nREG_INIT() { reg::Add("k"); }\n')
    (tmp_path / "amalint.toml").write_text('sources = ["extra/**/*.cc"]\n' + CONFIG)
    runs = [[(f["code"], f["message"], f.get("fix")) for f in amalint(
        "check", "umbrella.cc", "--frontend", frontend, "--format", "json", "--no-cache",
        cwd=tmp_path).json] for frontend in ("tree-sitter", "libclang")]
    assert [code for code, _, _ in runs[0]] == ["AM102", "AM205"]
    assert runs[0] == runs[1]
    assert runs[1][1][2]["edits"][0]["content"] == '#include "extra/provider.cc"\n'


def test_sources_must_be_a_list_of_globs(tmp_path: Path) -> None:
    make_unit(tmp_path, HAZARD, ["provider.cc", "user.cc"])
    (tmp_path / "amalint.toml").write_text('sources = "src/*.cc"\n' + CONFIG)
    result = amalint("check", "umbrella.cc", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("'sources' must be a list of strings")


def test_an_inserted_include_is_spelled_like_its_siblings(tmp_path: Path) -> None:
    # as in TVM's web/emcc/wasm_runtime.cc: sources spelled from the project root, which is
    # where amalint finds them (tried last for quoted includes)
    make_unit(tmp_path / "src" / "runtime", {"user.cc": 'reg::Need("k");',
                                             "provider.cc": 'reg::Add("k");'}, [])
    (tmp_path / "amalint.toml").write_text(CONFIG)
    (tmp_path / "web" / "emcc").mkdir(parents=True)
    umbrella = tmp_path / "web" / "emcc" / "u.cc"
    umbrella.write_text('#include "src/runtime/user.cc"\nint main() { return 0; }\n')
    found = amalint("check", "web/emcc/u.cc", "--format", "json", cwd=tmp_path).json
    assert [f["code"] for f in found] == ["AM102", "AM205"]
    assert found[1]["fix"]["edits"][0]["content"] == '#include "src/runtime/provider.cc"\n'
    result = amalint("check", "web/emcc/u.cc", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert umbrella.read_text().startswith(
        '#include "src/runtime/provider.cc"\n#include "src/runtime/user.cc"\n')
