"""Direct calls into libclang for the walk's hot path.

The ``clang.cindex`` bindings wrap every call in Python: each ``get_children()`` makes a new C
callback and checks every child against the null cursor (two more calls per child), a
referenced or defining cursor is compared with the null cursor in C, a kind test
(``is_expression()``) is a call, and a location is decoded through four out-parameters and a
file object. A body walk makes these calls for every cursor of every body an initializer
reaches (about 70,000 on Apache TVM's runtime), so here they go to the library directly: one
visitor made once, null and kind tests on the cursor's own fields, kinds as integers, and file
names looked up once per file.
"""

from __future__ import annotations

import ctypes
from types import ModuleType
from typing import Any

#: A libclang cursor (the bindings are untyped).
Cursor = Any
#: The kinds of invalid cursors (``CXCursor_FirstInvalid`` to ``CXCursor_LastInvalid``); the
#: null cursor is one of them.
_INVALID = range(70, 74)


class Cursors:
    """Fast cursor queries on one translation unit."""

    def __init__(self, cindex: ModuleType, tu: Any) -> None:
        lib = cindex.conf.lib
        cursor_type = cindex.Cursor
        self._cindex = cindex
        self._tu = tu

        def raw(name: str, argtypes: list[Any], restype: Any) -> Any:
            function = lib[name]  # a new function object, without the bindings' errcheck
            function.argtypes = argtypes
            function.restype = restype
            return function

        self._referenced = raw("clang_getCursorReferenced", [cursor_type], cursor_type)
        self._definition = raw("clang_getCursorDefinition", [cursor_type], cursor_type)
        self._argument = raw("clang_Cursor_getArgument", [cursor_type, ctypes.c_uint],
                             cursor_type)
        self._num_arguments = lib.clang_Cursor_getNumArguments
        self._extent = lib.clang_getCursorExtent
        self._location = lib.clang_getCursorLocation
        self._range_start = lib.clang_getRangeStart
        self._range_end = lib.clang_getRangeEnd
        self._expansion = raw("clang_getInstantiationLocation",
                              [cindex.SourceLocation, ctypes.POINTER(ctypes.c_void_p),
                               ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint),
                               ctypes.POINTER(ctypes.c_uint)], None)
        self.hash = lib.clang_hashCursor
        self._visit = lib.clang_visitChildren
        self._names: dict[int, str] = {}

        def collect(child: Cursor, _parent: Cursor, out: list[Cursor]) -> int:
            child._tu = tu  # what the bindings' own methods on the cursor need
            out.append(child)
            return 1  # CXChildVisit_Continue

        self._collect = cindex.callbacks["cursor_visit"](collect)
        kinds = cindex.CursorKind.get_all_kinds()
        #: Kind ids of expressions and of attributes.
        self.expressions = frozenset(k.value for k in kinds if k.is_expression())
        self.attributes = frozenset(k.value for k in kinds if k.is_attribute())
        self._file = ctypes.c_void_p()
        self._line = ctypes.c_uint()
        self._column = ctypes.c_uint()
        self._offset = ctypes.c_uint()

    def children(self, cursor: Cursor) -> list[Cursor]:
        out: list[Cursor] = []
        self._visit(cursor, self._collect, out)
        return out

    def _cursor(self, found: Cursor) -> Cursor | None:
        if found._kind_id in _INVALID:
            return None
        found._tu = self._tu
        return found

    def referenced(self, cursor: Cursor) -> Cursor | None:
        """The declaration a reference or call refers to."""
        return self._cursor(self._referenced(cursor))

    def definition(self, cursor: Cursor) -> Cursor | None:
        return self._cursor(self._definition(cursor))

    def arguments(self, cursor: Cursor) -> list[Cursor | None]:
        """The argument expressions of a call."""
        return [self._cursor(self._argument(cursor, i))
                for i in range(self._num_arguments(cursor))]

    def start(self, cursor: Cursor) -> tuple[str | None, int, int, int]:
        """File name, line, column and offset where ``cursor``'s extent starts (the expansion
        point of a macro)."""
        return self._point(self._range_start(self._extent(cursor)))

    def end(self, cursor: Cursor) -> tuple[str | None, int, int, int]:
        """The same where the extent ends (one past its last character)."""
        return self._point(self._range_end(self._extent(cursor)))

    def spot(self, cursor: Cursor) -> tuple[str | None, int, int, int]:
        """The same for the cursor's own location (its name, for a declaration)."""
        return self._point(self._location(cursor))

    def _point(self, location: Any) -> tuple[str | None, int, int, int]:
        self._expansion(location, ctypes.byref(self._file), ctypes.byref(self._line),
                        ctypes.byref(self._column), ctypes.byref(self._offset))
        handle = self._file.value
        name = None
        if handle:
            name = self._names.get(handle)
            if name is None:
                file = self._cindex.File(ctypes.cast(handle, self._cindex.c_object_p))
                name = self._names[handle] = str(self._cindex.conf.lib.clang_getFileName(file))
        return name, self._line.value, self._column.value, self._offset.value


