"""What the language server knows between requests, kept apart from the protocol: the umbrellas
linted so far and their results, found and linted the way ``amalint check FILE`` finds and lints
them (:func:`~amalint.scan.umbrellas.targets`, a cached
:class:`~amalint.engine.parallel.Runner`), and the findings of each file gathered from every
umbrella that includes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from amalint.cache.store import Store
from amalint.cli.check import fix_umbrella
from amalint.cli.options import Configs
from amalint.cli.runs import root, where
from amalint.config.settings import Settings
from amalint.engine.cached import lint_cached
from amalint.engine.parallel import Job, Runner
from amalint.engine.result import Result
from amalint.engine.rule import Finding
from amalint.errors import InputError
from amalint.scan.sources import is_regular, real
from amalint.scan.umbrellas import targets


@dataclass
class Linted:
    """The last result of one umbrella."""

    path: Path
    settings: Settings
    result: Result
    #: The cache the fixed text is linted through (``None``: no cache).
    store: Store | None = None

    @cached_property
    def files(self) -> frozenset[Path]:
        """The files its findings point at."""
        return frozenset(real(f.location.path) for f in self.result.findings)

    @cached_property
    def units(self) -> frozenset[Path]:
        """The files of the unit."""
        summary = self.result.summary
        return frozenset(real(p) for p in (summary.umbrella.path, *summary.files))

    @cached_property
    def fixed(self) -> bytes:
        """The umbrella as ``amalint check --fix`` writes it (safe fixes, every pass)."""
        def relint(path: Path, settings: Settings, data: bytes) -> Result:
            return lint_cached(path, settings, self.store, data)[0]

        return fix_umbrella(self.path, self.settings, self.result, False, relint)[0]


@dataclass
class Outcome:
    """What linting for one file did."""

    #: The files whose findings may have changed (they had or have findings).
    touched: set[Path] = field(default_factory=set)
    #: Why some path or umbrella was not linted: one line each (``amalint check``'s notes).
    notes: list[str] = field(default_factory=list)
    #: Input errors (an unreadable umbrella, a bad config file): one line each.
    errors: list[str] = field(default_factory=list)
    #: The units' warnings (about their flags).
    warnings: list[str] = field(default_factory=list)
    #: How many units the cache had and had not (``None``: no cache).
    cache: tuple[int, int] | None = None


class Session:
    """The umbrellas' results, and linting for a file: ``make_configs`` gives the settings
    (read afresh for each lint, so that an edited config file counts), ``jobs`` and ``cache``
    (``None``: no cache) are ``-j`` and the cache directory option."""

    def __init__(self, make_configs: Callable[[], Configs], jobs: int,
                 no_cache: bool, cache: Path | None) -> None:
        self.make_configs = make_configs
        self.jobs = jobs
        self.no_cache = no_cache
        self.cache = cache
        self.runner: Runner | None = None
        self.linted: dict[Path, Linted] = {}

    def _runner(self, configs: Configs) -> Runner:
        if self.runner is None:
            run = Runner(None if self.no_cache else where(configs, self.cache), self.jobs,
                         threaded=True, root=root(configs))
            if run.store is not None and run.store.unwritable() is not None:
                run.cache = run.store = None
            self.runner = run
        return self.runner

    def lint(self, path: Path) -> Outcome:
        """Lint the umbrellas of ``path`` (itself, if it is one), and those that included it at
        their last lint (so that one that no longer does forgets its findings there), from the
        cache when nothing changed; an input error that stops the whole lint is raised."""
        outcome = Outcome()
        configs = self.make_configs()
        found = targets([path], configs)
        chosen = list(found.umbrellas.items())
        known = dict(self.linted)
        for key, linted in self.linted.items():
            if key in found.umbrellas or real(path) not in linted.units:
                continue
            if is_regular(key):
                chosen.append((key, (linted.path, configs(linted.path))))
            else:  # the umbrella is gone
                del known[key]
                outcome.touched |= linted.files
        outcome.notes += found.notes
        run = self._runner(configs)
        hits, misses = run.hits, run.misses
        results = run.lint_each([Job(umbrella, settings) for _, (umbrella, settings) in chosen])
        if run.store is not None:
            outcome.cache = run.hits - hits, run.misses - misses
        for (key, (umbrella, settings)), result in zip(chosen, results, strict=True):
            old = known.pop(key, None)
            if old is not None:
                outcome.touched |= old.files
            if isinstance(result, InputError):
                outcome.errors.append(str(result))
                continue
            linted = known[key] = Linted(umbrella, settings, result, run.store)
            outcome.touched |= linted.files
            outcome.warnings += result.warnings
        self.linted = known  # one assignment: a reader in another thread sees old or new
        return outcome

    def findings(self, path: Path) -> list[tuple[Finding, Linted]]:
        """The findings in the file at ``path`` from every umbrella linted so far, each once
        (a header's finding comes from each umbrella that includes it)."""
        wanted = real(path)
        seen: set[tuple[str, object, str]] = set()
        found: list[tuple[Finding, Linted]] = []
        for linted in self.linted.values():  # the lint thread replaces, never changes, it
            if wanted not in linted.files:
                continue
            for finding in linted.result.findings:
                key = (finding.code, finding.location, finding.message)
                if real(finding.location.path) == wanted and key not in seen:
                    seen.add(key)
                    found.append((finding, linted))
        return found

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None
