"""The sample outputs of docs/baseline-and-formats.md, produced by running this checkout's
amalint with the machinery of ``scripts/readme_samples.py`` (same markers, same rules; see its
docstring), so they cannot drift: ``tests/test_docs_samples.py`` checks them.

The ``legacy`` setups are a small legacy tree: an umbrella ``u.cc`` whose ``a.cc`` and
``b.cc`` both define ``static int helper()`` (one AM201 finding); ``legacy_baselined`` has its
baseline written and a new collision (``c.cc`` and ``d.cc`` both define ``other``) added.

    python scripts/docs_samples.py          # rewrite the page's samples
    python scripts/docs_samples.py --check  # show the drift and exit 1 instead
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "baseline-and-formats.md"

_SPEC = importlib.util.spec_from_file_location("readme_samples",
                                               ROOT / "scripts" / "readme_samples.py")
assert _SPEC is not None and _SPEC.loader is not None
samples = importlib.util.module_from_spec(_SPEC)
sys.modules.setdefault("readme_samples", samples)
_SPEC.loader.exec_module(samples)


def legacy(root: Path) -> Path:
    project = root / "legacy"
    project.mkdir()
    (project / "u.cc").write_text('#include "a.cc"\n#include "b.cc"\n')
    (project / "a.cc").write_text("static int helper() { return 1; }\nint a = helper();\n")
    (project / "b.cc").write_text("static int helper() { return 2; }\nint b = helper();\n")
    return project


def legacy_baselined(root: Path) -> Path:
    project = legacy(root)
    (project / "amalint.toml").write_text('baseline = "amalint-baseline.json"\n')
    subprocess.run([sys.executable, "-m", "amalint", "check", "u.cc", "--write-baseline",
                    "amalint-baseline.json", "--no-cache", "-q"], cwd=project, check=True,
                   env={**os.environ, "NO_COLOR": "1"}, timeout=300)
    (project / "c.cc").write_text("static int other() { return 3; }\n")
    (project / "d.cc").write_text("static int other() { return 4; }\n")
    with (project / "u.cc").open("a") as fh:
        fh.write('#include "c.cc"\n#include "d.cc"\n')
    return project


samples.SETUPS.update(legacy=legacy, legacy_baselined=legacy_baselined)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    args = parser.parse_args()
    text = PAGE.read_text()
    stale = list(samples.drift(text))
    for sample, actual in stale:
        where = text.count("\n", 0, sample.start) + 1
        print(f"{PAGE.name}:{where}: sample differs; it prints:\n{actual}", file=sys.stderr)
    if args.check or not stale:
        return 1 if stale else 0
    for sample, actual in sorted(stale, key=lambda s: -s[0].start):
        text = text[: sample.start] + actual + text[sample.end:]
    PAGE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
