"""The ``segmint`` command line: thin adapters over the library (Typer + Rich)."""
