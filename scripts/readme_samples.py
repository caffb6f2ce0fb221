"""The sample outputs of the README and of the documentation pages (``docs/*.md``), produced by
running this checkout's amalint, so they cannot drift (``tests/test_readme.py`` checks them on
every CI run).

A sample is the fenced block right after a marker comment::

    <!-- sample: cwd=fixtures/tvm_shape -->
    ```text
    $ amalint check umbrella.cc --format concise -- -Iinclude -Ieager
    umbrella.cc:7:1: AM101 ...
    ```

Lines starting with ``$ `` are commands, run from ``cwd`` (relative to the repository root;
``amalint`` is this checkout's); the lines after one are what it prints, stderr and stdout as a
terminal shows them. A command ending in ``; echo "exit $?"`` also shows its exit code, and a
``  # comment`` after a command is only for the reader. Marker keys, separated by ``;``:

* ``cwd=DIR``: where the commands run (default: the repository root);
* ``cmd=COMMAND``: for a block that shows only the output of ``COMMAND``;
* ``setup=NAME``: run in a temporary directory that :data:`SETUPS` ``[NAME]`` prepares (``cwd``
  is then relative to it).

A line ``…`` alone stands for any number of lines; a block with one is checked, never rewritten.
Absolute paths of the checkout or the temporary directory are shown as ``/…``, and trailing
spaces are dropped.

    python scripts/readme_samples.py          # rewrite the samples of every page
    python scripts/readme_samples.py --check  # show the drift and exit 1 instead
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
FIXTURES = ROOT / "fixtures"

_MARKER = re.compile(r"^<!-- sample(?::(?P<keys>.*?))? -->\n```(?P<lang>\w*)\n(?P<body>.*?)^```$",
                     re.M | re.S)
_EXIT = '; echo "exit $?"'


def _plug_repo(root: Path) -> Path:
    """The pre-commit repository of tests/test_precommit.py: plug/chain, a ``.inc`` file three
    includes down, and a ``tool.cc`` that no umbrella includes."""
    shutil.copytree(FIXTURES / "plug" / "include", root / "include")
    shutil.copytree(FIXTURES / "plug" / "chain", root / "chain")
    config = (FIXTURES / "plug" / "amalint.toml").read_text()
    (root / "amalint.toml").write_text('include-paths = ["include"]\n' + config)
    store = root / "chain" / "store.cc"
    store.write_text(store.read_text() + '#include "store_keys.inc"\n')
    (root / "chain" / "store_keys.inc").write_text("// keys of the store (none yet)\n")
    (root / "tool.cc").write_text('#include "plug/registry.h"\nint main() { return 0; }\n')
    return root


def _suppressions(root: Path) -> Path:
    """The TVM-shaped fixture with an unused suppression and one naming no rule."""
    shutil.copytree(FIXTURES / "tvm_shape", root / "tvm")
    umbrella = root / "tvm" / "umbrella.cc"
    text = umbrella.read_text()
    text = text.replace('#include "src/registry.cc"',
                        '#include "src/registry.cc"  // NOLINT(amalint-AM101, bugprone-foo)')
    text = text.replace("int main() {", "// amalint: ignore[XY1]\nint main() {")
    umbrella.write_text(text)
    return root


def _firstrun_configured(root: Path) -> Path:
    """fixtures/firstrun with the config a pre-commit hook needs."""
    shutil.copytree(FIXTURES / "firstrun", root / "firstrun")
    (root / "firstrun" / "amalint.toml").write_text(
        'include-paths = ["3rdparty/tvm-ffi/include"]\n')
    return root / "firstrun"


def _configured(tool: str, fixture: str, *args: str) -> Callable[[Path], Path]:
    """A copy of ``fixtures/FIXTURE`` configured into its ``build`` by the pip wheel's
    ``cmake`` or ``meson`` (as tests/test_cmake_unity.py and tests/test_meson_unity.py do)."""
    def setup(root: Path) -> Path:
        project = root / fixture
        shutil.copytree(FIXTURES / fixture, project,
                        ignore=shutil.ignore_patterns(".amalint_cache"))
        shutil.copytree(FIXTURES / "plug" / "include", root / "plug" / "include")
        build = project / "build"
        if tool == "cmake":
            query = build / ".cmake" / "api" / "v1" / "query"
            query.mkdir(parents=True)
            for kind in ("codemodel-v2", "cmakeFiles-v1"):
                (query / kind).touch()
            argv = ["cmake", "-S", str(project), "-B", str(build), "-G", "Ninja",
                    "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", *args]
        else:
            argv = ["meson", "setup", str(build), str(project), *args]
        tools = Path(sys.executable).parent
        subprocess.run([str(tools / argv[0]), *argv[1:]], check=True, capture_output=True,
                       env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"},
                       timeout=300)
        return project
    return setup


def _program(root: Path) -> Path:
    """fixtures/program with its objects and plugin library built (its ``build.sh``), beside
    the plug registry's headers it includes (docs/program.md)."""
    shutil.copytree(FIXTURES / "program", root / "program")
    shutil.copytree(FIXTURES / "plug" / "include", root / "plug" / "include")
    subprocess.run(["sh", "build.sh"], cwd=root / "program", check=True, capture_output=True,
                   timeout=300)
    return root


