"""Reporters: each renders findings through the same ``render(findings, out)`` function."""
