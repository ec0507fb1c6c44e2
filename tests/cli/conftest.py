"""Running ``segmint`` commands in-process, with stdout and stderr kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from segmint.cli._output import out
from segmint.cli.main import app


class Segmint:
    """Runs ``segmint`` with arguments against one mart file."""

    def __init__(self, mart: Path) -> None:
        self.mart = mart
        self._runner = CliRunner()

    def __call__(self, *args: str | Path, mart: bool = True) -> Result:
        argv = [str(a) for a in args]
        if mart:
            argv += ["--mart", str(self.mart)]
        return self._runner.invoke(app, argv, catch_exceptions=False)


@pytest.fixture
def segmint_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Segmint:
    """``segmint`` bound to a mart file in tmp_path (created by the first command that writes).

    Tables print 240 columns wide, so no cell wraps and tests can look for whole sentences.
    """
    monkeypatch.setattr(out, "width", 240)
    return Segmint(tmp_path / "shop.duckdb")
