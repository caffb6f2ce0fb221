"""Pools: for each target, language and unity group, the sources some batching could put in one
unit, in CMake's order. This follows CMake's own choice (``cmLocalGenerator``): sources of the
target compiled as C or C++, less those with ``SKIP_UNITY_BUILD_INCLUSION`` or
``HEADER_FILE_ONLY`` on, or with their own ``COMPILE_OPTIONS``, ``COMPILE_DEFINITIONS``,
``COMPILE_FLAGS`` or ``INCLUDE_DIRECTORIES``; in group mode (``UNITY_BUILD_MODE GROUP``) one pool
per ``UNITY_GROUP``, sources without one being compiled alone.

When the build has unity sources, they are the truth: the pool of a batch-mode target and
language is all its batches in order, and each group's unity source is a pool. Otherwise the
target's sources are filtered as above, with the properties read from the CMake files.
"""

from __future__ import annotations

from pathlib import Path

from amalint.config.buildsystems.cmakelists import truthy
from amalint.config.buildsystems.properties import GROUP, Properties
from amalint.config.buildsystems.targets import LANGUAGES, Pool, Target, UnityFile


def _batch_number(unity: UnityFile) -> int:
    return int(unity.label) if unity.label.isdigit() else -1


def pools(target: Target, props: Properties, notes: list[str]) -> list[Pool]:
    """The pools of ``target`` with at least two sources; ``notes`` gets what amalint could
    not model."""
    settings = props.targets.get(target.name, {})
    if "UNITY_BUILD" in settings and not truthy(settings["UNITY_BUILD"]):
        notes.append(f"target `{target.name}` sets UNITY_BUILD off; not checked")
        return []
    off = props.unity_off.get(target.directory.resolve())
    if "UNITY_BUILD" not in settings and off is not None and not target.unity_files:
        notes.append(f"target `{target.name}`: {off} sets UNITY_BUILD off on targets named "
                     "through a variable, perhaps this one; not checked")
        return []
    grouped = settings.get("UNITY_BUILD_MODE", "BATCH").upper() == "GROUP"
    if target.unity_files:
        return _from_unity_files(target, grouped)
    for name in ("UNITY_BUILD_CODE_BEFORE_INCLUDE", "UNITY_BUILD_CODE_AFTER_INCLUDE"):
        if name in settings:
            notes.append(f"target `{target.name}`: {name} is not modeled without unity "
                         "sources in the build")
    out: list[Pool] = []
    for language in LANGUAGES:
        members = [
            s.path for s in target.sources
            if s.language == language and not s.own_flags
            and props.skipped(target.name, target.directory, s.path) is None
        ]
        groups: dict[str | None, list[Path]] = {}
        for path in members:
            group = props.of_source(target.name, target.directory, path).get(GROUP) \
                if grouped else None
            if grouped and group is None:
                continue  # compiled alone in group mode
            groups.setdefault(group, []).append(path)
        for group, paths in groups.items():
            if len(paths) > 1:
                out.append(Pool(target, language, group, tuple(paths), (), paths[0]))
    return out


def _from_unity_files(target: Target, grouped: bool) -> list[Pool]:
    by_language: dict[str, list[UnityFile]] = {}
    for unity in target.unity_files:
        by_language.setdefault(unity.language, []).append(unity)
    out: list[Pool] = []
    for language, files in by_language.items():
        if grouped or any(not f.label.isdigit() for f in files):
            for unity in sorted(files, key=lambda f: f.label):
                out.append(Pool(target, language, unity.label, unity.sources, (unity,),
                                unity.path))
            continue
        files.sort(key=_batch_number)
        sources = tuple(s for f in files for s in f.sources)
        out.append(Pool(target, language, None, sources, tuple(files), files[0].path))
    return [pool for pool in out if len(pool.sources) > 1]
