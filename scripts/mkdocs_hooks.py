"""MkDocs hooks (``hooks:`` in mkdocs.yml): the pages of the documentation site made from the
code at build time, so they cannot drift from it.

* one page per rule, ``rules/<code>-<name>.md``, from the rule's docstring (what ``amalint rule
  CODE`` prints), listed in the navigation under the entry ``Rules`` after ``rules.md``;
* the configuration reference in ``configuration.md``: the line ``<!-- settings reference -->``
  becomes a table of every config key (from the key table of ``amalint.config.files``), the
  value it takes, its default (from :class:`~amalint.config.settings.Settings`) and what it
  does.
"""

from __future__ import annotations

import json
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from amalint.config.files import KEY_DOCS, KEYS, effective, key_types
from amalint.config.settings import Settings
from amalint.reporters.ruledocs import page
from amalint.rules import RULES

SETTINGS_MARKER = "<!-- settings reference -->"


def rule_page(code: str) -> str:
    """Where the page of rule ``code`` is, relative to the docs directory."""
    rule = RULES[code]
    return f"rules/{rule.code.lower()}-{rule.name}.md"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """List every rule's page under the navigation entry ``Rules``."""
    for entry in config.nav or []:
        if isinstance(entry, dict) and "Rules" in entry:
            entry["Rules"] = ["rules.md"] + [{f"{code} {rule.name}": rule_page(code)}
                                             for code, rule in RULES.items()]
            return config
    raise PluginError("mkdocs.yml: the nav has no 'Rules' entry for the rule pages")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add one generated page per rule."""
    for code, rule in RULES.items():
        files.append(File.generated(config, rule_page(code), content=page(rule)))
    return files


def _default(value: Any) -> str:
    """A default value as the config file would spell it."""
    if value is None:
        return "not set"
    if isinstance(value, dict) and not value:
        return "`{}`"
    return f"`{json.dumps(value)}`"


def settings_reference() -> str:
    """The table of config keys, their values, defaults and meaning."""
    missing = [key for key in KEYS if key not in KEY_DOCS]
    if missing:
        raise PluginError(f"amalint.config.files.KEY_DOCS lacks the keys {', '.join(missing)}")
    defaults = effective(Settings())
    types = key_types()
    rows = ["| key | value | default | what |", "|---|---|---|---|"]
    for key in KEYS:
        default = ("the built-in `tvm-ffi` and `tvm`" if key == "profiles"
                   else _default(defaults[key]))
        rows.append(f"| `{key}` | {types[key]} | {default} | {KEY_DOCS[key]} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Put the settings reference in place of its marker."""
    if page.file.src_uri == "configuration.md":
        if SETTINGS_MARKER not in markdown:
            raise PluginError(f"configuration.md: no {SETTINGS_MARKER} line")
        return markdown.replace(SETTINGS_MARKER, settings_reference())
    return markdown
