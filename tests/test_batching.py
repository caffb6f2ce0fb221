"""Readiness for every batching (``amalint batching``), against CMake, Ninja and g++.

The simulation of a batching and the grouping are checked on relations written by hand; the
prediction on ``fixtures/batching`` and on a fixed slice of random projects
(``tests/batching_programs.py``) is held to what the builds of CMake's unity batches do, and
the proposed grouping, applied by ``--fix``, must build.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from batching_programs import Project, configure, generate, judge, random_batchings
from conftest import FIXTURES, amalint, one_line

from amalint.analysis.batching import (
    Clash,
    MacroBreak,
    Need,
    Relations,
    StartUp,
    constraints,
    failures,
    grouping,
)

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
FIXTURE = FIXTURES / "batching"
A, B, C, D = (Path(f"/p/{n}.cc") for n in "abcd")
HEADER = Path("/p/util.h")


def _relations() -> Relations:
    """a and d clash; d leaves `count` defined, which breaks c, and b #undefs it; c needs
    util.h, which a reads; b's start-up lookup needs a's registration first."""
    return Relations(
        (A, B, C, D),
        (frozenset({A, HEADER}), frozenset({B}), frozenset({C}), frozenset({D})),
        ((), (("count", None),), (), (("count", "=7"),)),
        clashes=(Clash(0, 3, "helper"),),
        macro_breaks=(MacroBreak(2, "count", "declarator", frozenset(), "rewrites count"),),
        needs=(Need(2, HEADER, ("Point",)),),
        startups=(StartUp(1, frozenset({0}), "codec.png"),))


def test_a_batching_fails_for_a_clash_in_either_order_and_not_across_units() -> None:
    rel = _relations()
    assert [f.source for f in failures(rel, [[3, 0]])] == [0]
    assert [f.source for f in failures(rel, [[0, 3]])] == [3]
    assert failures(rel, [[0, 1, 2], [3]]) == []
    assert [f.kind for f in failures(rel, [[0, 3]])] == ["clash"]


def test_the_macro_state_decides_a_break_and_an_undef_ends_it() -> None:
    rel = _relations()
    broken = failures(rel, [[0], [3, 2]])
    assert [(f.source, f.kind) for f in broken] == [(2, "macro"), (2, "need")]
    assert [f.kind for f in failures(rel, [[3, 0, 2]])] == ["clash", "macro"]
    assert [f.kind for f in failures(rel, [[3, 1], [0, 2]])] == ["start-up"]
    assert [f.kind for f in failures(rel, [[3, 1, 2]])] == ["need", "start-up"]  # no macro:
    # b #undefs it between


def test_a_need_is_met_only_by_an_earlier_reader_in_the_same_unit() -> None:
    rel = _relations()
    for units in ([[2]], [[2, 0]], [[0], [2]]):
        assert any("util.h" in f.message for f in failures(rel, units)), units


def test_start_up_order_follows_the_units_in_link_order() -> None:
    rel = _relations()
    assert [f.kind for f in failures(rel, [[1], [0]])] == ["start-up"]
    assert failures(rel, [[0], [1]]) == []
    assert [f.kind for f in failures(rel, [[1, 0]])] == ["start-up"]


def test_constraints_name_each_relation_and_none_means_ready() -> None:
    assert len(constraints(_relations())) == 4
    ready = Relations((A, B), (frozenset({A}), frozenset({B})), ((), ()))
    assert constraints(ready) == []
    assert grouping(ready).groups == [[0, 1]]


def test_the_grouping_keeps_needs_and_start_up_with_their_providers_and_builds() -> None:
    rel = _relations()
    proposal = grouping(rel)
    assert proposal.unsolved == []
    assert failures(rel, proposal.groups) == []
    together = next(g for g in proposal.groups if 2 in g)
    assert 0 in together and 3 not in together
    assert any(0 in g and 1 in g for g in proposal.groups)


def test_a_need_whose_readers_all_come_later_is_unsolved() -> None:
    rel = Relations((A, B), (frozenset({A}), frozenset({B, HEADER})), ((), ()),
                    needs=(Need(0, HEADER, ("Point",)),))
    assert "util.h" in grouping(rel).unsolved[0]


def _fixture_project() -> Project:
    files = {p.name: p.read_text() for p in FIXTURE.iterdir()
             if p.suffix in (".cc", ".h")}
    return Project(files, ["a.cc", "b.cc", "c.cc", "e.cc", "d.cc"])


def test_the_fixture_predictions_match_every_batch_size_and_the_grouping_builds(
        tmp_path: Path) -> None:
    project = _fixture_project()
    verdict = judge(project, tmp_path, [(project.sources, size) for size in (2, 0, 1)])
    assert verdict.wrong == []
    assert verdict.failed_as_predicted >= 2 and verdict.built_as_predicted >= 3
    assert verdict.proposals == verdict.proposals_built == 1


def test_a_derandomized_slice_of_random_projects_matches_cmake(tmp_path: Path) -> None:
    total = None
    for seed in (3, 7):
        rng = random.Random(seed)
        project = generate(rng)
        verdict = judge(project, tmp_path / str(seed), random_batchings(project, rng, 2))
        assert verdict.wrong == [], seed
        if total is None:
            total = verdict
        else:
            total.add(verdict)
    assert total is not None and total.failed_as_predicted and total.built_as_predicted


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("batching") / "build"
    configure(FIXTURE, build)
    return build


def test_text_names_the_constraints_and_the_cmake_grouping(configured: Path) -> None:
    run = amalint("batching", "-p", str(configured), cwd=FIXTURE)
    assert run.returncode == 1, run.stderr
    assert "`a.cc` and `c.cc` must not share a unit: AM201 `helper(int)`" in run.stdout
    assert "`d.cc` after `c.cc` in one unit fails (`count`)" in run.stdout
    assert "`b.cc` uses `Point`, `SCALE` from `util.h`" in run.stdout
    assert "set_target_properties(lib PROPERTIES UNITY_BUILD_MODE GROUP)" in run.stdout


def test_diff_shows_the_grouping_appended_and_writes_nothing(configured: Path) -> None:
    before = (FIXTURE / "CMakeLists.txt").read_bytes()
    run = amalint("batching", "-p", str(configured), "--diff", cwd=FIXTURE)
    assert "+set_source_files_properties(" in run.stdout and "UNITY_GROUP lib_1" in run.stdout
    assert (FIXTURE / "CMakeLists.txt").read_bytes() == before


def test_a_target_that_builds_under_every_batching_says_so(tmp_path: Path) -> None:
    project = Project({"x.cc": "int x() { return 1; }\n", "y.cc": "int y() { return 2; }\n"},
                      ["x.cc", "y.cc"])
    project.write(tmp_path / "src", project.sources)
    configure(tmp_path / "src", tmp_path / "build")
    run = amalint("batching", "-p", str(tmp_path / "build"), cwd=tmp_path / "src")
    assert (run.returncode, run.stdout) == (
        0, "target `lib` (C++), 2 sources: builds under every batch size and order\n")


def test_the_start_up_order_of_the_cmake_fixture_is_a_constraint(tmp_path: Path) -> None:
    configure(FIXTURES / "cmake_unity", tmp_path / "build")
    run = amalint("batching", "-p", str(tmp_path / "build"), "--target", "app",
                  cwd=FIXTURES / "cmake_unity")
    assert "`app/viewer.cc` looks up `codec.png` at start-up: `app/codecs.cc` must start " \
           "before it" in run.stdout
    assert "no grouping fixes" in run.stdout


def test_no_build_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    run = amalint("batching", cwd=tmp_path)
    assert run.returncode == 2
    assert "batching needs a build directory" in one_line(run.stderr)


def test_json_gives_each_pool_its_constraints_and_proposal(configured: Path) -> None:
    run = amalint("batching", "-p", str(configured), "--format", "json", cwd=FIXTURE)
    (pool,) = run.json
    assert (pool["target"], pool["ready"], len(pool["constraints"])) == ("lib", False, 3)
    assert pool["proposal"]["builds"] and pool["proposal"]["unsolved"] == []
    grouped = [s for group in pool["proposal"]["groups"] for s in group]
    assert sorted(grouped + pool["proposal"]["alone"]) == sorted(pool["sources"])
