"""The 360° view by point lookups gives exactly what the Ibis expressions of the same view give."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import ibis
import pandas as pd
import pytest

from segmint.exceptions import MartError
from segmint.features import load_features, stored_dates
from segmint.features.orders import line_values
from segmint.mart import Mart
from segmint.mart.privacy import SUPPRESSIONS_TABLE
from segmint.serving.frames import records
from segmint.serving.order_values import RECENT
from segmint.serving.score_table import SCORES_TABLE
from segmint.serving.sorted_copies import SortedCopies
from segmint.views.customer_view import DO_NOT_CONTACT, customer_360


def reference_360(mart: Mart, customer_id: str, day: dt.date) -> dict[str, Any]:
    """The view built from Ibis expressions and pandas frames, part by part."""

    def rows(table: str) -> list[dict[str, Any]]:
        t = mart.con.table(table)
        return records(t.filter(t.customer_id == customer_id).drop("ingest_id").execute())

    def recent(table: str, ts: str) -> list[dict[str, Any]]:
        t = mart.con.table(table)
        mine = t.filter(t.customer_id == customer_id).drop("ingest_id")
        return records(mine.order_by(ibis.desc(ts)).limit(RECENT).execute())

    orders = mart.con.table("orders")
    mine = orders.filter(orders.customer_id == customer_id)
    latest = mine.order_by(ibis.desc("order_ts")).limit(RECENT)
    # the mart's one definition of a line's value, which the view's SQL must agree with
    lines = line_values(mart, mine)
    values = lines.group_by("order_id").aggregate(value=lines.net.sum(), lines=lines.count())
    joined = latest.left_join(values, "order_id").select(
        "order_id", "order_ts", "channel", "status", "value", "lines"
    )
    a = mart.table("assignments")
    assigned = a.filter(a.customer_id == customer_id)
    newest = assigned.group_by(["segmentation", "as_of"]).aggregate(version=assigned.version.max())
    history = assigned.semi_join(newest, ["segmentation", "as_of", "version"])
    s = mart.con.table(SCORES_TABLE)
    newest = s.group_by(["score_name", "model"]).aggregate(as_of=s.as_of.max())
    scored = s.filter(s.customer_id == customer_id).semi_join(
        newest, ["score_name", "model", "as_of"]
    )
    features = load_features(mart, day)
    own = features.filter(features.customer_id == customer_id).execute()
    return {
        "profile": rows("customers")[0],
        "features": records(own.drop(columns=["customer_id", "as_of"]))[0] if len(own) else {},
        "segments": records(
            segment_runs(history.select("segmentation", "as_of", "segment").execute())
        ),
        "scores": records(
            scored.select("as_of", "model", "score_name", "value")
            .order_by([ibis.desc("as_of"), "score_name", "model"])
            .execute()
        ),
        "orders": records(joined.order_by(ibis.desc("order_ts")).execute()),
        "events": recent("events", "event_ts"),
        "consents": [c | {"suppressed": False} for c in rows("consents")],
        "pii": rows("customer_pii")[0],
    }


def segment_runs(history: pd.DataFrame) -> pd.DataFrame:
    """Each run of equal segments per segmentation (by date): first and last date."""
    found: list[dict[str, Any]] = []
    for row in history.sort_values(["segmentation", "as_of"]).itertuples():
        last = found[-1] if found else None
        if last and (last["segmentation"], last["segment"]) == (row.segmentation, row.segment):
            last["as_of"] = row.as_of
        else:
            found.append(
                {"segmentation": row.segmentation, "since": row.as_of, "as_of": row.as_of}
                | {"segment": row.segment}
            )
    return pd.DataFrame(found, columns=["segmentation", "since", "as_of", "segment"])


@pytest.fixture(scope="module")
def copies(mart: Mart) -> Iterator[SortedCopies]:
    """Sorted copies of the module's mart."""
    built = SortedCopies()
    built.rebuild(mart)
    yield built
    built.clear()


