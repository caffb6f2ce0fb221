"""Linting many units at once: cache look-ups in this process, the units the cache does not
have in worker processes (``-j N``) that share the cache directory.

Look-ups come first and are cheap (stat and hash), so a warm run starts no worker at all. The
units left are linted in this process when there is one of them or one worker, else by a pool
of at most ``N`` processes, each storing what it linted. Results come back in the order the
units were given, whatever order they finish in; a unit that cannot be linted (an unreadable
umbrella) fails the run with the error of the first such unit in that order, as a run of one
process would. Workers print nothing: everything is reported by this process afterwards.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from amalint.cache.store import Store
from amalint.config.settings import Settings
from amalint.engine.cached import lint_cached, lookup, startup_cached
from amalint.engine.result import Result
from amalint.engine.shards import Shard
from amalint.errors import InputError
from amalint.scan.sources import paths_remembered, remembering

if TYPE_CHECKING:  # the process pool loads only when a run needs workers
    from concurrent.futures import Future, ProcessPoolExecutor

#: A progress display for ``total`` units: a context whose value advances it by one unit.
Progress = Callable[[int], AbstractContextManager[Callable[[], None]]]


@dataclass(frozen=True)
class Job:
    umbrella: Path
    settings: Settings
    #: Bytes standing for the umbrella's (a virtual unit of unity readiness).
    data: bytes | None = None


def default_workers() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Runner:
    """Lints jobs through the cache (``cache``: its directory, ``None``: no cache) with up to
    ``workers`` processes."""

    def __init__(self, cache: Path | None, workers: int,
                 progress: Progress | None = None, threaded: bool = False,
                 root: Path | None = None, shard: Shard | None = None) -> None:
        self.cache = cache
        #: The project root: cache entries hold paths relative to it, units are named by them.
        self.root = root
        #: ``--shard K/N``: lint only this share of the units (:mod:`amalint.engine.shards`).
        self.shard = shard
        #: Units dealt to this share, and in all.
        self.dealt = self.units = 0
        #: What linting each unit cost (wall seconds), by name: recorded for later shards.
        self.timings: dict[str, float] = {}
        self._costs: dict[str, float] | None = None
        self._jobs = 0
        #: This process runs other threads (the language server's): a worker forked from it
        #: could inherit a lock held forever, so workers come from a fork server or are spawned.
        self.threaded = threaded
        self.store = None if cache is None else Store(cache, root=root)
        self.workers = max(1, workers)
        self.progress = progress
        self.hits = 0
        self.misses = 0
        self._pool: ProcessPoolExecutor | None = None
        self._size = 0

    def lint_one(self, umbrella: Path, settings: Settings, data: bytes | None = None) -> Result:
        """The lint of one umbrella (``data`` standing for its bytes, if given), in this
        process."""
        return self.lint_all([Job(umbrella, settings, data)])[0]

    def startup(self, umbrella: Path, settings: Settings) -> Result:
        """A lint of one umbrella for its start-up order, in this process: from the cache even
        when its findings are not reusable (:func:`~amalint.engine.cached.startup_cached`)."""
        result, hit = startup_cached(umbrella, settings, self.store)
        self.hits += hit
        self.misses += not hit
        return result

    def name(self, job: Job) -> str:
        """A unit's name: its path relative to the project root (else the working directory),
        the same in every checkout."""
        return os.path.relpath(job.umbrella, self.root or Path.cwd())

    def mine(self, jobs: Sequence[Job], groups: Sequence[int] | None = None) -> list[bool]:
        """Whether each job is this run's to lint: all of them, or with ``--shard`` this
        share's (``groups`` numbers the jobs that go to one share alike)."""
        if self.shard is None:
            return [True] * len(jobs)
        if self._costs is None:
            self._costs = {} if self.store is None else self.store.costs()
        chosen = self.shard.deal([self.name(job) for job in jobs], self._costs, groups)
        self.units += len(jobs)
        self.dealt += sum(chosen)
        return chosen

    def lint_all(self, jobs: Sequence[Job]) -> list[Result]:
        """The result of each job, in order (the first input error is raised)."""
        results: list[Result] = []
        for outcome in self.lint_each(jobs):
            if isinstance(outcome, InputError):
                raise outcome
            results.append(outcome)
        return results

    def lint_each(self, jobs: Sequence[Job]) -> list[Result | InputError]:
        """The result of each job, or the input error that stopped it, in order."""
        outcomes: list[Result | InputError | None] = [None] * len(jobs)
        self._jobs += len(jobs)
        for index, job in enumerate(jobs):
            if self.store is not None:
                try:
                    outcomes[index] = lookup(job.umbrella, job.settings, self.store, job.data)
                except InputError as exc:
                    outcomes[index] = exc
        todo = [i for i, outcome in enumerate(outcomes) if outcome is None]
        self.hits += sum(isinstance(outcome, Result) for outcome in outcomes)
        self.misses += len(todo)
        futures: dict[Future[tuple[Result | InputError, float]], int] = {}
        if len(todo) > 1 and self.workers > 1:  # the workers start before any thread here
            pool = self._start(min(self.workers, len(todo)))
            futures = {pool.submit(_lint_job, jobs[i], self.cache, self.root): i for i in todo}
        shown: AbstractContextManager[Callable[[], None]] = \
            self.progress(len(todo)) if self.progress is not None and len(todo) > 1 \
            else nullcontext(lambda: None)
        with shown as advance:
            if futures:
                from concurrent.futures import as_completed

                try:
                    for future in as_completed(futures):
                        outcomes[futures[future]] = self._timed(jobs[futures[future]],
                                                                *future.result())
                        advance()
                except BaseException:  # ^C, or a worker's crash: stop the others now
                    self._abort()
                    raise
            else:
                with _quiet_stderr() if len(todo) > 1 else nullcontext():
                    for index in todo:
                        outcomes[index] = self._timed(
                            jobs[index], *_lint_job(jobs[index], self.cache, self.root,
                                                    self.store))
                        advance()
        done: list[Result | InputError] = []
        for outcome in outcomes:
            assert outcome is not None
            done.append(outcome)
        return done

    def _timed(self, job: Job, outcome: Result | InputError, seconds: float,
               ) -> Result | InputError:
        if isinstance(outcome, Result):
            self.timings[self.name(job)] = seconds
        return outcome

    def _start(self, size: int) -> ProcessPoolExecutor:
        """A pool of at least ``size`` workers (one started for fewer is replaced)."""
        if self._pool is not None and self._size < size:
            self._pool.shutdown()
            self._pool = None
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            methods = multiprocessing.get_all_start_methods()
            # fork: the workers start with amalint already imported (not on macOS, where
            # forking is unsafe)
            method = "fork" if "fork" in methods and sys.platform != "darwin" else None
            if self.threaded:
                method = "forkserver" if "forkserver" in methods else "spawn"
            context = multiprocessing.get_context(method)
            self._pool = ProcessPoolExecutor(size, mp_context=context,
                                             initializer=_init_worker,
                                             initargs=(remembering(),))
            self._size = size
        return self._pool

    def _abort(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            processes = list(getattr(pool, "_processes", {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()

    def close(self) -> None:
        """Stop the workers and bound the cache's size."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self.store is not None:
            if self.timings and (self.shard is not None or self._jobs > 1):
                self.store.record_costs(self.timings)  # a run of one unit has none to split
            self.store.evict()


_STORES: dict[Path, Store] = {}
#: A spawned worker's scopes, entered for its life (:func:`_init_worker`).
_SCOPES = ExitStack()


def _lint_job(job: Job, cache: Path | None, root: Path | None,
              store: Store | None = None) -> tuple[Result | InputError, float]:
    """The lint of ``job`` and the wall seconds it took."""
    if store is None and cache is not None:
        store = _STORES.setdefault(cache, Store(cache, root=root))
    started = time.perf_counter()
    # a worker of the language server: the file system as it is now, looked at once per lint
    scope = paths_remembered() if _WORKER and not remembering() else nullcontext()
    try:
        with scope:
            outcome: Result | InputError = lint_cached(job.umbrella, job.settings, store,
                                                       job.data)[0]
    except InputError as exc:
        outcome = exc
    return outcome, time.perf_counter() - started


class _NotATerminal(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


def _quiet_terminal() -> TextIO:
    """A stderr that does not look like a terminal, so nothing draws on it (libclang's
    spinner) while a progress bar does; on a descriptor of its own, so no lock of the parent
    process is inherited held."""
    return _NotATerminal(os.fdopen(os.dup(2), "wb"), encoding="utf-8", errors="replace",
                         line_buffering=True)


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    saved, sys.stderr = sys.stderr, _quiet_terminal()
    try:
        yield
    finally:
        sys.stderr.close()
        sys.stderr = saved


#: Whether this process is a worker (one job at a time, on one thread).
_WORKER = False


def _init_worker(remember: bool) -> None:
    """Set up a worker process; with ``remember`` (its command remembers paths: not the
    language server), it does too for its whole life, as a worker forked within the command
    already does."""
    import signal

    global _WORKER
    _WORKER = True
    if remember and not remembering():  # spawned (macOS): the command's view, kept
        _SCOPES.enter_context(paths_remembered())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent process handles ^C
    sys.stderr = _quiet_terminal()
