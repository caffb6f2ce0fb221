"""Reordering a target's literal source lists in its CMake files, so that the build system's
order (and so the order of the unity sources it generates) becomes a wanted one.

Only arguments written literally in ``add_library``/``add_executable``/``target_sources`` of
the target move, each to another argument's place in the same command, so the CMake file's
layout, comments and other arguments stay as they are. Sources of one command keep their place
relative to other commands' sources; when the wanted order needs more than that (a source
listed through a variable, or in another command), there is no fix, only the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from amalint.config.buildsystems.properties import Listed
from amalint.fix.solver import ByteEdit

#: Edits of each CMake file.
FileEdits = dict[Path, list[ByteEdit]]


def reorder(wanted: Sequence[Path], listed: Sequence[Listed]) -> FileEdits | str:
    """Edits that put the sources of ``wanted`` in that order within the literal lists
    ``listed`` (all of one target, in the order CMake reads them), or why that cannot be done.
    Every source of ``wanted`` must be written literally; sources in ``listed`` but not in
    ``wanted`` (headers, another language, skipped ones) keep their places."""
    rank = {path: index for index, path in enumerate(wanted)}
    written = {item.source for item in listed}
    missing = [p for p in wanted if p not in written]
    if missing:
        return (f"`{missing[0].name}` is not written literally in the target's source lists "
                "(a variable, a generator expression, or another file)")
    by_command: dict[tuple[Path, int], list[Listed]] = {}
    for item in listed:
        by_command.setdefault((item.command.path, item.command.start), []).append(item)
    result: list[Path] = []
    edits: FileEdits = {}
    for (path, _), items in by_command.items():
        slots = [item for item in items if item.source in rank]
        ordered = sorted(slots, key=lambda item: rank[item.source])
        for slot, item in zip(slots, ordered, strict=True):
            if slot is not item:
                edits.setdefault(path, []).append(
                    (slot.argument.start, slot.argument.end, item.argument.raw.encode()))
        result.extend(item.source for item in ordered)
    if result != list(wanted):
        first = next((a for a, b in zip(wanted, result, strict=False) if a != b), wanted[0])
        return (f"`{first.name}` would have to move to another command's source list of the "
                "target")
    return edits

