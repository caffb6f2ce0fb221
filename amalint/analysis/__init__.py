"""Analysis: pure functions over the code model and the file-scope facts, no I/O.

Takes a :class:`~amalint.model.CodeModel` (with its file-scope facts) and the registry
profiles; gives what the rules judge:

* start-up order: the eager effects of every static-init entry point with their call chains
  (:mod:`.effects`), and what each lookup requires of the include order (:mod:`.requirements`);
* sharing one translation unit: which namespace-scope declarations of different sources cannot
  stand together (:mod:`.redeclarations`, with one spelling per type from :mod:`.spelling` and
  the type a tag or typedef names at each point from :mod:`.typeversions`), what a source's
  leftover macros do to the sources after it (:mod:`.macro_leaks`), calls that bind to another
  overload in the unit than in their file alone (:mod:`.overloads`, with the standard
  conversions of :mod:`.convert`), what a source would see compiled alone (:mod:`.alone`), and
  which compiler diagnostics exist only because of the unit (:mod:`.unity`);
* what sharing one unit hides: names a source uses that reach it only through an earlier
  source (:mod:`.hidden`);
* every batching of a build target's sources: which build and start, and a grouping that does
  (:mod:`.batching`);
* the start-up order as ``order`` and ``graph`` show it, small enough to cache with a result
  (:mod:`.startup`).
"""