def _wasm(root: Path) -> Path:
    """fixtures/wasm with its WebAssembly objects built by the ziglang package (its
    ``build.sh``), beside the plug registry's headers (docs/program.md)."""
    shutil.copytree(FIXTURES / "wasm", root / "wasm")
    shutil.copytree(FIXTURES / "plug" / "include", root / "plug" / "include")
    subprocess.run(["sh", "build.sh", sys.executable], cwd=root / "wasm", check=True,
                   capture_output=True, timeout=300)
    return root


def _legacy(root: Path) -> Path:
    """A small legacy tree (docs/baseline-and-formats.md): an umbrella ``u.cc`` whose ``a.cc``
    and ``b.cc`` both define ``static int helper()``, one AM201 finding."""
    project = root / "legacy"
    project.mkdir()
    (project / "u.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    (project / "a.cc").write_text("static int helper() { return 1; }\nint a = helper();\n")
    (project / "b.cc").write_text("static int helper() { return 2; }\nint b = helper();\n")
    return project


def _legacy_baselined(root: Path) -> Path:
    """The legacy tree with its baseline written and named in the config, and a new collision:
    ``c.cc`` and ``d.cc`` both define ``other``."""
    project = _legacy(root)
    (project / "amalint.toml").write_text('baseline = "amalint-baseline.json"\n')
    subprocess.run([sys.executable, "-m", "amalint", "check", "u.cc", "--write-baseline",
                    "amalint-baseline.json", "--no-cache", "-q"], cwd=project, check=True,
                   env={**os.environ, "NO_COLOR": "1"}, timeout=300)
    (project / "c.cc").write_text("static int other() { return 3; }\n")
    (project / "d.cc").write_text("static int other() { return 4; }\n")
    with (project / "u.cc").open("a") as fh:
        fh.write('#include "c.cc"\n#include "d.cc"\n')
    return project


SETUPS: dict[str, Callable[[Path], Path]] = {
    "plug_repo": _plug_repo,
    "suppressions": _suppressions,
    "firstrun_configured": _firstrun_configured,
    "cmake_batch2": _configured("cmake", "cmake_unity", "-DCMAKE_UNITY_BUILD=ON",
                                "-DCMAKE_UNITY_BUILD_BATCH_SIZE=2"),
    "batching": _configured("cmake", "batching", "-DCMAKE_UNITY_BUILD=ON",
                            "-DCMAKE_UNITY_BUILD_BATCH_SIZE=2"),
    "meson_size2": _configured("meson", "meson_unity", "--unity=on", "-Dunity_size=2"),
    "legacy": _legacy,
    "program": _program,
    "wasm": _wasm,
    "legacy_baselined": _legacy_baselined,
}


def pages() -> list[Path]:
    """The pages whose samples are generated: the README, then the documentation pages."""
    return [README, *sorted(DOCS.glob("*.md"))]


@dataclass
class Sample:
    """A marked block of a page: where its body is, the marker's keys, its language and body."""

    start: int
    end: int
    keys: dict[str, str]
    lang: str
    body: str


def samples(text: str) -> Iterator[Sample]:
    """The marked sample blocks of a page's text."""
    for m in _MARKER.finditer(text):
        keys = {}
        for item in (m.group("keys") or "").split(";"):
            if item.strip():
                key, _, value = item.strip().partition("=")
                keys[key.strip()] = value.strip()
        yield Sample(m.start("body"), m.end("body"), keys, m.group("lang"), m.group("body"))


def run(command: str, cwd: Path, hide: tuple[Path, ...], cache: Path) -> str:
    """What ``command`` prints, as the README shows it, with ``cache`` as amalint's cache
    directory (never the user's own)."""
    show_exit = command.endswith(_EXIT)
    command = command.removesuffix(_EXIT)
    command = re.sub(r"\s+#\s.*$", "", command)
    argv = shlex.split(command)
    assert argv[0] == "amalint", command
    proc = subprocess.run([sys.executable, "-m", "amalint", *argv[1:]], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100",
                               "AMALINT_CACHE_DIR": str(cache)}, timeout=300)
    out = "".join(line.rstrip() + "\n" for line in proc.stdout.splitlines())
    for path in hide:
        out = out.replace(str(path), "/…")
    if show_exit:
        out += f"exit {proc.returncode}\n"
    return out


