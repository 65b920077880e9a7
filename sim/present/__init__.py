"""Presentation: output files, tables, plots and the report."""
