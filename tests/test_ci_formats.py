"""Output for CI dashboards: GitLab Code Quality (its shape, fingerprints shared with SARIF and
stable across unrelated edits) and JUnit XML (parsed back with xml.etree: counts, escaping)."""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from conftest import FIXTURES, amalint

TVM = FIXTURES / "tvm_shape"
ARGS = ("--", "-Iinclude", "-Ieager")
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def collisions(directory: Path, *names: str) -> None:
    """An umbrella ``u.cc`` including ``names``, each defining the same static function."""
    (directory / "u.cc").write_bytes(b"".join(b'#include "%s"\n' % os.fsencode(n)
                                              for n in names))
    for number, name in enumerate(names):
        (directory / name).write_text(f"static int helper() {{ return {number}; }}\n")


def gitlab(*args: str, cwd: Path) -> list[dict[str, Any]]:
    result = amalint("check", "--format", "gitlab", *args, cwd=cwd)
    issues: list[dict[str, Any]] = json.loads(result.stdout)
    assert isinstance(issues, list)
    # exit 1 with findings, 0 without (the default fail-on), never anything else
    assert result.returncode == (1 if issues else 0), (result.returncode, result.stderr)
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert all(isinstance(issue[k], str) and issue[k]
                   for k in ("description", "check_name", "fingerprint", "severity"))
        assert issue["severity"] in GITLAB_SEVERITIES
        assert set(issue["location"]) == {"path", "lines"}
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert len({i["fingerprint"] for i in issues}) == len(issues)  # GitLab needs them unique
    return issues


def test_gitlab_code_quality_shape_and_sarif_fingerprints() -> None:
    issues = gitlab("umbrella.cc", *ARGS, cwd=TVM)
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("AM101", "major", {"path": "fixtures/tvm_shape/umbrella.cc", "lines": {"begin": 7}}),
        ("AM101", "major", {"path": "fixtures/tvm_shape/umbrella.cc", "lines": {"begin": 8}}),
    ]
    assert issues[0]["description"].startswith("AM101 `src/file_utils.cc` looks up")
    sarif = amalint("check", "--format", "sarif", "umbrella.cc", *ARGS, cwd=TVM).json
    assert [i["fingerprint"] for i in issues] == \
        [r["partialFingerprints"]["amalint/v2"] for r in sarif["runs"][0]["results"]]


def test_gitlab_fingerprints_survive_a_line_shift_and_a_clean_run_is_empty(
        tmp_path: Path) -> None:
    collisions(tmp_path, "a.cc", "b.cc")
    before = gitlab("u.cc", cwd=tmp_path)
    assert [i["location"] for i in before] == [{"path": "b.cc", "lines": {"begin": 1}}]
    (tmp_path / "b.cc").write_text("// moved down\n\n" + (tmp_path / "b.cc").read_text())
    after = gitlab("u.cc", cwd=tmp_path)
    assert after[0]["location"]["lines"]["begin"] == 3
    assert after[0]["fingerprint"] == before[0]["fingerprint"]
    (tmp_path / "b.cc").write_text("int b;\n")
    assert gitlab("u.cc", cwd=tmp_path) == []


def junit(*args: str, cwd: Path) -> ET.Element:
    result = amalint("check", "--format", "junit", *args, cwd=cwd)
    assert result.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n'), result.stderr
    root = ET.fromstring(result.stdout.encode("utf-8", "surrogateescape"))
    # exit 1 with failures (findings), 0 without (the default fail-on), never anything else
    failures = int(root.get("failures") or "0")
    assert failures == len(root.findall("testsuite/testcase/failure"))
    assert result.returncode == (1 if failures else 0), (result.returncode, result.stderr)
    return root


def test_junit_one_failing_testcase_per_finding_one_suite_per_file() -> None:
    root = junit("umbrella.cc", *ARGS, cwd=TVM)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("2", "2")
    (suite,) = root.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == \
        ("umbrella.cc", "2", "2")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["AM101 init-order at 7:1", "AM101 init-order at 8:1"]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "AM101"
    assert (failure.get("message") or "").startswith("`src/file_utils.cc` looks up")
    assert (failure.text or "").startswith("umbrella.cc:7:1: AM101 `src/file_utils.cc`")
    assert "note: TVM_FFI_STATIC_INIT_BLOCK() runs at start-up" in (failure.text or "")


def test_junit_counts_across_files_and_a_clean_run_passes(tmp_path: Path) -> None:
    collisions(tmp_path, "a.cc", "b.cc", "c.cc")
    root = junit("u.cc", cwd=tmp_path)
    assert (root.get("tests"), root.get("failures")) == ("2", "2")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["b.cc", "c.cc"]
    assert sum(len(s.findall("testcase/failure")) for s in suites) == 2
    collisions(tmp_path, "a.cc")
    clean = junit("u.cc", cwd=tmp_path)
    assert (clean.get("tests"), clean.get("failures")) == ("1", "0")
    (case,) = clean.iter("testcase")
    assert case.find("failure") is None


def test_junit_escapes_markup_and_characters_xml_cannot_hold(tmp_path: Path) -> None:
    # markup and a control character in file names, and so in the messages naming them (a
    # file name that is not UTF-8: tests/test_hostile_input.py)
    odd = "x<&>'\x01.cc"
    collisions(tmp_path, odd, "plain.cc", "z<&>.cc")
    root = junit("u.cc", cwd=tmp_path)
    assert [s.get("name") for s in root.findall("testsuite")] == ["plain.cc", "z<&>.cc"]
    message = root.findall("testsuite/testcase/failure")[0].get("message") or ""
    assert "`x<&>'\\u0001.cc`" in message
    written = amalint("check", "--format", "junit", "u.cc", "-o", "report.xml", cwd=tmp_path)
    assert written.returncode == 1 and written.stderr == ""
    assert ET.parse(tmp_path / "report.xml").getroot().get("failures") == "2"


def test_new_formats_work_outside_a_repository_copy(tmp_path: Path) -> None:
    copy = tmp_path / "tvm"
    shutil.copytree(TVM, copy)
    issues = gitlab("umbrella.cc", *ARGS, cwd=copy)
    assert {i["location"]["path"] for i in issues} == {"umbrella.cc"}
