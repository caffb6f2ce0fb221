"""One command sees one file system, and the language server sees it afresh at each lint: what
``scan.sources.paths_remembered`` scopes (paths resolved, includes looked up), in the command's
process, its workers, and the language server's workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from amalint.config.settings import Settings
from amalint.engine import parallel
from amalint.scan.directives import scan
from amalint.scan.search import SearchPath
from amalint.scan.sources import paths_remembered, real, remembering


def test_paths_are_resolved_once_within_a_command_and_afresh_outside(tmp_path: Path) -> None:
    """One command sees one file system: within ``paths_remembered`` a path is resolved once
    (a link changed meanwhile is not seen); outside it, as the language server's lints are,
    every time."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "a")
    with paths_remembered():
        assert real(link / "x.h") == tmp_path / "a" / "x.h"
        link.unlink()
        link.symlink_to(tmp_path / "b")
        assert real(link / "x.h") == tmp_path / "a" / "x.h"
    assert real(link / "x.h") == tmp_path / "b" / "x.h"


def test_includes_are_looked_up_once_within_a_command_and_afresh_outside(
        tmp_path: Path) -> None:
    """A header created earlier on the include path, or removed, is seen by the next scan
    outside a command (the language server's next lint); within one, the first look-up
    holds."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (second / "h.h").write_text("int x;\n")
    data = b'#include <h.h>\n#include "h.h"\n'
    search = SearchPath(include_dirs=(first, second))

    def resolved() -> list[Path | None]:
        return [i.resolved for i in scan(data, tmp_path / "s.c", search).includes]

    assert resolved() == [second / "h.h"] * 2
    (first / "h.h").write_text("int y;\n")
    assert resolved() == [first / "h.h"] * 2
    with paths_remembered():
        assert resolved() == [first / "h.h"] * 2
        (first / "h.h").unlink()
        assert resolved() == [first / "h.h"] * 2  # the command's view
    assert resolved() == [second / "h.h"] * 2
    (second / "h.h").unlink()
    assert resolved() == [None, None]



def test_a_language_server_workers_lint_looks_at_the_files_once(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A worker of the language server (no command's scope) remembers paths within one lint
    and forgets them after it; a command's own process adds no scope of its own."""
    seen: list[bool] = []

    def lint(*_: Any) -> tuple[None, bool]:
        seen.append(remembering())
        return None, False

    monkeypatch.setattr(parallel, "lint_cached", lint)
    job = parallel.Job(tmp_path / "u.cc", Settings())
    parallel._lint_job(job, None, None)
    monkeypatch.setattr(parallel, "_WORKER", True)
    parallel._lint_job(job, None, None)
    assert seen == [False, True]
    assert not remembering()


@pytest.mark.parametrize("remember", [True, False])
def test_a_spawned_worker_keeps_its_commands_view(remember: bool) -> None:
    """A worker started afresh (spawned, as on macOS) remembers paths for its life when its
    command does, and not when the language server started it."""
    script = ("import sys\nfrom amalint.engine import parallel\n"
              "from amalint.scan.sources import remembering\n"
              f"parallel._init_worker({remember})\nprint(remembering(), file=sys.stdout)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == str(remember)
