"""Deep and cyclic input under both front ends: no RecursionError, no swallowed callback
error, no crash. Each generated unit plants a registry lookup at the bottom of the nesting, so
finding it (AM102, nobody provides the key) shows the walk went all the way down; where clang
itself refuses the input (bracket nesting over 256), libclang says so (AM301) instead."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from conftest import FRONTENDS, Run, amalint

from amalint.errors import InputError
from amalint.frontends.libclang.isolation import Child

N = 1000
LOOKUP = 'tvm::ffi::Function::GetGlobalRequired("deep.key")'
PRELUDE = ("namespace tvm { namespace ffi { struct Function {\n"
           "  static int GetGlobalRequired(const char* name);\n} ; } }\n")


def _inheritance(depth: int) -> str:
    return (f"struct B0 {{ B0() {{ {LOOKUP}; }} }};\n"
            + "".join(f"struct B{i} : B{i - 1} {{}};\n" for i in range(1, depth))
            + f"B{depth - 1} v;\n")


CASES = {
    "nested #if": "".join(f"#ifndef NOT_SET_{i}\n" for i in range(N))
    + f"int v = {LOOKUP};\n" + "#endif\n" * N,
    "1 + 1 + ... initializer": f"int v = {LOOKUP}" + " + 1" * N + ";\n",
    "nested parentheses": "int v = " + "(" * N + LOOKUP + ")" * N + ";\n",
    "ternary chain": "int g(int);\nint v = "
    + "".join(f"g({i}) ? {i} : " for i in range(N)) + f"{LOOKUP};\n",
    "200 nested lambdas": "int v = " + "[]{ return " * 200 + LOOKUP + "; }()" * 200 + ";\n",
    "inheritance chain": _inheritance(N),
    "call cycle": "".join(f"int f{i}(int);\n" for i in range(N))
    + "".join(f"int f{i}(int x) {{ return f{i + 1}(x); }}\n" for i in range(N - 1))
    + f"int f{N - 1}(int x) {{ return {LOOKUP} + f0(x); }}\nint v = f0(1);\n",
    "nested namespaces": "".join(f"namespace n{i} {{\n" for i in range(N))
    + f"int v = {LOOKUP};\n" + "}\n" * N,
    "typedef cycle": f"typedef B A;\ntypedef A B;\nA a;\nint v = {LOOKUP};\n",
    "using cycle": f"using A = B;\nusing B = A;\nA a;\nint v = {LOOKUP};\n",
}
#: Inputs clang rejects (nesting over its limit of 256 brackets): libclang reports AM301.
CLANG_REFUSES = {"nested parentheses", "nested namespaces"}
#: The file-scope pass (amalint/frontends/filescope, being rewritten) still recurses on these.


def _unit(root: Path, source: str) -> Path:
    (root / "a.cc").write_text(PRELUDE + source)
    umbrella = root / "umbrella.cc"
    umbrella.write_text('#include "a.cc"\nint main() { return 0; }\n')
    return umbrella


def _clean(result: Run) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "Exception ignored" not in result.stderr, result.stderr[-3000:]


@pytest.mark.parametrize("frontend", FRONTENDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_deep_input_is_walked_to_the_bottom(tmp_path: Path, case: str, frontend: str) -> None:
    _unit(tmp_path, CASES[case])
    result = amalint("check", "umbrella.cc", "--frontend", frontend, "--format", "json",
                     cwd=tmp_path)
    _clean(result)
    assert result.returncode == 1, result.stderr
    codes = {finding["code"] for finding in result.json}
    expected = "AM301" if frontend == "libclang" and case in CLANG_REFUSES else "AM102"
    assert expected in codes, (codes, result.stderr)


def test_libclang_parses_an_inheritance_chain_that_crashed_it_before(tmp_path: Path) -> None:
    """2,000 levels segfaulted the interpreter: libclang ran out of its 8 MiB parse thread.
    On the child's large stack it parses, and the constructor chain is followed down."""
    _unit(tmp_path, _inheritance(2000))
    result = amalint("check", "umbrella.cc", "--frontend", "libclang", "--format", "json",
                     cwd=tmp_path)
    _clean(result)
    assert result.returncode == 1, result.stderr
    assert "AM102" in {finding["code"] for finding in result.json}


def test_a_chain_clang_itself_cannot_parse_is_a_one_line_error(tmp_path: Path) -> None:
    """clang overflows its stack on 5,000 levels (clang++ -fsyntax-only dies with SIGSEGV at
    3,000): one line on stderr and exit 2, no crash of amalint. A later clang that copes
    parses it, and the lookup is found."""
    _unit(tmp_path, _inheritance(5000))
    result = amalint("check", "umbrella.cc", "--frontend", "libclang", "--format", "json",
                     cwd=tmp_path)
    _clean(result)
    if result.returncode == 2:
        assert result.stderr.count("\n") == 1
        assert "libclang crashed while parsing it (killed by SIGSEGV)" in result.stderr
        assert "--frontend tree-sitter" in result.stderr
    else:
        assert result.returncode == 1, result.stderr
        assert "AM102" in {finding["code"] for finding in result.json}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the child process needs os.fork")
def test_a_crashing_child_is_an_input_error_and_an_exception_crosses_back() -> None:
    def crash() -> int:
        os.kill(os.getpid(), signal.SIGSEGV)
        return 0

    with Child(crash, "unit.cc") as child, pytest.raises(InputError) as error:
        child.result()
    assert str(error.value).startswith("unit.cc: libclang crashed while parsing it (killed by "
                                       "SIGSEGV)")

    def fail() -> int:
        raise InputError("no such flag")

    with Child(fail, "unit.cc") as child, pytest.raises(InputError, match="no such flag"):
        child.result()
    with Child(lambda: {"model": (1, 2)}, "unit.cc") as other:
        assert other.result() == {"model": (1, 2)}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the child process needs os.fork")
def test_a_child_whose_result_is_not_wanted_is_stopped() -> None:
    def forever() -> int:
        signal.pause()
        return 0

    with Child(forever, "unit.cc") as child:
        assert child._child is not None
        pid = child._child[0]
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
