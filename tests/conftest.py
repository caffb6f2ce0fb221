"""Shared helpers: real compilers, the real CLI, fixture paths."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

#: The compilers the oracle and differential tests judge by: all of them, always. A missing one
#: stops the session (:func:`pytest_configure`) rather than letting its tests pass vacuously;
#: ``scripts/setup.sh`` installs them, as CI does.
CXX_COMPILERS = ["g++", "clang++"]
C_COMPILERS = ["gcc", "clang"]
COMPILERS = CXX_COMPILERS
#: Both front ends; tests that take the ``frontend`` fixture run under each.
FRONTENDS = ["tree-sitter", "libclang"]
_session_cache: list[Path] = []


def session_cache() -> Path:
    """The cache directory of :func:`amalint` runs, one per test session (removed at its end):
    the tests never write into the developer's own cache."""
    if not _session_cache:
        _session_cache.append(Path(tempfile.mkdtemp(prefix="amalint-tests-cache-")))
    return _session_cache[0]


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def findings(self) -> Any:
        """The JSON findings of a run that must have ended as a lint does: exit 1 when there
        are findings, 0 when there are none (the default ``fail-on``), never anything else."""
        assert self.returncode in (0, 1), self.stderr
        rows = self.json
        assert self.returncode == (1 if rows else 0), (self.returncode, rows, self.stderr)
        return rows


def amalint(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 120) -> Run:
    """Run the installed command line, as a user would (a hang fails after ``timeout``); with
    ``env`` as its environment if given, else with the tests' own cache directory (never the
    developer's)."""
    if env is None:
        env = {**os.environ, "AMALINT_CACHE_DIR": str(session_cache())}
    proc = subprocess.run(
        [sys.executable, "-m", "amalint", *args], cwd=cwd, capture_output=True, text=True,
        errors="surrogateescape",  # file names that are not UTF-8 come back as they were
        env={**env, "NO_COLOR": "1"}, timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


#: An error line of gcc/clang with an absolute path (as CMake and Meson builds print them).
_BUILD_ERROR = re.compile(r"^(?P<file>/[^:\n]+):(?P<line>\d+):\d+: error: ", re.M)


def compiler_errors(output: str, project: Path) -> set[tuple[str, int]]:
    """The errors a build printed, as (path relative to ``project``, line)."""
    return {(os.path.relpath(m.group("file"), project), int(m.group("line")))
            for m in _BUILD_ERROR.finditer(output)}


def places(findings: list[dict[str, Any]]) -> set[tuple[str, int]]:
    """Where amalint's JSON findings are, as (path, line)."""
    return {(f["filename"], f["location"]["row"]) for f in findings}


def one_line(stderr: str) -> str:
    """The one line a bad input gets on stderr (and never a traceback)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def compile_unit(
    compiler: str, directory: Path, source: str, include_dirs: Sequence[Path] = (),
    defines: Sequence[str] = (), output: Path | None = None,
) -> Run:
    """Compile ``source`` with a real compiler: to ``output``, or only check it if ``None``."""
    flags = ["-std=c++17", *(f"-I{d}" for d in include_dirs), *(f"-D{d}" for d in defines)]
    target = ["-o", str(output)] if output is not None else ["-fsyntax-only"]
    built = subprocess.run([compiler, *flags, source, *target], cwd=directory,
                           capture_output=True, text=True, timeout=300)
    return Run(built.returncode, built.stdout, built.stderr)


def build_and_run(
    compiler: str, directory: Path, umbrella: str, include_dirs: Sequence[Path], tmp: Path,
    defines: Sequence[str] = (),
) -> Run:
    """Compile ``umbrella`` as one translation unit with a real compiler and run it."""
    exe = tmp / f"prog-{compiler}"
    built = compile_unit(compiler, directory, umbrella, include_dirs, defines, exe)
    assert built.returncode == 0, f"{compiler} failed to build {umbrella}:\n{built.stderr}"
    proc = subprocess.run([str(exe)], cwd=directory, capture_output=True, text=True, timeout=60)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(params=FRONTENDS)
def frontend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=COMPILERS)
def compiler(request: pytest.FixtureRequest) -> str:
    return str(request.param)


#: The environment variables amalint itself reads.
AMALINT_SETTINGS = ("AMALINT_CACHE_DIR", "AMALINT_NO_CACHE")


@pytest.fixture(autouse=True)
def _user_cache(tmp_path_factory: pytest.TempPathFactory,
                monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test's user cache directory is a fresh one of its own (``XDG_CACHE_HOME``, which
    the runs a test starts inherit), and the cache settings of the developer's shell do not
    leak in (the test suite's own ``AMALINT_FUZZ_*`` and similar knobs stay)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
    for name in AMALINT_SETTINGS:
        monkeypatch.delenv(name, raising=False)


def pytest_unconfigure(config: pytest.Config) -> None:
    for path in _session_cache:
        shutil.rmtree(path, ignore_errors=True)


def missing_compilers() -> list[str]:
    """The compilers of :data:`CXX_COMPILERS` and :data:`C_COMPILERS` not on ``PATH``."""
    return [c for c in (*CXX_COMPILERS, *C_COMPILERS) if shutil.which(c) is None]


def pytest_configure(config: pytest.Config) -> None:
    if missing := missing_compilers():
        raise pytest.UsageError(
            f"{', '.join(missing)} not on PATH: the tests compare amalint with gcc and clang "
            "and would pass without comparing; bash scripts/setup.sh installs them")


def lint_in(directory: Path, umbrella: str, args: tuple[str, ...], frontend: str,
            origin: str, select: tuple[str, ...]) -> Any:
    """amalint's result for ``directory/umbrella`` linted in-process from that directory with
    compiler ``args`` (the differential tests' one way to run it)."""
    from amalint.config.settings import Settings, parse_compiler_args
    from amalint.engine.run import lint

    search, defines = parse_compiler_args(args, directory)
    chosen = Settings(search=search, defines=defines, compiler_args=args, frontend=frontend,
                      flags_origin=origin, select=select)
    cwd = Path.cwd()
    os.chdir(directory)
    try:
        return lint(directory / umbrella, chosen)
    finally:
        os.chdir(cwd)
