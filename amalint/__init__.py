"""amalint: a linter for amalgamated (unity) C/C++ builds."""

#: The release (pyproject.toml reads it from here; ``amalint --version`` prints it without
#: importing ``importlib.metadata``).
__version__ = "0.1.0"
