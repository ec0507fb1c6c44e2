"""Who may be exported: the latest consent at export time and the suppression list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.exceptions import MartError, SchemaError
from segmint.mart import Mart
from segmint.mart.privacy import (
    SUPPRESSIONS_TABLE,
    ConsentError,
    eligible_for_export,
    forget,
    latest_consent,
    prepare_export,
    pseudonymise,
    records_consent,
    refuse_unrecorded_channel,
)

from ..conftest import load, write
from .conftest import ZOE

REASON = "erasure request 11"


def candidates(mart: Mart, ids: list[str]) -> ir.Table:
    """An export's rows: two rows per customer (e.g. two recommendations each)."""
    rows = {"customer_id": [i for i in ids for _ in range(2)], "rank": [1, 2] * len(ids)}
    return mart.con.create_table(
        "export_candidates", ibis.memtable(rows), temp=True, overwrite=True
    )


def ids_of(table: ir.Table) -> list[str]:
    return sorted(set(table.customer_id.to_pyarrow().to_pylist()))


def consent_file(tmp_path: Path, name: str, rows: str) -> Path:
    return write(tmp_path / name, "customer_id,channel,granted,source,updated_at\n" + rows)


def test_a_withdrawal_loaded_later_is_kept_as_history_and_wins(shop: Mart, tmp_path: Path) -> None:
    rows = candidates(shop, ["ab-1001", "cd-2002"])
    assert ids_of(eligible_for_export(shop, rows, channel="email").rows) == ["ab-1001"]
    withdrawn = "ab-1001,email,false,preference_centre,2024-04-01 09:00:00\n"
    result = load(shop, "consents", consent_file(tmp_path, "withdrawal.csv", withdrawn))
    assert result.rows_loaded == 1 and result.rows_duplicate == 0
    assert shop.count("consents") == 4  # the grant stays: the history of the consent

    eligible = eligible_for_export(shop, rows, channel="EMAIL ")
    assert ids_of(eligible.rows) == []
    assert eligible.counts() == {
        "n_candidates": 2,
        "n_suppressed": 0,
        "n_without_consent": 2,
        "n_eligible": 0,
    }
    # read as it stood before the withdrawal, the grant decides
    before = eligible_for_export(shop, rows, channel="email", at=dt.datetime(2024, 3, 1))
    assert ids_of(before.rows) == ["ab-1001"]
    regranted = "ab-1001,email,true,checkout,2024-05-01 09:00:00\n"
    load(shop, "consents", consent_file(tmp_path, "regrant.csv", regranted))
    assert ids_of(eligible_for_export(shop, rows, channel="email").rows) == ["ab-1001"]


def latest(mart: Mart, channel: str) -> dict[str, bool]:
    rows = latest_consent(mart, channel).to_pyarrow().to_pylist()
    return {r["customer_id"]: r["granted"] for r in rows}


def test_a_consent_needs_its_time_and_a_tie_is_a_withdrawal(shop: Mart, tmp_path: Path) -> None:
    undated = "cd-2002,email,true,store,\n"  # cannot be ordered against a later change
    result = load(shop, "consents", consent_file(tmp_path, "undated.csv", undated))
    assert result.rows_quarantined == 1 and result.rows_loaded == 0
    # two rows of the same time that disagree: both are history, and the withdrawal wins
    tie = "ef-3003,push,true,crm,2024-01-01 00:00:00\nef-3003,push,false,app,2024-01-01 00:00:00\n"
    result = load(shop, "consents", consent_file(tmp_path, "tie.csv", tie))
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (2, 0, 0)
    shop.raw.execute(  # a row written without a time counts as the oldest
        "INSERT INTO consents (customer_id, channel, granted) VALUES ('ef-3003', 'sms', true)"
    )
    assert latest(shop, "email") == {ZOE: True, "ab-1001": True}
    assert latest(shop, "sms") == {"ef-3003": False}
    assert latest(shop, "push") == {"ef-3003": False}


