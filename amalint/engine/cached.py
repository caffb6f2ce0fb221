"""A lint run through the cache (:mod:`amalint.cache`): look the unit up, else lint it and
store the result with what it was made from.

An entry holds the result (:mod:`amalint.cache.codec`: the findings, the summary and the
start-up order that ``amalint order`` and ``amalint graph`` show), the umbrella's hash, a stamp
of every other file the unit read (the project files of the include scan, and what the front
end read on its own: libclang's system headers) and every ``#include`` of those files with what
it resolved to (:mod:`amalint.cache.stamps`). It counts only if all of them still hold. Not
stored: a result that read a file modified while it ran. A result for which AM205 searched the
directories around the umbrella for sources it misses (the search runs only when a key has no
provider) depends on files outside the unit too: the entry records the directories it listed
(their modification times: an entry added, removed or renamed changes them) and the sources it
read, and counts only if they still hold. Stored but *incomplete*: a result whose search could
not be stamped (a directory modified while it ran), or that would have searched but was not
asked to (:func:`startup_cached`): its findings are never reused, its start-up order and
summary are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amalint.analysis.effects import Analysis
from amalint.cache.analyses import decode_analysis, encode_analysis
from amalint.cache.checked import (
    Malformed,
    expect,
    fields,
    file_path,
    integer,
    items,
    optional,
    string,
)
from amalint.cache.codec import decode, encode
from amalint.cache.key import unit_key
from amalint.cache.stamps import (
    FileStamp,
    IncludeStamp,
    directory_stamp,
    directory_unchanged,
    resolves_alike,
    sha256,
    stamp,
    stamp_unread,
    unchanged,
)
from amalint.cache.store import Store
from amalint.config.settings import Settings
from amalint.engine.orphans import Searched
from amalint.engine.result import Result
from amalint.engine.run import Build, build, build_prepared, evaluate, lint, prepare
from amalint.frontends.treesitter.syntax import parses_kept
from amalint.model import Umbrella
from amalint.scan.directives import scan
from amalint.scan.sources import check_utf8, read_source


@dataclass(frozen=True)
class _Prepared:
    settings: Settings
    warnings: tuple[str, ...]
    #: The umbrella's bytes (read now, or given).
    data: bytes
    key: str


def _prepare(umbrella: Path, settings: Settings, data: bytes | None,
             store: Store) -> _Prepared:
    prepared, warnings = prepare(umbrella, settings)
    own = data
    if own is None:  # read and checked as load_unit does, with the same errors
        own = read_source(umbrella)
        check_utf8(umbrella, own)
    return _Prepared(prepared, warnings, own,
                     unit_key(umbrella, prepared, own, store.relocation))


def lookup(umbrella: Path, settings: Settings, store: Store, data: bytes | None = None,
           complete: bool = True) -> Result | None:
    """The cached lint of ``umbrella`` (``data`` standing for its bytes, if given), if the
    cache has a valid one, with findings to reuse unless ``complete`` is false; raise
    :class:`~amalint.errors.InputError` as a lint would for an umbrella that cannot be
    read."""
    prepared = _prepare(umbrella, settings, data, store)
    return _lookup(store.load(prepared.key), umbrella, prepared, complete)


def lint_cached(umbrella: Path, settings: Settings, store: Store | None,
                data: bytes | None = None) -> tuple[Result, bool]:
    """The lint of ``umbrella`` (``data`` standing for its bytes, if given) and whether it came
    from the cache; without a ``store``, a plain :func:`~amalint.engine.run.lint`."""
    if store is None:
        return lint(umbrella, settings, data), False
    return _through(umbrella, settings, store, data, complete=True)


def startup_cached(umbrella: Path, settings: Settings,
                   store: Store | None) -> tuple[Result, bool]:
    """A lint of ``umbrella`` for its start-up order and summary (``amalint order`` and
    ``amalint graph``), and whether it came from the cache: a cached lint whose findings are
    not reused does, and a new one skips AM205's search (its findings may lack AM205's)."""
    if store is None:
        return evaluate(build(umbrella, settings), umbrella, settings, search=False)[0], False
    return _through(umbrella, settings, store, None, complete=False)


def _through(umbrella: Path, settings: Settings, store: Store, data: bytes | None,
             complete: bool) -> tuple[Result, bool]:
    prepared = _prepare(umbrella, settings, data, store)
    found = _lookup(store.load(prepared.key), umbrella, prepared, complete)
    if found is not None:
        return found, True
    started = time.time_ns()
    searched = Searched()
    with parses_kept():  # for AM205's trial builds
        built = build_prepared(umbrella, prepared.settings, prepared.data, prepared.warnings)
        result, partial = evaluate(built, umbrella, settings, search=complete,
                                   searched=searched)
    value = _entry(built, prepared.data, started)
    if value is not None:
        search = _search_entry(searched, started) if partial and complete else None
        if search is not None:
            value["search"] = search
        value["complete"] = not partial or search is not None
        value["result"] = encode(result)
        value["analysis"] = encode_analysis(built.analysis)
        store.save(prepared.key, value)
    return result, False


def analysis_cached(source: Path, settings: Settings, store: Store | None) -> Analysis:
    """The analysis of ``source`` (``--program``: an object's), from the cache when it holds
    a valid lint of it (``amalint check`` stores one), else made and stored."""
    if store is None:
        return build(source, settings).analysis
    prepared = _prepare(source, settings, None, store)
    for attempt in range(2):
        value = store.load(prepared.key)
        if _lookup(value, source, prepared, complete=False) is not None:
            try:
                return decode_analysis(expect(dict, value).get("analysis"))
            except Malformed:
                pass
        if attempt == 0:
            _through(source, settings, store, None, complete=False)
    return build(source, settings).analysis  # pragma: no cover - the cache cannot be written


def _lookup(value: Any, umbrella: Path, prepared: _Prepared, complete: bool) -> Result | None:
    if value is None:
        return None
    own, settings = prepared.data, prepared.settings
    try:
        entry = expect(dict, value)
        if string(entry.get("umbrella")) != sha256(own) \
                or (complete and not expect(bool, entry.get("complete"))):
            return None
        files = items(entry.get("files"), _file_stamp)
        includes = items(entry.get("includes"), _include_stamp)
        if not all(unchanged(f) for f in files) or not resolves_alike(includes,
                                                                      settings.search):
            return None
        if complete and "search" in entry and not _search_holds(entry["search"]):
            return None
        path = umbrella.resolve()
        scanned = Umbrella(path, own, scan(own, path, settings.search).includes)
        return decode(entry.get("result"), scanned, prepared.warnings)
    except Malformed:
        return None


def _search_entry(searched: Searched, started: int) -> dict[str, Any] | None:
    """What AM205's search listed and read, or ``None`` if a directory changed while it ran
    (then the result is not reused)."""
    listed = list(dict.fromkeys(searched.directories))
    directories = [(str(d), directory_stamp(d, started)) for d in listed]
    if any(mtime is None for _, mtime in directories):
        return None
    read = [stamp(path, data, started) for path, data in searched.files]
    ignores = [extra for d in listed if (d / ".gitignore").is_file()
               and (extra := stamp_unread(d / ".gitignore", started)) is not None]
    return {"directories": [list(item) for item in directories],
            "files": [_stamp_value(s) for s in (*read, *ignores)]}


def _search_holds(value: Any) -> bool:
    """Whether AM205's search would list and read what it did (raises
    :class:`~amalint.cache.checked.Malformed`)."""
    data = expect(dict, value)
    directories = items(data.get("directories"), lambda item: fields(item, 2))
    return all(directory_unchanged(string(path), integer(mtime))
               for path, mtime in directories) \
        and all(unchanged(f) for f in items(data.get("files"), _file_stamp))


def _stamp_value(found: FileStamp) -> list[Any]:
    """A file's stamp as stored (:func:`_file_stamp` reads it back)."""
    return [found.path, found.size, found.sha256, found.mtime_ns]


