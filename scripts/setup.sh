#!/usr/bin/env bash
# Set up a development checkout on a fresh Debian/Ubuntu machine: the compilers the oracle tests
# build fixtures with (g++, clang++) and the linkers of the program oracle (GNU ld, gold, lld),
# Python 3.10+ with venv, Graphviz (`amalint graph --format svg`), git (the pre-commit tests),
# then a virtual environment at .venv with amalint installed in editable mode plus the tools.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v g++ >/dev/null || ! command -v clang++ >/dev/null \
    || ! command -v ld.lld >/dev/null || ! command -v ld.gold >/dev/null \
    || ! command -v dot >/dev/null || ! command -v git >/dev/null \
    || ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # binutils' ld.gold and lld: the program oracle links with GNU ld, gold and lld
  $sudo apt-get install -y -qq g++ clang lld binutils graphviz git python3 python3-venv >/dev/null
fi

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "setup.sh: amalint needs Python 3.10 or newer; python3 is $(python3 -V 2>&1)" >&2
  exit 2
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
echo "ready: .venv/bin/amalint --help"
