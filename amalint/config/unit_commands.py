"""Compile commands that parse each source of a unity unit in its unit's context, for clangd
(``amalint compile-commands``). Pure: the caller writes what this makes.

A source the umbrella includes compiles, inside the unit, after everything the umbrella has
before its ``#include`` line: the earlier sources and headers, the umbrella's own macros and
code. Its command forces exactly that in first: a *prefix header*, the umbrella's text up to
that line with every resolved ``#include`` spelled as an absolute path (the header lives
elsewhere, so a relative spelling would not resolve from it), and an ``#endif`` for each
conditional block the line is inside; then ``-include PREFIX`` and the source itself, with the
unit's flags. clangd then parses the source as the compiler does in the unit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from amalint.config.flags import unit_flags
from amalint.config.settings import Settings
from amalint.model import Umbrella
from amalint.scan.directives import is_source


@dataclass(frozen=True)
class Prefix:
    """A prefix header to write: its name (inside the prefix directory) and bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Command:
    """One entry of ``compile_commands.json``."""

    directory: Path
    file: Path
    arguments: tuple[str, ...]
    #: The prefix header it forces in (``None``: the umbrella's own command).
    prefix: Prefix | None = None

    def entry(self) -> dict[str, object]:
        return {"directory": str(self.directory), "file": str(self.file),
                "arguments": list(self.arguments)}


def _driver(path: Path) -> str:
    return "clang" if path.suffix == ".c" else "clang++"


def commands(umbrella: Umbrella, settings: Settings, cwd: Path,
             prefix_dir: Path) -> list[Command]:
    """The umbrella's own command, then one per source it includes (the first inclusion of
    each), each forcing in its prefix header, named in ``prefix_dir``."""
    flags = unit_flags(settings)
    tag = hashlib.sha256(str(umbrella.path).encode()).hexdigest()[:8]
    out = [Command(cwd, umbrella.path, (_driver(umbrella.path), *flags,
                                        str(umbrella.path)))]
    seen: set[Path] = set()
    for index, inc in enumerate(umbrella.includes):
        source = inc.resolved
        if source is None or not is_source(source) or source in seen:
            continue
        seen.add(source)
        prefix = Prefix(f"{umbrella.path.stem}-{tag}/{index:03d}-{source.name}.h",
                        _prefix_text(umbrella, index))
        header = prefix_dir / prefix.name
        out.append(Command(cwd, source, (_driver(source), *flags, "-include",
                                         str(header), str(source)), prefix))
    return out


def _prefix_text(umbrella: Umbrella, index: int) -> bytes:
    """The umbrella before include ``index``, includes spelled as absolute paths."""
    data = umbrella.data
    end = umbrella.includes[index].start_byte
    parts = [f'/* amalint: {umbrella.path} before line {umbrella.includes[index].line} */\n'
             .encode()]
    at = 0
    for inc in umbrella.includes[:index]:
        parts.append(data[at:inc.start_byte])
        if inc.resolved is None:  # a system header: the compiler finds it as before
            parts.append(data[inc.start_byte:inc.end_byte])
        else:
            parts.append(f'#include "{inc.resolved}"\n'.encode())
        at = inc.end_byte
    parts.append(data[at:end])
    if not parts[-1].endswith(b"\n"):
        parts.append(b"\n")
    parts.append(b"#endif\n" * len(umbrella.includes[index].block))
    return b"".join(parts)
