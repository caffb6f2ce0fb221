"""The file-scope pass: what sharing one translation unit can break, for every front end.

Takes a :class:`~amalint.scan.unit.Unit` (and the tree-sitter trees of its files, if a front end
already has them); gives a :class:`~amalint.model.FileScope`: per file its namespace-scope
declarations, using-directives, the uses other files could capture, and macro events, and
(when AM206 runs) the names each file refers to."""

from amalint.frontends.filescope.facts import extract, reachable

#: The preview rule that reads the references (:mod:`amalint.rules.am206_hidden_dependency`):
#: without it, they are not sought.
HIDDEN_RULE = "AM206"

__all__ = ["HIDDEN_RULE", "extract", "reachable"]
