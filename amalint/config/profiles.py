"""Registry profiles: which functions register a key, which look one up, which macros open a
static-init block. Profiles are data describing a registry's *API*; what an initializer needs
implicitly (through constructors, destructors and helper calls) is derived by the analysis.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from amalint.errors import InputError


class Role(enum.Enum):
    PROVIDER = "provider"
    CONSUMER = "consumer"


@dataclass(frozen=True)
class Api:
    """A registry function (qualified name) or macro, and which argument is the key."""

    name: str
    role: Role
    key_arg: int = 0
    #: A lookup that may fail quietly (returns an empty optional, a null handle or ``false``)
    #: instead of aborting: the code it guards silently does not run.
    optional: bool = False

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.name.strip(":").split("::"))


class BlockKind(enum.Enum):
    """What an init-block macro expands to."""

    #: ``__attribute__((constructor))`` function everywhere.
    CONSTRUCTOR = "constructor"
    #: A static variable with a dynamic initializer everywhere.
    DYNAMIC = "dynamic"
    #: A constructor function on gcc/clang, a dynamic initializer on other compilers.
    GNU_CONSTRUCTOR = "gnu-constructor"


@dataclass(frozen=True)
class InitBlock:
    macro: str
    kind: BlockKind


@dataclass(frozen=True)
class Profile:
    name: str
    apis: tuple[Api, ...] = ()
    init_blocks: tuple[InitBlock, ...] = ()


def _apis(role: Role, *names: str, optional: bool = False) -> tuple[Api, ...]:
    return tuple(Api(name, role, optional=optional) for name in names)


TVM_FFI = Profile(
    name="tvm-ffi",
    apis=(
        *_apis(
            Role.PROVIDER,
            "tvm::ffi::reflection::GlobalDef::def",
            "tvm::ffi::reflection::GlobalDef::def_packed",
            "tvm::ffi::reflection::GlobalDef::def_method",
            "tvm::ffi::Function::SetGlobal",
            "TVMFFIFunctionSetGlobal",
        ),
        # GetGlobal returns an empty Optional, TVMFFIFunctionGetGlobal a null handle;
        # GetGlobalRequired aborts
        Api("tvm::ffi::Function::GetGlobal", Role.CONSUMER, optional=True),
        Api("tvm::ffi::Function::GetGlobalRequired", Role.CONSUMER),
        Api("TVMFFIFunctionGetGlobal", Role.CONSUMER, optional=True),
    ),
    init_blocks=(InitBlock("TVM_FFI_STATIC_INIT_BLOCK", BlockKind.GNU_CONSTRUCTOR),),
)

TVM_LEGACY = Profile(
    name="tvm",
    apis=_apis(Role.PROVIDER, "TVM_REGISTER_GLOBAL", "tvm::runtime::Registry::Register")
    + _apis(Role.CONSUMER, "tvm::runtime::Registry::Get", optional=True),  # returns nullptr
)

BUILTIN: Mapping[str, Profile] = {p.name: p for p in (TVM_FFI, TVM_LEGACY)}


@dataclass(frozen=True)
class Registry:
    """All active profiles, indexed for matching call names against their APIs."""

    profiles: tuple[Profile, ...]

    def match(self, names: Iterable[str]) -> Api | None:
        """The API a call denotes, if any of its possible qualified names matches one.

        A written name matches an API whose qualified name ends with it, as long as the written
        name has at least two components (``Function::GetGlobal``) or the API is a single name
        (a C function or a macro): a bare method name like ``def`` never matches on its own.
        """
        for name in names:
            api = self._by_suffix.get(tuple(name.strip(":").split("::")))
            if api is not None:
                return api
        return None

    @cached_property
    def _by_suffix(self) -> dict[tuple[str, ...], Api]:
        """Every name that matches an API (see :meth:`match`), first profile first."""
        index: dict[tuple[str, ...], Api] = {}
        for profile in self.profiles:
            for api in profile.apis:
                full = api.parts
                for length in range(min(2, len(full)), len(full) + 1):
                    index.setdefault(full[len(full) - length :], api)
        return index

    @property
    def macros(self) -> frozenset[str]:
        """The macros the profiles name: init-block macros, and APIs spelled in capitals."""
        return frozenset(b.macro for p in self.profiles for b in p.init_blocks) | frozenset(
            a.name for p in self.profiles for a in p.apis if a.name.isupper())

    def init_block(self, macro: str) -> InitBlock | None:
        for profile in self.profiles:
            for block in profile.init_blocks:
                if block.macro == macro:
                    return block
        return None


def profile_from_config(name: str, table: Mapping[str, Any], origin: str) -> Profile:
    """Build a user profile from a config table; raise :class:`InputError` on bad keys/types."""
    known = {"providers", "consumers", "init-blocks"}
    for key in table:
        if key not in known:
            raise InputError(f"{origin}: unknown key 'profiles.{name}.{key}'")

    def apis(key: str, role: Role) -> tuple[Api, ...]:
        out: list[Api] = []
        items = table.get(key, [])
        if not isinstance(items, list):
            raise InputError(f"{origin}: 'profiles.{name}.{key}' must be a list")
        fields = {"name", "key-arg"} | ({"optional"} if role is Role.CONSUMER else set())
        for item in items:
            if isinstance(item, str):
                out.append(Api(item, role))
            elif (
                isinstance(item, dict)
                and isinstance(item.get("name"), str)
                and isinstance(item.get("key-arg", 0), int)
                and isinstance(item.get("optional", False), bool)
                and set(item) <= fields
            ):
                out.append(Api(item["name"], role, item.get("key-arg", 0),
                               item.get("optional", False)))
            else:
                extra = ", optional = true|false" if role is Role.CONSUMER else ""
                raise InputError(
                    f"{origin}: 'profiles.{name}.{key}' entries must be a qualified name or "
                    f"{{name = ..., key-arg = N{extra}}}"
                )
        return tuple(out)

    blocks: list[InitBlock] = []
    raw_blocks = table.get("init-blocks", [])
    if not isinstance(raw_blocks, list):
        raise InputError(f"{origin}: 'profiles.{name}.init-blocks' must be a list")
    kinds = {k.value: k for k in BlockKind}
    for item in raw_blocks:
        if isinstance(item, str):
            blocks.append(InitBlock(item, BlockKind.GNU_CONSTRUCTOR))
        elif (
            isinstance(item, dict)
            and isinstance(item.get("macro"), str)
            and item.get("kind", "gnu-constructor") in kinds
            and set(item) <= {"macro", "kind"}
        ):
            blocks.append(InitBlock(item["macro"], kinds[item.get("kind", "gnu-constructor")]))
        else:
            raise InputError(
                f"{origin}: 'profiles.{name}.init-blocks' entries must be a macro name or "
                f"{{macro = ..., kind = {' | '.join(sorted(kinds))}}}"
            )
    return Profile(
        name=name,
        apis=apis("providers", Role.PROVIDER) + apis("consumers", Role.CONSUMER),
        init_blocks=tuple(blocks),
    )
