"""``segmint load DIR --currency CODE``: the shop's currency set with a load, checked and
audited as ``segmint currency`` does it."""

from __future__ import annotations

import json
from pathlib import Path

from segmint.mart import connect
from segmint.mart.privacy import audit
from segmint.mart.shop_settings import AUDIT_ACTION, shop_currency

from .conftest import Segmint

TRANSACTIONS = (
    "order_id,customer_id,order_ts,product_id,quantity,unit_price\n"
    "o1,c1,2024-01-05 10:00:00,p1,2,10.5\n"
    "o2,c2,2024-01-20 11:00:00,p1,1,1200\n"
)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir(exist_ok=True)
    (folder / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    return folder


def test_load_sets_the_currency_with_the_files_and_audits_it(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    result = segmint_cli("load", _folder(tmp_path), "--currency", "eur", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)  # the load's JSON, untouched by the message
    assert "currency set to EUR" in result.stderr
    with connect(segmint_cli.mart, read_only=True) as mart:
        assert shop_currency(mart) == "EUR"
        assert mart.count("orders") == 2
        [logged] = audit.entries(mart, action=AUDIT_ACTION)
        assert logged.actor.startswith("cli:") and "EUR" in json.dumps(logged.details)


def test_an_unknown_currency_is_refused_before_anything_is_loaded(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    assert segmint_cli("init").exit_code == 0
    result = segmint_cli("load", _folder(tmp_path), "--currency", "EURO")
    assert result.exit_code == 2
    assert "currency 'EURO' is not an ISO 4217 code: give three letters" in result.stderr
    with connect(segmint_cli.mart, read_only=True) as mart:
        assert mart.count("orders") == 0 and shop_currency(mart) is None


def test_a_dry_run_checks_the_currency_and_stores_nothing(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    assert segmint_cli("init").exit_code == 0
    result = segmint_cli("load", _folder(tmp_path), "--currency", "SEK", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "currency SEK not stored: dry run" in result.stderr
    with connect(segmint_cli.mart, read_only=True) as mart:
        assert shop_currency(mart) is None
    refused = segmint_cli("load", _folder(tmp_path), "--currency", "XYZ", "--dry-run")
    assert refused.exit_code == 2 and "'XYZ' is not a known ISO 4217 code" in refused.stderr
