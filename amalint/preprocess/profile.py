"""Compiler profile data: the operands probed for each ``__has_*`` operator, and the built-in
approximation used when no compiler can be asked.

``__has_attribute(x)``, ``__has_builtin(x)`` … can only be answered exactly by the compiler. When
one is on PATH, ``compiler.py`` asks it about every operand below (one run) and the evaluator
answers those exactly and 0 for any other operand. Without a compiler the answers are the ones g++
12.2 gave on x86-64 Debian (``profile_data``), with its predefined macros and search list: a
documented approximation of a gcc-like x86-64 Linux target, not the truth for another compiler,
version, target or flags (``-m32``, ``-O2``, ``-fno-exceptions``, ``-undef`` … are not
reflected; ``-std=`` is, for ``__cplusplus``/``__STDC_VERSION__``/``__STRICT_ANSI__`` only, and
``-nostdinc`` for the search list).
"""

from __future__ import annotations

import re

from . import profile_data, profile_macros
from .config import (
    DYNAMIC_BUILTINS,
    CompilerInfo,
    Features,
    feature_key,
)

_ATTRIBUTES = (
    "noreturn", "unused", "used", "always_inline", "noinline", "visibility", "deprecated",
    "const", "pure", "malloc", "format", "nonnull", "returns_nonnull", "warn_unused_result",
    "weak", "alias", "aligned", "packed", "cold", "hot", "sentinel", "fallthrough",
    "no_sanitize", "no_sanitize_address", "no_sanitize_thread", "no_sanitize_undefined",
    "nonstring", "assume_aligned", "alloc_size", "constructor", "destructor", "cleanup",
    "section", "may_alias", "optimize", "target", "flatten", "artificial", "error", "warning",
    "externally_visible", "nodebug", "no_instrument_function", "noclone", "noipa",
    "returns_twice", "transparent_union", "vector_size", "access", "retain", "nothrow",
    "leaf", "enable_if", "diagnose_if", "overloadable", "trivial_abi", "minsize",
    "require_constant_initialization", "objc_boxable", "availability", "preserve_most",
    "no_profile_instrument_function", "uninitialized", "noescape", "ms_abi", "sysv_abi",
    "regcall", "vectorcall", "fastcall", "stdcall", "cdecl", "thiscall", "naked",
    "no_stack_protector", "exclude_from_explicit_instantiation", "internal_linkage",
    "init_priority", "abi_tag", "format_arg", "designated_init", "nodiscard",
    "maybe_unused", "likely", "unlikely", "no_unique_address", "lifetimebound", "alloc_align",
    "indirect_return", "fd_arg", "tls_model", "ifunc", "copy", "mode", "unavailable",
    "warn_if_not_aligned", "nocf_check", "zero_call_used_regs", "symver", "no_split_stack",
)
_CPP_ATTRIBUTES = (
    "noreturn", "carries_dependency", "deprecated", "fallthrough", "nodiscard", "maybe_unused",
    "likely", "unlikely", "no_unique_address", "assume", "optimize_for_synchronized",
    "gnu::unused", "gnu::always_inline", "gnu::noinline", "gnu::visibility", "gnu::cold",
    "gnu::hot", "gnu::const", "gnu::pure", "gnu::fallthrough", "gnu::nonnull",
    "gnu::deprecated", "gnu::warn_unused_result", "gnu::aligned", "gnu::packed",
    "gnu::returns_nonnull", "gnu::malloc", "gnu::format", "gnu::noreturn", "gnu::used",
    "gnu::weak", "gnu::no_sanitize_address", "gnu::flatten", "gnu::noipa", "gnu::abi_tag",
    "gnu::init_priority", "clang::fallthrough", "clang::lifetimebound", "clang::reinitializes",
    "clang::require_constant_initialization", "clang::trivial_abi",
    "clang::no_destroy", "clang::always_destroy", "clang::preferred_name",
    "clang::no_sanitize", "clang::uninitialized", "msvc::no_unique_address",
)
_C_ATTRIBUTES = ("deprecated", "fallthrough", "maybe_unused", "nodiscard", "noreturn",
                 "unsequenced", "reproducible", "gnu::unused", "gnu::always_inline")
