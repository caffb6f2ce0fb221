"""Fixes: the include-order solver and byte edits (:mod:`.solver`), and the atomic writer
(:mod:`.writer`).

Takes an umbrella and the provider-before-consumer constraints; gives one include order meeting
them all (moving as few lines as possible) and the new bytes, written only by ``--fix``."""
