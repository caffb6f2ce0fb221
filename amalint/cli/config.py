"""``amalint config``: the effective settings for a path, as TOML or JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from amalint.cli.options import COMMON, EXIT_CODES, CompilerArgsCommand, Configs, fail
from amalint.config.files import effective
from amalint.errors import InputError


@click.command("config", cls=CompilerArgsCommand, epilog=EXIT_CODES)
@click.argument("path", required=False, type=click.Path(path_type=Path, readable=False))
@click.option("--format", "fmt", type=click.Choice(["toml", "json"]), default="toml",
              show_default=True, help="toml: the keys as a config file would set them; json: "
              "the same as one JSON object.")
@COMMON[0]  # --config
@COMMON[1]  # --isolated
def config_command(path: Path | None, fmt: str, config: Path | None, isolated: bool) -> None:
    """Print the effective settings for PATH (default: the working directory): the config
    file found, every key with its value, compiler arguments after `--` applied."""
    try:
        settings = Configs(config, isolated)(path or Path.cwd())
    except InputError as exc:
        fail(str(exc))
    values = effective(settings)
    if fmt == "json":
        json.dump(values, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    source = values.pop("config-file")
    click.echo(f"# config file: {source or '(none)'}")
    profiles = values.pop("profiles")
    for key, value in values.items():
        if value is None:
            click.echo(f"# {key} is not set")
        else:
            click.echo(f"{key} = {_toml(value)}")
    for name, spec in profiles.items():
        click.echo(f"\n[profiles.{_toml_key(name)}]")
        for key, value in spec.items():
            click.echo(f"{key} = {_toml(value)}")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    return str(value)


def _toml_key(key: str) -> str:
    return key if key and all(c.isalnum() or c in "-_" for c in key) else json.dumps(key)


