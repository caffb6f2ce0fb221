"""The build system's view of a project, as frozen values: targets with their sources in the
build system's order, the unity sources it generated, and the *pools*: the sources of one
target, language and unity group, any two of which some batching could put in one unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from amalint.config.buildsystems.properties import Properties
from amalint.model import Location

#: Languages CMake builds unity sources for, with the suffix of the virtual whole-target unit.
LANGUAGES = {"C": ".c", "CXX": ".cc"}
_SHOWN = {"C": "C", "CXX": "C++"}


@dataclass(frozen=True)
class UnityFile:
    """A unity source the build system generated: ``label`` is its batch number or group."""

    path: Path
    target: str
    language: str
    label: str
    sources: tuple[Path, ...]
    #: What it includes that is not on disk (sources the build generates, before it ran).
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetSource:
    path: Path
    #: ``C`` or ``CXX`` when compiled as such; ``None`` for headers and other languages.
    language: str | None
    #: Compiled with settings of its own (per-source definitions, options, include
    #: directories): CMake never puts such a source in a unity source.
    own_flags: bool = False


@dataclass(frozen=True)
class Target:
    name: str
    #: The source directory whose CMakeLists.txt defines it (source properties are scoped so).
    directory: Path
    sources: tuple[TargetSource, ...]
    unity_files: tuple[UnityFile, ...] = ()
    defined_at: Location | None = None


@dataclass(frozen=True)
class Pool:
    """Sources of one target, language and unity group, in the build system's order."""

    target: Target
    language: str
    group: str | None
    sources: tuple[Path, ...]
    #: Today's unity sources of the pool (none when unity builds are off).
    unity_files: tuple[UnityFile, ...]
    #: The compilation-database entry whose flags the pool compiles with.
    flags_of: Path

    def describe(self) -> str:
        group = f", UNITY_GROUP `{self.group}`" if self.group is not None else ""
        return f"target `{self.target.name}` ({_SHOWN[self.language]}{group})"

    @property
    def suffix(self) -> str:
        return LANGUAGES[self.language]


@dataclass(frozen=True)
class Build:
    """One configured build directory."""

    directory: Path
    database: Path
    source_dir: Path | None
    targets: tuple[Target, ...]
    pools: tuple[Pool, ...]
    #: Where targets and sources came from (for ``--verbose``).
    origin: str
    notes: tuple[str, ...] = ()
    properties: Properties = field(default_factory=Properties, compare=False)
    #: ``CMake`` or ``Meson``: what the findings' advice speaks of.
    system: str = "CMake"

    @property
    def whole_target(self) -> str:
        """The build setting that makes each pool one unit, as the user would write it."""
        return ("CMAKE_UNITY_BUILD_BATCH_SIZE 0" if self.system == "CMake"
                else "a unity_size of at least that many")

    def unity_file(self, path: Path) -> tuple[Target, UnityFile] | None:
        resolved = path.resolve()
        for target in self.targets:
            for unity in target.unity_files:
                if unity.path == resolved:
                    return target, unity
        return None

    def pools_of(self, source: Path) -> list[Pool]:
        resolved = source.resolve()
        return [pool for pool in self.pools if resolved in pool.sources]

    def target(self, name: str) -> Target | None:
        return next((t for t in self.targets if t.name == name), None)
