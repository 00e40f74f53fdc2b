"""Subcommands of the command line, each a thin shell over the pure core."""