_BUILTINS = (
    "__builtin_expect", "__builtin_unreachable", "__builtin_trap", "__builtin_debugtrap",
    "__builtin_assume", "__builtin_assume_aligned", "__builtin_bswap16", "__builtin_bswap32",
    "__builtin_bswap64", "__builtin_bswap128", "__builtin_clz", "__builtin_clzl",
    "__builtin_clzll", "__builtin_ctz", "__builtin_ctzl", "__builtin_ctzll",
    "__builtin_popcount", "__builtin_popcountl", "__builtin_popcountll", "__builtin_parity",
    "__builtin_ffs", "__builtin_add_overflow", "__builtin_sub_overflow",
    "__builtin_mul_overflow", "__builtin_sadd_overflow", "__builtin_uadd_overflow",
    "__builtin_ssub_overflow", "__builtin_smul_overflow", "__builtin_umul_overflow",
    "__builtin_offsetof", "__builtin_LINE", "__builtin_FILE", "__builtin_FUNCTION",
    "__builtin_COLUMN", "__builtin_source_location", "__builtin_is_constant_evaluated",
    "__builtin_bit_cast", "__builtin_launder", "__builtin_addressof", "__builtin_memcpy",
    "__builtin_memmove", "__builtin_memset", "__builtin_memcmp", "__builtin_strlen",
    "__builtin_strcmp", "__builtin_sprintf", "__builtin_prefetch", "__builtin_constant_p",
    "__builtin_types_compatible_p", "__builtin_choose_expr", "__builtin_huge_val",
    "__builtin_inf", "__builtin_nan", "__builtin_isnan", "__builtin_isinf",
    "__builtin_isfinite", "__builtin_signbit", "__builtin_alloca", "__builtin_va_start",
    "__builtin_va_arg", "__builtin_frame_address", "__builtin_return_address",
    "__builtin_shufflevector", "__builtin_convertvector", "__builtin_shuffle",
    "__builtin_operator_new", "__builtin_operator_delete", "__builtin_cpu_supports",
    "__builtin_cpu_init", "__builtin_ia32_pause", "__builtin_bitreverse8",
    "__builtin_bitreverse16", "__builtin_bitreverse32", "__builtin_bitreverse64",
    "__builtin_rotateleft32", "__builtin_rotateleft64", "__builtin_dump_struct",
    "__builtin_complex", "__builtin_speculation_safe_value", "__builtin_clear_padding",
    "__builtin_is_pointer_interconvertible_with_class", "__builtin_is_corresponding_member",
    "__builtin_unpredictable", "__builtin_expect_with_probability", "__builtin_align_up",
    "__builtin_align_down", "__builtin_is_aligned", "__builtin_elementwise_max",
    "__builtin_reduce_add", "__builtin_nondeterministic_value", "__builtin_readcyclecounter",
    "__builtin_char_memchr", "__builtin_wmemcmp", "__builtin_strchr",
    "__make_integer_seq", "__type_pack_element", "__is_same", "__is_same_as",
    "__is_aggregate", "__is_trivially_copyable", "__is_trivially_constructible",
    "__is_trivially_assignable", "__is_trivially_destructible", "__is_nothrow_assignable",
    "__is_nothrow_constructible", "__is_constructible", "__is_assignable", "__is_convertible",
    "__is_convertible_to", "__is_pointer_interconvertible_base_of", "__is_layout_compatible",
    "__is_final", "__is_empty", "__is_enum", "__is_union", "__is_class", "__is_abstract",
    "__is_polymorphic", "__is_base_of", "__is_standard_layout", "__is_literal_type",
    "__is_pod", "__is_array", "__is_function", "__is_pointer", "__is_reference",
    "__is_member_pointer", "__is_unsigned", "__is_signed", "__is_scoped_enum",
    "__has_unique_object_representations", "__has_virtual_destructor",
    "__has_trivial_destructor", "__underlying_type", "__remove_cvref", "__remove_reference",
    "__add_pointer", "__decay", "__reference_binds_to_temporary", "__array_rank",
    "__builtin_bswap", "__builtin_ms_va_start", "__sync_synchronize", "__atomic_load_n",
    "__c11_atomic_load", "_InterlockedExchange", "__yield",
)
_FEATURES = (
    "address_sanitizer", "thread_sanitizer", "memory_sanitizer", "undefined_behavior_sanitizer",
    "hwaddress_sanitizer", "dataflow_sanitizer", "safe_stack", "leak_sanitizer",
    "coverage_sanitizer", "cxx_exceptions", "cxx_rtti", "cxx_thread_local", "cxx_constexpr",
    "cxx_rvalue_references", "cxx_variadic_templates", "cxx_static_assert", "cxx_alignas",
    "cxx_alignof", "cxx_attributes", "cxx_auto_type", "cxx_decltype", "cxx_lambdas",
    "cxx_nullptr", "cxx_noexcept", "cxx_override_control", "cxx_range_for",
    "cxx_defaulted_functions", "cxx_deleted_functions", "cxx_generic_lambdas",
    "cxx_init_captures", "cxx_relaxed_constexpr", "cxx_return_type_deduction",
    "cxx_variable_templates", "cxx_inheriting_constructors", "cxx_user_literals",
    "cxx_unicode_literals", "cxx_raw_string_literals", "cxx_strong_enums", "cxx_trailing_return",
    "c_atomic", "c_static_assert", "c_generic_selections", "c_thread_local", "c_alignas",
    "tls", "modules", "blocks", "objc_arc", "nullability", "attribute_deprecated_with_message",
    "attribute_unavailable_with_message", "attribute_analyzer_noreturn",
    "is_trivially_copyable", "is_trivially_constructible", "is_trivially_assignable",
    "has_trivial_destructor", "is_empty", "is_final", "is_polymorphic", "is_standard_layout",
    "is_union", "is_enum", "is_class", "is_abstract", "is_base_of", "is_convertible_to",
    "is_pod", "is_literal", "underlying_type", "cxx_access_control_sfinae",
    "enumerator_attributes", "pragma_clang_attribute", "gnu_asm", "c_complex_arithmetic",
)
_WARNINGS = tuple(f'"-W{w}"' for w in (
    "unused-parameter", "unused-variable", "unused-function", "unused-private-field",
    "implicit-fallthrough", "deprecated-declarations", "deprecated", "shadow",
    "shadow-field-in-constructor", "reserved-id-macro", "reserved-identifier",
    "zero-as-null-pointer-constant", "c++98-compat", "c++98-compat-pedantic", "old-style-cast",
    "missing-prototypes", "documentation", "documentation-unknown-command", "sign-conversion",
    "conversion", "float-equal", "format-nonliteral", "unknown-warning-option",
    "undefined-func-template", "unused-member-function", "inconsistent-missing-override",
    "suggest-override", "suggest-destructor-override", "unused-lambda-capture",
    "extra-semi-stmt", "missing-variable-declarations", "gnu-zero-variadic-macro-arguments",
    "c++17-extensions", "c++20-compat", "deprecated-copy", "deprecated-copy-dtor",
    "range-loop-analysis", "return-std-move", "self-assign", "class-memaccess",
    "maybe-uninitialized", "stringop-overflow", "array-bounds", "pessimizing-move",
))
#: The operands asked for each operator (everything else answers 0).
PROBED: dict[str, tuple[str, ...]] = {
    "__has_attribute": _ATTRIBUTES,
    "__has_cpp_attribute": _CPP_ATTRIBUTES,
    "__has_c_attribute": _C_ATTRIBUTES,
    "__has_builtin": _BUILTINS,
    "__has_feature": _FEATURES,
    "__has_extension": _FEATURES,
    "__has_warning": _WARNINGS,
}


