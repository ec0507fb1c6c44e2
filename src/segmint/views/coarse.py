"""The 360° view with its quasi-identifiers coarsened, for every role below admin.

Birth year, city and postcode are not personal data on their own, but together with the
gender and the signup date they single out many people (Sweeney, 2000: ZIP code, birth
date and sex alone identify most Americans). An analyst needs the customer's segment-relevant traits,
not these, so the view shows an age band instead of the birth year or the age, the region
(and country) instead of the city and postcode, and only the names of an event's properties
(``device``, ``quantity``), not their raw values, which may hold anything a tracker sent.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from segmint.features.demographics import AGE_BANDS
from segmint.mart.clock import utc_today
from segmint.views.customer_attributes import hidden_feature

PROFILE_DROPPED = ("city", "postcode")
"""Profile fields only admins see (``country`` and ``region`` stay)."""

FEATURE_DROPPED = ("age", "birth_year", "city", "postcode")
"""Feature columns only admins see (``age_band``, ``country`` and ``region`` stay)."""

OLDEST_BAND = "65+"


def age_band_of(birth_year: Any, year: int) -> str | None:
    """The age band (``18-24``, ``25-34``… ``65+``, ``<18``) of someone born in
    ``birth_year``, in ``year``; None when the birth year is unknown. The bands are those of
    the ``age_band`` feature."""
    if not isinstance(birth_year, int | float) or birth_year != birth_year:  # None or NaN
        return None
    age = year - int(birth_year)
    for upper, label in AGE_BANDS:
        if age < upper:
            return label
    return OLDEST_BAND


def coarse_profile(profile: dict[str, Any], year: int) -> dict[str, Any]:
    """``profile`` with ``age_band`` in place of ``birth_year`` and no city or postcode."""
    coarse: dict[str, Any] = {}
    for key, value in profile.items():
        if key == "birth_year":
            coarse["age_band"] = age_band_of(value, year)
        elif key not in PROFILE_DROPPED:
            coarse[key] = value
    return coarse


def coarse_features(features: dict[str, Any]) -> dict[str, Any]:
    """``features`` without the exact age and the city, nor attribute columns of personal
    data, exact location or age (:func:`segmint.views.customer_attributes.hidden_feature`)."""
    return {
        k: v for k, v in features.items() if k not in FEATURE_DROPPED and not hidden_feature(k, v)
    }


def coarse_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``events`` with ``property_keys`` (the sorted names of the JSON object's properties)
    in place of the raw ``properties``."""
    return [
        {
            **{k: v for k, v in event.items() if k != "properties"},
            "property_keys": property_keys(event.get("properties")),
        }
        for event in events
    ]


def property_keys(properties: Any) -> list[str]:
    """The names of the properties in a JSON object's text; none when it is not one."""
    if not isinstance(properties, str):
        return []
    try:
        parsed = json.loads(properties)
    except ValueError:
        return []
    return sorted(str(k) for k in parsed) if isinstance(parsed, dict) else []


def reference_year(features_as_of: str | None) -> int:
    """The year ages are counted in: that of the features shown, else the current one (UTC)."""
    if features_as_of:
        return dt.date.fromisoformat(features_as_of[:10]).year
    return utc_today().year
