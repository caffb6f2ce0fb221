"""Front ends: each turns a :class:`~amalint.unit.Unit` into a :class:`~amalint.model.CodeModel`
through the same ``parse(unit, settings)`` function."""

from __future__ import annotations

from collections.abc import Callable

from amalint.config import Settings
from amalint.errors import InputError
from amalint.model import CodeModel
from amalint.unit import Unit

Parse = Callable[[Unit, Settings], CodeModel]


def select(name: str) -> tuple[str, Parse]:
    """The front end to use for ``name`` (``auto``, ``tree-sitter`` or ``libclang``)."""
    if name in ("auto", "tree-sitter"):
        from amalint.frontends import treesitter

        return "tree-sitter", treesitter.parse
    if name == "libclang":
        raise InputError("--frontend libclang: the libclang front end is not available yet")
    raise InputError(f"unknown front end {name!r}")