def test_a_withdrawal_of_the_same_time_as_a_stored_grant_is_loaded_and_wins(
    shop: Mart, tmp_path: Path
) -> None:
    rows = candidates(shop, ["ab-1001"])
    assert ids_of(eligible_for_export(shop, rows, channel="email").rows) == ["ab-1001"]
    granted = shop.raw.execute(
        "SELECT updated_at FROM consents WHERE customer_id = 'ab-1001' AND channel = 'email'"
    ).fetchall()
    assert len(granted) == 1
    withdrawn = f"ab-1001,email,false,preference_centre,{granted[0][0]:%Y-%m-%d %H:%M:%S}\n"
    result = load(shop, "consents", consent_file(tmp_path, "same_time.csv", withdrawn))
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (1, 0, 0)
    times = shop.raw.execute(
        "SELECT DISTINCT updated_at FROM consents WHERE customer_id = 'ab-1001' AND channel = 'email'"
    ).fetchall()
    assert times == granted  # a tie: the grant and the withdrawal have one time
    assert ids_of(eligible_for_export(shop, rows, channel="email").rows) == []
    again = load(shop, "consents", consent_file(tmp_path, "again.csv", withdrawn))
    assert (again.rows_loaded, again.rows_duplicate) == (0, 1)  # the same row is a duplicate


def test_forgotten_people_are_removed_and_counted_first(shop: Mart) -> None:
    forget(shop, [ZOE], REASON)
    rows = candidates(shop, [ZOE, "ab-1001", "cd-2002"])
    eligible = eligible_for_export(shop, rows, channel="email")
    assert ids_of(eligible.rows) == ["ab-1001"]
    assert eligible.rows.count().execute() == 2  # every row of an eligible customer stays
    assert (eligible.n_suppressed, eligible.n_without_consent, eligible.n_eligible) == (1, 1, 1)
    analysts = eligible_for_export(shop, rows, channel=None)  # no contact: no consent needed
    assert ids_of(analysts.rows) == ["ab-1001", "cd-2002"]
    assert analysts.channel is None and analysts.n_suppressed == 1


def test_the_do_not_contact_table_keeps_its_customers_out_of_contact_exports(
    shop: Mart,
) -> None:
    """A consenting customer on ``suppressions`` (for the channel, or with a null channel
    for every one) is left out of an export for contact and counted as suppressed, as
    campaigns do; a row for another channel, or an export for analysis, keeps them."""
    rows = candidates(shop, [ZOE, "ab-1001", "cd-2002"])
    # a no-break space after the channel, as a pasted one has: Python's strip drops it
    listed = {"customer_id": ["ab-1001", ZOE, "cd-2002"], "channel": [" EMAIL\u00a0", "sms", None]}
    shop.con.create_table(SUPPRESSIONS_TABLE, ibis.memtable(listed))
    eligible = eligible_for_export(shop, rows, channel="email")
    assert ids_of(eligible.rows) == [ZOE]  # Zoe is suppressed for sms only
    assert eligible.counts() == {
        "n_candidates": 3,
        "n_suppressed": 2,
        "n_without_consent": 0,
        "n_eligible": 1,
    }
    sms = eligible_for_export(shop, rows, channel="sms")
    assert ids_of(sms.rows) == [] and (sms.n_suppressed, sms.n_without_consent) == (2, 1)
    analysts = eligible_for_export(shop, rows, channel=None)  # not for contact: all stay
    assert ids_of(analysts.rows) == ["ab-1001", "cd-2002", ZOE]
    assert analysts.n_suppressed == 0


def test_a_do_not_contact_table_without_ids_is_refused_and_one_of_numbers_matches(
    shop: Mart,
) -> None:
    rows = candidates(shop, ["ab-1001"])
    shop.con.create_table(SUPPRESSIONS_TABLE, ibis.memtable({"cust": ["ab-1001"]}))
    with pytest.raises(MartError, match=r"suppressions table .* needs a customer_id column"):
        eligible_for_export(shop, rows, channel="email")
    numbers = candidates(shop, ["1001", "1002"])
    shop.con.create_table(
        SUPPRESSIONS_TABLE, ibis.memtable({"customer_id": [1001]}), overwrite=True
    )
    eligible = eligible_for_export(shop, numbers, channel="email")
    assert eligible.n_suppressed == 1 and eligible.n_without_consent == 1


def test_a_hostile_channel_is_a_value_not_sql(shop: Mart) -> None:
    rows = candidates(shop, ["ab-1001"])
    hostile = "email' OR '1'='1"
    assert ids_of(eligible_for_export(shop, rows, channel=hostile).rows) == []
    assert shop.count("consents") == 3


