"""The rules, one module each; a module's docstring is its documentation."""

from __future__ import annotations

from collections.abc import Mapping

from amalint.engine.rule import Rule
from amalint.rules import (
    am101_init_order,
    am102_missing_provider,
    am103_duplicate_provider,
    am104_order_cycle,
    am105_ctor_priority,
    am106_link_order,
    am107_dropped_registrar,
    am108_reactor_startup,
    am201_internal_name_collision,
    am202_using_namespace_leak,
    am203_macro_leak,
    am204_duplicate_include,
    am205_orphan_source,
    am206_hidden_dependency,
    am301_parse_incomplete,
    am901_unused_suppression,
)

RULES: Mapping[str, Rule] = {
    module.RULE.code: module.RULE
    for module in (
        am101_init_order,
        am102_missing_provider,
        am103_duplicate_provider,
        am104_order_cycle,
        am105_ctor_priority,
        am106_link_order,
        am107_dropped_registrar,
        am108_reactor_startup,
        am201_internal_name_collision,
        am202_using_namespace_leak,
        am203_macro_leak,
        am204_duplicate_include,
        am205_orphan_source,
        am206_hidden_dependency,
        am301_parse_incomplete,
        am901_unused_suppression,
    )
}
