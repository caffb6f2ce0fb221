"""amalint: a linter for amalgamated (unity) C/C++ builds."""
