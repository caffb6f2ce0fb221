"""The tree-sitter front end: fast, needs no compiler flags, resolves calls by name.

It parses every project file of the unit with tree-sitter-cpp and builds the code model in two
steps. First a *declaration pass* over namespace and class scopes (never into function bodies)
collects namespaces, aliases, classes with their bases and members, and function declarations and
definitions by qualified name, plus the static-init entry points. Then function bodies are turned
into resolved :class:`~amalint.model.Function` values *lazily*, only when the analysis walks into
them from an entry point, so code no initializer reaches costs nothing beyond the parse.

Name resolution follows C++ lookup loosely: an unqualified name is looked up in the enclosing
class and its bases, then in each enclosing namespace outward, then in namespaces brought in by
``using namespace``; namespace aliases and type aliases are expanded. Overloads are filtered by
argument count only, so a call may reach every overload of that arity. Template arguments are
ignored (a template and all its specializations are one name). Calls it cannot resolve are kept
as unresolved call sites (virtual dispatch, function pointers, library code).

It parses each file as the preprocessor left it (:mod:`amalint.scan.preprocessed`): only the
``#if`` branches active with the build's flags, or without flags in the compiler's default
configuration, hold code; inactive lines are blank. Known limits (the libclang front end does
not have them): macros in code are not expanded (except init-block and registration macros
named by a profile; the file-scope facts have theirs expanded, see
:mod:`amalint.frontends.filescope`), and overloads with equal arity are not told apart.

Takes a :class:`~amalint.scan.unit.Unit`; gives a :class:`~amalint.model.CodeModel` through
:func:`parse`, like every front end. The modules: :mod:`.syntax` (the tree-sitter helpers that
the file-scope pass shares), :mod:`.symbols` (the declaration tables and name lookup),
:mod:`.builder` (the declaration pass, the entry points, the model), :mod:`.bodies` (a body's
call sites, on the task stack of :mod:`amalint.frontends.tasks`) and :mod:`.lifecycle`
(implicit constructors and destructors).
"""

from __future__ import annotations

from amalint.config.settings import Settings
from amalint.model import CodeModel
from amalint.scan.unit import Unit


def parse(unit: Unit, settings: Settings) -> CodeModel:
    """Build the code model of ``unit`` with tree-sitter."""
    from amalint.frontends.treesitter.builder import Builder  # it needs the file-scope pass
    from amalint.frontends.treesitter.syntax import forget_parses

    try:
        return Builder(unit, settings).build()
    finally:
        forget_parses()  # the unit's trees: its model keeps the nodes it needs