def _file_stamp(value: Any) -> FileStamp:
    path, size, digest, mtime = fields(value, 4)
    return FileStamp(str(file_path(path)), integer(size), string(digest),
                     optional(integer, mtime))


def _include_stamp(value: Any) -> IncludeStamp:
    directory, spelling, angled, resolved = fields(value, 4)
    if not isinstance(angled, bool):
        raise Malformed("expected a bool")
    return IncludeStamp(string(directory), string(spelling), angled,
                        optional(string, resolved))


def _entry(built: Build, own: bytes, started: int) -> dict[str, Any] | None:
    """What the result of ``built`` was made from, or ``None`` if it cannot be stamped."""
    unit = built.unit
    root = unit.umbrella.path
    stamps = [stamp(f.path, f.data, started) for f in unit.files if f.path != root]
    read = {f.path for f in unit.files}
    for path in dict.fromkeys(p.resolve() for p in built.model.inputs):
        if path not in read:
            extra = stamp_unread(path, started)
            if extra is None:
                return None
            read.add(path)
            stamps.append(extra)
    includes = dict.fromkeys(
        (str(f.path.parent), inc.spelling, inc.angled,
         None if inc.resolved is None else str(inc.resolved))
        for f in unit.files for inc in f.directives.includes)
    return {
        "umbrella": sha256(own),
        "files": [_stamp_value(s) for s in stamps],
        "includes": [list(item) for item in includes],
    }