class Kinds:
    """The cursor kind ids a walk tests, as integers."""

    def __init__(self, cindex: ModuleType) -> None:
        K = cindex.CursorKind
        self.call = K.CALL_EXPR.value
        self.compound = K.COMPOUND_STMT.value
        self.var = K.VAR_DECL.value
        self.delete = K.CXX_DELETE_EXPR.value
        self.constructor = K.CONSTRUCTOR.value
        self.string = K.STRING_LITERAL.value
        self.decl_ref = K.DECL_REF_EXPR.value
        self.parm = K.PARM_DECL.value
        self.member_ref = K.MEMBER_REF.value
        self.type_ref = K.TYPE_REF.value
        self.functions = frozenset(k.value for k in (
            K.FUNCTION_DECL, K.CXX_METHOD, K.CONSTRUCTOR, K.DESTRUCTOR, K.CONVERSION_FUNCTION,
            K.FUNCTION_TEMPLATE))
        self.records = frozenset(k.value for k in (K.STRUCT_DECL, K.CLASS_DECL, K.UNION_DECL,
                                                   K.CLASS_TEMPLATE))
        #: Expressions a walk looks through, keeping whether the value is owned.
        self.transparent = frozenset(k.value for k in (
            K.UNEXPOSED_EXPR, K.PAREN_EXPR, K.CXX_FUNCTIONAL_CAST_EXPR, K.CSTYLE_CAST_EXPR,
            K.CXX_STATIC_CAST_EXPR, K.CXX_CONST_CAST_EXPR))
        #: Whose children's values are owned: a returned value, a heap object.
        self.owning = frozenset(k.value for k in (K.RETURN_STMT, K.CXX_NEW_EXPR))
        #: Cursors with no expression under them: nothing to walk (a name's children are
        #: only references to its qualifier and template arguments).
        self.leaves = frozenset(k.value for k in (
            K.DECL_REF_EXPR, K.INTEGER_LITERAL, K.FLOATING_LITERAL, K.IMAGINARY_LITERAL,
            K.STRING_LITERAL, K.CHARACTER_LITERAL, K.CXX_BOOL_LITERAL_EXPR,
            K.CXX_NULL_PTR_LITERAL_EXPR, K.CXX_THIS_EXPR, K.NULL_STMT))
        #: Cursors a walk never enters: references to types and names, nested declarations,
        #: and lambdas (their bodies run only when called).
        self.skipped = frozenset(k.value for k in (
            K.TYPE_REF, K.TEMPLATE_REF, K.NAMESPACE_REF, K.LAMBDA_EXPR, K.FUNCTION_DECL,
            K.CXX_METHOD, K.FUNCTION_TEMPLATE, K.STRUCT_DECL, K.CLASS_DECL, K.UNION_DECL,
            K.CLASS_TEMPLATE, K.PARM_DECL, K.TYPEDEF_DECL, K.TYPE_ALIAS_DECL, K.MEMBER_REF))