def store(values: dict[str, int], operator: str, operand: str, value: int) -> None:
    """Record an answer under the key ``Features.value`` looks up (zeros are not stored)."""
    if value:
        values[f"{operator} {feature_key(operator, operand)}"] = value


_STD_CPLUSPLUS = {"98": "199711L", "03": "199711L", "0x": "201103L", "11": "201103L",
                  "1y": "201402L", "14": "201402L", "1z": "201703L", "17": "201703L",
                  "2a": "202002L", "20": "202002L", "2b": "202100L", "23": "202100L"}
_STD_C = {"89": None, "90": None, "99": "199901L", "9x": "199901L", "11": "201112L",
          "1x": "201112L", "17": "201710L", "18": "201710L", "2x": "202000L", "23": "202000L"}


def fallback(language: str, flags: tuple[str, ...], reason: str) -> CompilerInfo:
    """The built-in gcc-12-on-x86-64-Linux profile, adjusted for ``-std=`` only."""
    cxx = language == "c++"
    table = dict(line.partition(" ")[::2] for line in profile_macros.COMMON)
    for line in profile_data.CXX_ONLY if cxx else profile_data.C_ONLY:
        name, _, value = line.partition(" ")
        table[name] = value
    std = next((f[5:] for f in reversed(flags) if f.startswith("-std=")), None)
    if std is not None:
        version = re.sub(r"^(?:gnu|c|iso9899:)(?:\+\+)?", "", std)
        if std.startswith("c") or std.startswith("iso"):
            table["__STRICT_ANSI__"] = "1"
        else:
            table.pop("__STRICT_ANSI__", None)
        if cxx and version in _STD_CPLUSPLUS:
            table["__cplusplus"] = _STD_CPLUSPLUS[version]
        elif not cxx and version in _STD_C:
            stdc = _STD_C[version]
            if stdc is None:
                table.pop("__STDC_VERSION__", None)
            else:
                table["__STDC_VERSION__"] = stdc
    values: dict[str, int] = {}
    for op, entries in (profile_data.CXX_FEATURES if cxx else profile_data.C_FEATURES).items():
        for entry in entries.split():
            operand, _, value = entry.rpartition("=")
            store(values, op, operand, int(value))
    operators = set(profile_data.OPERATORS)
    features = Features(operators=frozenset(operators), values=values,
                        builtins=DYNAMIC_BUILTINS)
    dirs: tuple[str, ...] = profile_data.CXX_DIRS + profile_data.C_DIRS if cxx \
        else profile_data.C_DIRS
    if "-nostdinc" in flags:
        dirs = ()
    return CompilerInfo("built-in", "gcc", "12.2.0 (built-in approximation)",
                        tuple(f"{k} {v}".rstrip() for k, v in sorted(table.items())), dirs,
                        features, preincludes=() if "-nostdinc" in flags or "-ffreestanding"
                        in flags else profile_data.PREINCLUDES, approximate=True,
                        notes=(f"{reason}: using the built-in gcc 12 x86-64 Linux profile",))
