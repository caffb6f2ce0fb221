"""Fixes: the include-order solver and byte edits (:mod:`.solver`), the atomic writer
(:mod:`.writer`), and the reorder of a CMake target's literal source list (:mod:`.cmakelists`).

Takes an umbrella and the provider-before-consumer constraints; gives one include order meeting
them all (moving as few lines as possible) and the new bytes, written only by ``--fix``."""
