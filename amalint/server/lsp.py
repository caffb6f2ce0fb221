"""The language server (pygls): on ``didOpen`` and ``didSave`` of a C/C++ file it lints the
umbrellas that include it (from the cache when nothing changed) and publishes the findings of
each open file they touch, then answers ``codeAction`` with the findings' fixes (edits of the
umbrella) and a fix-all that writes what ``amalint check --fix`` writes. Input errors are shown
with ``window/showMessage`` and a bug in amalint is one message too: the server goes on."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from amalint.engine.rule import Finding
from amalint.errors import InputError
from amalint.scan.sources import display, real
from amalint.scan.umbrellas import C_SUFFIXES
from amalint.server.convert import Positions, replacement, text_lines, uri_of
from amalint.server.session import Linted, Session

FIX_ALL = "source.fixAll.amalint"


class AmalintServer(LanguageServer):
    """The server and its :class:`Session`; lints run one at a time in a worker thread, so
    the server keeps answering while a cold unit is linted."""

    def __init__(self, session: Session, version: str, verbose: bool = False) -> None:
        super().__init__("amalint", version)
        self.session = session
        #: Whether to log what each lint took from the cache (``--verbose``).
        self.verbose = verbose
        self.lock = asyncio.Lock()
        #: The open documents: each file's URI as the editor spells it.
        self.open: dict[Path, str] = {}
        #: What was published, so that findings that went away are cleared.
        self.published: set[Path] = set()
        #: Notes and warnings already logged (each is logged once).
        self.said: set[str] = set()

    def positions(self) -> Positions:
        return Positions(self.workspace.position_encoding, self.lines)

    def lines(self, path: Path) -> list[str] | None:
        """The lines of a file as last saved (findings are of the saved files)."""
        try:
            return text_lines(Path(path).read_bytes())
        except OSError:
            return None

    def uri(self, path: Path) -> str:
        return self.open.get(real(path)) or uri_of(path)

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        if message not in self.said:
            self.said.add(message)
            self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def show_error(self, message: str) -> None:
        self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error,
                                                         message=f"amalint: {message}"))

    async def check(self, uri: str) -> None:
        """Lint for the document at ``uri`` and publish what changed; an error is shown."""
        try:
            await self._check(uri)
        except InputError as exc:
            self.show_error(f"error: {exc}")
        except OSError as exc:  # a file vanished or cannot be read
            where = f"{exc.filename}: " if exc.filename else ""
            self.show_error(f"error: {where}{exc.strerror or exc}")
        except Exception as exc:  # a bug in amalint: said, and the server goes on
            self.show_error(bug(exc))

    async def _check(self, uri: str) -> None:
        name = to_fs_path(uri)
        if name is None or not name.lower().endswith(C_SUFFIXES):
            return
        path = real(Path(name))
        async with self.lock:
            outcome = await asyncio.to_thread(self.session.lint, path)
        if self.verbose:
            hits, misses = outcome.cache or (0, 0)
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Log,
                message=f"amalint: {display(path)}: cache: {hits} hit(s), {misses} miss(es)"
                if outcome.cache is not None else f"amalint: {display(path)}: cache: off"))
        for note in outcome.notes:
            self.log(f"amalint: note: {note}")
        for warning in outcome.warnings:
            self.log(f"amalint: warning: {warning}", types.MessageType.Warning)
        for error in outcome.errors:
            self.show_error(f"error: {error}")
        for file in {path, *outcome.touched}:
            if file == path or file in self.open:
                self.publish(file)

    def publish(self, path: Path) -> None:
        positions = self.positions()
        diagnostics = [positions.diagnostic(finding, linted.settings.docs_url)
                       for finding, linted in self.session.findings(path)]
        if diagnostics or path in self.published:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=self.uri(path), diagnostics=diagnostics))
        if diagnostics:
            self.published.add(path)
        else:
            self.published.discard(path)

    async def actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        """The fixes of the findings in the requested range, and a fix-all of each umbrella
        with fixable findings in the document."""
        name = to_fs_path(params.text_document.uri)
        if name is None:
            return []
        only = params.context.only
        quick = _wanted(types.CodeActionKind.QuickFix, only)
        every = _wanted(FIX_ALL, only)
        positions = self.positions()
        found: list[types.CodeAction] = []
        fix_all: dict[Path, Linted] = {}
        for finding, linted in self.session.findings(Path(name)):
            if finding.fix is None or not finding.fix.edits or not self.current(linted):
                continue
            safe = finding.fix.applicability == "safe"
            if safe:
                fix_all[linted.path] = linted
            shown = positions.diagnostic(finding, linted.settings.docs_url)
            if quick and _overlaps(shown.range, params.range):
                found.append(self.quick_fix(finding, linted, shown, positions, safe))
        if every:
            for linted in fix_all.values():
                data = linted.result.summary.umbrella.data
                async with self.lock:  # a lint in memory: one lint at a time, off the loop
                    new = await asyncio.to_thread(getattr, linted, "fixed")
                if new != data:
                    found.append(types.CodeAction(
                        title="amalint: fix all (as `amalint check --fix`)", kind=FIX_ALL,
                        edit=self.edit(linted, positions.text_edits(
                            data, [replacement(data, new)]))))
        return found

    def quick_fix(self, finding: Finding, linted: Linted, shown: types.Diagnostic,
                  positions: Positions, safe: bool) -> types.CodeAction:
        assert finding.fix is not None
        data = linted.result.summary.umbrella.data
        edits = positions.text_edits(data, finding.fix.byte_edits(data))
        return types.CodeAction(
            title=f"amalint: fix {finding.code}" + ("" if safe else " (unsafe fix)"),
            kind=types.CodeActionKind.QuickFix, diagnostics=[shown], is_preferred=safe,
            edit=self.edit(linted, edits))

    def edit(self, linted: Linted, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        return types.WorkspaceEdit(changes={self.uri(linted.path): edits})

    def current(self, linted: Linted) -> bool:
        """Whether the umbrella is still what was linted (a fix of older bytes would garble
        it): on disk, and in the editor if it is open there."""
        data = linted.result.summary.umbrella.data
        try:
            if Path(linted.path).read_bytes() != data:
                return False
        except OSError:
            return False
        uri = self.open.get(real(linted.path))
        if uri is not None:
            document = self.workspace.get_text_document(uri)
            return document.source.encode("utf-8", "surrogateescape") in (
                data, data.removeprefix(b"\xef\xbb\xbf"))
        return True


def bug(exc: Exception) -> str:
    """The one line that says amalint has a bug (``amalint check`` exits 3 with it)."""
    return (f"internal error: {type(exc).__name__}: {exc}; this is a bug in amalint, please "
            "report it with the input")


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether the client asks for actions of ``kind`` (``only`` names kinds or their parents:
    ``source`` asks for ``source.fixAll.amalint``)."""
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return p.line, p.character
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def build(session: Session, version: str, verbose: bool = False) -> AmalintServer:
    """The server with its features registered."""
    server = AmalintServer(session, version, verbose)

    @server.feature(types.INITIALIZE)
    def initialize(ls: AmalintServer, params: types.InitializeParams) -> None:
        """Lint from the workspace root, as ``amalint check`` run there would (the project
        root without a config file, paths relative to it, its cache directory)."""
        folders = params.workspace_folders or []
        root = params.root_uri or (folders[0].uri if folders else None)
        name = to_fs_path(root) if root else params.root_path
        if name and os.path.isdir(name):
            os.chdir(name)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: AmalintServer, params: types.DidOpenTextDocumentParams) -> None:
        name = to_fs_path(params.text_document.uri)
        if name is not None:
            ls.open[real(Path(name))] = params.text_document.uri
        await ls.check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    async def did_save(ls: AmalintServer, params: types.DidSaveTextDocumentParams) -> None:
        await ls.check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AmalintServer, params: types.DidCloseTextDocumentParams) -> None:
        name = to_fs_path(params.text_document.uri)
        if name is None:
            return
        path = real(Path(name))
        ls.open.pop(path, None)
        if path in ls.published:
            ls.published.discard(path)
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]))
    async def code_action(ls: AmalintServer,
                          params: types.CodeActionParams) -> list[types.CodeAction] | None:
        try:
            return await ls.actions(params)
        except Exception as exc:  # a bug in amalint: said, and the server goes on
            ls.show_error(bug(exc))
            return None

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: AmalintServer, params: None) -> None:
        ls.session.close()

    return server
