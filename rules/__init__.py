"""The rules, one module each; a module's docstring is its documentation."""

from __future__ import annotations

from collections.abc import Mapping

from amalint.rule import Rule
from amalint.rules import (
    am101_init_order,
    am102_missing_provider,
    am103_duplicate_provider,
    am104_order_cycle,
    am901_unused_suppression,
)

RULES: Mapping[str, Rule] = {
    module.RULE.code: module.RULE
    for module in (
        am101_init_order,
        am102_missing_provider,
        am103_duplicate_provider,
        am104_order_cycle,
        am901_unused_suppression,
    )
}
