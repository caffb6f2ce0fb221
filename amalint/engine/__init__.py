"""The engine: the rule framework (:mod:`.rule`), one lint run (:mod:`.run`: unit → model →
analysis → rules) and what it gives the reports (:mod:`.result`), suppressions and per-file
ignores (:mod:`.suppressions`), the file-system search for sources the umbrella misses
(:mod:`.orphans`, for AM205), fingerprints of findings (:mod:`.fingerprints`) and the baseline
of accepted ones (:mod:`.baseline`), lint runs on a build system's units (:mod:`.buildunits`)
and unity readiness over every pair of a target's sources (:mod:`.readiness`) and the relations
that decide every batching of them (:mod:`.batching`), a lint run
through the cache (:mod:`.cached`), many units in worker processes (:mod:`.parallel`),
``--shard``'s split of them (:mod:`.shards`), and the program rules over one executable's link
(:mod:`.program`) with their fixes in the CMake files (:mod:`.program_fixes`).

Takes an umbrella (or a build directory's units) and its settings; gives findings.
"""
