"""``--program TARGET`` of ``amalint order`` and ``amalint check``: a whole executable, its link
read from a CMake build directory's file API reply (``-p BUILD``) or from ``--link COMMAND``;
the start-up sequence across its objects, and the findings of the program rules."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

import click
from rich.console import Console
from rich.markup import escape

from amalint.analysis.requirements import Status
from amalint.cache.store import Store
from amalint.cli.options import Configs, fail
from amalint.cli.program_options import LINKERS, Fixing
from amalint.config.buildsystems.link import link_from_cmake, link_from_command
from amalint.config.buildsystems.meson import is_meson
from amalint.config.profiles import Role
from amalint.engine.cached import analysis_cached
from amalint.engine.program import ProgramContext, analyze_program
from amalint.engine.rule import display
from amalint.errors import InputError
from amalint.model import EntryPoint, Severity
from amalint.program.model import Linker, StartUp
from amalint.program.sequence import section

#: How start-up happens, as ``order --program`` says it.
STARTUP = {
    StartUp.ELF: "ELF .init_array",
    StartUp.SHARED: "ELF shared library: the loader runs its .init_array when it loads it",
    StartUp.COMMAND: "WebAssembly command: `_start` runs the constructors, then `main`",
    StartUp.REACTOR: "WebAssembly reactor: the constructors run only when the host calls "
                     "`_initialize`",
}


def load(program: str, link_command: str | None, linker: str, configs: Configs,
         build_dir: Path | None, store: Store | None = None) -> ProgramContext:
    """The analyzed program, or a one-line error and exit 2; each object's analysis from the
    cache ``store`` when it holds one."""
    try:
        if link_command is not None:
            link = link_from_command(link_command, Path.cwd(), program)
        else:
            build = build_directory(build_dir)
            if is_meson(build):
                from amalint.config.buildsystems.mesonlink import link_from_meson

                link = link_from_meson(build, program)
            else:
                link = link_from_cmake(build, program)
        return analyze_program(link, configs, Linker(linker),
                               analyze=lambda source, settings: analysis_cached(
                                   source, settings, store))
    except InputError as exc:
        fail(str(exc))


def build_directory(build_dir: Path | None) -> Path:
    """The CMake build directory of ``-p`` (a file there: its directory), else ``build/`` if
    there is one, else the working directory."""
    build = build_dir or (Path("build") if Path("build").is_dir() else Path("."))
    return (build.parent if build.is_file() else build).resolve()


def rows(ctx: ProgramContext) -> list[dict[str, Any]]:
    """The start-up sequence as JSON rows."""
    analysis = ctx.sequence.analysis
    position = {entry: index for index, entry in enumerate(analysis.order, 1)}
    unmet: dict[tuple[EntryPoint, str], str] = {}
    for req in ctx.sequence.requirements:
        if req.status is Status.SATISFIED:
            continue
        later = [position[p] for p, _ in req.providers if p in position]
        unmet[(req.consumer, req.lookup.key)] = (f"before its provider (#{min(later)})"
                                                 if later else "provided by nothing linked")
    out = []
    for index, step in enumerate(ctx.sequence.steps, 1):
        entry = step.entry
        effects = analysis.effects[entry]
        out.append({
            "index": index,
            "label": entry.label,
            "kind": entry.kind.value,
            "priority": entry.priority,
            "section": (section(entry.priority) if not ctx.link.startup.wasm
                        else "init_funcs"),
            "object": ctx.object_name(step.object),
            "link_position": step.rank + 1,
            "reason": ctx.reason(step.rank),
            "filename": display(entry.location.path),
            "location": {"row": entry.location.line, "column": entry.location.column},
            "provides": [e.key for e in effects if e.role is Role.PROVIDER],
            "requires": [e.key for e in effects if e.role is Role.CONSUMER],
            "unmet": {e.key: unmet[(entry, e.key)] for e in effects
                      if e.role is Role.CONSUMER and (entry, e.key) in unmet},
        })
    return out


def left_out(ctx: ProgramContext) -> list[dict[str, Any]]:
    """The library members the linker leaves out, with what their start-up code registers."""
    return [{"object": ctx.object_name(obj),
             "collected": obj in ctx.resolution.collected,
             "source": None if obj.source is None else display(obj.source),
             "starts_up": bool(ctx.analyses.get(obj) and ctx.analyses[obj].order),
             "registers": list(dict.fromkeys(e.key for _, e in ctx.registrations(obj)))}
            for obj in ctx.resolution.dropped]


def print_order(ctx: ProgramContext, fmt: str) -> None:
    table = rows(ctx)
    dropped = left_out(ctx)
    if fmt == "json":
        json.dump({"target": ctx.link.target, "linker": ctx.linker.value,
                   "startup": ctx.link.startup.value,
                   "undefined": list(ctx.resolution.unresolved),
                   "objects": [{"object": ctx.object_name(item.object),
                                "source": None if item.object.source is None
                                else display(item.object.source), "reason": ctx.reason(rank)}
                               for rank, item in enumerate(ctx.resolution.linked)],
                   "sequence": table, "left_out": dropped, "not_seen": _sourceless(ctx)},
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    console = Console(highlight=False, soft_wrap=True)
    linked = len(ctx.resolution.linked)
    console.print(f"Start-up of `{escape(ctx.link.target)}` ({LINKERS[ctx.linker.value]}, "
                  f"{escape(STARTUP[ctx.link.startup])}): {linked} object(s) linked, "
                  f"{len(dropped)} library member(s) left out")
    if ctx.resolution.unresolved:
        names = ", ".join(f"`{s}`" for s in ctx.resolution.unresolved)
        console.print(f"[bold red]the link fails[/bold red]: undefined reference to "
                      f"{escape(names)} (a library on the line before the object that needs "
                      "it)")
    if fmt == "table":
        from rich.table import Table

        grid = Table()
        for name in ("#", "entry point", "priority", "where", "object (link position)",
                     "provides", "requires"):
            grid.add_column(name, overflow="fold")
        for row in table:
            grid.add_row(str(row["index"]), escape(row["label"]), str(row["priority"]),
                         escape(f"{row['filename']}:{row['location']['row']}"),
                         escape(f"{row['object']} ({row['link_position']})"),
                         escape("\n".join(row["provides"])),
                         "\n".join(_required(k, row["unmet"]) for k in row["requires"]))
        if not console.is_terminal:  # piped: never squeezed
            console.width = console.measure(
                grid, options=console.options.update_width(10_000)).maximum
        console.print(grid)
    else:
        for row in table:
            where = f"{row['filename']}:{row['location']['row']}"
            console.print(f"{row['index']:4d}. [bold]{escape(row['label'])}[/bold] [dim]"
                          f"{row['kind']}, priority {row['priority']} ({row['section']}), "
                          f"{escape(where)}[/dim]")
            console.print(f"      {escape(row['object'])}, link position "
                          f"{row['link_position']}: {escape(row['reason'])}")
            if row["provides"]:
                console.print(f"      provides {escape(', '.join(map(_quoted, row['provides'])))}")
            if row["requires"]:
                keys = ", ".join(_required(k, row["unmet"]) for k in row["requires"])
                console.print(f"      requires {keys}")
    for item in _sourceless(ctx):
        console.print(f"not seen: {escape(item['object'])} has constructor(s) "
                      f"{escape(', '.join(map(_quoted, item['constructors'])))} but no source "
                      "amalint could find: what they do at start-up is not in this sequence")
    for item in dropped:
        registers = ", ".join(map(_quoted, item["registers"]))
        what = (f"; its start-up code never runs (registers {registers})" if registers
                else "; its start-up code never runs" if item["starts_up"] else "")
        why = ("extracted, then collected as garbage: nothing live refers to it"
               if item["collected"] else "no linked object references its symbols")
        console.print(f"left out: {escape(item['object'])}: {why}{escape(what)}")


def _sourceless(ctx: ProgramContext) -> list[dict[str, Any]]:
    """Linked objects with constructors (WebAssembly's ``init_funcs``) whose source amalint
    does not have: generated code, such as TVM's ``__tvm_module_startup``."""
    return [{"object": ctx.object_name(obj), "constructors": list(obj.constructors)}
            for obj in ctx.sourceless]


def _quoted(key: str) -> str:
    return f"`{key}`"


def _required(key: str, unmet: dict[str, str]) -> str:
    why = unmet.get(key)
    return escape(_quoted(key)) + ("" if why is None else f" [bold red]![/bold red] {escape(why)}")


#: A run that neither fixes nor prints a diff.
NO_FIXING = Fixing()


def lint(ctx: ProgramContext, configs: Configs, fmt: str, out: TextIO, color: bool,
         fixing: Fixing = NO_FIXING) -> int:
    """Report the program rules' findings in ``fmt`` (after applying, or printing as a diff,
    the fixes ``fixing`` asks for); how many remain (with ``--diff``: whether a file would
    change)."""
    from amalint import reporters
    from amalint.cli.report import Closing
    from amalint.engine.program import check_program
    from amalint.scan.sources import text_lines

    settings = configs(Path.cwd())
    findings = sorted(check_program(ctx, settings),
                      key=lambda f: (str(f.location.path), f.location.line, f.code))
    fixed: Counter[Severity] = Counter()
    if ctx.link.build_system == "cmake" and findings:
        from amalint.engine.program_fixes import fix_program

        findings = fix_program(ctx, findings, build_directory(fixing.build), configs)
    elif fixing.fix or fixing.diff:
        click.echo("amalint: note: the fixes of a program edit its CMake files; a link "
                   f"{'given as --link' if ctx.link.build_system == 'command' else 'of Meson'} "
                   "has none", err=True)
    if fixing.fix or fixing.diff:
        from amalint.cli.buildsystem import edited_files, write_or_diff

        chosen = [f for f in findings if f.fix is not None and f.fix.edits
                  and (fixing.unsafe or f.fix.applicability == "safe")]
        edited = edited_files(chosen)
        write_or_diff(edited, fixing.diff)
        if fixing.diff:
            return len(edited)
        if edited:
            fixed = Counter(f.severity for f in chosen)
            findings = [f for f in findings if f not in chosen]
            click.echo("amalint: note: the CMake files changed: build again for the new link "
                       "to count", err=True)
    fixable = {id(f) for f in findings if f.fix is not None and f.fix.edits
               and (fixing.unsafe or f.fix.applicability == "safe")}
    hidden = sum(f.fix is not None and bool(f.fix.edits) for f in findings) - len(fixable)
    sources: dict[Path, tuple[str, ...]] = {}
    for finding in findings:
        for where in (finding.location, *(r.location for r in finding.related)):
            if where.path not in sources:
                try:  # an object (a constructor without a source) has no lines to show
                    sources[where.path] = () if where.path.suffix in (".o", ".obj") \
                        else text_lines(where.path.read_bytes())
                except OSError:
                    sources[where.path] = ()
    if fmt == "text":
        from amalint.reporters import text

        text.render(findings, out, sources, fixable, color=color)
        Closing(findings, fixed=fixed, fix=fixing.fix, hidden=hidden, fixable=len(fixable),
                clean=True, quiet=False).write(out)
    else:
        reporters.render_machine(fmt, findings, sources, fixable, out, settings.docs_url)
    return len(findings)
