"""Unity readiness: would the build survive any batching of its sources?

For each pool (the sources of one target, language and unity group that some batching could
put in one unit, :mod:`amalint.config.buildsystems.pools`) this lints one *virtual* unit that
includes them all, in CMake's order: what CMake generates with ``CMAKE_UNITY_BUILD_BATCH_SIZE
0``. Two sources share a unit in some batching only in that order, and a batch holds every
source between them too, so every pair any batching can form is in this one unit, and the same
rules as a normal lint find the same hazards in it, with no rule of its own. It costs one parse
per source; the pairs come from the rules' own name indexes (AM201 groups declarations by
name), never from building every pair.

When the build has unity sources, the virtual unit is their text, in batch order (so code
CMake puts around each include is kept, less the includes of sources the build generates and
has not yet: see :func:`~amalint.config.buildsystems.compdb.present_text`); otherwise one
``#include`` per source. The unit is
linted in memory with the target's flags and is never written (its path lies next to the
target's sources). With one file named (pre-commit), the findings that involve it are kept.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from amalint.config.buildsystems import Pool
from amalint.config.buildsystems.compdb import present_text
from amalint.config.buildsystems.targets import Target, UnityFile
from amalint.engine.buildunits import BuildUnit
from amalint.errors import InputError
from amalint.scan.sources import display

_BREAK = re.compile(rb"[\r\n]")


def virtual_unit(pool: Pool) -> BuildUnit:
    """The whole-pool unit of ``pool``."""
    if pool.unity_files:
        data = b"\n".join(present_text(unity) for unity in pool.unity_files)
    else:
        data = b"".join(include_line(path) for path in pool.sources)
    group = f"-{pool.group}" if pool.group is not None else ""
    name = f"{pool.target.name}-{pool.language.lower()}{group}.unity-readiness{pool.suffix}"
    return BuildUnit(pool, pool.target.directory / name, data)


def include_line(path: Path) -> bytes:
    """An ``#include`` of the absolute ``path`` that names its exact bytes: quoted (no escape
    sequences in a header name: a ``\\`` is itself), or angled if the name holds a ``"``.
    Raise :class:`InputError` naming the file when no line of a unit can: a name that is not
    UTF-8 (a unit is text), or holds a line break, or both ``"`` and ``>``."""
    name = os.fsencode(path)
    try:
        name.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{display(path)}: the file name is not UTF-8, so no unit can "
                         "#include it (a unit is read as UTF-8 text); rename it to check unity "
                         "readiness") from None
    if b'"' not in name and not _BREAK.search(name):
        return b'#include "%s"\n' % name
    if b">" not in name and not _BREAK.search(name):
        return b"#include <%s>\n" % name
    raise InputError(f"{display(path)!r}: no #include can name this file (its name holds a "
                     "line break, or both \" and >); rename it to check unity readiness")


def generated_unit(target: Target, unity: UnityFile, pools: tuple[Pool, ...]) -> BuildUnit:
    """The unit of a unity source the build system generated, with the pool it belongs to."""
    pool = next((p for p in pools if unity in p.unity_files), None)
    if pool is None:  # a unity source of one source: a pool of its own
        pool = Pool(target, unity.language, None if unity.label.isdigit() else unity.label,
                    unity.sources, (unity,), unity.path)
    data = present_text(unity) if unity.missing else None
    return BuildUnit(pool, unity.path, data, unity)
