"""Forgetting a person: every table, the file's bytes, the WAL, the serving snapshot."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pandas as pd
import pytest

import segmint
from segmint.features import order_totals
from segmint.mart import TABLES, Mart, Table
from segmint.mart.connection import MartBusyError
from segmint.mart.privacy import audit, erasure_plan, forget, register_export, rewrite_mart
from segmint.mart.privacy.coverage import coverage_gaps
from segmint.mart.privacy.erasure import ErasureError
from segmint.mart.privacy.keys import ENV_KEY, PrivacyKeyError
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL, pseudonym
from segmint.mart.privacy.removal import TOMBSTONE_PREFIX
from segmint.mart.privacy.requests import list_requests, record_request
from segmint.mart.schema import Column
from segmint.mart.snapshot import copy_to_snapshot, snapshot_path, warm_state_path

from ..conftest import float_id_orders, load, write
from .conftest import (
    OTHERS,
    ZOE,
    ZOE_EMAIL,
    ZOE_NAME,
    ZOE_PHONE,
    file_bytes,
    rows_of_others,
    table_names,
    traces_in,
)

REASON = "GDPR art. 17 request 2026-014"


def zoe_rows(mart: Mart) -> dict[str, int]:
    """Rows still holding Zoe's id, per table with a customer id."""
    found = {}
    for name in table_names(mart):
        table = mart.con.table(name)
        if "customer_id" in table.columns:
            n = int(table.filter(table.customer_id == ZOE).count().execute())
            if n:
                found[name] = n
    return found


def test_the_shop_holds_zoe_everywhere_before(shop: Mart) -> None:
    """The premise of the byte tests: before the erasure her traces are in the file."""
    shop.raw.execute("CHECKPOINT")
    found = set(traces_in(file_bytes(Path(shop.path))))
    assert found >= {ZOE.encode(), ZOE_EMAIL.encode(), ZOE_PHONE.encode(), ZOE_NAME.encode()}
    assert set(zoe_rows(shop)) >= {
        "customers",
        "customer_pii",
        "customer_attributes",
        "consents",
        "orders",
        "events",
        "campaign_members",
        "features",
        "assignments",
        "scores",
    }
    assert shop.count("quarantine") == 2


def test_forget_leaves_no_byte_of_the_person_in_the_file_or_its_wal(
    shop: Mart, tmp_path: Path
) -> None:
    # A load after opening stays in the write-ahead log: Zoe is in the WAL too.
    more = "event_id,customer_id,event_ts,event_type\ne9,zq-7341,2024-03-05 10:00:00,page_view\n"
    load(shop, "events", write(tmp_path / "more_events.csv", more))
    assert Path(f"{shop.path}.wal").stat().st_size > 0
    others_before = rows_of_others(shop)

    result = forget(shop, [ZOE], REASON)

    path = Path(shop.path)
    assert traces_in(file_bytes(path)) == []
    assert not Path(f"{path}.wal").exists() or Path(f"{path}.wal").stat().st_size == 0
    assert zoe_rows(shop) == {}
    assert rows_of_others(shop) == others_before
    assert result.rewrite is not None and result.rewrite.rows["customers"] == len(OTHERS)
    assert result.deleted["events"] == 3 and result.deleted["order_lines"] == 4
    assert result.quarantine_removed == 2
    assert result.not_found == ()


def test_the_rewritten_mart_keeps_mode_0600_and_every_other_row(shop: Mart) -> None:
    before = {name: shop.count(name) for name in TABLES}
    result = forget(shop, [ZOE], REASON)
    assert stat.S_IMODE(Path(shop.path).stat().st_mode) == 0o600
    after = {name: shop.count(name) for name in TABLES}
    changed = {n for n in TABLES if before[n] != after[n]}
    assert changed <= set(result.deleted) | {
        "quarantine",
        "suppression",
        "audit_log",
        "refit_flags",
    }
    # the connection is usable after the swap, and the file is a database others can open
    shop.close()
    with segmint.connect(shop.path, read_only=True) as again:
        assert again.count("customers") == len(OTHERS)


def test_the_serving_snapshot_is_replaced_by_one_without_the_person(shop: Mart) -> None:
    shop.raw.execute("CHECKPOINT")
    snapshot = copy_to_snapshot(shop.path)  # a server is reading the mart
    assert traces_in(snapshot.read_bytes())
    result = forget(shop, [ZOE], REASON)
    assert result.rewrite is not None and result.rewrite.published
    assert traces_in(snapshot_path(shop.path).read_bytes()) == []
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600


