"""Models flagged for refit by an erasure: listed until refitted, then cleared."""

from __future__ import annotations

import datetime as dt
import pickle

import ibis

from segmint.mart import TABLES, Mart
from segmint.mart.privacy import forget
from segmint.mart.privacy.refit_status import clear_refitted, pending_refits

from .conftest import ZOE
from .shop import add_model_run

ERASED_AT = dt.datetime(2026, 5, 4, 10, 0)
REASON = "GDPR art. 17 request 2026-077"


def flag_zoe(shop: Mart) -> None:
    forget(shop, [ZOE], REASON, now=ERASED_AT)


def test_a_flagged_model_is_listed_with_its_erasure(shop: Mart) -> None:
    flag_zoe(shop)
    [pending] = pending_refits(shop)
    assert (pending.source, pending.run_id, pending.model) == ("model_runs", 1, "bgnbd")
    assert (pending.n_subjects, pending.flagged_at, pending.reason) == (1, ERASED_AT, REASON)
    assert clear_refitted(shop) == 0 and shop.count("refit_flags") == 1


def test_a_refit_after_the_erasure_clears_the_flag(shop: Mart) -> None:
    flag_zoe(shop)
    add_model_run(shop, 3, "bgnbd", dt.date(2026, 5, 3), created_at=ERASED_AT.replace(hour=11))
    assert pending_refits(shop) == []
    assert clear_refitted(shop) == 1
    assert shop.count("refit_flags") == 0


def test_a_fit_before_the_erasure_or_of_another_model_clears_nothing(shop: Mart) -> None:
    flag_zoe(shop)
    add_model_run(shop, 3, "bgnbd", dt.date(2026, 5, 3), created_at=ERASED_AT.replace(hour=9))
    add_model_run(shop, 4, "pareto_nbd", dt.date(2026, 5, 3), created_at=ERASED_AT.replace(hour=11))
    assert [p.run_id for p in pending_refits(shop)] == [1]
    assert clear_refitted(shop) == 0


def test_a_flag_whose_fit_is_no_longer_stored_is_settled(shop: Mart) -> None:
    flag_zoe(shop)
    shop.raw.execute("DELETE FROM model_runs WHERE run_id = 1")
    assert pending_refits(shop) == []
    assert clear_refitted(shop) == 1


def add_cluster_model(shop: Mart, version: int, created_at: dt.datetime) -> None:
    row = {
        "segmentation": ["taste"],
        "version": [version],
        "model_id": [f"m{version}"],
        "fitted_as_of": [dt.date(2024, 3, 31)],
        "created_at": [created_at],
        "description": ["{}"],
        "model": [pickle.dumps({"centres": [[0.0]]})],
    }
    schema = TABLES["cluster_models"].ibis_schema()
    shop.con.insert("cluster_models", ibis.memtable(row, schema=schema))


def test_a_cluster_model_is_flagged_until_its_segmentation_is_refitted(shop: Mart) -> None:
    add_cluster_model(shop, 1, dt.datetime(2024, 4, 1))
    flag_zoe(shop)
    assert {p.model for p in pending_refits(shop)} == {"bgnbd", "taste v1"}
    add_cluster_model(shop, 2, ERASED_AT.replace(hour=12))
    assert [p.model for p in pending_refits(shop)] == ["bgnbd"]
    assert clear_refitted(shop) == 1
