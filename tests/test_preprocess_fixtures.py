"""The preprocessor view of the repository's own fixtures (real-looking unity builds) against
g++ and clang++: files entered, lines compiled, final macro table."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CXX_COMPILERS
from test_preprocess_differential import compare
from test_preprocess_programs import Program

ROOT = Path(__file__).resolve().parent.parent
TVM = "fixtures/tvm_shape"
CASES = [
    (TVM, (f"-I{TVM}/include", f"-I{TVM}/eager")),
    (TVM, (f"-I{TVM}/include", f"-I{TVM}/lazy", "-DFIXTURE_PORTABLE_INIT")),
    *((str(p.parent.relative_to(ROOT)), ("-Ifixtures/plug/include",))
      for p in sorted((ROOT / "fixtures/plug").glob("*/umbrella.cc"))),
    *((str(p.parent.relative_to(ROOT)), ("-std=c++17",))
      for p in sorted((ROOT / "fixtures/scu").glob("*/umbrella.cc"))),
]


@pytest.mark.parametrize("compiler", CXX_COMPILERS)
@pytest.mark.parametrize(("directory", "flags"), CASES, ids=[f"{d}{len(f)}" for d, f in CASES])
def test_fixture_units_agree_with_the_compiler(compiler: str, directory: str,
                                               flags: tuple[str, ...]) -> None:
    umbrella = f"{directory}/umbrella.cc"
    compare(compiler, Program({}, "c++", flags, main=umbrella), ROOT, expansions=False)
