"""The file-scope pass: what sharing one translation unit can break, for every front end.

Takes a :class:`~amalint.scan.unit.Unit` (and the tree-sitter trees of its files, if a front end
already has them); gives a :class:`~amalint.model.FileScope`: per file its namespace-scope
declarations, using-directives, the uses other files could capture, and macro events."""

from amalint.frontends.filescope.facts import extract, reachable

__all__ = ["extract", "reachable"]
