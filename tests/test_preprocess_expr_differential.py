"""``#if`` arithmetic against the real compilers: batches of random expressions without the
parentheses that would hide precedence and associativity mistakes (``?:`` inside ``?:``, chains
of shifts and comparisons, unary runs, commas, unsigned mixes), each evaluated by g++ and
clang++ (``#if E`` … ``#else`` …) and by the evaluator with that compiler's family.

``AMALINT_EXPR_BATCHES`` (default 12, 40 expressions each) sets how many batches run."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from conftest import CXX_COMPILERS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amalint.preprocess.expr import ExprError, ExprOptions, evaluate
from amalint.preprocess.tokens import tokenize

BATCHES = int(os.environ.get("AMALINT_EXPR_BATCHES", "12"))
COMPILERS = CXX_COMPILERS

_ATOMS = ["0", "1", "2", "3", "7", "-1", "0u", "1u", "0x7fffffffffffffff", "0xffffffffffffffff",
          "'a'", "true", "false", "x", "40", "63", "64"]
_BINARY = ["*", "/", "%", "+", "-", "<<", ">>", "<", ">", "<=", ">=", "==", "!=", "&", "^", "|",
           "&&", "||", ","]


@st.composite
def expression(draw: st.DrawFn, depth: int = 4) -> str:
    kind = draw(st.integers(0, 6 if depth else 0))
    if kind == 0:
        return draw(st.sampled_from(_ATOMS))
    sub = expression(depth - 1)
    if kind == 1:
        return draw(st.sampled_from(["-", "!", "~", "+"])) + draw(sub)
    if kind <= 3:
        return f"{draw(sub)} {draw(st.sampled_from(_BINARY))} {draw(sub)}"
    if kind == 4:
        return f"{draw(sub)} ? {draw(sub)} : {draw(sub)}"
    return f"({draw(sub)})"


def _ours(text: str, family: str) -> bool | None:
    try:
        value, notes = evaluate(tokenize(text), ExprOptions(family=family))
    except ExprError:
        return None
    return None if any(severity == "error" for severity, _ in notes) else value != 0


@settings(max_examples=BATCHES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(batch=st.lists(expression(), min_size=40, max_size=40))
def test_expressions_agree_with_the_compilers(batch: list[str], tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    tmp: Path = tmp_path_factory.mktemp("expr")
    source = "".join(f"#if {e}\nyes_{i}\n#else\nno_{i}\n#endif\n" for i, e in enumerate(batch))
    (tmp / "e.cc").write_text(source)
    for compiler in COMPILERS:
        proc = subprocess.run([compiler, "-std=c++17", "-E", "-P", "e.cc"], cwd=tmp,
                              capture_output=True, text=True)
        errors = {int(m.group(1)) for m in re.finditer(r"e\.cc:(\d+):\d+: error", proc.stderr)}
        taken = set(proc.stdout.split())
        family = "clang" if compiler.startswith("clang") else "gcc"
        for i, text in enumerate(batch):
            ours = _ours(text, family)
            if 5 * i + 1 in errors:  # the compiler says it is wrong: so must we
                assert ours is None, (compiler, text)
            else:
                assert ours == (f"yes_{i}" in taken), (compiler, text)
