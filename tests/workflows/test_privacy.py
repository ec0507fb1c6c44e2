"""Privacy use cases: ids from a file, retention at every refresh, the one export step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

import segmint
from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.mart.privacy import audit, list_exports, set_retention
from segmint.mart.privacy import retention as retention_module
from segmint.mart.privacy.keys import ENV_KEY
from segmint.mart.schema import RECOMMENDATIONS
from segmint.scoring.propensity import PredictionError
from segmint.segmentation import store
from segmint.workflows import features, privacy, refresh_features
from segmint.workflows.predict import refresh_scores
from segmint.workflows.refresh import refresh

KEY = "workflow-test-privacy-key-0123456789abcdef"
CUSTOMERS = "customer_id,signup_date\nc1,2020-01-01\nc2,2020-01-01\nc3,2020-01-01\n"
ORDERS = (
    "order_id,customer_id,order_ts,amount\n"
    "o1,c1,2020-02-01,20\no2,c2,2020-03-01,5\no3,c3,2020-03-05,9\no4,c1,2020-04-01,7\n"
)
RECENT = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=10)
EVENTS = (
    "event_id,customer_id,event_ts,event_type\n"
    f"e1,c1,2019-06-01 10:00:00,page_view\ne2,c2,{RECENT} 10:00:00,page_view\n"
)
"""e1 is years old; e2 ten days old (retention counts back from now)."""
CONSENTS = (
    "customer_id,channel,granted,updated_at\n"
    "c1,email,true,2020-01-01\nc2,email,true,2020-01-01\nc2,email,false,2020-03-20\n"
)


@pytest.fixture
def mart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mart]:
    monkeypatch.setenv(ENV_KEY, KEY)
    for name, content in [
        ("customers.csv", CUSTOMERS),
        ("orders.csv", ORDERS),
        ("events.csv", EVENTS),
        ("consents.csv", CONSENTS),
    ]:
        (tmp_path / name).write_text(content, encoding="utf-8")
    with segmint.connect(tmp_path / "m.duckdb") as ws:
        ws.load(tmp_path)
        yield ws


@pytest.mark.parametrize(
    ("content", "ids"),
    [
        ("c1\nc2\n\n c3 \n", ["c1", "c2", "c3"]),
        ("\ufeffcustomer_id\nc1\nc2\n", ["c1", "c2"]),
        ("email,customer_id\na@x,c1\nb@x,c2\n", ["c1", "c2"]),
        ("", []),
    ],
)
def test_ids_come_from_a_list_or_a_csv_column(tmp_path: Path, content: str, ids: list[str]) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(content, encoding="utf-8")
    assert privacy.read_ids(path) == ids


def test_a_csv_without_a_customer_id_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("email,name\na@x,Ann\n", encoding="utf-8")
    with pytest.raises(InputError, match="none called customer_id"):
        privacy.read_ids(path)
    with pytest.raises(InputError, match="cannot read the ids"):
        privacy.read_ids(tmp_path / "missing.csv")


def test_every_refresh_applies_the_stored_retention_policy(mart: Mart) -> None:
    refresh_features(mart, "2020-04-01")
    assert mart.count("events") == 2  # no policy: nothing deleted, nothing audited
    assert audit.entries(mart, action="retention") == []
    set_retention(mart, events="365d", actor="cli:dpo")
    refresh_features(mart, "2020-04-01")
    assert mart.count("events") == 1  # e1 was older than a year
    mart.raw.execute(
        "INSERT INTO events (event_id, customer_id, event_ts, event_type) "
        "VALUES ('e3', 'c3', TIMESTAMP '2019-01-01 00:00:00', 'page_view')"
    )
    with pytest.raises(PredictionError):  # too little history to train: after retention
        refresh_scores(mart, "2020-04-01")
    assert mart.count("events") == 1
    assert [e.details["events_deleted"] for e in audit.entries(mart, action="retention")] == [1, 1]


def test_every_refresh_trims_the_stored_history_without_rewriting_the_file(
    mart: segmint.Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History rows are not personal data: the file is not rewritten for them."""
    segments = ibis.memtable({"customer_id": ["c1", "c2"], "segment": ["a", "b"]})
    for day in ("2020-01-01", "2020-02-01", "2020-03-01"):
        store.save(mart, "manual", "rules", {"x": 1}, dt.date.fromisoformat(day), segments)
        lists = pd.DataFrame({"customer_id": ["c1"], "rank": [1], "product_id": ["p1"],
                              "score": [1.0], "method": ["popularity"], "reason": ["popular"],
                              "as_of": [dt.date.fromisoformat(day)]})  # fmt: skip
        mart.insert("recommendations", ibis.memtable(lists, schema=RECOMMENDATIONS.ibis_schema()))
    counted = mart.retention(history="30d", dry_run=True).result.history
    assert counted is not None and counted.assignments_deleted == 2  # 2020-01-01's rows
    assert counted.recommendations_deleted == 1
    assert mart.count("assignments") == 6
    set_retention(mart, history="30d", actor="cli:dpo")
    features.current(mart, "2020-04-01")  # a segmentation command does not pay the trim
    assert mart.count("assignments") == 6

    def rewrite(_: Mart) -> None:
        raise AssertionError("the mart file was rewritten for history rows")

    monkeypatch.setattr(retention_module, "rewrite_mart", rewrite)
    run = refresh(mart, "2020-04-01")
    assert run.retention is not None and run.retention.history is not None
    assert run.retention.history.assignments_deleted == counted.assignments_deleted
    assert run.retention.history.recommendations_deleted == counted.recommendations_deleted
    assert mart.count("recommendations") == 2
    assert run.retention.rewrite is None
    dates = mart.table("assignments").as_of.to_pandas()
    assert sorted({pd.Timestamp(d).date().isoformat() for d in dates})[0] == "2020-02-01"
    [entry] = audit.entries(mart, action="retention")
    assert entry.details["assignments_deleted"] == 2