def test_a_new_table_with_a_customer_id_is_found_and_emptied(shop: Mart) -> None:
    """Tables added later (an extension's offers, alert firings…) are found in the catalogue."""
    shop.raw.execute(
        "CREATE TABLE loyalty_offers (customer_id VARCHAR, product_id VARCHAR, note VARCHAR)"
    )
    rows = [(ZOE, "p1", "for Quillfeather"), ("ab-1001", "p2", "for Amy")]
    shop.raw.executemany("INSERT INTO loyalty_offers VALUES (?, ?, ?)", rows)
    rules = {r.table: r.action for r in erasure_plan(shop)}
    assert rules["loyalty_offers"] == "delete"
    result = forget(shop, [ZOE], REASON)
    assert result.deleted["loyalty_offers"] == 1
    assert shop.raw.execute("SELECT customer_id FROM loyalty_offers").fetchall() == [("ab-1001",)]
    assert traces_in(file_bytes(Path(shop.path))) == []


def test_every_declared_table_is_reached_or_declared_free_of_customer_data() -> None:
    assert coverage_gaps() == []


def test_a_new_declared_table_without_a_rule_is_a_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check fails for a table that holds people's data by another column (a new table
    must hold ``customer_id``, refer to a table that does, or say why it holds none)."""
    table = Table(
        "loyalty_cards",
        "cards",
        (Column("card_id", "string", "card"), Column("holder_email", "string", "e-mail")),
        key=("card_id",),
        loadable=False,
    )
    monkeypatch.setitem(TABLES, "loyalty_cards", table)
    assert coverage_gaps() == ["loyalty_cards"]


def test_a_declared_table_referring_to_orders_is_cascaded(shop: Mart) -> None:
    rules = {r.table: r for r in erasure_plan(shop)}
    assert rules["order_lines"].action == "cascade"
    assert (rules["order_lines"].parent, rules["order_lines"].column) == ("orders", "order_id")


def test_keep_orders_detaches_them_with_a_tombstone(shop: Mart) -> None:
    orders_before = shop.count("orders")
    lines_before = shop.count("order_lines")
    result = forget(shop, [ZOE], REASON, keep_orders=True)
    assert result.tombstoned_orders == 3
    assert shop.count("orders") == orders_before and shop.count("order_lines") == lines_before
    orders = shop.table("orders").to_pandas()
    stones = orders[orders.customer_id.str.startswith(TOMBSTONE_PREFIX)]
    assert len(stones) == 3 and stones.customer_id.nunique() == 1
    # the order id made from Zoe's id (a transactions file without order ids) is rewritten,
    # and its line follows it
    derived = stones[stones.order_id.str.contains("@")].order_id.tolist()
    assert len(derived) == 1 and derived[0].startswith(stones.customer_id.iloc[0] + "@")
    lines = shop.table("order_lines").to_pandas()
    assert set(lines.order_id) <= set(orders.order_id)
    assert traces_in(file_bytes(Path(shop.path))) == []


@pytest.mark.parametrize("keep_orders", [False, True])
def test_the_kept_order_totals_lose_the_person_and_are_read_again_once_totalled(
    shop: Mart, keep_orders: bool
) -> None:
    assert order_totals.keep(shop) == "full"
    zoe_orders = shop.table("orders").filter(shop.table("orders").customer_id == ZOE).count()
    assert int(zoe_orders.execute()) == 3
    forget(shop, [ZOE], REASON, keep_orders=keep_orders)
    assert "order_totals" not in zoe_rows(shop)
    assert order_totals.kept(shop) is None  # the suppression list grew: not read
    assert order_totals.keep(shop) == "full"
    totals = order_totals.kept(shop)
    assert totals is not None
    kept = totals.to_pandas()
    assert set(kept.order_id) == set(shop.table("orders").order_id.to_pandas())
    stones = kept.customer_id.str.startswith(TOMBSTONE_PREFIX).sum()
    assert stones == (3 if keep_orders else 0)
    assert traces_in(file_bytes(Path(shop.path))) == []


def test_models_fitted_after_the_person_was_seen_are_flagged(shop: Mart) -> None:
    result = forget(shop, [ZOE], REASON)
    assert [(f.source, f.run_id, f.n_subjects) for f in result.refits] == [("model_runs", 1, 1)]
    flags = shop.table("refit_flags").to_pandas()
    assert flags.run_id.tolist() == [1] and flags.reason.tolist() == [REASON]


def test_exports_holding_the_person_are_listed(shop: Mart, tmp_path: Path) -> None:
    theirs = register_export(
        shop, tmp_path / "a.csv", "audience", actor="cli:tester", members=[ZOE, "ab-1001"]
    )
    register_export(shop, tmp_path / "b.csv", "audience", actor="cli:tester", members=["cd-2002"])
    unknown = register_export(shop, tmp_path / "report.html", "report", actor="cli:tester")
    result = forget(shop, [ZOE], REASON)
    assert [e.export_id for e in result.exports] == [theirs.export_id, unknown.export_id]
    members = shop.table("export_members").to_pandas()
    assert ZOE not in set(members.customer_id)


def test_the_erasure_is_audited_by_pseudonym(shop: Mart) -> None:
    result = forget(shop, [ZOE], REASON, actor="dpo")
    entry = audit.entries(shop, action="forget")[-1]
    assert entry.seq == result.audit_seq and entry.actor == "dpo"
    assert entry.subjects == (pseudonym(ZOE, label=AUDIT_LABEL),)
    assert entry.details["reason"] == REASON and entry.details["n_subjects"] == 1
    assert audit.verify(shop).ok


def test_erasure_requests_are_closed_and_keep_only_the_pseudonym(shop: Mart) -> None:
    record_request(shop, ZOE, "erasure", actor="dpo")
    record_request(shop, "ab-1001", "erasure", actor="dpo")
    result = forget(shop, [ZOE], REASON)
    assert result.requests_closed == 1
    requests = {r.subject: r for r in list_requests(shop)}
    zoe = requests[pseudonym(ZOE, label=AUDIT_LABEL)]
    assert (zoe.customer_id, zoe.status) == (None, "done")
    assert requests[pseudonym("ab-1001", label=AUDIT_LABEL)].status == "open"


def test_an_unknown_id_is_reported_and_still_suppressed(shop: Mart) -> None:
    result = forget(shop, [ZOE, "never-seen-42"], REASON)
    assert result.not_found == ("never-seen-42",)
    assert result.suppressed >= 2


def test_an_erasure_needs_ids_and_a_reason_that_does_not_name_the_person(shop: Mart) -> None:
    with pytest.raises(ErasureError, match="no customer ids"):
        forget(shop, [], REASON)
    with pytest.raises(ErasureError, match="empty customer id"):
        forget(shop, [ZOE, " "], REASON)
    with pytest.raises(ErasureError, match="needs a reason"):
        forget(shop, [ZOE], "  ")
    with pytest.raises(ErasureError, match="names a person"):
        forget(shop, [ZOE], f"request by {ZOE_EMAIL.lower()}")
    assert zoe_rows(shop)  # nothing was deleted


def test_without_the_privacy_key_nothing_is_deleted(
    shop: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEY)
    with pytest.raises(PrivacyKeyError, match=ENV_KEY):
        forget(shop, [ZOE], REASON)
    assert zoe_rows(shop)


def test_another_connection_stops_the_swap_and_says_so(shop: Mart) -> None:
    other = segmint.connect(shop.path)  # another connection to the same database
    try:
        with pytest.raises(MartBusyError, match="another connection of this process"):
            forget(shop, [ZOE], REASON)
    finally:
        other.con.disconnect()
    # the rows are gone; the bytes go with the next successful rewrite
    assert zoe_rows(shop) == {}
    rewrite_mart(shop)
    assert traces_in(file_bytes(Path(shop.path))) == []


def test_forgetting_in_memory_deletes_without_a_rewrite() -> None:
    with segmint.connect(":memory:") as mart:
        mart.raw.execute("INSERT INTO customers (customer_id) VALUES ('m1'), ('m2')")
        result = forget(mart, ["m1"], REASON, now=dt.datetime(2026, 1, 1))
        assert result.rewrite is None and result.deleted == {"customers": 1}
        details = json.loads(mart.raw.execute("SELECT details FROM audit_log").fetchone()[0])
        assert details["deleted"] == {"customers": 1}


def test_a_table_keeping_ids_as_numbers_is_emptied_too(shop: Mart) -> None:
    shop.raw.execute("CREATE TABLE legacy_points (customer_id BIGINT, points INTEGER)")
    shop.raw.execute("INSERT INTO legacy_points VALUES (7341, 10), (1001, 5)")
    result = forget(shop, [ZOE, "7341"], REASON)  # one id is not a number: no cast error
    assert result.deleted["legacy_points"] == 1
    assert shop.raw.execute("SELECT customer_id FROM legacy_points").fetchall() == [(1001,)]


def test_one_id_given_as_a_string_is_one_id(shop: Mart) -> None:
    result = forget(shop, ZOE, REASON)
    assert result.customer_ids == (ZOE,)
    assert zoe_rows(shop) == {}


HOSTILE = "x'); DROP TABLE customers; --\"é"


def test_a_hostile_id_is_data_not_sql(shop: Mart, tmp_path: Path) -> None:
    load(
        shop,
        "customers",
        write(tmp_path / "c.csv", f'customer_id\n"{HOSTILE.replace(chr(34), chr(34) * 2)}"\n'),
    )
    pii = f'customer_id,email\n"{HOSTILE.replace(chr(34), chr(34) * 2)}",hostile@example.net\n'
    load(shop, "customer_pii", write(tmp_path / "p.csv", pii))
    result = forget(shop, [HOSTILE], REASON)
    assert result.deleted == {"customers": 1, "customer_pii": 1}
    assert sorted(shop.table("customers").customer_id.to_pandas()) == sorted([ZOE, *OTHERS])
    assert b"hostile@example.net" not in file_bytes(Path(shop.path))


def test_forget_removes_the_servers_kept_warm_state(shop: Mart) -> None:
    kept = warm_state_path(shop.path) / "some-key"
    kept.mkdir(parents=True)
    (kept / "customer_pii.arrow").write_bytes(b"zq-7341 zoe@example.org")
    forget(shop, [ZOE], REASON)
    assert not warm_state_path(shop.path).exists()


def test_ids_read_from_the_loaded_file_as_floats_forget_those_customers(
    mart: Mart, tmp_path: Path
) -> None:
    """Online Retail's ``Customer ID`` is a float column: pandas gives 13085.0 for the
    customer ingest stored as ``13085``, and forgetting it must forget that customer, not
    suppress an id nobody has and report it not found."""
    path = float_id_orders(tmp_path / "orders.parquet")
    load(mart, "transactions", path)
    ids = pd.read_parquet(path)["customer_id"].to_numpy()[:2]

    result = forget(mart, ids, REASON, rewrite=False)

    assert result.not_found == ()
    assert result.deleted["customers"] == 2
    assert mart.table("customers").customer_id.execute().tolist() == ["12346"]


def test_a_refused_erasure_names_every_record_the_id_matches(mart: Mart) -> None:
    """A person held as ``C-1042`` and ``c-1042 `` who asks under ``c-1042``: both named, so
    erasing what the refusal names leaves nothing of them behind."""
    mart.raw.executemany(
        "INSERT INTO customers (customer_id) VALUES ($1)", [["C-1042"], ["c-1042 "]]
    )
    with pytest.raises(ErasureError, match=r"'c-1042': the mart holds C-1042, c-1042 \)"):
        forget(mart, ["c-1042"], REASON, rewrite=False)
    assert mart.count("customers") == 2


def test_an_id_the_mart_holds_only_in_another_spelling_is_refused_and_nothing_erased(
    shop: Mart, mart: Mart, tmp_path: Path
) -> None:
    """'13085.0' (ids written by a tool that read them as floats) or Zoe's id in capitals
    would erase nobody and suppress an id nobody has: refused, naming the id to write."""
    before = zoe_rows(shop)
    with pytest.raises(ErasureError, match=r"'ZQ-7341': the mart holds zq-7341\).*nothing was"):
        forget(shop, ["ZQ-7341", "never-seen-42"], REASON, rewrite=False)
    assert zoe_rows(shop) == before
    assert shop.count("suppression") == 0 and audit.entries(shop, action="forget") == []

    load(mart, "transactions", float_id_orders(tmp_path / "orders.parquet"))
    with pytest.raises(ErasureError, match=r"'13085.0': the mart holds 13085; ' 13078 '"):
        forget(mart, ["13085.0", " 13078 "], REASON, rewrite=False)
    assert mart.count("customers") == 3
