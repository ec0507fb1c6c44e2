"""``segmint currency``: show, set, refuse and clear the shop's currency; profile uses it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import segmint
from segmint.cli.main import app
from segmint.mart import connect
from segmint.mart.shop_settings import shop_currency

runner = CliRunner()


def _mart(tmp_path: Path) -> Path:
    path = tmp_path / "m.duckdb"
    segmint.connect(path).close()
    return path


def test_set_show_and_clear(tmp_path: Path) -> None:
    path = _mart(tmp_path)
    shown = runner.invoke(app, ["currency", "--mart", str(path)])
    assert shown.exit_code == 0 and "no currency set" in shown.stdout
    result = runner.invoke(app, ["currency", "eur", "--mart", str(path)])
    assert result.exit_code == 0, result.output
    assert "currency set to EUR" in result.stdout
    assert "currency: EUR" in runner.invoke(app, ["currency", "--mart", str(path)]).stdout
    with connect(path, read_only=True) as mart:
        assert shop_currency(mart) == "EUR"
    cleared = runner.invoke(app, ["currency", "--clear", "--mart", str(path)])
    assert cleared.exit_code == 0 and "currency cleared" in cleared.stdout
    with connect(path, read_only=True) as mart:
        assert shop_currency(mart) is None


def test_an_unknown_code_is_refused_and_nothing_stored(tmp_path: Path) -> None:
    path = _mart(tmp_path)
    result = runner.invoke(app, ["currency", "EURO", "--mart", str(path)])
    assert result.exit_code != 0
    assert "currency 'EURO' is not an ISO 4217 code: give three letters" in result.stderr
    with connect(path, read_only=True) as mart:
        assert shop_currency(mart) is None


def test_a_code_and_clear_together_are_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["currency", "EUR", "--clear", "--mart", str(_mart(tmp_path))])
    assert result.exit_code != 0
    assert "give a currency code or --clear, not both" in result.stderr
