"""Quasi-identifiers coarsened for roles below admin: age band, region, property names."""

from __future__ import annotations

import datetime as dt

import pytest

from segmint.mart import Mart
from segmint.views import coarse
from segmint.views.coarse import (
    age_band_of,
    coarse_events,
    coarse_features,
    coarse_profile,
    property_keys,
)
from segmint.views.customer_view import customer_360


@pytest.mark.parametrize(
    ("birth_year", "band"),
    [
        (2010, "<18"),
        (2006, "18-24"),
        (2000, "18-24"),
        (1999, "25-34"),
        (1959, "65+"),
        (1960, "55-64"),
        (None, None),
        (float("nan"), None),
    ],
)
def test_age_bands_are_those_of_the_age_band_feature(birth_year: object, band: str) -> None:
    assert age_band_of(birth_year, 2024) == band


def test_the_profile_keeps_country_and_region_and_drops_exact_place_and_birth_year() -> None:
    profile = {
        "customer_id": "C1",
        "signup_date": "2023-01-02",
        "birth_year": 1980,
        "gender": "female",
        "country": "Germany",
        "region": "Hamburg",
        "city": "Hamburg-Altona",
        "postcode": "22765",
        "acquisition_channel": "social",
    }
    assert coarse_profile(profile, 2024) == {
        "customer_id": "C1",
        "signup_date": "2023-01-02",
        "age_band": "35-44",
        "gender": "female",
        "country": "Germany",
        "region": "Hamburg",
        "acquisition_channel": "social",
    }
    assert coarse_features({"age": 44, "age_band": "35-44", "city": "x", "frequency": 3}) == {
        "age_band": "35-44",
        "frequency": 3,
    }


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        ('{"device": "app", "email": "a@b.c"}', ["device", "email"]),
        ('["x"]', []),
        ("not json", []),
        (None, []),
        ("{}", []),
    ],
)
def test_event_properties_are_reduced_to_their_names(raw: object, keys: list[str]) -> None:
    assert property_keys(raw) == keys
    event = {"event_type": "search", "properties": raw}
    assert coarse_events([event]) == [{"event_type": "search", "property_keys": keys}]


def test_the_view_below_admin_holds_no_quasi_identifier(mart: Mart) -> None:
    with_events = mart.raw.execute(
        "SELECT customer_id FROM events WHERE properties IS NOT NULL ORDER BY 1 LIMIT 1"
    ).fetchone()
    assert with_events is not None
    exact = customer_360(mart, with_events[0], include_pii=True)
    coarse = customer_360(mart, with_events[0], include_pii=False)
    assert {"birth_year", "city", "postcode"} <= set(exact.profile)
    assert not {"birth_year", "city", "postcode"} & set(coarse.profile)
    assert coarse.profile["region"] == exact.profile["region"]
    assert coarse.profile["age_band"] == exact.features["age_band"] == coarse.features["age_band"]
    assert "age" in exact.features and not {"age", "city"} & set(coarse.features)
    assert any(e["properties"] for e in exact.events)
    assert all("properties" not in e for e in coarse.events)
    assert any(e["property_keys"] for e in coarse.events)
    assert coarse.pii is None
    assert customer_360(mart, with_events[0], include_pii=False, exact=True).profile == (
        exact.profile
    )


def test_ages_are_counted_in_the_utc_year_without_features(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coarse, "utc_today", lambda: dt.date(2031, 1, 1))
    assert coarse.reference_year(None) == 2031
    assert coarse.reference_year("2024-06-30") == 2024
