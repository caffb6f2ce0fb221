"""The names one file refers to that files of other units declare, as the file reads alone.

In the unity build a file sees every declaration the sources before it read; compiled alone it
sees only its own include closure. This pass finds, in a file's compiled code with its macros
*not* expanded (as it would read without the earlier sources' macros), every unqualified or
namespace-qualified use of a name from a given set, by a token scan classified on a tree-sitter
parse of that code: a name the file declares itself (at namespace scope, or locally: parameters,
locals, template parameters) is its own, and none of its uses is a reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import replace
from os.path import normpath
from pathlib import Path

from tree_sitter import Node

from amalint import preprocess
from amalint.frontends.filescope import branches
from amalint.frontends.filescope.complete import needs_definition
from amalint.frontends.filescope.macro_uses import macro_uses
from amalint.frontends.filescope.macros import defines_of
from amalint.frontends.filescope.members import member_candidates, not_dependent
from amalint.frontends.filescope.source import FileText, blank, identifiers, words
from amalint.frontends.filescope.system_names import library_header, system_names
from amalint.frontends.filescope.uses import _name_context
from amalint.frontends.treesitter.syntax import (
    CLASSES,
    declarator_name,
    function_declarator,
    parse,
)
from amalint.frontends.treesitter.syntax import split as split_name
from amalint.model import ANONYMOUS, Reference, Scope, SystemName, macro_body
from amalint.scan.unit import Unit

#: Name nodes; a ``primitive_type`` too, which tree-sitter makes of ``size_t``, ``int32_t`` and
#: the other ``<stddef.h>`` and ``<stdint.h>`` names (the type keywords are left out later).
_NAME_NODES = ("identifier", "type_identifier", "namespace_identifier", "primitive_type")
_WORD = re.compile(rb"\b[A-Za-z_]\w*")
_CALLED = re.compile(rb"\b([A-Za-z_]\w*)\s*\(")
#: A ``#define`` line, its name and parameters kept (group 1), its body dropped.
_DEFINE_BODY = re.compile(rb"^(\s*#\s*define\s+[A-Za-z_]\w*(?:\([^)]*\))?).*$", re.S)


def macro_words(file: FileText) -> frozenset[str]:
    """The identifiers in the bodies of ``file``'s ``#define``\\ s, in any branch, that the
    expansion may declare: not one followed by ``(``, which it calls (``memcpy`` in
    ``#define va_copy(a, b) memcpy(&(a), &(b), sizeof(va_list))``) or expands further
    (``X`` of an X-macro's ``X(RED)``)."""
    out: set[str] = set()
    for _, _, definition in defines_of(file.source.directives.directives):
        body = blank(macro_body(definition).encode())
        out |= identifiers(body) - {w.decode() for w in set(_CALLED.findall(body))}
    return frozenset(out)


def find_references(file: FileText, names: Iterable[str], macros: Iterable[str] = (),
                    own_macro: Callable[[str, int], bool] | None = None,
                    defines: Iterable[str] | None = None) -> list[Reference]:
    """Uses of ``names`` in ``file``'s compiled code (its bytes without the preprocessor),
    except those of names it declares or ``#define``-s itself (in any branch). ``macros`` are
    the names among them that are macros: a macro invocation the parser cannot classify
    (``REGISTER(Foo);`` at file scope, text the parser rejects) still counts as a use.
    ``own_macro(name, offset)`` says whether the definition in force there is the file's own
    business (a header its own source reads, a system one too, defined it). ``defines``: the
    macros the file defines where it may compiled alone (default: in any branch; see
    :func:`.branches.defines`)."""
    code = file.source.code or file.source.data
    blanked = blank(code)
    present = identifiers(blanked) & set(names)
    if not present:
        return []
    macro_names = set(macros)
    directive_lines = {i for i, kind in enumerate(file.kinds) if kind == "directive"}
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in sorted(present))
                         + rb")\b")
    root = parse(code).root_node
    found: list[tuple[int, Reference]] = []
    #: the names the file declares or #defines itself, and the first offset that does (a use
    #: before it, as json-c's `json_pointer.c` passes a function it defines further down, is
    #: not covered: compiled alone, the compiler has not met that declaration yet)
    if defines is None:
        defines = [name for _, name, _ in defines_of(file.source.directives.directives)]
    own = dict.fromkeys(defines, -1)
    for m in pattern.finditer(blanked):
        if file.line_index(m.start()) in directive_lines:
            continue
        name = m.group(0).decode()
        if name in macro_names and own_macro is not None and own_macro(name, m.start()):
            continue
        node = root.descendant_for_byte_range(m.start(), m.end())
        exact = node is not None and node.type in _NAME_NODES \
            and node.start_byte == m.start() and node.end_byte == m.end()
        if node is None or not exact:
            if name in macro_names:
                found.append((m.start(), Reference(name, (), file.point(m.start()),
                                                   file.position(m.start()))))
            continue
        context, stand_in = _name_context(node)
        if _befriended(node):
            continue  # `friend class T;` declares `T`, it does not use it
        if context == "declaration":
            if name not in macro_names or _defines_function(node):
                own.setdefault(name, m.start())
                continue
            context = "use"  # a function-like macro invoked where a declaration could stand
        scope, member = _enclosing(node, code)
        qualifier: tuple[str, ...] = ()
        complete = needs_definition(node, blanked[m.end():m.end() + 40])
        if context == "qualified":
            written = _qualifier(stand_in, code)
            if written is None and not complete:
                continue
            qualifier = written or ()  # `T` of `T::f() {...}`: the class, unqualified
        found.append((m.start(), Reference(name, scope, file.point(m.start()),
                                           file.position(m.start()), qualifier, member,
                                           complete=complete)))
    return [r for at, r in found if own.get(r.name, at) >= at]


def _befriended(node: Node) -> bool:
    parent = node.parent
    if parent is not None and parent.type in CLASSES:
        parent = parent.parent
    return parent is not None and parent.type == "friend_declaration"


def _defines_function(node: Node) -> bool:
    """Whether the name ``node`` is declared by a function definition (with a body) or as
    anything but a function (an object-like macro's name declared by the file itself)."""
    parent = node.parent
    while parent is not None and parent.type not in ("function_definition", "declaration",
                                                      "field_declaration", "parameter_declaration",
                                                      "translation_unit"):
        parent = parent.parent
    if parent is None or parent.type != "declaration":
        return True
    declarator = parent.child_by_field_name("declarator")
    return declarator is None or function_declarator(declarator) is None


def _qualifier(node: Node, code: bytes) -> tuple[str, ...] | None:
    """The written namespace qualification of a qualified name (``("",)`` for ``::``), or
    ``None`` when it is not a plain chain of names."""
    outer = node
    while outer.parent is not None and outer.parent.type == "qualified_identifier":
        outer = outer.parent
    text = code[outer.start_byte:node.start_byte].decode("utf-8", "replace")
    text = "".join(text.split())
    if not text.endswith("::"):
        return None
    parts = split_name(text)
    return ("",) if text.startswith("::") and not parts else \
        (("",) if text.startswith("::") else ()) + parts


def _enclosing(node: Node, code: bytes) -> tuple[Scope, bool]:
    """The namespace scope around ``node`` and whether it is in a member context (a class body
    or a member function, where class members may hide namespace-scope names)."""
    scope: list[str] = []
    member = False
    parent = node.parent
    while parent is not None:
        kind = parent.type
        if kind == "namespace_definition":
            name = parent.child_by_field_name("name")
            scope[:0] = list(split_name(code[name.start_byte:name.end_byte].decode(
                "utf-8", "replace"))) if name is not None else [ANONYMOUS]
        elif kind == "field_declaration_list":
            member = True
        elif kind == "function_definition":
            declarator = function_declarator(parent.child_by_field_name("declarator"))
            name = declarator_name(declarator.child_by_field_name("declarator")) \
                if declarator is not None else None
            if name is not None and name.type == "qualified_identifier":
                member = True
        parent = parent.parent
    return tuple(scope), member


def unit_references(unit: Unit, files: Sequence[FileText]) -> dict[int, list[Reference]]:
    """For the first read of each file an umbrella include reads, its uses of the names that
    only files of earlier umbrella includes declare or define (see :mod:`.references`)."""
    declared: dict[int, set[str]] = {}
    defined: dict[int, set[str]] = {}
    #: path -> the umbrella includes that read it (or would, but for its guard)
    reads: dict[str, set[int]] = {}
    #: macro name -> the files that define it (wherever the unity build read them)
    definers: dict[str, set[str]] = {}
    for f in files:
        if f.source.unit is not None:
            declared.setdefault(f.source.unit, set()).update(d.name for d in f.declarations)
    pp = unit.preprocessed
    if pp is not None:
        #: umbrella include ordinal of each inclusion an umbrella include makes
        ordinal = {f.source.inclusion: f.source.unit for f in files}
        # every file each umbrella include reads alone, system headers too: the ones it
        # enters or skips as already read, and what those include wherever they were read
        children: dict[str, set[str]] = {}
        direct: dict[int, set[str]] = {}
        for inc in pp.inclusions:
            if inc.parent is not None:
                children.setdefault(normpath(pp.inclusions[inc.parent].path), set()).add(
                    normpath(inc.path))
            reader = ordinal.get(inc.unit)
            if reader is not None:
                direct.setdefault(reader, set()).add(normpath(inc.path))
        for reader, paths in direct.items():
            todo = list(paths)
            while todo:
                path = todo.pop()
                if reader not in reads.setdefault(path, set()):
                    reads[path].add(reader)
                    todo.extend(children.get(path, ()))
        for event in pp.events:
            if event.kind == "define" and event.inclusion is not None:
                definers.setdefault(event.name, set()).add(pp.inclusions[event.inclusion].path)
            top = pp.inclusions[event.inclusion].unit if event.inclusion is not None else None
            owner = ordinal.get(top)
            if event.kind == "define" and owner is not None:
                defined.setdefault(owner, set()).add(event.name)
    else:
        for f in files:
            if f.source.unit is not None:
                defined.setdefault(f.source.unit, set()).update(
                    name for _, name, _ in defines_of(f.source.directives.directives))
    #: macro name -> the files that define it, in any branch (one the unit skipped, a
    #: source's `#ifndef` fallback after an earlier source's definition, it may take alone)
    writers = {name: set(paths) for name, paths in definers.items()}
    for f in files:
        for _, name, _ in defines_of(f.source.directives.directives):
            writers.setdefault(name, set()).add(normpath(f.source.path))
    guards = {f.guard for f in files if f.guard}
    out: dict[int, list[Reference]] = {}
    #: each name, and the first umbrella include that declares (or defines) it
    first_declared = _first(declared)
    first_defined = _first(defined)
    firsts = _first_reads(files)
    present = {index: words(f.source.code or f.source.data) for index, f in firsts.items()}
    #: per first read, the names its macro invocations call or expand, and where
    expanded = {index: macro_uses(pp, f, present[index], definers,
                                  _own_macro(pp, f, reads, writers))
                for index, f in firsts.items()} if pp is not None else {}
    for index, through in expanded.items():
        present[index] |= set(through)
    system: dict[int, dict[str, list[SystemName]]] = {}
    system_members: dict[int, dict[str, list[SystemName]]] = {}
    unknown: dict[int, dict[str, int]] = {}
    accessed: dict[int, dict[str, int]] = {}
    candidates: dict[int, set[str]] = {}
    if pp is not None:
        accessed, candidates, unknown = member_candidates(pp, files, firsts, reads)
        project = {f.source.path for f in files}
        wanted: dict[int, set[str]] = {}
        for index, f in firsts.items():
            assert f.source.unit is not None
            inactive = _inactive_words(f, branches.skipped_alone(f, pp))
            wanted.setdefault(f.source.unit, set()).update(
                w for w in present[index] if w not in first_declared and w not in inactive
                and not any(Path(p) in project for p in definers.get(w, ())))
        written = {(str(f.source.path), i.line): f"<{i.spelling}>" if i.angled
                   else f'"{i.spelling}"' for f in files for i in f.source.directives.includes}
        by_unit: dict[int, set[str]] = {}
        for index, members in unknown.items():
            reader = firsts[index].source.unit
            assert reader is not None
            by_unit.setdefault(reader, set()).update(members)
        system, system_members = system_names(pp, reads, wanted, written, candidates, by_unit)
    for index, f in firsts.items():
        current = f.source.unit
        assert current is not None
        out[index] = [Reference(name, (), f.point(at), f.position(at), member=True)
                      for name, at in accessed.get(index, {}).items()
                      if name in candidates.get(current, ())]
        origins = system_members.get(current, {})
        system_accessed = origins.keys() & unknown.get(index, {}).keys()
        if system_accessed:
            out[index] += [  # a system type's member, which only an earlier include defines
                Reference(name, (), f.point(at), f.position(at), member=True,
                          system=origins[name][0])
                for name, at in not_dependent(f, system_accessed).items()]
        earlier = {w for w in present[index] if first_declared.get(w, current) < current}
        earlier_macros = {w for w in present[index]
                          if first_defined.get(w, current) < current} - guards
        names = system.get(current, {})
        earlier_macros -= set(names)
        if earlier or earlier_macros or names:
            wanted_names = earlier | earlier_macros | set(names)
            found = find_references(f, wanted_names, earlier_macros,
                                    _own_macro(pp, f, reads, definers) if pp else None,
                                    branches.defines(f, pp))
            spelled = {r.name for r in found}
            found += [Reference(name, (), f.point(at), f.position(at))
                      for name, at in expanded.get(index, {}).items()
                      if name in wanted_names and name not in spelled]
            cxx = pp is not None and pp.config.language != "c"
            out[index] += [r for r in (_system(r, names.get(r.name), cxx) for r in found)
                           if r is not None]
        out[index].sort(key=lambda r: r.position)  # in the file's order, member accesses too
    return out


def _system(reference: Reference, origins: list[SystemName] | None, cxx: bool
            ) -> Reference | None:
    """``reference`` with the system header that spells its name (``None`` when only the
    C++ library's headers do and the use is not qualified by ``std``: a member or template
    parameter there, as far as words tell)."""
    if origins is None:
        return reference
    written = reference.qualifier[1:] if reference.qualifier[:1] == ("",) \
        else reference.qualifier
    usable = [o for o in origins if not (cxx and written[:1] != ("std",)
                                         and library_header(o.header))]
    return replace(reference, system=usable[0]) if usable else None


def _inactive_words(file: FileText, skipped: Container[int]) -> frozenset[str]:
    """The words of the branches the build does not compile of ``file``, and of its directives
    but the bodies of its ``#define``\\ s: a name it may declare itself in another
    configuration (``#ifndef isnan`` and a fallback); not those of the lines ``skipped``
    (1-based), which compiled alone it skips too (:func:`.branches.skipped_alone`)."""
    code = file.source.code
    if code is None:
        return set()
    lines: list[bytes] = []
    body = False  # on a continuation line of a #define's body
    for number, (d, c) in enumerate(zip(file.source.data.split(b"\n"), code.split(b"\n"),
                                        strict=False), 1):
        if number in skipped:  # (a #define's continuation lines are its body: left out)
            body = _DEFINE_BODY.match(d) is not None and d.rstrip().endswith(b"\\")
        elif d.strip() and not c.strip():
            lines.append(b"" if body else _DEFINE_BODY.sub(rb"\1", d))
            body = (body or _DEFINE_BODY.match(d) is not None) and d.rstrip().endswith(b"\\")
        else:
            body = False
    text = blank(b"\n".join(lines))
    return identifiers(text) - _calls(text)


def _calls(text: bytes) -> set[str]:
    """The names ``text`` only calls: each followed by ``(`` where a statement or an operand
    starts (``abort();``, ``x = f(y)``), not where a declaration names it (``int isnan(``)."""
    called: set[str] = set()
    other: set[str] = set()
    for m in _WORD.finditer(text):
        name = m.group(0)
        after = text[m.end():m.end() + 80].lstrip()
        before = text[max(0, m.start() - 80):m.start()].rstrip()
        if after.startswith(b"(") and (not before or before[-1:] in b";{})=(,!&|?:+-/%<>"
                                        or before.endswith((b"return", b"else"))):
            called.add(name.decode())
        else:
            other.add(name.decode())
    return called - other


def _first_reads(files: Sequence[FileText]) -> dict[int, FileText]:
    """The first read of each file an umbrella include reads, by its index in ``files``."""
    seen: set[Path] = set()
    out: dict[int, FileText] = {}
    for index, f in enumerate(files):
        if f.source.unit is not None and f.source.path not in seen:
            seen.add(f.source.path)
            out[index] = f
    return out


def _first(by_unit: Mapping[int, set[str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for unit, names in by_unit.items():
        for name in names:
            out[name] = min(out.get(name, unit), unit)
    return out


def _own_macro(pp: preprocess.Unit, file: FileText, reads: Mapping[str, set[int]],
               definers: Mapping[str, set[str]]) -> Callable[[str, int], bool]:
    """Whether a macro used at an offset of ``file`` is not an earlier umbrella include's
    business: it is no macro there, or a file that ``file``'s own umbrella include reads
    (a system header too, even one the unity build skipped there) defines it."""
    def own(name: str, offset: int) -> bool:
        macro = pp.macro_at(name, file.position(offset))
        if macro is None or macro.path is None:
            return True
        unit = file.source.unit
        return any(unit in reads.get(normpath(path), ()) for path in (macro.path,
                                                            *definers.get(name, ())))
    return own
