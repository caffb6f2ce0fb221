"""The preprocessor view against the real compilers, on random preprocessor programs.

Each generated program is an umbrella, two to four included sources and one to three headers
(include guards of both spellings, ``#pragma once``, no guard, a guard broken by trailing code;
some headers included twice), with random ``#define``/``#undef`` (object- and function-like,
``#``, ``##``, ``__VA_ARGS__``, ``__VA_OPT__``, GNU ``, ## __VA_ARGS__``), ``#if``/``#ifdef``/
``#ifndef``/``#elif``/``#else`` nests over random integer expressions (signed and unsigned
arithmetic, shifts, ``?:``, ``,``, ``defined``, character constants, function-like calls),
comments, splices, LF/CRLF/CR line ends and BOMs, random ``-D``/``-U`` and ``-std`` flags, and
``-include``/``-imacros`` files, and code lines with unique markers, some of which expand
macros.

For each program and each of g++/clang++ (C++) or gcc/clang (C): ``-E -dD`` gives, from its line
markers, the (file, line) of every line that produced code, the sequence of files entered and the
text of each code line; ``-dM`` gives the final macro table. The evaluator must agree on all of
them, expand each marker line's code as the compiler did, and report an error (in a directive or
in expanding a code line) exactly when the compiler fails.

CI runs a fixed, derandomized set (``AMALINT_DIFF_EXAMPLES``, default 70 programs, about 30 s on
two cores). For a longer hunt, e.g. ``AMALINT_DIFF_EXAMPLES=5000 AMALINT_DIFF_SEED=7 pytest
tests/test_preprocess_differential.py`` (a seed makes the run random and reproducible; add
``AMALINT_DIFF_NOSHRINK=1`` to report the first failing program as generated instead of spending
minutes shrinking it, and ``--basetemp DIR`` to keep its files). The generator is in
``test_preprocess_programs.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import C_COMPILERS, CXX_COMPILERS
from hypothesis import HealthCheck, Phase, given, seed, settings
from test_preprocess_programs import Program, programs

from amalint.preprocess import Config, Unit, configure, preprocess, tokenize

EXAMPLES = int(os.environ.get("AMALINT_DIFF_EXAMPLES", "70"))
SEED = os.environ.get("AMALINT_DIFF_SEED")
COMPILERS = {"c++": CXX_COMPILERS, "c": C_COMPILERS}

_MARKER = re.compile(r'# (\d+) "((?:[^"\\]|\\.)*)"((?: \d)*)')
_DEFINE = re.compile(r"#define (\S+)(?: (.*))?$")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\r\n]*", re.S)


# -- what the compiler says ---------------------------------------------------------------------

@dataclass
class Observed:
    ok: bool
    lines: dict[tuple[str, int], list[str]]  # (file, line) -> code text, once per time entered
    entered: list[tuple[str, bool]]  # (file, system header)
    macros: dict[str, str]
    stderr: str


def _norm(path: str) -> str:
    return os.path.normpath(path)


def _parse_e(text: str) -> tuple[dict[tuple[str, int], list[str]], list[tuple[str, bool]]]:
    lines: dict[tuple[str, int], list[str]] = defaultdict(list)
    entered: list[tuple[str, bool]] = []
    file, line = "", 0
    last: tuple[str, int] | None = None  # the line last written, while a marker may continue it
    for raw in text.split("\n"):
        m = _MARKER.fullmatch(raw)
        if m:
            file, line = m.group(2), int(m.group(1))
            flags = m.group(3).split()
            if flags[:1] == ["1"] and not file.startswith("<"):
                entered.append((_norm(file), "3" in flags))
            if flags[:1] in (["1"], ["2"]) or last != (_norm(file), line):
                last = None
            continue
        if raw.strip() and not raw.startswith("#") and not file.startswith("<"):
            key = (_norm(file), line)
            if last == key:  # gcc splits a line where a system header's macro expands
                lines[key][-1] += " " + raw
            else:
                lines[key].append(raw)
            last = key
        elif raw.strip():
            last = None
        line += 1
    return dict(lines), entered


def _parse_dm(text: str) -> dict[str, str]:
    out = {}
    for raw in text.splitlines():
        m = _DEFINE.match(raw)
        if m:
            out[m.group(1).split("(")[0]] = raw.rstrip()
    return out


def observe(compiler: str, program: Program, cwd: Path) -> Observed:
    base = [compiler, "-x", "c" if program.language == "c" else "c++", *program.flags]
    run_e = subprocess.Popen([*base, "-E", "-dD", program.umbrella], cwd=cwd, text=True,
                             errors="surrogateescape", stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    run_m = subprocess.Popen([*base, "-E", "-dM", program.umbrella], cwd=cwd, text=True,
                             errors="surrogateescape", stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
    out_e, err_e = run_e.communicate(timeout=60)
    out_m, _ = run_m.communicate(timeout=60)
    lines, entered = _parse_e(out_e)
    return Observed(run_e.returncode == 0, lines, entered, _parse_dm(out_m), err_e)


# -- what the evaluator says --------------------------------------------------------------------

def evaluate(compiler: str, program: Program, root: Path) -> tuple[Unit, Config]:
    config = configure(list(program.flags), language=program.language, compiler=compiler)

    def read(path: str) -> bytes | None:
        p = root / path
        return p.read_bytes() if p.is_file() else None

    def is_file(path: str) -> bool:
        return (root / path).is_file()

    return preprocess(program.umbrella, config, read=read, is_file=is_file), config


def predicted_lines(unit: Unit, errors: list[str] | None = None,
                    ) -> dict[tuple[str, int], list[str]]:
    """For every active line with code: the expansion of its text, once per inclusion (and the
    errors of those expansions, which the compiler reports as it compiles the code). A macro
    invocation whose argument list goes on over later lines is expanded whole: like the
    compiler's ``-E``, its expansion is on the line of its name, and so is what follows its
    closing parenthesis under clang; gcc puts that on the line where the parenthesis is."""
    split = unit.config.compiler.family != "clang"
    out: dict[tuple[str, int], list[str]] = defaultdict(list)
    for inc in unit.inclusions:
        if inc.skipped is not None or inc.path.startswith("/"):
            continue
        text = _blank_comments(unit.active_text(inc).decode(), split)
        offset = 0
        pending: tuple[int, int, str] | None = None  # (first line, its offset, text so far)
        lines = re.split(r"\r\n|\r|\n", text)
        for number, line in enumerate(lines, start=1):
            ending = len(line.encode()) + _ending_length(text, offset + len(line))
            if pending is None and not line.strip():
                offset += ending
                continue
            first, start, head = pending if pending is not None else (
                number, offset + len(line) - len(line.lstrip()), "")
            rest = ""
            if pending is not None:
                line, rest = _split_after_close(head, line)
            expanded, problems = unit.expand_with_errors(head + " " + line, inc.position(start))
            if any(p.startswith("unterminated argument list") for p in problems) \
                    and number < len(lines):
                pending = (first, start, head + " " + line)
                offset += ending
                continue
            pending = None
            if rest.strip():
                tail, more = unit.expand_with_errors(rest, inc.position(offset))
                if split:
                    out[(_norm(inc.path), number)].append(" ".join(t.text for t in tail))
                else:
                    expanded += tail
                problems += more
            out[(_norm(inc.path), first)].append(" ".join(t.text for t in expanded))
            if errors is not None:
                errors.extend(problems)
            offset += ending
    return dict(out)


def _blank_comments(text: str, keep_lines: bool) -> str:
    """``text`` with each comment one space; the line ends of a comment spanning lines stay
    where they are (gcc), or (clang) come after the line where the comment ends, whose rest is
    then on the comment's first line."""
    out: list[str] = []
    held = ""  # line ends a comment took, to put back at the next line end
    at = 0
    for m in _COMMENT.finditer(text):
        out.append(_put_back(text[at:m.start()], held) if held else text[at:m.start()])
        if held and out[-1] != text[at:m.start()]:
            held = ""
        ends = "".join(re.findall(r"\r\n|\r|\n", m.group()))
        if keep_lines:
            out.append(re.sub(r"[^\r\n]", " ", m.group()))
        else:  # as long as the comment: the offsets of later lines stay right
            out.append(" " * (len(m.group()) - len(ends)))
            held += ends
        at = m.end()
    out.append(_put_back(text[at:], held) if held else text[at:])
    return "".join(out)


