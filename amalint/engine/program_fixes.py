"""Fixes of a program's findings in the CMake files that build it (``check --program --fix``,
``--diff``), for a program read from a CMake build directory:

* **AM106**: the target's own sources listed so that each registering object is linked
  before the objects that look its keys up at start-up (a stable topological order of the
  target's own objects; the objects of libraries and object libraries keep their places). The
  sources must be written literally in the target's ``add_executable``/``target_sources``
  lists (:func:`amalint.fix.cmakelists.reorder`);
* **AM107**: the library linked whole, ``"$<LINK_LIBRARY:WHOLE_ARCHIVE,lib>"`` in place of
  ``lib`` in the target's own ``target_link_libraries`` (CMake 3.24 or newer).

A fix is offered only when the program model, linked the fixed way, no longer has the
problem and has no new one: every start-up lookup the fix is for is then met, none that was met
fails, and (for a library linked whole) no symbol becomes defined twice. Otherwise the finding
says why there is no fix. Both are unsafe: the new order also moves every other start-up entry
of the objects that move, and a library linked whole brings all its members (size, and their
own start-up code). CMake must configure and build again for the fix to count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from amalint.config.buildsystems import cmake_files_below
from amalint.config.buildsystems.cmakelists import read, read_bytes
from amalint.config.buildsystems.fileapi import ReplyLink, read_links, read_reply
from amalint.config.buildsystems.properties import read_properties
from amalint.config.settings import Settings
from amalint.engine.program import ProgramContext, analyze_program
from amalint.engine.rule import Finding, Fix
from amalint.errors import InputError
from amalint.fix.cmakelists import reorder
from amalint.model import Location
from amalint.program.model import LinkInput, ObjectFile

Unmet = frozenset[tuple[Location, str]]


def _unmet(ctx: ProgramContext) -> Unmet:
    return frozenset((r.consumer.location, r.lookup.key) for r in ctx.unmet)


def fix_program(ctx: ProgramContext, findings: Sequence[Finding], build: Path,
                settings_for: Callable[[Path], Settings]) -> list[Finding]:
    """``findings`` with the fixes of AM106 and AM107 attached, or the reason there is none
    (``ctx`` is a link read from the CMake build directory ``build``)."""
    links = read_links(build)
    reply = read_reply(build)
    if links is None or reply is None or ctx.link.target not in links.targets:
        return list(findings)
    target = links.targets[ctx.link.target]
    # the reply lists the CMake files when asked (cmakeFiles-v1), else those of the tree
    cmake_files = reply.cmake_files or tuple(cmake_files_below(reply.source_dir, build))
    by_source = {obj.source: a for obj, a in ctx.analyses.items() if obj.source is not None}

    def relink(inputs: Iterable[LinkInput]) -> ProgramContext:
        return analyze_program(replace(ctx.link, inputs=tuple(inputs)), settings_for,
                               ctx.linker, dict(by_source))

    out: list[Finding] = []
    reordered: tuple[Fix, set[Location]] | str | None = None
    for finding in findings:
        if finding.code == "AM106":
            if reordered is None:
                reordered = _reorder(ctx, target, cmake_files, relink)
            if isinstance(reordered, str):
                out.append(_no_fix(finding, reordered))
            elif finding.location in reordered[1]:
                out.append(replace(finding, fix=reordered[0]))
            else:
                out.append(_no_fix(finding, "the registering object is not one of the "
                                            "target's own"))
        elif finding.code == "AM107":
            whole = _whole(ctx, finding, links.targets, cmake_files, relink)
            out.append(replace(finding, fix=whole) if isinstance(whole, Fix)
                       else _no_fix(finding, whole))
        else:
            out.append(finding)
    return out


def _no_fix(finding: Finding, why: str) -> Finding:
    return replace(finding, message=f"{finding.message} (no automatic fix: {why})")


def _better(before: ProgramContext, after: ProgramContext, wanted: Unmet) -> str | None:
    """Why ``after`` is no fix of the lookups ``wanted`` in ``before``, or ``None``."""
    if after.resolution.unresolved:
        return "the link would fail"
    now = _unmet(after)
    if now & wanted:
        return "its lookups would still run before the registration (AM106)"
    if now - _unmet(before):
        return "another start-up lookup would fail"
    return None


def _reorder(ctx: ProgramContext, target: ReplyLink, cmake_files: Sequence[Path],
             relink: Callable[[Iterable[LinkInput]], ProgramContext]
             ) -> tuple[Fix, set[Location]] | str:
    """The target's own sources listed in an order that links every registering object of the
    target before the target's objects that look its keys up, and the start-up entries whose
    lookups it meets; or why there is no such order."""
    own = set(target.objects)
    slots = [n for n, item in enumerate(ctx.link.inputs)
             if not item.archive and item.path in own]
    objects = [ctx.link.inputs[n].objects[0] for n in slots]
    needs: dict[ObjectFile, set[ObjectFile]] = {obj: set() for obj in objects}
    wanted: set[tuple[Location, str]] = set()
    for req in ctx.unmet:
        consumer = ctx.sequence.step_of(req.consumer).object
        providers = [ctx.sequence.step_of(p).object for p, _ in req.providers
                     if p.priority == req.consumer.priority]
        if consumer in needs and any(p in needs for p in providers) \
                and not any(p == consumer for p in providers):
            needs[consumer].add(next(p for p in providers if p in needs))
            wanted.add((req.consumer.location, req.lookup.key))
    if not wanted:
        return "the registering object is not one of the target's own"
    order = _stable_topological(objects, needs)
    if order is None:
        return "the target's objects look up one another's keys in a circle"
    inputs = list(ctx.link.inputs)
    for slot, obj in zip(slots, order, strict=True):
        inputs[slot] = next(ctx.link.inputs[n] for n in slots
                            if ctx.link.inputs[n].objects[0] == obj)
    why = _better(ctx, relink(inputs), frozenset(wanted))
    if why is not None:
        return why
    sources = [obj.source for obj in order]
    if any(s is None for s in sources):
        return "the source of an object is not known"
    edits = reorder([s for s in sources if s is not None],
                    read_properties(cmake_files).lists.get(target.name, []))
    if isinstance(edits, str):
        return edits
    return Fix("unsafe", tuple(edit for path, changes in edits.items()
                               for edit in Fix.of_bytes("unsafe", path, read_bytes(path),
                                                        changes).edits)), \
        {location for location, _ in wanted}


def _stable_topological(items: Sequence[ObjectFile], needs: dict[ObjectFile, set[ObjectFile]]
                        ) -> list[ObjectFile] | None:
    """``items`` reordered so that each comes after what it needs, otherwise as they were."""
    placed: list[ObjectFile] = []
    left = list(items)
    while left:
        ready = next((obj for obj in left if needs[obj] <= set(placed)), None)
        if ready is None:
            return None
        placed.append(ready)
        left.remove(ready)
    return placed


def _whole(ctx: ProgramContext, finding: Finding, targets: dict[str, ReplyLink],
           cmake_files: Sequence[Path],
           relink: Callable[[Iterable[LinkInput]], ProgramContext]) -> Fix | str:
    """The library of the member ``finding`` names linked whole by the target."""
    dropped = next((obj for obj in ctx.resolution.dropped
                    if any(entry.location == finding.location
                           for entry, _ in ctx.registrations(obj))), None)
    if dropped is None:
        return "the member is not known"
    library = next((name for name, t in targets.items() if dropped.path in t.artifacts), None)
    if library is None:
        return f"`{dropped.path.name}` is not a library of this CMake build"
    inputs = [replace(item, whole=True) if item.archive and item.path == dropped.path else item
              for item in ctx.link.inputs]
    after = relink(inputs)
    if dropped not in {item.object for item in after.resolution.linked}:
        return "the member would still be left out"
    keys = {effect.key for _, effect in ctx.registrations(dropped)}
    if any(r.lookup.key in keys for r in after.unmet):
        return ("linked whole, after the objects that look its keys up at start-up, it would "
                "still register too late (AM106): make it an OBJECT library, or look the keys "
                "up later")
    why = _better(ctx, after, frozenset())
    if why is not None:
        return f"linked whole, {why}"
    twice = _defined_twice(after) - _defined_twice(ctx)
    if twice:
        return f"linked whole, `{sorted(twice)[0]}` would be defined twice"
    edit = _link_argument(ctx.link.target, library, cmake_files)
    if isinstance(edit, str):
        return edit
    path, start, end = edit
    return Fix.of_bytes("unsafe", path, read_bytes(path),
                        [(start, end, f'"$<LINK_LIBRARY:WHOLE_ARCHIVE,{library}>"'.encode())])


def _defined_twice(ctx: ProgramContext) -> set[str]:
    strong = Counter(symbol for item in ctx.resolution.linked for symbol in item.object.defined
                     if symbol not in item.object.weak)
    return {symbol for symbol, count in strong.items() if count > 1}


def _link_argument(target: str, library: str, cmake_files: Sequence[Path]
                   ) -> tuple[Path, int, int] | str:
    """Where ``library`` is written literally in ``target``'s ``target_link_libraries``."""
    for path in cmake_files:
        try:
            commands = read(path)
        except InputError:
            continue
        for command in commands:
            if command.name != "target_link_libraries" or not command.args \
                    or not command.args[0].literal or command.args[0].text != target:
                continue
            for arg in command.args[1:]:
                if arg.literal and arg.text == library:
                    return path, arg.start, arg.end
    return f"`{library}` is not written literally in `target_link_libraries({target} ...)`"
