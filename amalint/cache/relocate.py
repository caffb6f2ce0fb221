"""Paths in the cache relative to the project root, so that a cache made in one checkout hits
in another (a CI runner's, restored from an earlier job in another directory).

Every string of a key's data or an entry's value that is the project root's path, or a path
below it, is stored with the root replaced by :data:`MARK` (a NUL byte, which no path and no
text amalint reports holds), and read back with the root of the run that reads it. The root is
the project's (:func:`amalint.cache.location.project_root`: the config file's directory, else
the git work tree's root, else the working directory), as spelled and as resolved. Paths
outside it (system headers, the compiler) stay absolute: they are the same on every runner
of one image, and a different one is a miss, as it should be.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

#: What stands for the root in stored data.
MARK = "\0root"
#: How a string that starts with :data:`MARK` starts in JSON text.
_JSON_MARK = json.dumps(MARK)[:-1].encode()


class Relocation:
    """Rewrites the paths below ``root`` in JSON data, out of a run and back into one."""

    def __init__(self, root: Path | None) -> None:
        spellings: set[str] = set()
        if root is not None:
            for form in (str(root), os.path.realpath(root)):
                if form != os.sep and os.path.isabs(form):
                    spellings.add(form.rstrip(os.sep))
        #: The root's spellings, longest first (a resolved root may be longer than written).
        self.roots = sorted(spellings, key=len, reverse=True)
        self.root = self.roots[-1] if self.roots else None

    def out(self, value: Any) -> Any:
        """``value`` with the paths below the root relative to :data:`MARK`."""
        if not self.roots:
            return value
        return _walk(value, self._out)

    def into(self, value: Any) -> Any:
        """Stored ``value`` with :data:`MARK` replaced by this run's root."""
        if self.root is None:
            return value
        return _walk(value, self._into)

    def loads(self, text: bytes) -> Any:
        """Stored data from its JSON text (as ``json.dumps`` writes it), as :meth:`into` gives
        it: the marks are replaced in the text, not by walking the data, unless a string holds
        a NUL anywhere but at its start (none that amalint stores does). Raises what
        ``json.loads`` raises."""
        marks = text.count(_JSON_MARK)
        if self.root is None or marks == 0:
            return json.loads(text)
        if text.count(b"\\u0000") != marks or b"\\" + _JSON_MARK in text:
            return self.into(json.loads(text))
        return json.loads(text.replace(_JSON_MARK, json.dumps(self.root)[:-1].encode()))

    def _out(self, text: str) -> str:
        for root in self.roots:
            if text == root or (text.startswith(root) and text[len(root)] == os.sep):
                return MARK + text[len(root):]
        return text

    def _into(self, text: str) -> str:
        if text.startswith(MARK):
            assert self.root is not None
            return self.root + text[len(MARK):]
        return text


def _walk(value: Any, rewrite: Any) -> Any:
    if isinstance(value, str):
        return rewrite(value)
    if isinstance(value, list):
        return [_walk(v, rewrite) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, rewrite) for k, v in value.items()}
    return value