def _put_back(chunk: str, ends: str) -> str:
    """``chunk`` with ``ends`` put before its first line end (unchanged if it has none)."""
    m = re.search(r"\r\n|\r|\n", chunk)
    return chunk if m is None else chunk[:m.start()] + ends + chunk[m.start():]


def _split_after_close(head: str, line: str) -> tuple[str, str]:
    """``line`` cut after the parenthesis that closes the argument list ``head`` left open (the
    first unmatched ``(`` after a name)."""
    opened: list[bool] = []  # per unmatched "(": whether a name precedes it
    previous = ""
    for t in tokenize(head):
        if t.text == "(":
            opened.append(previous[:1].isalpha() or previous[:1] == "_")
        elif t.text == ")" and opened:
            opened.pop()
        previous = t.text
    depth = len(opened) - opened.index(True) if True in opened else len(opened)
    cursor = 0
    for t in tokenize(line):
        cursor = line.index(t.text, cursor) + len(t.text)
        depth += t.text == "("
        depth -= t.text == ")"
        if depth == 0:
            return line[:cursor], line[cursor:]
    return line, ""


def _ending_length(text: str, at: int) -> int:
    if text.startswith("\r\n", at):
        return 2
    return 1 if at < len(text) else 0


def _respell(line: str) -> str:
    return " ".join(t.text for t in tokenize(line))


