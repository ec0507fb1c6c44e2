"""Events: purchase sessions lead to orders, browsing without purchase, e-mail and ads."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from segmint.mart.schema import EVENT_TYPES


@pytest.fixture(scope="module")
def events(small: dict[str, pa.Table]) -> pd.DataFrame:
    return small["events"].to_pandas()


def test_every_event_type_occurs(events: pd.DataFrame) -> None:
    assert set(events["event_type"]) == set(EVENT_TYPES)


def test_checkout_follows_view_and_cart_and_precedes_its_order(
    events: pd.DataFrame, small: dict[str, pa.Table]
) -> None:
    checkout = events[events["event_type"] == "checkout"]
    orders = small["orders"].to_pandas().set_index("order_id")
    placed = orders.loc[checkout["object_id"], "order_ts"].to_numpy()
    assert (checkout["event_ts"].to_numpy() <= placed).all()
    assert (orders.loc[checkout["object_id"], "channel"] != "store").all()
    sessions = events[events["session_id"].isin(checkout["session_id"])]
    steps = sessions.sort_values("event_ts").groupby("session_id")["event_type"].agg(tuple)
    assert (steps == ("product_view", "add_to_cart", "checkout")).all()


def test_some_carts_are_abandoned(events: pd.DataFrame) -> None:
    carts = events[events["event_type"] == "add_to_cart"]
    checked_out = set(events.loc[events["event_type"] == "checkout", "session_id"])
    abandoned = ~carts["session_id"].isin(checked_out)
    assert 0.05 < abandoned.mean() < 0.8


def test_opens_and_clicks_follow_sends(events: pd.DataFrame) -> None:
    counts = events["event_type"].value_counts()
    assert counts["email_send"] > counts["email_open"] > counts["email_click"] > 0
    assert counts["ad_impression"] > counts["ad_click"] > 0


def test_properties_are_json_objects_or_null(events: pd.DataFrame) -> None:
    props = events["properties"].dropna()
    assert len(props) > 0
    assert all(isinstance(json.loads(p), dict) for p in props.sample(2_000, random_state=0))


def test_email_goes_only_to_customers_who_consented_at_some_point(
    events: pd.DataFrame, small: dict[str, pa.Table]
) -> None:
    consents = small["consents"].to_pandas()
    email = consents[(consents["channel"] == "email") & consents["granted"]]
    sent = events.loc[events["event_type"] == "email_send", "customer_id"]
    assert sent.isin(email["customer_id"]).all()
