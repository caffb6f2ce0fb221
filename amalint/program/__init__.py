"""The program stage: from a link (its inputs in order, with the symbols of every object and
archive member) and the analysis of each object's source, the program's start-up sequence across
translation units, and the registrars the linker leaves out. Pure: no I/O; the link inputs are
read by :mod:`amalint.config.buildsystems.objects` (ELF; WebAssembly through
:mod:`amalint.config.buildsystems.wasmobjects`) and :mod:`amalint.config.buildsystems.link`.

* :mod:`amalint.program.model`: link inputs, objects and their symbols, as frozen values;
* :mod:`amalint.program.resolve`: which objects a linker takes, in what order, and why;
* :mod:`amalint.program.liveness`: which of them wasm-ld's garbage collection keeps;
* :mod:`amalint.program.sequence`: the ELF start-up sequence and its requirements.
"""
