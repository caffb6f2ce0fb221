"""The libclang front end: the compiler's own view of the unit, for precision.

libclang parses the umbrella with the build's flags, so macros are expanded, only the active
``#if`` branches exist, and every call is resolved as the compiler resolves it: overloads by
their argument types, templates into the very specialization or instantiation called, operators,
conversions and implicit constructors included. The code model is then built *lazily* from the
entry points; no function body is visited unless an initializer can reach it, and nothing is
visited in files outside the project (system and library headers the unit does not reach through
its own include paths).

Entry points are namespace-scope functions with a ``constructor`` attribute and namespace-scope
variables whose initializer runs code; declarations that one macro invocation produces (an
init-block macro's variable and function, say) share one span of text. Inside bodies:

* a constructed temporary is destroyed at the end of its full expression and a local at the end
  of its block, so their destructors run eagerly; a static local, a global, a returned object and
  a heap object are not destroyed at start-up;
* the destructor and the implicit constructor and destructor of a class template specialization
  are walked in the class template's pattern (libclang does not expose instantiated special
  members), so calls that depend on the template arguments there stay unresolved;
* a lambda runs only when it is called: immediately, or through a variable, or from a template
  it was passed to (the instantiated call is followed); a stored lambda is deferred;
* virtual calls, calls through function pointers and calls to functions declared but not defined
  in the unit are unresolved (``--verbose`` lists them); calls into headers outside the project
  are not followed, unless they match a registry API of a profile.

libclang needs clang's builtin headers (``stddef.h`` and the like), which the pip ``libclang``
wheel does not ship; the ``clang-tidy`` wheel of the same major version (a dependency) does.
They are taken from ``--resource-dir`` (or config ``resource-dir``), else from that wheel, a
clang on ``PATH`` or well-known install paths, the version of the loaded libclang first;
without matching ones the parse goes on, errors in another version's headers are one warning,
and without any a warning says so. Parse errors never stop the run (clang's error limit is
lifted); files with errors get AM301.

The parse and the model's construction run in a child process (:mod:`.isolation`): when clang
crashes (it overflows its stack on code nested deep enough), the run ends with a one-line
error, not a dead interpreter.

Takes a :class:`~amalint.scan.unit.Unit`; gives a :class:`~amalint.model.CodeModel` through
:func:`parse`, like every front end, with the file-scope facts of the tree-sitter pass
(:mod:`amalint.frontends.filescope`). The modules: :mod:`.library` (loading libclang, the
builtin headers), :mod:`.parsing` (the arguments, the parse, the child process's work),
:mod:`.isolation` (the child process), :mod:`.builder` (entry points, the model, lazily built
bodies), :mod:`.walker` (a body's call sites, on the task stack of
:mod:`amalint.frontends.tasks`), :mod:`.cursors` (direct libclang calls of the walk's hot
path), :mod:`.calls` (which overload the unit binds each call to, for AM201) and
:mod:`.diagnostics` (the compiler's diagnostics as the model keeps them).
"""

from amalint.frontends.libclang.library import (
    ResourceDir,
    available,
    find_resource_dir,
    load,
    major_version,
    version,
)
from amalint.frontends.libclang.parsing import parse, parse_with

__all__ = ["ResourceDir", "available", "find_resource_dir", "load", "major_version", "parse",
           "parse_with", "version"]
