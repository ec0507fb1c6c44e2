"""The attributes block of the 360° view: every attribute a load made, shown by role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import segmint
from segmint.mart import Mart
from segmint.mart.ingest import ingest
from segmint.views.coarse import coarse_features
from segmint.views.customer_attributes import hidden_feature, shown_attributes, visibility
from segmint.views.customer_view import customer_360

DEMOGRAPHICS = (
    "household_id,age,income,home_ownership,Loyalty Tier,Country,City\n"
    "h1,35-44,100-124K,Homeowner,Gold,UK,Leeds\n"
    "h2,25-34,Under 15K,Renter,,FR,Lyon\n"
)
LONG_FORM = (
    "customer_id,name,value\n"
    "h1,email,h1@example.org\n"
    "h1,birth_year,1981\n"
    "h1,exact_age,43\n"
    "h1,state,Yorkshire\n"
    "h1,zip,LS1 4AP\n"
    "h1,shipping_city,Wakefield\n"
)


@pytest.fixture
def mart(tmp_path: Path) -> Iterator[Mart]:
    """A mart with a banded demographics file (its bands become attributes, country and
    city load into customers) and a long-form attributes file with personal data, a ZIP
    and a city among its names."""
    with segmint.connect(tmp_path / "m.duckdb") as opened:
        (tmp_path / "demographics.csv").write_text(DEMOGRAPHICS)
        (tmp_path / "attributes.csv").write_text(LONG_FORM)
        ingest(opened, "customers", tmp_path / "demographics.csv")
        ingest(opened, "customer_attributes", tmp_path / "attributes.csv")
        yield opened


@pytest.mark.parametrize(
    ("name", "value", "who"),
    [
        ("income", "100-124K", "all"),
        ("loyalty_tier", "Gold", "all"),
        ("age", "35-44", "all"),  # a band, as the coarse view's age_band
        ("age", "43", "exact"),  # an exact age, as the age feature
        ("state", "Yorkshire", "all"),  # a region, as the coarse profile keeps
        ("country_code", "UK", "all"),
        ("zip", "LS1 4AP", "exact"),  # as the profile's postcode
        ("shipping_city", "Leeds", "exact"),
        ("birth_year", "1981", "exact"),
        ("email", "h1@example.org", "pii"),
        ("date_of_birth", "1981-02-03", "pii"),
        ("billing_name", "A B", "pii"),
    ],
)
def test_who_sees_an_attribute_follows_its_name_as_the_view_does(
    name: str, value: str, who: str
) -> None:
    assert visibility(name, value) == who


def test_analysts_see_the_attributes_of_the_file_but_not_exact_place_or_personal_data(
    mart: Mart,
) -> None:
    view = customer_360(mart, "h1", include_pii=False)
    assert {a["name"]: a["value"] for a in view.attributes} == {
        "age": "35-44",
        "home_ownership": "Homeowner",
        "income": "100-124K",
        "loyalty_tier": "Gold",
        "state": "Yorkshire",
    }
    assert [a["name"] for a in view.attributes] == sorted(a["name"] for a in view.attributes)
    assert set(view.attributes[0]) == {"name", "value", "updated_at", "source"}
    shown = repr(view)
    for secret in ("h1@example.org", "1981", "LS1 4AP", "Leeds", "Wakefield", "43"):
        assert secret not in shown
    assert "5 attributes (personal data, exact location or age) shown to the admin role only." in (
        view.notes
    )
    assert view.profile["country"] == "UK"  # country is loaded, and stays in the coarse view


def test_admins_see_every_attribute(mart: Mart) -> None:
    view = customer_360(mart, "h1", include_pii=True)
    names = {a["name"]: a["value"] for a in view.attributes}
    assert names["email"] == "h1@example.org"
    assert names["zip"] == "LS1 4AP" and names["shipping_city"] == "Wakefield"
    assert names["birth_year"] == "1981" and names["exact_age"] == "43"
    assert len(names) == 10
    assert not any("attribute" in m for m in view.notes)


def test_the_exact_view_without_personal_data_shows_place_but_not_the_email(mart: Mart) -> None:
    view = customer_360(mart, "h1", include_pii=False, exact=True)
    names = {a["name"] for a in view.attributes}
    assert {"zip", "shipping_city", "birth_year", "exact_age"} <= names
    assert "email" not in names
    assert "1 attribute (personal data, exact location or age) shown to the admin role only." in (
        view.notes
    )


def test_a_customer_without_attributes_has_an_empty_block(mart: Mart, tmp_path: Path) -> None:
    (tmp_path / "more.csv").write_text("customer_id\nh3\n")
    ingest(mart, "customers", tmp_path / "more.csv")
    assert customer_360(mart, "h3").attributes == []


def test_the_coarse_features_leave_out_attribute_columns_of_place_and_personal_data() -> None:
    features = {"frequency": 3, "zip": "LS1", "city_attr": "Leeds", "email": "a@b", "income": "1"}
    features |= {"age_attr": 43.0, "state": "Yorkshire"}
    assert coarse_features(features) == {"frequency": 3, "income": "1", "state": "Yorkshire"}
    assert hidden_feature("age_attr", 43.0) and not hidden_feature("age_attr", "35-44")


def test_built_in_features_named_after_a_channel_are_behaviour_not_personal_data() -> None:
    features = {"email_opens": 2, "email_clicks": 1, "share_phone": 0.5, "email": "a@b"}
    assert coarse_features(features) == {"email_opens": 2, "email_clicks": 1, "share_phone": 0.5}
    assert not hidden_feature("email_opens", 2) and hidden_feature("phone", "0123")


def test_records_are_shown_by_name_and_held_back_ones_counted() -> None:
    records = [
        {"customer_id": "c", "name": "tier", "value": "Gold", "updated_at": None, "source": "f"},
        {"customer_id": "c", "name": "phone", "value": "+46", "updated_at": None, "source": "f"},
        {"customer_id": "c", "name": "band", "value": "3+", "updated_at": None, "source": "f"},
    ]
    shown, hidden = shown_attributes(records, exact=True, include_pii=False)
    assert [r["name"] for r in shown] == ["band", "tier"] and hidden == 1
    assert shown_attributes(records, exact=True, include_pii=True)[1] == 0


def test_a_name_with_a_history_of_values_shows_the_current_one() -> None:
    def tier(value: str, at: str | None) -> dict[str, str | None]:
        return {"customer_id": "c", "name": "tier", "value": value, "updated_at": at}

    records = [
        tier("B", "2024-03-01T00:00:00"),
        tier("C", None),  # undated: loses to any dated value
        tier("A", "2024-01-01T00:00:00"),
    ]
    shown, hidden = shown_attributes(records, exact=False, include_pii=False)
    assert [(r["name"], r["value"]) for r in shown] == [("tier", "B")] and hidden == 0


def test_the_view_of_a_transactions_file_tier_shows_the_latest(tmp_path: Path) -> None:
    text = "customer_id,order_ts,amount,tier\nc1,2024-01-01,5,A\nc1,2024-03-01,5,B\n"
    (tmp_path / "orders.csv").write_text(text)
    with segmint.connect(tmp_path / "t.duckdb") as mart:
        ingest(mart, "transactions", tmp_path / "orders.csv")
        view = customer_360(mart, "c1")
    assert [(a["name"], a["value"]) for a in view.attributes] == [("tier", "B")]
