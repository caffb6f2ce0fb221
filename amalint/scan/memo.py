"""Results of pure functions of a file's bytes, remembered by content within a byte budget.

The units of one project read the same headers, and one unit's passes look at the same texts
several times (a read's code, its expansion when no macro changed it, the front end's and the
file-scope pass's parses). What is remembered is bounded by the bytes of the texts it was
computed from, not by a count: a run over thousands of small files and one over a few huge
ones keep about as much.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

_R = TypeVar("_R")


class Remembered(Generic[_R]):
    """``function(data)``, remembered for the most recently used texts up to ``budget`` bytes
    of them (the latest result is always kept, however large its text)."""

    def __init__(self, function: Callable[[bytes], _R], budget: int) -> None:
        self.function = function
        self.budget = budget
        self.__doc__ = function.__doc__
        self._results: OrderedDict[bytes, _R] = OrderedDict()
        self._held = 0

    def __call__(self, data: bytes) -> _R:
        results = self._results
        try:
            result = results[data]
        except KeyError:
            result = results[data] = self.function(data)
            self._held += len(data)
            while self._held > self.budget and len(results) > 1:
                self._held -= len(results.popitem(last=False)[0])
        else:
            results.move_to_end(data)
        return result

    def known(self, data: bytes) -> _R | None:
        """The remembered result for ``data``, if there is one (not computed)."""
        return self._results.get(data)

    def remember(self, data: bytes, result: _R) -> None:
        """Remember ``result`` as ``function(data)``'s (one found another way)."""
        if data not in self._results:
            self._results[data] = result
            self._held += len(data)
            while self._held > self.budget and len(self._results) > 1:
                self._held -= len(self._results.popitem(last=False)[0])

    def forget(self) -> None:
        """Drop every remembered result."""
        self._results.clear()
        self._held = 0


def by_content(budget: int) -> Callable[[Callable[[bytes], _R]], Remembered[_R]]:
    """Decorate a function of one ``bytes`` argument as :class:`Remembered`."""
    def decorate(function: Callable[[bytes], _R]) -> Remembered[_R]:
        return Remembered(function, budget)
    return decorate
