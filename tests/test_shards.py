"""``check --shard K/N``: N shares of one run lint every unit once, so the union of their
findings is one run's and their exit codes compose; the split is by path, balanced by the
costs the cache recorded; and a cache made in one checkout hits in another directory."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, amalint

from amalint.engine.shards import Shard, deal, parse
from amalint.errors import InputError


def _key(finding: dict[str, Any]) -> str:
    return json.dumps(finding, sort_keys=True)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several umbrellas (the scu fixtures: collisions, leaks, a duplicate include) and a build
    directory whose target's sources --unity-readiness checks as virtual units."""
    root = tmp_path_factory.mktemp("shards")
    shutil.copytree(FIXTURES / "scu", root / "scu")
    src, build = root / "lib", root / "build"
    src.mkdir()
    build.mkdir()
    entries = []
    for number in range(5):
        name = f"part{number}.cc"
        (src / name).write_text(f"static int clash = {number};\nint f{number}() "
                                "{ return clash; }\n")
        entries.append({"directory": str(build), "file": str(src / name),
                        "arguments": ["c++", "-c", str(src / name), "-o",
                                      f"CMakeFiles/lib{number % 2}.dir/{name}.o"]})
    (build / "compile_commands.json").write_text(json.dumps(entries))
    return root


def _run(tree: Path, cache: Path | None, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    env = {**os.environ, **({"AMALINT_CACHE_DIR": str(cache)} if cache else {})}
    if cache is None:
        env["AMALINT_NO_CACHE"] = "1"
    done = amalint("check", "--format", "json", "-j", "1", *args, cwd=tree, env=env)
    return done.returncode, json.loads(done.stdout), done.stderr


@pytest.mark.parametrize("cached", [False, True])
@pytest.mark.parametrize("what", [("scu",), ("-p", "build", "--unity-readiness")])
def test_shards_together_are_one_run(tree: Path, tmp_path: Path, cached: bool,
                                     what: tuple[str, ...]) -> None:
    cache = tmp_path / "cache" if cached else None
    code, whole, _ = _run(tree, cache, *what)  # with a cache: records what each unit cost
    assert code == 1 and whole
    for count in range(1, 5):
        union: list[str] = []
        codes = []
        for index in range(1, count + 1):
            shard_code, found, err = _run(tree, cache, *what, "--shard", f"{index}/{count}",
                                          "--verbose")
            codes.append(shard_code)
            union += [_key(f) for f in found]
            assert f"shard {index}/{count}:" in err
        assert sorted(union) == sorted(_key(f) for f in whole)  # each finding once
        assert max(codes) == code


def test_a_share_without_units_says_so_and_exits_0(tree: Path) -> None:
    code, found, err = _run(tree, None, "scu/collision", "--shard", "2/2")
    assert (code, found) == (0, [])
    assert "shard 2/2 has no units to lint (1 in all)" in err
    code, found, _ = _run(tree, None, "scu/collision", "--shard", "1/2")
    assert code == 1 and found


@pytest.mark.parametrize("spec", ["0/2", "3/2", "a/b", "2", "1/0"])
def test_a_bad_shard_is_one_line_and_exit_2(tree: Path, spec: str) -> None:
    done = amalint("check", "--shard", spec, "scu", cwd=tree)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--shard" in done.stderr


def test_deal_balances_by_cost_and_without_costs_by_name() -> None:
    names = ["a", "b", "c", "d", "e"]
    # without costs: name order, dealt in turn
    assert deal(names, {}, [0.0, 0.0]) == [0, 1, 0, 1, 0]
    # one costly unit alone in a share, the cheap ones together in the other
    costs = {"a": 1.0, "b": 1.0, "c": 9.0, "d": 1.0, "e": 1.0}
    shares = deal(names, costs, [0.0, 0.0])
    assert shares[2] != shares[0] and len({shares[i] for i in (0, 1, 3, 4)}) == 1
    # a cost table that lacks a unit is not used (shards with different caches agree)
    assert deal(names, {"c": 9.0}, [0.0, 0.0]) == deal(names, {}, [0.0, 0.0])
    # every share's view of one batch is a partition
    for count in range(1, 5):
        shards = [Shard(k, count) for k in range(1, count + 1)]
        mine = [s.deal(names, costs) for s in shards]
        assert [sum(m[i] for m in mine) for i in range(len(names))] == [1] * len(names)


def test_parse() -> None:
    assert (parse("2/4").index, parse(" 2 / 4 ").count) == (2, 4)
    with pytest.raises(InputError):
        parse("5/4")


def test_a_restored_cache_hits_in_another_checkout(tmp_path: Path) -> None:
    """A CI job restores the cache a job in another directory saved: every unit hits, and
    reports what a fresh lint there reports."""
    first, second, cache = tmp_path / "one" / "repo", tmp_path / "two" / "src" / "repo", \
        tmp_path / "cache"
    for where in (first, second):
        shutil.copytree(FIXTURES / "tvm_shape", where)
        (where / "amalint.toml").write_text('include-paths = ["include", "eager"]\n')
    env = {**os.environ, "AMALINT_CACHE_DIR": str(cache)}
    made = amalint("check", "--format", "json", "--verbose", "umbrella.cc", cwd=first, env=env)
    assert "0 hit(s), 1 miss(es)" in made.stderr
    hit = amalint("check", "--format", "json", "--verbose", "umbrella.cc", cwd=second, env=env)
    assert "1 hit(s), 0 miss(es)" in hit.stderr
    fresh = amalint("check", "--format", "json", "--no-cache", "umbrella.cc", cwd=second)
    assert hit.returncode == fresh.returncode == 1
    assert json.loads(hit.stdout) == json.loads(fresh.stdout)
    assert str(first) not in hit.stdout
    # an edit in the second checkout is seen there: a miss, not the first checkout's result
    (second / "src" / "object.cc").write_text("// gone\n")
    edited = amalint("check", "--format", "json", "--verbose", "umbrella.cc", cwd=second,
                     env=env)
    assert "0 hit(s), 1 miss(es)" in edited.stderr
    assert json.loads(edited.stdout) != json.loads(hit.stdout)


def test_targets_built_from_one_source_share_a_shard(tmp_path: Path) -> None:
    """`one` and `two` build the same two colliding sources: one run reports the collision
    once, naming both targets, and so does the one shard that lints both."""
    src, build = tmp_path / "src", tmp_path / "build"
    src.mkdir()
    build.mkdir()
    entries = []
    for target, names in (("one", "xy"), ("two", "xy"), ("three", "zw")):
        for name in names:
            path = src / f"{name}.cc"
            path.write_text(f"static int clash = 1;\nint {name}() {{ return clash; }}\n")
            entries.append({"directory": str(build), "file": str(path),
                            "arguments": ["c++", "-c", str(path), "-o",
                                          f"CMakeFiles/{target}.dir/src/{name}.cc.o"]})
    (build / "compile_commands.json").write_text(json.dumps(entries))
    what = ("-p", "build", "--unity-readiness")
    code, whole, _ = _run(tmp_path, None, *what)
    assert code == 1 and len(whole) == 2
    assert any("target `one` (C++), target `two` (C++)" in f["message"] for f in whole)
    for count in range(1, 4):
        union = [_key(f) for index in range(1, count + 1)
                 for f in _run(tmp_path, None, *what, "--shard", f"{index}/{count}")[1]]
        assert sorted(union) == sorted(_key(f) for f in whole)


def test_deal_gives_a_group_one_share_and_its_summed_cost() -> None:
    names = ["a", "b", "c", "d"]
    # a and c together (cost 2), b and d alone: the pair first, then one each in turn
    assert deal(names, {}, [0.0, 0.0], [0, 1, 0, 3]) == [0, 1, 0, 1]
    assert deal(names, {}, [0.0, 0.0, 0.0], [0, 1, 0, 3]) == [0, 1, 0, 2]
    # without groups, as before: each unit alone
    assert deal(names, {}, [0.0, 0.0], [0, 1, 2, 3]) == deal(names, {}, [0.0, 0.0])