def sample_ids(mart: Mart) -> list[str]:
    """Customers with the most and the fewest orders, one without orders, and a spread."""
    counts = mart.raw.execute(
        "SELECT c.customer_id, count(o.order_id) AS n FROM customers c "
        "LEFT JOIN orders o USING (customer_id) GROUP BY 1 ORDER BY n DESC, 1"
    ).fetchall()
    ids = [row[0] for row in counts]
    return ids[:5] + ids[-5:] + ids[:: max(1, len(ids) // 20)]


@pytest.mark.parametrize("use_copies", [True, False], ids=["sorted copies", "mart tables"])
def test_every_part_matches_the_ibis_view(
    mart: Mart, copies: SortedCopies, use_copies: bool
) -> None:
    day = stored_dates(mart)[-1]
    for customer_id in sample_ids(mart):
        view = customer_360(mart, customer_id, True, [day], copies if use_copies else None)
        expected = reference_360(mart, customer_id, day)
        assert view.features_as_of == day.isoformat()
        for part, value in expected.items():
            assert getattr(view, part) == value, (customer_id, part)


def test_a_customer_without_orders_has_an_empty_history_and_says_so(
    mart: Mart, copies: SortedCopies
) -> None:
    counts = mart.raw.execute(
        "SELECT customer_id FROM customers WHERE customer_id NOT IN "
        "(SELECT customer_id FROM orders) ORDER BY 1 LIMIT 1"
    ).fetchall()
    if not counts:
        pytest.fail("the demo mart should hold a customer who never ordered")
    view = customer_360(mart, counts[0][0], False, None, copies)
    assert view.orders == [] and view.pii is None
    assert view.profile["customer_id"] == counts[0][0]


def test_an_unknown_customer_is_an_error_that_says_where_to_search(mart: Mart) -> None:
    with pytest.raises(MartError, match=r"no customer with id 'nobody'.*customers\?q="):
        customer_360(mart, "nobody")


def test_an_id_held_in_another_spelling_is_named(mart: Mart) -> None:
    known = str(mart.table("customers").customer_id.min().execute())
    with pytest.raises(MartError, match=f"no customer with id ' {known}'. Did you mean '{known}'"):
        customer_360(mart, f" {known}")


def test_an_id_is_a_parameter_never_sql(mart: Mart) -> None:
    with pytest.raises(MartError, match="no customer with id"):
        customer_360(mart, "x' OR '1'='1")


def test_an_order_newer_than_the_copies_is_shown_with_its_value(mart: Mart) -> None:
    day = stored_dates(mart)[-1]
    customer = sample_ids(mart)[0]
    built = SortedCopies()
    built.rebuild(mart)
    mart.raw.execute(
        "INSERT INTO orders (order_id, customer_id, order_ts, channel, status) "
        "VALUES ('O-newest', $1, TIMESTAMP '2100-01-01 10:00:00', 'web', 'completed')",
        [customer],
    )
    mart.raw.execute(
        "INSERT INTO order_lines (order_id, line_no, quantity, unit_price, discount) "
        "VALUES ('O-newest', 1, 3.0, 2.5, 0.5)"
    )
    try:
        view = customer_360(mart, customer, True, [day], built)
        assert view.orders == reference_360(mart, customer, day)["orders"]
        assert view.orders[0]["order_id"] == "O-newest" and view.orders[0]["value"] == 7.0
    finally:
        mart.raw.execute("DELETE FROM order_lines WHERE order_id = 'O-newest'")
        mart.raw.execute("DELETE FROM orders WHERE order_id = 'O-newest'")


def test_a_table_with_a_type_arrow_would_change_is_read_from_the_mart(mart: Mart) -> None:
    day = stored_dates(mart)[-1]
    customer = sample_ids(mart)[0]
    mart.raw.execute("ALTER TABLE consents ADD COLUMN waiting INTERVAL DEFAULT INTERVAL 3 DAY")
    try:
        built = SortedCopies()
        built.rebuild(mart)
        assert built.rows("consents", customer) is None
        assert built.rows("customers", customer) is not None
        view = customer_360(mart, customer, True, [day], built)
        assert view.consents == customer_360(mart, customer, True, [day]).consents
        assert view.consents and all(
            row["waiting"] == dt.timedelta(days=3) for row in view.consents
        )
    finally:
        mart.raw.execute("ALTER TABLE consents DROP COLUMN waiting")


def test_a_customer_on_the_do_not_contact_list_is_marked_on_each_channel_it_bars(
    mart: Mart, copies: SortedCopies
) -> None:
    """Listed for " EMAIL " only, the customer's e-mail consents say ``suppressed`` (matched
    trimmed and in any case, as exports match it) and the others do not; a null channel then
    bars every channel. A note says so, since a consent still reads "granted"."""
    customer = consenting_on_two_channels(mart)
    listed = {"customer_id": [customer, "someone else"], "channel": [" EMAIL ", None]}
    mart.create_table(SUPPRESSIONS_TABLE, ibis.memtable(listed))
    try:
        view = customer_360(mart, customer, False, None, copies)
        barred = {c["channel"]: c["suppressed"] for c in view.consents}
        assert barred.pop("email") is True and barred and not any(barred.values())
        assert f"{DO_NOT_CONTACT} for EMAIL." in view.notes
        mart.insert(
            SUPPRESSIONS_TABLE,
            ibis.memtable(
                {"customer_id": [customer], "channel": [None]},
                schema={"customer_id": "string", "channel": "string"},
            ),
        )
        view = customer_360(mart, customer, False, None, copies)
        assert all(c["suppressed"] for c in view.consents)
        assert f"{DO_NOT_CONTACT} for every channel." in view.notes
    finally:
        mart.drop_table(SUPPRESSIONS_TABLE)
    view = customer_360(mart, customer, False, None, copies)
    assert not any(c["suppressed"] for c in view.consents)
    assert not any(n.startswith(DO_NOT_CONTACT) for n in view.notes)


def consenting_on_two_channels(mart: Mart) -> str:
    """A customer with consents recorded on e-mail and at least one other channel."""
    found = mart.raw.execute(
        "SELECT customer_id FROM consents GROUP BY 1 "
        "HAVING count(DISTINCT channel) > 1 AND bool_or(channel = 'email') ORDER BY 1 LIMIT 1"
    ).fetchall()
    if not found:
        pytest.fail("the demo mart should hold a customer with consents on two channels")
    return str(found[0][0])
