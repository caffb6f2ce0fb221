"""`amalint order`, `amalint graph`, `check --fix` and `check --diff` answer from the cache as
`check` does (issue 22): a warm run prints byte for byte what a cold one prints, under both
front ends; a changed file of the unit is a miss; `--no-cache` neither reads nor writes. A hit
is shown by `-v` ("N hit(s)") and, in-process, by the lint never reaching the front end, not by
timing (benchmarks/bench.py --commands measures that)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from conftest import Run, amalint
from lsprotocol import types
from test_cache import CONFIG, codes, no_parse, settings, unit
from test_server import apply, cache_logs, init_order, open_file, save_file, server, until

from amalint.cache.store import Store
from amalint.engine.cached import lint_cached, startup_cached
from amalint.engine.run import lint

#: The outputs compared: each command in each of its formats, text and JSON.
VIEWS = (("order",), ("order", "--format", "json"), ("order", "--format", "table"),
         ("graph",), ("graph", "--format", "mermaid"))


def project(root: Path) -> Path:
    """A unit with AM101 (`user.cc` looks `k` up before `provider.cc` registers it), its
    include path and registry in the config."""
    umbrella = unit(root)
    (root / "amalint.toml").write_text(f'include-paths = ["include"]\n{CONFIG}')
    return umbrella


def cached(cache: Path, *args: str, cwd: Path) -> Run:
    return amalint(*args, "-v", "--cache-dir", str(cache), cwd=cwd)


def uncached(*args: str, cwd: Path) -> Run:
    return amalint(*args, "--no-cache", cwd=cwd)


def counted(run: Run, hits: int, misses: int) -> bool:
    return f"cache: {hits} hit(s), {misses} miss(es)" in run.stderr


def test_order_and_graph_warm_print_what_cold_prints(tmp_path: Path, frontend: str) -> None:
    project(tmp_path)
    cache = tmp_path / "cache"
    chosen = ("--frontend", frontend)
    first = cached(cache, "order", "umbrella.cc", *chosen, cwd=tmp_path)
    assert first.returncode == 0 and counted(first, 0, 1), first.stderr
    for view in VIEWS:
        cold = uncached(*view, "umbrella.cc", *chosen, cwd=tmp_path)
        warm = cached(cache, *view, "umbrella.cc", *chosen, cwd=tmp_path)
        assert cold.returncode == warm.returncode == 0, (view, cold.stderr, warm.stderr)
        assert counted(warm, 1, 0), (view, warm.stderr)
        assert warm.stdout == cold.stdout, view
    order = uncached("order", "umbrella.cc", "--format", "json", *chosen, cwd=tmp_path).json
    assert [row["unmet"] for row in order] == [{"k": "before its provider (#2)"}, {}]


def test_check_warms_order_and_graph(tmp_path: Path) -> None:
    """One entry serves every command: a `check` run leaves what `order` and `graph` need."""
    project(tmp_path)
    cache = tmp_path / "cache"
    assert cached(cache, "check", "umbrella.cc", cwd=tmp_path).returncode == 1
    for view in (("order", "--format", "json"), ("graph",)):
        warm = cached(cache, *view, "umbrella.cc", cwd=tmp_path)
        assert counted(warm, 1, 0), (view, warm.stderr)
        assert warm.stdout == uncached(*view, "umbrella.cc", cwd=tmp_path).stdout


def test_a_changed_file_of_the_unit_is_a_miss_for_order(tmp_path: Path) -> None:
    project(tmp_path)
    cache = tmp_path / "cache"
    before = cached(cache, "order", "umbrella.cc", cwd=tmp_path)
    provider = tmp_path / "provider.cc"
    provider.write_text(provider.read_text().replace('"k"', '"q"'))
    after = cached(cache, "order", "umbrella.cc", cwd=tmp_path)
    assert counted(after, 0, 1), after.stderr
    assert after.stdout != before.stdout and "provides `q`" in after.stdout
    assert after.stdout == uncached("order", "umbrella.cc", cwd=tmp_path).stdout


def test_no_cache_neither_reads_nor_writes(tmp_path: Path) -> None:
    project(tmp_path)
    cache = tmp_path / "cache"
    for view in (*VIEWS, ("check", "--diff")):
        run = amalint(*view, "umbrella.cc", "-v", "--no-cache", "--cache-dir", str(cache),
                      cwd=tmp_path)
        assert "cache: off" in run.stderr and not cache.exists(), view


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_diff_and_fix_warm_print_what_cold_prints(tmp_path: Path, frontend: str,
                                                  fmt: str) -> None:
    """`--diff` and `--fix` lint the umbrella, then the fixed text: both come from the cache
    the second time, and the fixed umbrella's lint is what the next `check` finds."""
    project(tmp_path / "cold")
    shutil.copytree(tmp_path / "cold", tmp_path / "warm")
    cache = tmp_path / "cache"
    args = ("umbrella.cc", "--frontend", frontend, "--format", fmt)
    cold_diff = uncached("check", "--diff", *args, cwd=tmp_path / "cold")
    assert cold_diff.returncode == 1 and '+#include "provider.cc"' in cold_diff.stdout
    first = cached(cache, "check", "--diff", *args, cwd=tmp_path / "warm")
    assert counted(first, 0, 2), first.stderr
    warm_diff = cached(cache, "check", "--diff", *args, cwd=tmp_path / "warm")
    assert counted(warm_diff, 2, 0), warm_diff.stderr
    assert warm_diff.stdout == first.stdout == cold_diff.stdout
    cold_fix = uncached("check", "--fix", *args, cwd=tmp_path / "cold")
    warm_fix = cached(cache, "check", "--fix", *args, cwd=tmp_path / "warm")
    assert counted(warm_fix, 2, 0), warm_fix.stderr
    assert warm_fix.returncode == cold_fix.returncode == 0
    assert warm_fix.stdout == cold_fix.stdout
    fixed = (tmp_path / "warm" / "umbrella.cc").read_text()
    assert fixed == (tmp_path / "cold" / "umbrella.cc").read_text() \
        == '#include "provider.cc"\n#include "user.cc"\n'
    after = cached(cache, "check", *args, cwd=tmp_path / "warm")
    assert counted(after, 1, 0) and after.stdout == uncached("check", *args,
                                                             cwd=tmp_path / "cold").stdout


