"""Configuration: config files, the command line's compiler arguments and
``compile_commands.json`` become one :class:`~amalint.config.settings.Settings` per file.

Takes paths, options and compiler arguments; gives settings (include search, defines, compiler
flags, registry profiles, rule selection, globs)."""
