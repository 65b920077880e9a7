"""The `rearm` command line: a thin shell over the library."""
