"""The umbrella scan: the umbrella and every project file it reaches, read once and scanned
byte-exact (each ``#include`` with its span, comment lines and ``#if`` block; the other
directives), plus which umbrellas a named file belongs to.

Takes an umbrella path and settings; gives a :class:`~amalint.scan.unit.Unit`. The linted
sources are read here (``sources.py``: regular files only, bounded); the preprocessor and
libclang read the same files through the callables and flags they are given, and the build
system's files (CMake, Meson, ``compile_commands.json``) are read by ``config``."""
