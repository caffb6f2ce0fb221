"""The umbrella scan: includes found byte-exact, with attached comments and #if blocks."""

from __future__ import annotations

from pathlib import Path

from amalint.scan.directives import scan
from amalint.scan.search import SearchPath

UMBRELLA = b"""// header comment

#include <cstdio>
// the runtime
// (two comment lines)
#include "a.cc"  // trailing comment
#include "missing.cc"
/* #include "commented_out.cc" */
/*
#include "in_block_comment.cc"
*/
#if defined(USE_B)
#include "b.cc"
#else
#  include "c.cc"
#endif
#define X \\
  "not an include"
#include "a.cc"
"""


def test_includes_are_found_with_spans_comments_and_blocks(tmp_path: Path) -> None:
    for name in ("a.cc", "b.cc", "c.cc"):
        (tmp_path / name).write_text("")
    umbrella = tmp_path / "u.cc"
    umbrella.write_bytes(UMBRELLA)
    found = scan(UMBRELLA, umbrella, SearchPath())
    incs = found.includes
    assert [i.spelling for i in incs] == ["cstdio", "a.cc", "missing.cc", "b.cc", "c.cc", "a.cc"]
    assert [i.line for i in incs] == [3, 6, 7, 13, 15, 19]
    a = incs[1]
    assert UMBRELLA[a.start_byte : a.end_byte] == b'#include "a.cc"  // trailing comment\n'
    assert a.text == UMBRELLA[a.start_byte : a.end_byte]
    assert (a.comment_start_line, UMBRELLA[a.comment_start_byte :].startswith(b"// the runtime"))\
        == (4, True)
    assert incs[0].comment_start_line == 3  # a blank line separates the header comment
    assert incs[0].angled and incs[0].resolved is None  # system header: not a project file
    assert a.resolved == (tmp_path / "a.cc").resolve()
    assert incs[2].resolved is None
    assert incs[3].block == (12,) and incs[4].block == (14,)  # the two branches differ
    assert incs[1].block == () and incs[5].block == ()
    assert [d.name for d in found.directives] == ["if", "else", "endif", "define"]


def test_crlf_and_include_paths(tmp_path: Path) -> None:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "x.h").write_text("")
    data = b'#include "x.h"\r\n#include <x.h>\r\n'
    umbrella = tmp_path / "u.cc"
    found = scan(data, umbrella, SearchPath(include_dirs=(tmp_path / "inc",)))
    assert [i.text for i in found.includes] == [b'#include "x.h"\r\n', b"#include <x.h>\r\n"]
    assert all(i.resolved == (tmp_path / "inc" / "x.h").resolve() for i in found.includes)


def test_quoted_include_prefers_the_including_directory(tmp_path: Path) -> None:
    (tmp_path / "inc").mkdir()
    (tmp_path / "x.h").write_text("")
    (tmp_path / "inc" / "x.h").write_text("")
    umbrella = tmp_path / "u.cc"
    quoted, angled = scan(b'#include "x.h"\n#include <x.h>\n', umbrella,
                          SearchPath(include_dirs=(tmp_path / "inc",))).includes
    assert quoted.resolved == (tmp_path / "x.h").resolve()
    assert angled.resolved == (tmp_path / "inc" / "x.h").resolve()
