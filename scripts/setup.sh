#!/usr/bin/env bash
# Set up a development checkout on a fresh Debian/Ubuntu machine: the compilers the oracle tests
# build fixtures with (g++, clang++), Graphviz (`amalint graph --format svg`), git (the pre-commit
# tests), then a virtual environment at .venv with amalint installed in editable mode plus the
# test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v g++ >/dev/null || ! command -v clang++ >/dev/null \
    || ! command -v dot >/dev/null || ! command -v git >/dev/null; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq g++ clang graphviz git >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
echo "ready: .venv/bin/amalint --help"
