"""The command line: ``amalint check``, ``order``, ``graph``, ``rule``, ``config``, one module each.

Exit codes: 0 nothing found, 1 findings, 2 usage or input error (one line on stderr, no
traceback). Compiler arguments go after ``--``: libclang gets them all, the include scan and
tree-sitter use ``-I``, ``-iquote`` and ``-D``.
"""

from __future__ import annotations

import click
from amalint.cli import check, config, graph, order, rule


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="amalint")
def main() -> None:
    """amalint: a linter for amalgamated (unity) C/C++ builds."""


for command in (check.check, order.order, graph.graph, rule.rule, config.config_command):
    main.add_command(command)
