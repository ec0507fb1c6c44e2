"""Who the customer is: age and age band, gender, location, acquisition channel.

Taken from the ``customers`` table as it stands (those columns carry no timestamp).
``age`` is the as-of year minus the birth year (the birthday itself is not recorded, so
the age may be one year high for part of the year). Ages below 18 get the band ``<18``.
Customers known only from their orders have nulls here.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.mart import Mart

AGE_BANDS = ((18, "<18"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64"))
"""(exclusive upper age, label) in increasing order; older than the last is ``65+``."""


def age_band(age: ir.IntegerValue) -> ir.StringValue:
    """The band label of ``age`` (null when the age is unknown)."""
    bands = [(age < upper, ibis.literal(label)) for upper, label in AGE_BANDS]
    return ibis.cases((age.isnull(), ibis.null("string")), *bands, else_=ibis.literal("65+"))


def demographic_features(mart: Mart, day: dt.date) -> ir.Table:
    """Per-customer age, age band, gender, country, region, city, acquisition channel.

    Also ``signup_date`` when it is on or before ``day``, for tenure.
    """
    customers = mart.table("customers")
    age = (ibis.literal(day.year) - customers.birth_year).cast("int32")
    return customers.select(
        "customer_id",
        signup_date=ibis.ifelse(
            customers.signup_date <= day, customers.signup_date, ibis.null("date")
        ),
        age=age,
        age_band=age_band(age),
        gender=customers.gender,
        country=customers.country,
        region=customers.region,
        city=customers.city,
        acquisition_channel=customers.acquisition_channel,
    )
