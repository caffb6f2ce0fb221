"""A registrar object (``static reg::Registrar r("key");``, as gflags' ``DEFINE_*`` make one)
whose constructor is defined in another unit, the registry's: the constructor is the registry
API its profile names, so the object's initializer registers the key, in both front ends. Built
with g++ and linked for real: left out of a static library, the registration never happens and
the start-up lookup aborts (AM107); linked whole before the lookup, the program starts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import FRONTENDS, amalint

FILES = {
    "reg.h": """\
#pragma once
namespace reg {
class Registrar {
 public:
  explicit Registrar(const char* key);
};
void Require(const char* key);
}  // namespace reg
""",
    "reg.cc": """\
#include "reg.h"
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
namespace reg {
static std::set<std::string>& keys() { static std::set<std::string> k; return k; }
Registrar::Registrar(const char* key) { keys().insert(key); std::printf("register %s\\n", key); }
void Require(const char* key) {
  if (!keys().count(key)) { std::fprintf(stderr, "nothing provides %s\\n", key); std::abort(); }
}
}  // namespace reg
""",
    "codec_registrar.cc": '#include "reg.h"\nstatic reg::Registrar registered("codec.zip");\n',
    "main.cc": """\
#include "reg.h"
static int needed = (reg::Require("codec.zip"), 0);
int main() { return needed; }
""",
    "many.cc": """\
#include "reg.h"
#define REGISTER3(a, b, c) \\
  static reg::Registrar r_##a(#a); static reg::Registrar r_##b(#b); \\
  static reg::Registrar r_##c(#c)
REGISTER3(alpha, beta, gamma);
int main() {}
""",
    "amalint.toml": """\
[profiles.reg]
providers = [{ name = "reg::Registrar::Registrar", key-arg = 0 }]
consumers = ["reg::Require"]
""",
}

LEFT_OUT = "g++ reg.o main.o libcodecs.a -o app"
WHOLE = "g++ reg.o -Wl,--whole-archive libcodecs.a -Wl,--no-whole-archive main.o -o app"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("registrar")
    for name, text in FILES.items():
        (root / name).write_text(text)
    for unit in ("reg", "codec_registrar", "main", "many"):
        subprocess.run(["g++", "-c", f"{unit}.cc", "-o", f"{unit}.o"], cwd=root, check=True)
    subprocess.run(["ar", "rcs", "libcodecs.a", "codec_registrar.o"], cwd=root, check=True)
    return root


def run(folder: Path, command: str) -> subprocess.CompletedProcess[str]:
    subprocess.run(command.split(), cwd=folder, check=True)
    return subprocess.run(["./app"], cwd=folder, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_registrar_object_left_out_is_found(built: Path, frontend: str) -> None:
    ran = run(built, LEFT_OUT)
    assert ran.returncode != 0 and "nothing provides codec.zip" in ran.stderr
    check = amalint("check", "--program", "app", "--link", LEFT_OUT, "--format", "json",
                    "--frontend", frontend, cwd=built)
    [finding] = check.findings
    assert finding["code"] == "AM107" and finding["severity"] == "error"
    assert finding["filename"] == "codec_registrar.cc"
    assert "`codec.zip`" in finding["message"] and "`main.cc`" in finding["message"]


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_registrar_object_linked_whole_first_starts(built: Path, frontend: str) -> None:
    ran = run(built, WHOLE)
    assert ran.returncode == 0 and ran.stdout == "register codec.zip\n"
    order = amalint("order", "--program", "app", "--link", WHOLE, "--format", "json",
                    "--frontend", frontend, cwd=built)
    rows = order.json["sequence"]
    assert [(r["filename"], r["provides"], r["requires"]) for r in rows] == [
        ("codec_registrar.cc", ["codec.zip"], []), ("main.cc", [], ["codec.zip"])]
    check = amalint("check", "--program", "app", "--link", WHOLE, "--format", "json",
                    "--frontend", frontend, cwd=built)
    assert check.findings == []


def test_registrars_of_one_macro_invocation_keep_their_keys(built: Path) -> None:
    """One invocation that makes three registrar objects: three entries on one line, each
    registering its own key (they once shared one body, the last one's)."""
    command = "g++ reg.o many.o -o app"
    ran = run(built, command)
    registered = [line.split()[1] for line in ran.stdout.splitlines()]
    assert registered == ["alpha", "beta", "gamma"]
    order = amalint("order", "--program", "app", "--link", command, "--format", "json",
                    "--frontend", "libclang", cwd=built)
    assert [key for row in order.json["sequence"] for key in row["provides"]] == registered
