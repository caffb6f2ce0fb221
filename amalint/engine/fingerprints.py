"""Fingerprints of findings: what identifies a finding across commits, so that an unrelated line
inserted above it changes nothing. SARIF's ``partialFingerprints``, GitLab Code Quality's
``fingerprint`` and the baseline file (:mod:`amalint.engine.baseline`) all use these.

A fingerprint hashes the rule code, the file (its URI relative to the repository root: the
nearest directory at or above the working directory holding ``.git``, else the working
directory), the text of the flagged line with its blanks collapsed, and the message with its
line numbers taken out, plus a counter that tells identical findings apart; never a line
number.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from amalint.config.files import repository_root
from amalint.engine.rule import Finding
from amalint.scan.sources import real

#: The name of the fingerprint scheme (SARIF's ``partialFingerprints`` key, the baseline's
#: ``fingerprint`` field): a new scheme gets a new name.
SCHEME = "amalint/v2"

_LINE_NUMBERS = re.compile(r"\b(line|lines) \d+|:\d+(?::\d+)?\b")


def root() -> Path:
    """What file URIs are relative to: the repository root of the working directory."""
    return repository_root(Path.cwd())


def relative(path: Path, base: Path) -> str | None:
    """``path`` relative to ``base`` (symlinks resolved), ``/``-separated; ``None`` when it is
    not below ``base``."""
    try:
        return real(path).relative_to(base).as_posix()
    except ValueError:
        return None


def uri(path: Path, base: Path) -> str:
    """``path`` as a URI: percent-encoded relative to ``base`` when below it (a file name that is
    not UTF-8 keeps its bytes), else an absolute ``file://`` URI."""
    inside = relative(path, base)
    if inside is None:
        return real(path).as_uri()
    return urllib.parse.quote(os.fsencode(inside), safe="/")


def fingerprint(finding: Finding, file_uri: str, line_text: str, occurrence: int) -> str:
    """A hash that survives unrelated edits: no line numbers in it (see the module doc)."""
    message = _LINE_NUMBERS.sub(lambda m: m.group(1) or ":", finding.message)
    text = " ".join(line_text.split())
    key = f"{finding.code}\0{file_uri}\0{text}\0{message}\0{occurrence}"
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


@dataclass(frozen=True)
class Identity:
    """A finding's file URI (as :func:`uri` gives it) and fingerprint."""

    uri: str
    fingerprint: str


def identify(findings: Sequence[Finding], sources: Mapping[Path, Sequence[str]],
             base: Path | None = None) -> list[Identity]:
    """The identity of each finding, in order; the counter of identical findings counts in the
    order given (the run's order, which is stable)."""
    base = root() if base is None else base
    seen: dict[tuple[str, ...], int] = {}
    out = []
    for finding in findings:
        file_uri = uri(finding.location.path, base)
        lines = sources.get(finding.location.path, ())
        line = lines[finding.location.line - 1] if 0 < finding.location.line <= len(lines) \
            else ""
        key = (finding.code, file_uri, " ".join(line.split()), finding.message)
        seen[key] = seen.get(key, -1) + 1
        out.append(Identity(file_uri, fingerprint(finding, file_uri, line, seen[key])))
    return out
