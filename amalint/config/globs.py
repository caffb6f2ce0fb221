"""Path patterns from config files (``umbrellas``, ``per-file-ignores``), matched as ruff does:
relative to the directory of the config file that sets them; ``*`` and ``?`` stay inside one
path component, ``**`` spans any number; a pattern without ``/`` matches a file name anywhere."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from amalint.scan.sources import real


@functools.lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        out.append({"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char)))
        index += 1
    return re.compile("".join(out) + r"\Z")


@dataclass(frozen=True)
class Glob:
    """A pattern and the directory it is relative to."""

    root: Path
    pattern: str

    def matches(self, path: Path) -> bool:
        try:
            relative = real(path).relative_to(self.root).as_posix()
        except ValueError:
            return False
        pattern = self.pattern.removeprefix("./")
        if "/" not in pattern:
            return bool(_regex(pattern).match(relative.rsplit("/", 1)[-1]))
        return bool(_regex(pattern).match(relative))

    def __str__(self) -> str:
        return self.pattern
