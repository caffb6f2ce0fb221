"""The progress bar of a run over many units: on stderr, only on a terminal, and only once the
run has taken a second (a short run shows nothing); gone when the run ends."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: A run shorter than this shows no bar.
DELAY_SECONDS = 1.0


@contextmanager
def bar(total: int) -> Iterator[Callable[[], None]]:
    """A bar of ``total`` units; the value advances it by one."""
    from rich.console import Console

    console = Console(file=sys.stderr)
    if not console.is_terminal:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    lock = threading.Lock()
    state: dict[str, Any] = {"done": 0, "progress": None, "task": None}

    def show() -> None:
        with lock:
            if state["done"] >= total:
                return
            progress = Progress("amalint: linting", BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=console, transient=True)
            state["task"] = progress.add_task("units", total=total, completed=state["done"])
            state["progress"] = progress
            progress.start()

    def advance() -> None:
        with lock:
            state["done"] += 1
            if state["progress"] is not None:
                state["progress"].update(state["task"], completed=state["done"])

    timer = threading.Timer(DELAY_SECONDS, show)
    timer.daemon = True
    timer.start()
    try:
        yield advance
    finally:
        timer.cancel()
        with lock:
            if state["progress"] is not None:
                state["progress"].stop()
            state["done"] = total
