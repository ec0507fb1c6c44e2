"""``python -m segmint``: the ``segmint`` command, for where the console script is not on
the path (a virtual environment not activated, say)."""

from segmint.cli.main import run

if __name__ == "__main__":
    run()
