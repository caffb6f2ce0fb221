"""pre-commit: changed files map to the umbrellas that include them; the hooks in
``.pre-commit-hooks.yaml`` run through the real pre-commit framework (``pre-commit try-repo``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COMPILERS, FIXTURES, ROOT, amalint, build_and_run

PLUG = FIXTURES / "plug"
CONFIG = """\
include-paths = ["include"]
[profiles.plug]
providers = ["plug::Provide"]
consumers = ["plug::Require"]
init-blocks = [{ macro = "PLUG_INIT", kind = "constructor" }]
"""


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout


def make_repo(root: Path) -> Path:
    """A git repository holding the plug/chain amalgamation (app needs service needs store,
    included backwards); store.cc includes a ``.inc`` file, and tool.cc is in no umbrella."""
    root.mkdir()
    shutil.copytree(PLUG / "include", root / "include")
    shutil.copytree(PLUG / "chain", root / "chain")
    (root / "amalint.toml").write_text(CONFIG)
    store = root / "chain" / "store.cc"
    store.write_text(store.read_text() + '#include "store_keys.inc"\n')
    (root / "chain" / "store_keys.inc").write_text("// keys of the store (none yet)\n")
    (root / "tool.cc").write_text('#include "plug/registry.h"\nint main() { return 0; }\n')
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "fixture", cwd=root)
    return root


def test_changed_sources_and_headers_map_to_their_umbrella(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    umbrella = amalint("check", "chain/umbrella.cc", "--format", "concise", cwd=repo)
    assert umbrella.returncode == 1
    for changed in ("chain/app.cc", "chain/store_keys.inc", "include/plug/registry.h"):
        result = amalint("check", changed, "--format", "concise", cwd=repo)
        assert (result.returncode, result.stdout) == (1, umbrella.stdout), changed
    # two changed files of one umbrella: it is linted once
    both = amalint("check", "chain/app.cc", "chain/store.cc", "--format", "concise", cwd=repo)
    assert both.stdout == umbrella.stdout
    skipped = amalint("check", "tool.cc", cwd=repo)
    assert (skipped.returncode, skipped.stdout, skipped.stderr) == (
        0, "", "amalint: note: tool.cc: no umbrella includes it; nothing to check\n")


def test_configured_umbrellas(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    # a second umbrella that the globs do not name: it is not linted for a changed app.cc
    (repo / "chain" / "other.cc").write_text('#include "app.cc"\n')
    (repo / "amalint.toml").write_text('umbrellas = ["chain/umbrella.cc"]\n' + CONFIG)
    result = amalint("check", "chain/app.cc", "--format", "json", cwd=repo)
    assert {f["filename"] for f in result.json} == {"chain/umbrella.cc"}
    # no paths: every configured umbrella
    everything = amalint("check", "--format", "json", cwd=repo)
    assert everything.json == result.json


def try_repo(hook: str, repo: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo`` of this checkout, as a user would try the hooks."""
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--files", *files],
        cwd=repo, capture_output=True, text=True, timeout=900,
        env={**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"},
    )


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def test_pre_commit_hook_reports_the_umbrella_of_a_changed_file(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    before = (repo / "chain" / "umbrella.cc").read_bytes()
    run = try_repo("amalint", repo, pre_commit_home, "chain/store_keys.inc")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "amalint..." in run.stdout and "Failed" in run.stdout
    assert "chain/umbrella.cc:3:1: AM101 [*] `chain/app.cc` looks up `service.api`" in run.stdout
    assert "Found 2 errors." in run.stdout
    assert (repo / "chain" / "umbrella.cc").read_bytes() == before
    clean = try_repo("amalint", repo, pre_commit_home, "tool.cc")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout


def test_pre_commit_fix_hook_reorders_and_the_program_runs(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    run = try_repo("amalint-fix", repo, pre_commit_home, "chain/app.cc")
    # pre-commit fails a hook that modified files, so the user reviews the change
    assert run.returncode == 1, run.stdout + run.stderr
    assert "files were modified by this hook" in run.stdout
    assert "Found 2 errors (2 fixed, 0 remaining)." in run.stdout
    diff = git("diff", "--", "chain/umbrella.cc", cwd=repo)
    assert '-#include "app.cc"' in diff and '+#include "app.cc"' in diff
    text = (repo / "chain" / "umbrella.cc").read_text()
    assert text.index('"store.cc"') < text.index('"service.cc"') < text.index('"app.cc"')
    for compiler in COMPILERS:
        program = build_and_run(compiler, repo / "chain", "umbrella.cc", [repo / "include"],
                                tmp_path)
        assert program.returncode == 0, program.stderr
    again = try_repo("amalint", repo, pre_commit_home, "chain/app.cc")
    assert again.returncode == 0, again.stdout + again.stderr


def test_pre_commit_hook_with_no_config_does_not_pass_silently(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    """A TVM-shaped repository with no amalint config: the hook cannot see the headers the
    call chains run through, and fails saying which include path to configure."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "firstrun", repo)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "fixture", cwd=repo)
    run = try_repo("amalint", repo, pre_commit_home, "src/runtime/file_utils.cc")
    assert run.returncode == 1 and "Failed" in run.stdout, run.stdout + run.stderr
    assert "- exit code: 2" in run.stdout
    assert "1 project header not found on the include path" in run.stdout
    assert "pass `-- -I3rdparty/tvm-ffi/include`" in run.stdout
    (repo / "amalint.toml").write_text('include-paths = ["3rdparty/tvm-ffi/include"]\n')
    configured = try_repo("amalint", repo, pre_commit_home, "src/runtime/file_utils.cc")
    assert configured.returncode == 1 and "- exit code: 1" in configured.stdout
    assert "web/emcc/wasm_runtime.cc:6:1: AM101" in configured.stdout
