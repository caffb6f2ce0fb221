"""Analysis: pure functions over the code model, no I/O.

Takes a :class:`~amalint.model.CodeModel` and the registry profiles; gives the eager effects of
every static-init entry point with their call chains (:mod:`.effects`), and what each lookup
requires of the include order (:mod:`.requirements`)."""
