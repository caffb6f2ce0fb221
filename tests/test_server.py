"""`amalint server` driven by a real LSP client (pytest-lsp's, on pygls) over stdio: the server
runs as a subprocess, as an editor starts it, on small unity builds written in tmp_path."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from conftest import amalint, session_cache
from lsprotocol import types
from pytest_lsp import LanguageClient, make_test_lsp_client
from test_fix_cli import HAZARD, make_unit

from amalint.model import Location
from amalint.scan.sources import BOM
from amalint.server.convert import Positions, replacement, text_lines

#: How long a test waits for the server to publish before it fails.
WAIT = 20.0

def collision(root: Path) -> None:
    """a.cc and b.cc both define `static int x`: AM201 in b.cc."""
    (root / "a.cc").write_text("static int x = 1;\nint fa() { return x; }\n")
    (root / "b.cc").write_text("// b\nstatic int x = 2;\nint fb() { return x; }\n")
    (root / "umbrella.cc").write_text('#include "a.cc"\n#include "b.cc"\n')


def init_order(root: Path) -> Path:
    """user.cc looks up "k" at start-up before provider.cc registers it: AM101, fixable."""
    return make_unit(root, HAZARD, ["user.cc", "provider.cc"])


@asynccontextmanager
async def server(root: Path, *args: str,
                 cache: Path | None = None) -> AsyncIterator[LanguageClient]:
    """`amalint server ARGS` started from elsewhere, its workspace root ``root``; its cache
    the session's (shared by the tests: a unit another test linted may be a hit), or
    ``cache``."""
    client = make_test_lsp_client()
    env = {**os.environ, "AMALINT_CACHE_DIR": str(cache or session_cache()), "NO_COLOR": "1"}
    await client.start_io(sys.executable, "-m", "amalint", "server", *args, env=env,
                          cwd=root.parent)
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)]))
    try:
        yield client
    finally:
        await client.shutdown_session()
        await client.stop()  # type: ignore[no-untyped-call]


async def until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def open_file(client: LanguageClient, path: Path) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=path.as_uri(), language_id="cpp", version=1,
                                             text=path.read_text())))


def save_file(client: LanguageClient, path: Path) -> None:
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri())))


def cache_logs(client: LanguageClient) -> list[str]:
    """What the server (with -v) logged each lint took from the cache."""
    return [m.message for m in client.log_messages if ": cache: " in m.message]


def codes(client: LanguageClient, path: Path) -> list[str]:
    """The rule codes of the diagnostics last published for ``path``."""
    return [str(d.code) for d in client.diagnostics.get(path.as_uri(), ())]


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """The text with the edits applied (ASCII text: columns are characters)."""
    lines = text.splitlines(keepends=True)

    def offset(position: types.Position) -> int:
        return sum(len(line) for line in lines[:position.line]) + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def test_collision_is_published_from_the_cache_and_cleared_on_save(tmp_path: Path) -> None:
    root = tmp_path / "unit"
    root.mkdir()
    collision(root)
    b = root / "b.cc"

    async def scenario() -> None:
        async with server(root, "-v") as client:
            open_file(client, b)
            await until(lambda: bool(client.diagnostics.get(b.as_uri())), "b.cc's findings")
            (found,) = client.diagnostics[b.as_uri()]
            assert found.code == "AM201"
            assert found.severity == types.DiagnosticSeverity.Error
            assert found.source == "amalint"
            assert (found.range.start.line, found.range.start.character) == (1, 11)
            assert (found.range.end.line, found.range.end.character) == (1, 12)
            assert found.code_description is not None
            assert found.code_description.href.endswith("#am201-internal-name-collision")
            (related,) = found.related_information or []
            assert related.location.uri == (root / "a.cc").as_uri()
            assert related.location.range.start == types.Position(line=0, character=11)
            assert related.message == "first defined here"
            open_file(client, root / "a.cc")  # the same umbrella, unchanged: from the cache
            await until(lambda: len(cache_logs(client)) == 2, "the second lint")
            assert cache_logs(client)[1] == "amalint: a.cc: cache: 1 hit(s), 0 miss(es)"
            assert list(client.diagnostics) == [b.as_uri()]  # a.cc has no finding

            b.write_text("// b\nstatic int y = 2;\nint fb() { return y; }\n")
            save_file(client, b)
            await until(lambda: not client.diagnostics[b.as_uri()], "the findings cleared")
            b.write_text("// b\nstatic int x = 2;\n")
            save_file(client, b)
            await until(lambda: codes(client, b) == ["AM201"], "the finding back")
            # the umbrella drops b.cc behind the editor's back: saving b.cc relints the
            # umbrella that included it, which forgets its finding there
            (root / "umbrella.cc").write_text('#include "a.cc"\n')
            save_file(client, b)
            await until(lambda: not client.diagnostics[b.as_uri()], "the findings cleared")
            assert not client.messages

    asyncio.run(scenario())


def test_code_actions_write_what_check_fix_writes(tmp_path: Path) -> None:
    umbrella = init_order(tmp_path / "unit")
    expected_root = tmp_path / "expected"
    shutil.copytree(umbrella.parent, expected_root)
    assert amalint("check", "umbrella.cc", "--fix", cwd=expected_root).returncode == 0
    expected = (expected_root / "umbrella.cc").read_text()
    uri = umbrella.as_uri()

    async def scenario() -> None:
        async with server(umbrella.parent) as client:
            open_file(client, umbrella)
            await until(lambda: bool(client.diagnostics.get(uri)), "umbrella.cc's findings")
            (found,) = client.diagnostics[uri]
            assert (found.code, found.range.start.line) == ("AM101", 2)
            assert found.related_information  # the call chain and the provider's #include
            actions = await client.text_document_code_action_async(types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), range=found.range,
                context=types.CodeActionContext(diagnostics=[found])))
            assert actions is not None
            by_kind = {a.kind: a for a in actions if isinstance(a, types.CodeAction)}
            assert set(by_kind) == {types.CodeActionKind.QuickFix, "source.fixAll.amalint"}
            for action in by_kind.values():
                assert action.edit is not None and action.edit.changes is not None
                assert list(action.edit.changes) == [uri]
                assert apply(umbrella.read_text(), list(action.edit.changes[uri])) == expected
            quick = by_kind[types.CodeActionKind.QuickFix]
            assert quick.is_preferred and quick.title == "amalint: fix AM101"

            # edited in the editor, not saved: a fix of the linted bytes would garble it
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(
                    text="// edited\n" + umbrella.read_text())]))
            stale = await client.text_document_code_action_async(types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), range=found.range,
                context=types.CodeActionContext(diagnostics=[found])))
            assert not stale

            umbrella.write_text(expected)
            save_file(client, umbrella)
            await until(lambda: not client.diagnostics[uri], "the findings cleared")

    asyncio.run(scenario())


def test_two_umbrellas_in_workers_a_lone_file_and_a_bad_config(tmp_path: Path) -> None:
    # a.cc is in umbrella.cc (with b.cc) and in second.cc (with c.cc): saving it lints both,
    # in two worker processes (-j 2, no cache), and publishes for both open files
    root = tmp_path / "unit"
    root.mkdir()
    collision(root)
    (root / "c.cc").write_text("static int x = 3;\n")
    (root / "second.cc").write_text('#include "a.cc"\n#include "c.cc"\n')
    alone = root / "alone.cc"
    alone.write_text("int alone() { return 0; }\n")
    a, b, c = root / "a.cc", root / "b.cc", root / "c.cc"

    async def scenario() -> None:
        async with server(root, "-j", "2", "--no-cache") as client:
            def both() -> list[list[str]]:
                return [codes(client, b), codes(client, c)]

            for _ in range(2):
                open_file(client, alone)
                save_file(client, alone)
            open_file(client, b)  # answered after alone.cc's: the server lints in order
            open_file(client, c)
            await until(lambda: both() == [["AM201"]] * 2, "b.cc's and c.cc's findings")
            notes = [m.message for m in client.log_messages if "alone.cc" in m.message]
            assert notes == [f"amalint: note: {alone}: no umbrella includes it; nothing to "
                             "check"]
            assert alone.as_uri() not in client.diagnostics

            a.write_text("static int z = 1;\n")
            save_file(client, a)
            await until(lambda: both() == [[], []], "b.cc's and c.cc's findings cleared")

            (root / "amalint.toml").write_text("select = [\n")
            save_file(client, a)
            await until(lambda: bool(client.messages), "an error message")
            (shown,) = client.messages
            assert shown.type == types.MessageType.Error
            assert shown.message.startswith("amalint: error: ")
            assert "amalint.toml" in shown.message and "\n" not in shown.message
            (root / "amalint.toml").write_text("")
            a.write_text("static int x = 1;\n")
            save_file(client, a)  # the server went on
            await until(lambda: both() == [["AM201"]] * 2, "the findings back")

    asyncio.run(scenario())


def test_positions_count_the_negotiated_code_units() -> None:
    # U+00E9 is 2 UTF-8 bytes and 1 UTF-16 unit, U+1D54F 4 bytes and 2 UTF-16 units
    data = BOM + "int \u00e9\U0001d54f = 1;\r\nint y;\n".encode()
    lines = {Path("f.cc"): text_lines(data)}
    where = Location(Path("f.cc"), 1, 7)  # the blank after the name: 6 characters before it
    columns = {encoding: Positions(encoding, lines.get).position(where).character
               for encoding in ("utf-8", "utf-16", "utf-32")}
    assert columns == {"utf-8": 10, "utf-16": 7, "utf-32": 6}
    positions = Positions("utf-16", lines.get)
    assert positions.byte_position(data, len(BOM)) == types.Position(line=0, character=0)
    assert positions.byte_position(data, data.index(b"y")) == types.Position(line=1, character=4)
    assert positions.position(Location(Path("gone.cc"), 3, 5)) == types.Position(line=2,
                                                                               character=4)


def test_the_fix_all_edit_replaces_only_the_lines_that_differ() -> None:
    old = b"a\nb\nc\nd\n"
    new = b"a\nc\nb\nd\n"
    start, end, text = replacement(old, new)
    assert (old[:start], old[start:end], text, old[end:]) == (b"a\n", b"b\nc\n", b"c\nb\n",
                                                              b"d\n")
    assert replacement(old, old) == (len(old), len(old), b"")
    assert replacement(b"x\n", b"") == (0, 2, b"")
