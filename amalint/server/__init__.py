"""``amalint server``: a language server over stdio, so that an editor shows amalint's findings
in the files of a unity build (which clangd, reading each source alone, cannot) and offers their
fixes. :mod:`~amalint.server.session` lints and keeps the results, :mod:`~amalint.server.lsp`
speaks the protocol (pygls), :mod:`~amalint.server.convert` turns findings and fixes into its
terms."""