# -- the test -----------------------------------------------------------------------------------

def _check(program: Program, tmp: Path) -> None:
    for name, data in program.files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(data)
    for compiler in COMPILERS[program.language]:
        compare(compiler, program, tmp)


def compare(compiler: str, program: Program, tmp: Path, expansions: bool = True) -> None:
    """The evaluator and ``compiler`` agree on the unit in ``tmp``: errors or not, the files
    entered (and whether as system headers), which lines are code and (``expansions``) each
    one's expansion, the final macros."""
    seen = observe(compiler, program, tmp)
    unit, config = evaluate(compiler, program, tmp)
    family = config.compiler.family
    where = f"{compiler} {' '.join(program.flags)} in {tmp}"
    errors = [d.message for d in unit.diagnostics if d.severity == "error"]
    predicted = predicted_lines(unit, errors)
    assert bool(errors) == (not seen.ok), (where, errors, seen.stderr)
    entered = [(_norm(i.path), i.system) for i in unit.inclusions[1:] if i.skipped is None]
    assert entered == seen.entered, where
    observed = {k: [_respell(x) for x in v] for k, v in seen.lines.items()
                if not k[0].startswith("/")}
    assert sorted(predicted) == sorted(observed), where
    if expansions:
        assert predicted == observed, where
    ours = {name: m.definition(family) for name, m in unit.macros.items()}
    assert ours == seen.macros, (where, {k: (ours.get(k), seen.macros.get(k))
                                         for k in set(ours) | set(seen.macros)
                                         if ours.get(k) != seen.macros.get(k)})


def _settings(test: Callable[..., None]) -> Callable[..., None]:
    phases = [Phase.explicit, Phase.generate] if os.environ.get("AMALINT_DIFF_NOSHRINK") \
        else list(Phase)
    test = settings(max_examples=EXAMPLES, derandomize=SEED is None, deadline=None,
                    suppress_health_check=list(HealthCheck), database=None,
                    phases=phases)(test)
    return seed(int(SEED))(test) if SEED is not None else test


@_settings
@given(program=programs())
def test_preprocessor_agrees_with_the_compilers(program: Program, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    _check(program, tmp_path_factory.mktemp("pp"))