def test_the_export_step_filters_pseudonymises_and_registers(mart: Mart, tmp_path: Path) -> None:
    rows = mart.table("customers").select("customer_id", "signup_date")
    out = tmp_path / "customers.csv"
    options = privacy.ExportOptions(channel="email", pseudonymise=True, label="study")
    written = privacy.write_export(
        mart, rows, out, kind="customers", description="test", options=options
    )
    assert written.counts == {
        "n_candidates": 3,
        "n_suppressed": 0,
        "n_without_consent": 2,  # c2 withdrew after granting; c3 never consented
        "n_eligible": 1,
    }
    assert pd.read_csv(out).customer_id.tolist() == privacy.core.pseudonymise(["c1"], label="study")
    assert out.stat().st_mode & 0o777 == 0o600
    assert [(e.kind, e.n_rows, e.members_known) for e in list_exports(mart)] == [
        ("customers", 1, True)
    ]
    with pytest.raises(InputError, match=r"use a \.csv or \.parquet"):
        privacy.write_export(mart, rows, tmp_path / "x.xlsx", kind="customers", description="")


def test_the_workspace_forgets_answers_and_audits(mart: Mart, tmp_path: Path) -> None:
    assert isinstance(mart, segmint.Workspace)
    answer = mart.subject_access("c2", tmp_path / "answer")
    assert answer.rows["consents"] == 2  # the grant and the later withdrawal
    result = mart.forget("c2", "erasure request 3")
    assert result.deleted["customers"] == 1 and mart.count("customers") == 2
    report = mart.audit(verify=True)
    assert [e.action for e in report.entries] == ["export", "subject_access", "forget"]
    assert report.verification is not None and report.verification.ok
    dry = mart.retention(events="365d", dry_run=True)
    assert dry.result.events_deleted == 1 and not dry.stored


def test_the_workspace_forgets_one_id_given_as_a_number(mart: Mart) -> None:
    """One number is one id (as ingest writes it), as one text is: not a TypeError."""
    assert isinstance(mart, segmint.Workspace)
    result = mart.forget(np.float64(42.0), "erasure request 4")
    assert result.not_found == ("42",)
