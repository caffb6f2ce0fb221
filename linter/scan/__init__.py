"""The umbrella scan: the umbrella and every project file it reaches, read once and scanned
byte-exact (each ``#include`` with its span, comment lines and ``#if`` block; the other
directives), plus which umbrellas a named file belongs to.

Takes an umbrella path and settings; gives a :class:`~amalint.scan.unit.Unit`. All reading of
the linted sources happens here."""
