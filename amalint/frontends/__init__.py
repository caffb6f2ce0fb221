"""Front ends: each turns a :class:`~amalint.scan.unit.Unit` into a
:class:`~amalint.model.CodeModel` through the same ``parse(unit, settings)`` function, and
:func:`select` picks one.

:mod:`.treesitter` and :mod:`.libclang` are the two front ends; :mod:`.filescope` is the
file-scope pass both run (tree-sitter over the preprocessed files), and :mod:`.tasks` the task
stack both walk function bodies on."""

from __future__ import annotations

from collections.abc import Callable

from amalint.config.settings import Settings
from amalint.errors import InputError
from amalint.model import CodeModel
from amalint.scan.unit import Unit

Parse = Callable[[Unit, Settings], CodeModel]


def select(settings: Settings) -> tuple[str, Parse, str]:
    """The front end for ``settings.frontend``, with a sentence on why (for ``--verbose``).

    ``auto`` takes libclang when compiler flags are known and libclang loads, else tree-sitter.
    """
    name = settings.frontend
    if name not in ("auto", "tree-sitter", "libclang"):
        raise InputError(f"unknown front end {name!r}")
    if name == "auto" and settings.flags_origin is None:
        from amalint.frontends import treesitter

        return "tree-sitter", treesitter.parse, "no compiler flags known, so tree-sitter"
    if name in ("auto", "libclang"):
        from amalint.frontends import libclang

        problem = libclang.available()
        if problem is None:
            why = f"flags from {settings.flags_origin}" if settings.flags_origin \
                else "no compiler flags given"
            return "libclang", libclang.parse, why
        if name == "libclang":
            raise InputError(f"--frontend libclang: {problem}")
        from amalint.frontends import treesitter

        return "tree-sitter", treesitter.parse, f"{problem}, so tree-sitter"
    from amalint.frontends import treesitter

    return "tree-sitter", treesitter.parse, "as asked"
