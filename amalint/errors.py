"""The one exception type the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations


class InputError(Exception):
    """Bad input that leaves nothing to lint: missing or unreadable file, bad config."""
