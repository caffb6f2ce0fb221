"""Results of pure functions of a file's bytes, remembered by content within a byte budget.

The units of one project read the same headers, and one unit's passes look at the same texts
several times (a read's code, its expansion when no macro changed it, the front end's and the
file-scope pass's parses). What is remembered is bounded by the bytes of the texts it was
computed from, not by a count: a run over thousands of small files and one over a few huge
ones keep about as much.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
_R = TypeVar("_R")


class Held(Generic[_K, _V]):
    """Values by key, the most recently used kept up to ``budget`` bytes (each value's size is
    given when it is put; the latest is always kept, however large)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[_K, tuple[int, _V]] = OrderedDict()
        self._held = 0

    def get(self, key: _K) -> _V | None:
        """The value of ``key`` (now the most recently used), or ``None``."""
        item = self._items.get(key)
        if item is None:
            return None
        self._items.move_to_end(key)
        return item[1]

    def put(self, key: _K, value: _V, size: int) -> None:
        """Keep ``value`` for ``key`` (``size`` bytes), dropping the least recently used
        values while more than the budget is held."""
        old = self._items.pop(key, None)
        if old is not None:
            self._held -= old[0]
        self._items[key] = (size, value)
        self._held += size
        while self._held > self.budget and len(self._items) > 1:
            self._held -= self._items.popitem(last=False)[1][0]

    def clear(self) -> None:
        self._items.clear()
        self._held = 0


class Remembered(Generic[_R]):
    """``function(data)``, remembered for the most recently used texts up to ``budget`` bytes
    of them (the latest result is always kept, however large its text)."""

    def __init__(self, function: Callable[[bytes], _R], budget: int) -> None:
        self.function = function
        self.__doc__ = function.__doc__
        self._results: Held[bytes, _R] = Held(budget)

    def __call__(self, data: bytes) -> _R:
        result = self._results.get(data)
        if result is None:
            result = self.function(data)
            self._results.put(data, result, len(data))
        return result

    def known(self, data: bytes) -> _R | None:
        """The remembered result for ``data``, if there is one (not computed)."""
        return self._results.get(data)

    def remember(self, data: bytes, result: _R) -> None:
        """Remember ``result`` as ``function(data)``'s (one found another way)."""
        self._results.put(data, result, len(data))

    def forget(self) -> None:
        """Drop every remembered result."""
        self._results.clear()


def by_content(budget: int) -> Callable[[Callable[[bytes], _R]], Remembered[_R]]:
    """Decorate a function of one ``bytes`` argument as :class:`Remembered`."""
    def decorate(function: Callable[[bytes], _R]) -> Remembered[_R]:
        return Remembered(function, budget)
    return decorate