def render(sample: Sample) -> str:
    """The block's text, produced by running its commands (with a cache of their own)."""
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp).resolve() / "amalint-cache"
        base = ROOT
        hide: tuple[Path, ...] = (ROOT,)
        if "setup" in sample.keys:
            base = SETUPS[sample.keys["setup"]](Path(tmp).resolve())
            hide = (base, ROOT)
        cwd = base / sample.keys.get("cwd", ".")
        if "cmd" in sample.keys:
            return run(sample.keys["cmd"], cwd, hide, cache)
        out = []
        for line in sample.body.splitlines():
            if line.startswith("$ "):
                out.append(line + "\n")
                out.append(run(line[2:], cwd, hide, cache))
        return "".join(out)


def matches(expected: str, actual: str) -> bool:
    """``expected`` equals ``actual``, a line ``…`` in it standing for any lines."""
    pattern = "".join(r"(?:.*\n)*?" if line == "…" else re.escape(line) + r"\n"
                      for line in expected.splitlines())
    return re.fullmatch(pattern, actual) is not None


def drift(text: str) -> Iterator[tuple[Sample, str]]:
    """Each sample whose block differs from what its commands print, with the output."""
    for sample in samples(text):
        actual = render(sample)
        if not matches(sample.body, actual):
            yield sample, actual


def update(page: Path, check: bool) -> bool:
    """Report the samples of ``page`` that drifted and, unless ``check``, rewrite them (those
    without ``…``); whether any drifted."""
    text = page.read_text()
    stale = list(drift(text))
    for sample, actual in stale:
        where = text.count("\n", 0, sample.start) + 1
        print(f"{page.relative_to(ROOT)}:{where}: sample differs; it prints:\n{actual}",
              file=sys.stderr)
    if check or not stale:
        return bool(stale)
    for sample, actual in sorted(stale, key=lambda s: -s[0].start):
        if any(line == "…" for line in sample.body.splitlines()):
            continue
        text = text[: sample.start] + actual + text[sample.end :]
    page.write_text(text)
    return True


def main() -> int:
    """Rewrite (or with ``--check`` only report) the drifted samples of every page."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    args = parser.parse_args()
    drifted = [update(page, args.check) for page in pages()]
    return 1 if args.check and any(drifted) else 0


if __name__ == "__main__":
    sys.exit(main())