# ------------------------------------------------------------------------- in-process


def test_an_orphan_search_result_serves_the_order_not_the_findings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lint whose findings rest on files outside the unit (AM205's search for a source
    that registers a missing key) is kept for its start-up order only: `order` after it does
    not parse, `check` after it does."""
    monkeypatch.chdir(tmp_path)
    store = Store(tmp_path / "cache")
    umbrella = unit(tmp_path, order=("user.cc",))
    checked, _ = lint_cached(umbrella, settings(tmp_path), store)
    assert codes(checked) == ["AM102", "AM205"]
    no_parse(monkeypatch)
    ordered, hit = startup_cached(umbrella, settings(tmp_path), store)
    assert hit and ordered.startup == checked.startup
    assert [e.unmet for e in ordered.startup.entries] == [(("k", None),)]
    with pytest.raises(AssertionError, match="parsed although"):
        lint_cached(umbrella, settings(tmp_path), store)


def test_order_first_never_hides_a_finding_from_check(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`order` skips AM205's search (it shows no findings); the entry it leaves must not
    stand for `check`'s lint, which searches."""
    monkeypatch.chdir(tmp_path)
    store = Store(tmp_path / "cache")
    umbrella = unit(tmp_path, order=("user.cc",))
    ordered, hit = startup_cached(umbrella, settings(tmp_path), store)
    assert not hit and codes(ordered) == ["AM102"]
    checked, hit = lint_cached(umbrella, settings(tmp_path), store)
    assert not hit and codes(checked) == ["AM102", "AM205"]
    assert checked == lint(umbrella, settings(tmp_path))
    assert startup_cached(umbrella, settings(tmp_path), store) == (checked, True)


def test_the_servers_fix_all_lints_the_fixed_text_through_the_cache(tmp_path: Path) -> None:
    """The language server's fix-all action lints the fixed text as `check --fix` does,
    through the cache: once the editor writes that text, the save's lint is a hit."""
    umbrella = init_order(tmp_path / "unit")
    uri = umbrella.as_uri()

    async def scenario() -> None:
        # a cache of its own: the first lint is a miss whatever other tests linted
        async with server(umbrella.parent, "-v", cache=tmp_path / "cache") as client:
            open_file(client, umbrella)
            await until(lambda: bool(client.diagnostics.get(uri)), "umbrella.cc's findings")
            assert cache_logs(client)[0].endswith("cache: 0 hit(s), 1 miss(es)")
            (found,) = client.diagnostics[uri]
            actions = await client.text_document_code_action_async(types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), range=found.range,
                context=types.CodeActionContext(diagnostics=[found])))
            (fix_all,) = [a for a in actions or () if isinstance(a, types.CodeAction)
                          and a.kind == "source.fixAll.amalint"]
            assert fix_all.edit is not None and fix_all.edit.changes is not None
            umbrella.write_text(apply(umbrella.read_text(), list(fix_all.edit.changes[uri])))
            save_file(client, umbrella)
            await until(lambda: len(cache_logs(client)) == 2, "the lint of the save")
            assert cache_logs(client)[1].endswith("cache: 1 hit(s), 0 miss(es)")
            await until(lambda: not client.diagnostics[uri], "the findings cleared")

    asyncio.run(scenario())
