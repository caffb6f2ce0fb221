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
from functools import wraps
from typing import TypeVar

_R = TypeVar("_R")


def by_content(budget: int) -> Callable[[Callable[[bytes], _R]], Callable[[bytes], _R]]:
    """Remember ``function(data)`` for the most recently used texts, up to ``budget`` bytes of
    them (the latest result is always kept, however large its text)."""
    def decorate(function: Callable[[bytes], _R]) -> Callable[[bytes], _R]:
        results: OrderedDict[bytes, _R] = OrderedDict()
        held = 0

        @wraps(function)
        def remembered(data: bytes) -> _R:
            nonlocal held
            try:
                result = results[data]
            except KeyError:
                result = results[data] = function(data)
                held += len(data)
                while held > budget and len(results) > 1:
                    held -= len(results.popitem(last=False)[0])
            else:
                results.move_to_end(data)
            return result
        return remembered
    return decorate
