"""The baseline: --write-baseline records the findings of a legacy tree, --baseline (or the
config's ``baseline``) hides them, so CI fails only on new ones; fingerprints survive unrelated
line shifts; a missing or malformed baseline is one line and exit 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import amalint, one_line

BASE = "amalint-baseline.json"


def legacy(root: Path) -> None:
    """An umbrella with one old collision: ``helper`` in a.cc and b.cc."""
    (root / "u.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    (root / "a.cc").write_text("static int helper() { return 1; }\nint a = helper();\n")
    (root / "b.cc").write_text("static int helper() { return 2; }\nint b = helper();\n")


def add_collision(root: Path) -> None:
    """A new collision: ``other`` in c.cc and d.cc, included after the old ones."""
    (root / "c.cc").write_text("static int other() { return 3; }\n")
    (root / "d.cc").write_text("static int other() { return 4; }\n")
    with (root / "u.cc").open("a") as fh:
        fh.write('#include "c.cc"\n#include "d.cc"\n')


def baselined(root: Path) -> None:
    legacy(root)
    written = amalint("check", "u.cc", "--write-baseline", BASE, cwd=root)
    assert (written.returncode, written.stdout) == (0, ""), written.stderr
    assert written.stderr == f"amalint: wrote 1 finding(s) to the baseline {BASE}\n"


def test_write_baseline_records_fingerprints_without_line_numbers(tmp_path: Path) -> None:
    baselined(tmp_path)
    data = json.loads((tmp_path / BASE).read_text())
    assert data["amalint-baseline"] == 1 and data["fingerprint"] == "amalint/v2"
    (entry,) = data["findings"]
    assert (entry["code"], entry["path"]) == ("AM201", "b.cc")
    assert "line" not in entry and len(entry["fingerprint"]) == 32
    sarif = amalint("check", "u.cc", "--format", "sarif", cwd=tmp_path).json
    assert sarif["runs"][0]["results"][0]["partialFingerprints"]["amalint/v2"] == \
        entry["fingerprint"]


def test_an_old_finding_is_hidden_and_the_run_passes(tmp_path: Path) -> None:
    baselined(tmp_path)
    assert amalint("check", "u.cc", cwd=tmp_path).returncode == 1  # without the baseline
    result = amalint("check", "u.cc", "--baseline", BASE, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"All checks passed!\n1 finding hidden by the baseline {BASE}.\n"
    quiet = amalint("check", "u.cc", "--baseline", BASE, "-q", cwd=tmp_path)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


def test_a_new_finding_fails_and_is_the_only_one_printed(tmp_path: Path) -> None:
    baselined(tmp_path)
    add_collision(tmp_path)
    result = amalint("check", "u.cc", "--baseline", BASE, "--format", "concise", cwd=tmp_path)
    assert result.returncode == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("d.cc:1:12: AM201 `other()` (static) is also defined in `c.cc`")
    assert result.stderr == f"amalint: note: 1 finding hidden by the baseline {BASE}\n"
    text = amalint("check", "u.cc", "--baseline", BASE, cwd=tmp_path)
    assert text.returncode == 1 and "b.cc" not in text.stdout
    assert text.stdout.endswith(f"Found 1 error.\n1 finding hidden by the baseline {BASE}.\n")
    for fmt in ("json", "gitlab"):
        shown = amalint("check", "u.cc", "--baseline", BASE, "--format", fmt, cwd=tmp_path)
        assert shown.returncode == 1 and len(shown.json) == 1


def test_a_line_shift_above_an_old_finding_keeps_it_hidden(tmp_path: Path) -> None:
    baselined(tmp_path)
    for name in ("u.cc", "a.cc", "b.cc"):
        path = tmp_path / name
        path.write_text("// a new first line\n\n" + path.read_text())
    shifted = amalint("check", "u.cc", "--format", "concise", cwd=tmp_path)
    assert shifted.stdout.startswith("b.cc:3:12: AM201")  # the finding moved down
    result = amalint("check", "u.cc", "--baseline", BASE, cwd=tmp_path)
    assert result.returncode == 0 and "1 finding hidden" in result.stdout
    # the flagged line itself changing is a new finding
    (tmp_path / "b.cc").write_text((tmp_path / "b.cc").read_text().replace(
        "static int helper() { return 2; }", "static int helper() { return 22; }"))
    assert amalint("check", "u.cc", "--baseline", BASE, cwd=tmp_path).returncode == 1


def test_a_second_identical_finding_is_new(tmp_path: Path) -> None:
    baselined(tmp_path)
    (tmp_path / "e.cc").write_text("static int helper() { return 2; }\n")
    with (tmp_path / "u.cc").open("a") as fh:
        fh.write('#include "e.cc"\n')
    result = amalint("check", "u.cc", "--baseline", BASE, "--format", "concise", cwd=tmp_path)
    assert result.returncode == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("e.cc:1:12: AM201")


def test_config_baseline_and_no_baseline(tmp_path: Path) -> None:
    baselined(tmp_path)
    (tmp_path / "ci").mkdir()
    (tmp_path / BASE).rename(tmp_path / "ci" / BASE)
    (tmp_path / "amalint.toml").write_text(f'baseline = "ci/{BASE}"\n')  # relative to it
    used = amalint("check", "u.cc", cwd=tmp_path)
    assert used.returncode == 0 and f"hidden by the baseline ci/{BASE}" in used.stdout
    assert amalint("check", "u.cc", "--no-baseline", cwd=tmp_path).returncode == 1
    shown = amalint("config", "--format", "json", cwd=tmp_path).json
    assert shown["baseline"] == str(tmp_path / "ci" / BASE)
    (tmp_path / "amalint.toml").write_text('baseline = "nope.json"\n')
    missing = amalint("check", "u.cc", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.json: no such file" in one_line(missing.stderr)
    # writing a new baseline does not need the old one
    assert amalint("check", "u.cc", "--write-baseline", "nope.json", cwd=tmp_path).returncode == 0
    assert amalint("check", "u.cc", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(("content", "message"), [
    (b"{not json", "not a baseline file (invalid JSON: Expecting property name"),
    (b"[]", 'not a baseline file (no "amalint-baseline" key'),
    (b'{"amalint-baseline": 1, "fingerprint": "amalint/v2", "findings": {}}',
     '"findings" must be a list'),
    (b'{"amalint-baseline": 1, "fingerprint": "amalint/v2", "findings": [{"code": "AM201"}]}',
     'finding 1 has no valid "fingerprint"'),
    (b'{"amalint-baseline": 9, "fingerprint": "amalint/v2", "findings": []}',
     "a baseline of another version"),
    (b'\xff{}', "not a baseline file (not valid UTF-8 at offset 0)"),
    (b"[" * 100_000 + b"]" * 100_000, "not a baseline file"),
])
def test_a_malformed_baseline_is_one_line_and_exit_2(tmp_path: Path, content: bytes,
                                                     message: str) -> None:
    legacy(tmp_path)
    (tmp_path / BASE).write_bytes(content)
    for fmt in ("text", "sarif"):
        result = amalint("check", "u.cc", "--baseline", BASE, "--format", fmt, cwd=tmp_path)
        assert result.returncode == 2 and result.stdout == ""
        assert one_line(result.stderr).startswith(f"amalint: error: {BASE}: ")
        assert message in result.stderr


def test_a_missing_or_unreadable_baseline_is_exit_2(tmp_path: Path) -> None:
    legacy(tmp_path)
    missing = amalint("check", "u.cc", "--baseline", "gone.json", cwd=tmp_path)
    assert (missing.returncode, one_line(missing.stderr)) == \
        (2, "amalint: error: gone.json: no such file")
    os.mkfifo(tmp_path / "fifo.json")
    fifo = amalint("check", "u.cc", "--baseline", "fifo.json", cwd=tmp_path, timeout=30)
    assert fifo.returncode == 2 and "not a baseline file; not read" in one_line(fifo.stderr)


def test_write_baseline_is_refused_where_it_must_not_write(tmp_path: Path) -> None:
    legacy(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-victim.json"
    outside.write_text("keep\n")
    (tmp_path / "planted.json").symlink_to(outside)
    planted = amalint("check", "u.cc", "--write-baseline", "planted.json", cwd=tmp_path)
    assert planted.returncode == 2 and "is a symbolic link" in one_line(planted.stderr)
    assert outside.read_text() == "keep\n"
    nodir = amalint("check", "u.cc", "--write-baseline", "no/dir.json", cwd=tmp_path)
    assert nodir.returncode == 2 and "no/dir.json: cannot write" in one_line(nodir.stderr)
    combined = amalint("check", "u.cc", "--write-baseline", BASE, "--fix", cwd=tmp_path)
    assert combined.returncode == 2 and "cannot be combined" in one_line(combined.stderr)
    # an input error: the baseline would miss what was not linted; nothing is written
    broken = amalint("check", "u.cc", "missing.cc", "--write-baseline", BASE, cwd=tmp_path)
    assert broken.returncode == 2 and not (tmp_path / BASE).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["a.cc", "b.cc", "planted.json", "u.cc"]  # no temporary file left either
