"""The engine: the rule framework (:mod:`.rule`), one lint run (:mod:`.run`: unit → model →
analysis → rules), suppressions and per-file ignores (:mod:`.suppressions`), and the file-system
search for sources the umbrella misses (:mod:`.orphans`, for AM205).

Takes an umbrella and its settings; gives findings."""
