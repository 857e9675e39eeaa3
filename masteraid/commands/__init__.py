"""One module per ``masteraid`` subcommand: argument handling and output only.

Each ``<name>_command(args) -> int`` turns parsed arguments into library calls and prints; all
measuring, comparing and rendering lives in the library. Shared helpers for the commands are in
:mod:`masteraid.commands._common`.
"""
