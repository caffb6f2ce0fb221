"""The baseline file: the fingerprints of findings a team has accepted for now, so that CI
fails only on new ones (``amalint check --write-baseline FILE`` writes it, ``--baseline FILE``
or the config key ``baseline`` reads it).

The file is JSON, sorted so that it diffs well in review::

    {"amalint-baseline": 1, "fingerprint": "amalint/v2",
     "findings": [{"fingerprint": "…", "code": "AM101", "path": "src/u.cc",
                   "message": "…"}, …]}

Only ``fingerprint`` matters when reading (see :mod:`amalint.engine.fingerprints`: no line
numbers, so findings stay hidden when unrelated lines move); the code, path and message are for
the reader. No line numbers either, so rewriting the baseline after an unrelated edit changes
nothing.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amalint.engine.fingerprints import SCHEME, Identity, identify
from amalint.engine.rule import Finding, display
from amalint.errors import InputError
from amalint.fix.writer import check_report_target, write_atomic
from amalint.scan.sources import read_bounded

VERSION = 1
#: The largest baseline file read (a finding takes about 300 bytes).
MAX_BASELINE_BYTES = 64 * 1024 * 1024
_FINGERPRINT = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Baseline:
    """The fingerprints of a baseline file, each with how many findings it stands for."""

    path: Path
    fingerprints: Counter[str]

    def split(self, findings: Sequence[Finding], identities: Sequence[Identity],
              ) -> tuple[list[Finding], list[Finding]]:
        """The findings the baseline does not hold (to report), and those it does (hidden)."""
        left = Counter(self.fingerprints)
        kept: list[Finding] = []
        hidden: list[Finding] = []
        for finding, who in zip(findings, identities, strict=True):
            if left[who.fingerprint] > 0:
                left[who.fingerprint] -= 1
                hidden.append(finding)
            else:
                kept.append(finding)
        return kept, hidden


def read(path: Path) -> Baseline:
    """The baseline in ``path``; :class:`InputError` (one line naming the file) if it is
    missing, unreadable or not a baseline file."""
    raw = read_bounded(path, MAX_BASELINE_BYTES, "baseline file")
    shown = display(path)
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{shown}: not a baseline file (not valid UTF-8 at offset "
                         f"{exc.start})") from None
    except RecursionError:
        raise InputError(f"{shown}: not a baseline file (nested too deeply)") from None
    except ValueError as exc:
        raise InputError(f"{shown}: not a baseline file (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or "amalint-baseline" not in data:
        raise InputError(f"{shown}: not a baseline file (no \"amalint-baseline\" key; "
                         "`amalint check --write-baseline FILE` writes one)")
    if data["amalint-baseline"] != VERSION or data.get("fingerprint") != SCHEME:
        raise InputError(f"{shown}: a baseline of another version (format "
                         f"{_short(data['amalint-baseline'])}, fingerprint "
                         f"{_short(data.get('fingerprint'))}; this amalint reads format "
                         f"{VERSION}, fingerprint {SCHEME!r}): write it again with "
                         "--write-baseline")
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise InputError(f"{shown}: not a baseline file (\"findings\" must be a list)")
    found: Counter[str] = Counter()
    for number, entry in enumerate(entries, 1):
        value = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(value, str) or not _FINGERPRINT.fullmatch(value):
            raise InputError(f"{shown}: finding {number} has no valid \"fingerprint\" (32 "
                             "lowercase hexadecimal digits)")
        found[value] += 1
    return Baseline(path, found)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def dump(findings: Sequence[Finding], identities: Sequence[Identity]) -> bytes:
    """The baseline file holding ``findings``."""
    entries = sorted(
        ({"fingerprint": who.fingerprint, "code": f.code, "path": who.uri,
          "message": f.message} for f, who in zip(findings, identities, strict=True)),
        key=lambda e: (e["path"], e["code"], e["message"], e["fingerprint"]))
    data = {"amalint-baseline": VERSION, "fingerprint": SCHEME, "findings": entries}
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    return text.encode("utf-8", "backslashreplace")  # a lone surrogate as its JSON escape


def write(path: Path, findings: Sequence[Finding],
          sources: Mapping[Path, Sequence[str]]) -> None:
    """Write the baseline of ``findings`` to ``path`` atomically (never through a symbolic
    link planted in the working tree); :class:`InputError` if it cannot be written."""
    target = check_report_target(path, "the baseline")
    if target.exists() and not target.is_file():
        raise InputError(f"{display(path)}: not a regular file; not writing the baseline there")
    try:
        write_atomic(target, dump(findings, identify(findings, sources)))
    except OSError as exc:
        raise InputError(f"{display(path)}: cannot write ({exc.strerror or exc})") from None
