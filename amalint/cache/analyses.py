"""A unit's analysis (entry points in start-up order, each with its eager effects and their
call chains) as JSON, kept with the unit's lint result so that ``--program`` reads each
object's analysis from the cache instead of analysing its source again."""

from __future__ import annotations

from typing import Any

from amalint.analysis.effects import Analysis, Effect, Step
from amalint.cache.checked import Malformed, expect, fields, file_path, integer, items, string
from amalint.cache.checked import optional as maybe
from amalint.config.profiles import Role
from amalint.model import EntryKind, EntryPoint, Location


def _loc(loc: Location) -> list[Any]:
    return [str(loc.path), loc.line, loc.column]


def _location(value: Any) -> Location:
    path, line, column = fields(value, 3)
    return Location(file_path(path), integer(line), integer(column))


def encode_analysis(analysis: Analysis) -> list[Any]:
    return [[[e.function, e.label, e.kind.value, e.priority, _loc(e.location), _loc(e.end),
              list(e.position), e.unit, e.explicit],
             [[f.role.value, f.key, f.api, _loc(f.site),
               [[_loc(s.location), s.text] for s in f.chain], f.optional]
              for f in analysis.effects[e]]]
            for e in analysis.order]


def decode_analysis(value: Any) -> Analysis:
    """The analysis :func:`encode_analysis` made (raises
    :class:`~amalint.cache.checked.Malformed`)."""
    order: list[EntryPoint] = []
    effects: dict[EntryPoint, tuple[Effect, ...]] = {}
    for item in expect(list, value):
        entry_value, effect_values = fields(item, 2)
        function, label, kind, priority, location, end, position, unit, explicit = \
            fields(entry_value, 9)
        try:
            entry = EntryPoint(string(function), string(label), EntryKind(string(kind)),
                               integer(priority), _location(location), _location(end),
                               items(position, integer), maybe(integer, unit),
                               expect(bool, explicit))
        except ValueError:
            raise Malformed("unknown entry point kind") from None
        order.append(entry)
        effects[entry] = items(effect_values, _effect)
    return Analysis(order=tuple(order), effects=effects)


def _effect(value: Any) -> Effect:
    role, key, api, site, chain, optional = fields(value, 6)
    try:
        kind = Role(string(role))
    except ValueError:
        raise Malformed("unknown role") from None
    return Effect(kind, string(key), string(api), _location(site), items(chain, _step),
                  expect(bool, optional))


def _step(value: Any) -> Step:
    location, text = fields(value, 2)
    return Step(_location(location), string(text))
