"""The task stack both front ends walk function bodies with, so that expressions, blocks and
lambdas nested to any depth never recurse in Python.

A task is either a visit (a tuple, handed to the walker's ``visit``) or what is left to do once
everything pushed above it is done (a callable taking nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias, TypeVar

Visit = TypeVar("Visit", bound=tuple[object, ...])
#: A unit of work: a visit, or a step to run after the tasks pushed above it.
Task: TypeAlias = Visit | Callable[[], None]


def then(todo: list[Task[Visit]], *tasks: Task[Visit] | None) -> None:
    """Push ``tasks`` to run in the order given, before anything already on ``todo``."""
    todo.extend(t for t in reversed(tasks) if t is not None)


def run(todo: list[Task[Visit]], visit: Callable[[Visit], None], base: int = 0) -> None:
    """Do the tasks on ``todo`` above its first ``base`` (a stack: the last one first) and
    everything they push; the ones below ``base`` belong to a walk further out."""
    while len(todo) > base:
        task = todo.pop()
        if isinstance(task, tuple):
            visit(task)
        else:
            task()
