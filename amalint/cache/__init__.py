"""The persistent cache: lint results of whole units, kept between runs.

Takes a unit's key material (:mod:`.key`) and a result; gives the result back on a later run
while every file the unit read still has the content it had (:mod:`.stamps`). The result is JSON
(:mod:`.codec`, with the unit's analysis for ``--program`` in :mod:`.analyses`, validated
strictly on the way back through :mod:`.checked`) in a directory of its own (:mod:`.store`,
where that is: :mod:`.location`), from which eviction and ``amalint clean`` delete only what is
the cache's (:mod:`.sweep`). Paths below the project root are stored relative to it, so a cache
restored in another checkout hits (:mod:`.relocate`). The engine looks results up and stores
them (:mod:`amalint.engine.cached`).
"""
