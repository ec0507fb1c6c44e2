"""The suppression list: forgotten people stay out of later loads and of exports."""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from segmint.mart import Mart
from segmint.mart.privacy import forget, is_suppressed, suppressed_values, without_suppressed
from segmint.mart.privacy.keys import ENV_KEY, PrivacyKeyError
from segmint.mart.privacy.suppression import ERASED_SUBJECT, WITHHELD

from ..conftest import load, write
from .conftest import FILES, KEY, ZOE, ZOE_EMAIL, file_bytes, table_names, traces_in

REASON = "erasure request 7"


@pytest.fixture
def forgotten(shop: Mart) -> Mart:
    """The shop after Zoe was forgotten."""
    forget(shop, [ZOE], REASON)
    return shop


def zoe_anywhere(mart: Mart) -> list[str]:
    tables = []
    for name in table_names(mart):
        table = mart.con.table(name)
        if (
            "customer_id" in table.columns
            and table.filter(table.customer_id == ZOE).count().execute()
        ):
            tables.append(name)
    return tables


def test_reloading_the_very_same_file_adds_nothing(forgotten: Mart, shop_files: Path) -> None:
    # Its first load quarantined Zoe's second row for the file's content alone, so the same
    # bytes with the same options are not read again: nothing of hers comes back.
    result = load(forgotten, "customer_pii", shop_files / "pii.csv")
    assert result.already_loaded and result.rows_loaded == 0 and result.reconciles
    assert result.rows_duplicate == result.rows_read
    assert zoe_anywhere(forgotten) == []
    # read again (another option): her rows are erased subjects, quarantined once without
    # their content
    read = load(forgotten, "customer_pii", shop_files / "pii.csv", guess=False)
    assert read.rows_loaded == 0 and read.reconciles
    assert dict(read.reasons) == {ERASED_SUBJECT: 2}
    assert zoe_anywhere(forgotten) == []
    again = load(forgotten, "customer_pii", shop_files / "pii.csv", guess=False)
    assert again.already_loaded and again.rows_loaded == again.rows_quarantined == 0
    quarantine = forgotten.table("quarantine")
    erased = quarantine.filter(quarantine.reason == ERASED_SUBJECT).raw.execute()
    assert list(erased) == [WITHHELD, WITHHELD]


def _reexported(content: str) -> str:
    """The same rows in another order: other bytes, so the file is loaded again."""
    header, *rows = content.strip("\n").split("\n")
    return "\n".join([header, *reversed(rows)]) + "\n"


def _zoe_lines(table: str, content: str) -> int:
    rows = content.strip("\n").split("\n")[1:]
    if table == "order_lines":  # lines of Zoe's orders: their order ids are suppressed
        return sum(r.startswith(("O-100,", "O-103,")) for r in rows)
    return sum(ZOE in r for r in rows)


@pytest.mark.parametrize("table", [t for t in FILES if t not in ("products", "campaigns")])
def test_a_new_export_of_the_source_keeps_the_person_out(
    forgotten: Mart, tmp_path: Path, table: str
) -> None:
    name, content = FILES[table]
    result = load(forgotten, table, write(tmp_path / name, _reexported(content)))

    assert result.reconciles and not result.already_loaded
    quarantine = forgotten.table("quarantine")
    rows = quarantine.filter(quarantine.ingest_id == result.ingest_id).to_pandas()
    erased = rows[rows.reason == ERASED_SUBJECT]
    assert len(erased) == _zoe_lines(table, content) > 0
    assert set(erased.raw) == {WITHHELD}  # the content is not kept, not even in quarantine
    assert result.rows_loaded == 0  # everybody else was loaded before: duplicates
    assert zoe_anywhere(forgotten) == []
    forgotten.raw.execute("CHECKPOINT")
    assert traces_in(file_bytes(Path(forgotten.path))) == []


def test_the_forgotten_email_under_a_new_id_is_kept_out(forgotten: Mart, tmp_path: Path) -> None:
    load(forgotten, "customers", write(tmp_path / "c.csv", "customer_id\nnew-77\n"))
    pii = f"customer_id,email,phone\nnew-77,  {ZOE_EMAIL.upper()} ,+44 1\n"
    result = load(forgotten, "customer_pii", write(tmp_path / "p.csv", pii))
    assert (result.rows_loaded, result.rows_quarantined) == (0, 1)
    reasons = forgotten.table("quarantine").reason.to_pandas().tolist()
    assert reasons[-1] == ERASED_SUBJECT


def test_exports_skip_forgotten_people(forgotten: Mart) -> None:
    audience = ibis.memtable(
        {
            "customer_id": [ZOE, "ab-1001", "new-5"],
            "email": ["x@example.com", "amy.bell@example.com", ZOE_EMAIL.lower()],
        }
    )
    by_id = without_suppressed(forgotten, audience)
    assert sorted(by_id.customer_id.to_pandas()) == ["ab-1001", "new-5"]
    both = without_suppressed(forgotten, audience, email_column="email")
    assert both.customer_id.to_pandas().tolist() == ["ab-1001"]


def test_is_suppressed_by_id_or_email(forgotten: Mart) -> None:
    assert is_suppressed(forgotten, customer_id=ZOE)
    assert is_suppressed(forgotten, email=f" {ZOE_EMAIL.upper()}")
    assert not is_suppressed(forgotten, customer_id="ab-1001", email="amy.bell@example.com")
    assert suppressed_values(forgotten, "order_id", ["O-100", "O-101"]) == {"O-100"}


def test_the_list_holds_hashes_only(forgotten: Mart) -> None:
    rows = forgotten.table("suppression").to_pandas()
    assert set(rows.kind) == {"customer_id", "email", "order_id"}
    assert all(len(d) == 64 for d in rows.digest)
    text = rows.astype(str).to_string()
    assert ZOE not in text and ZOE_EMAIL.lower() not in text.lower()


def test_a_mart_nobody_was_forgotten_from_loads_without_a_key(
    shop: Mart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEY)
    result = load(shop, "customers", write(tmp_path / "c.csv", "customer_id\nnew-1\n"))
    assert result.rows_loaded == 1


def test_loads_need_the_key_once_someone_was_forgotten(
    forgotten: Mart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEY)
    with pytest.raises(PrivacyKeyError, match="suppression list of forgotten people"):
        load(forgotten, "customers", write(tmp_path / "c.csv", "customer_id\nnew-1\n"))
    assert forgotten.count("customers") == 3  # nothing loaded


def test_another_key_is_refused_rather_than_letting_people_back(
    forgotten: Mart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_KEY, KEY[::-1])
    with pytest.raises(PrivacyKeyError, match="another privacy key"):
        load(forgotten, "customers", write(tmp_path / "c.csv", f"customer_id\n{ZOE}\n"))
    assert zoe_anywhere(forgotten) == []
