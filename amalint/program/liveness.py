"""wasm-ld's garbage collection (``--gc-sections``, its default), as far as it decides which
constructors run: an object named on the link line is live, and its constructors with it; a
member extracted from a static library is live only when something live reaches one of its
symbols (from the entry, an export, a live constructor, through the relocations of code and
data). A member extracted only for a reference from dead code, ``main`` of a reactor for one,
is linked and then dropped whole, its constructors too. (ELF linkers keep every
``.init_array``.)"""

from __future__ import annotations

from dataclasses import replace

from amalint.program.model import Link, ObjectFile
from amalint.program.resolve import Resolution


def _owners(objects: tuple[ObjectFile, ...]) -> dict[str, ObjectFile]:
    """Which object's definition each global symbol resolves to: the first strong one, else
    the first weak one, in the order the linker began reading them (an object's inline
    functions and variables are COMDAT groups, claimed as it begins)."""
    owner: dict[str, ObjectFile] = {}
    for obj in objects:
        weak = set(obj.weak)
        for name in obj.defined:
            current = owner.get(name)
            if current is None or (name in current.weak and name not in weak):
                owner[name] = obj
    return owner


def live_objects(link: Link, resolution: Resolution) -> set[ObjectFile]:
    """The linked objects that survive the garbage collection."""
    objects = [item.object for item in resolution.linked]
    lazy = {item.object for item in resolution.linked if item.symbol is not None}
    owner = _owners(resolution.read or tuple(objects))
    refs = {obj: dict(obj.refs) for obj in objects}
    live: set[ObjectFile] = set()
    seen: set[tuple[ObjectFile, str]] = set()
    queue: list[tuple[ObjectFile, str]] = []

    def push(obj: ObjectFile | None, name: str) -> None:
        if obj is not None and (obj, name) not in seen:
            seen.add((obj, name))
            queue.append((obj, name))

    def wake(obj: ObjectFile) -> None:
        if obj in live:
            return
        live.add(obj)
        for name in obj.init:
            push(obj, name)
        for name in obj.exported:
            if "\0" in name:  # a local `used` symbol: kept with its object
                push(obj, name)

    for name in link.roots:
        push(owner.get(name), name)
    for obj in objects:
        for name in obj.exported:
            if "\0" not in name:
                push(owner.get(name), name)
        if obj not in lazy:
            wake(obj)
    while queue:
        obj, name = queue.pop()
        wake(obj)
        for ref in refs[obj].get(name, ()):
            push(obj if "\0" in ref else owner.get(ref), ref)
    return live


def collect(link: Link, resolution: Resolution) -> Resolution:
    """``resolution`` after wasm-ld's garbage collection (unchanged if the link keeps all):
    the extracted members nothing live reaches move to ``dropped`` and ``collected``."""
    if not link.collects:
        return resolution
    live = live_objects(link, resolution)
    dead = tuple(item.object for item in resolution.linked if item.object not in live)
    if not dead:
        return resolution
    return replace(resolution,
                   linked=tuple(item for item in resolution.linked if item.object in live),
                   dropped=(*resolution.dropped, *dead), collected=dead,
                   read=tuple(obj for obj in resolution.read if obj in live))