def test_bad_arguments_are_named(shop: Mart) -> None:
    rows = candidates(shop, ["ab-1001"])
    with pytest.raises(ConsentError, match="contact channel is needed"):
        eligible_for_export(shop, rows, channel="  ")
    with pytest.raises(SchemaError, match=r"no column 'customer'.*'customer_id'"):
        eligible_for_export(shop, rows, channel="email", column="customer")


def test_a_channel_without_any_consent_is_refused_one_where_nobody_granted_is_not(
    shop: Mart,
) -> None:
    assert records_consent(shop, " SMS") and not records_consent(shop, "push")
    with pytest.raises(ConsentError) as refused:
        refuse_unrecorded_channel(shop, "Push", 3, "the lists go out by push", "the 3 customers")
    assert str(refused.value) == (
        "the lists go out by push, and the mart records no consent for push at all: none of "
        "the 3 customers may be contacted, and nothing was written. Load consents with "
        "`segmint ingest consents FILE` (columns customer_id, channel, granted, updated_at), "
        "then export again; the mart has consents for email, sms."
    )
    # sms is recorded (ef-3003 withdrew): nobody granting it is a true, empty answer
    refuse_unrecorded_channel(shop, "sms", 3, "the lists go out by sms", "the 3 customers")
    refuse_unrecorded_channel(shop, "push", 0, "nobody to leave out", "nobody")
    shop.con.raw_sql("DELETE FROM consents")
    with pytest.raises(ConsentError, match=r"then export again\.$"):  # no channel to offer
        refuse_unrecorded_channel(shop, "sms", 1, "the lists go out by sms", "the customer")


def test_prepare_export_pseudonymises_and_keeps_the_members(shop: Mart) -> None:
    rows = candidates(shop, ["ab-1001", "cd-2002", ZOE])
    prepared = prepare_export(shop, rows, channel="email", pseudonymise=True, label="study-1")
    written = prepared.rows.order_by(["customer_id", "rank"]).to_pyarrow().to_pylist()
    expected = sorted(pseudonymise(["ab-1001", ZOE], label="study-1"))
    assert sorted({r["customer_id"] for r in written}) == expected
    assert list(prepared.rows.columns) == ["customer_id", "rank"]
    assert ids_of(prepared.members) == ["ab-1001", ZOE]
    assert prepared.pseudonymised and prepared.eligible.n_without_consent == 1
    plain = prepare_export(shop, rows, channel="email")
    assert ids_of(plain.rows) == ["ab-1001", ZOE] and not plain.pseudonymised


CONSENT_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["c1", "c2", "c3"]),
        st.sampled_from(["email", " EMAIL", "sms"]),
        st.booleans() | st.none(),
        st.none() | st.integers(0, 3).map(lambda h: dt.datetime(2025, 1, 1, h)),
    ),
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=CONSENT_ROWS)
def test_latest_consent_is_the_latest_rows_with_a_withdrawal_winning_a_tie(
    shop: Mart, rows: list[tuple[str, str, bool | None, dt.datetime | None]]
) -> None:
    # the reference, row by row: the rows of the channel at the latest time (no time is the
    # oldest) grant contact only if every one of them grants it (a missing answer does not)
    expected: dict[str, bool] = {}
    on_email = [r for r in rows if r[1].strip().lower() == "email"]
    for customer in {r[0] for r in on_email}:
        mine = [r for r in on_email if r[0] == customer]
        latest = max(r[3] or dt.datetime.min for r in mine)
        expected[customer] = all(bool(r[2]) for r in mine if (r[3] or dt.datetime.min) == latest)
    shop.con.raw_sql("DELETE FROM consents")
    if rows:
        table = {
            "customer_id": [r[0] for r in rows],
            "channel": [r[1] for r in rows],
            "granted": [r[2] for r in rows],
            "updated_at": [r[3] for r in rows],
        }
        shop.con.insert(
            "consents", ibis.memtable(table).cast(shop.table("consents").select(*table).schema())
        )
    found = latest_consent(shop, "email").to_pyarrow().to_pylist()
    assert {r["customer_id"]: r["granted"] for r in found} == expected
