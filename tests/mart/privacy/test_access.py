"""Subject access: every row held about the person, and nothing of anyone else."""

from __future__ import annotations

import csv
import datetime as dt
import json
import stat
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from segmint.features import order_totals
from segmint.mart import Mart
from segmint.mart.privacy import (
    audit,
    forget,
    list_exports,
    list_requests,
    record_request,
    subject_access,
)
from segmint.mart.privacy.access import SCORE_MEANINGS, AccessError
from segmint.mart.privacy.keys import ENV_KEY, PrivacyKeyError
from segmint.workflows import recommend
from segmint.workflows.segment import run_rfm

from ..conftest import float_id_orders, load
from .conftest import OTHERS, ZOE, table_names

OTHER_TRACES = (
    *OTHERS,
    "amy.bell",
    "claude.dupont",
    "erik.fromm",
    "Bell",
    "Dupont",
    "Fromm",
    "900001",
    "O-101",
    "O-102",
    "O-105",
    "running",
    "platinum-tier",
)
"""Values of the other customers: none may appear in Zoe's answer."""


@pytest.fixture
def answer(shop: Mart, tmp_path: Path) -> tuple[Mart, Path, dict[str, list[dict[str, object]]]]:
    record_request(shop, ZOE, "access", actor="dpo")
    result = subject_access(shop, ZOE, tmp_path / "zoe", actor="dpo")
    document = json.loads((result.folder / "subject.json").read_text())
    return shop, result.folder, document["sections"]


def _zoe_count(mart: Mart, table: str) -> int:
    t = mart.table(table)
    return int(t.filter(t.customer_id == ZOE).count().execute())


def test_every_table_with_a_customer_id_is_there_in_full(
    answer: tuple[Mart, Path, dict[str, list[dict[str, object]]]],
) -> None:
    mart, _, sections = answer
    for name in table_names(mart):
        if "customer_id" not in mart.table(name).columns:
            continue
        assert name in sections, name
        assert len(sections[name]) == _zoe_count(mart, name), name
        assert {row["customer_id"] for row in sections[name]} <= {ZOE}, name
    assert len(sections["order_lines"]) == 4  # O-100 (2), O-103 and the transactions order
    assert len(sections["events"]) == 2 and len(sections["features"]) == 1


def test_segments_scores_and_campaigns_say_what_they_mean(
    answer: tuple[Mart, Path, dict[str, list[dict[str, object]]]],
) -> None:
    _, _, sections = answer
    (segment,) = sections["assignments"]
    assert segment["segmentation"] == "rfm" and segment["segmentation_kind"] == "rfm"
    assert "segments" in json.loads(str(segment["definition"]))
    meanings = {row["score_name"]: row["meaning"] for row in sections["scores"]}
    assert meanings == {"clv": SCORE_MEANINGS["clv"], "churn_risk": SCORE_MEANINGS["churn_risk"]}
    (member,) = sections["campaign_members"]
    assert member["campaign_name"] == "Spring pens"


def test_rejected_rows_and_the_loads_they_came_from_are_there(
    answer: tuple[Mart, Path, dict[str, list[dict[str, object]]]],
) -> None:
    mart, _, sections = answer
    reasons = sorted(str(r["reason"]) for r in sections["quarantine"])
    assert reasons[0].startswith("duplicate key customer_id=zq-7341")
    assert reasons[1].startswith("order_ts: cannot read 'not-a-date'")
    sources = {str(r["table_name"]) for r in sections["sources"]}
    assert sources == {
        "customers",
        "customer_pii",
        "customer_attributes",
        "consents",
        "orders",
        "order_lines",
        "transactions",
        "events",
        "campaign_members",
    }
    assert len(sections["sources"]) < mart.count("ingests")  # products and campaigns: not hers


def test_nothing_of_anyone_else_is_in_any_file(
    answer: tuple[Mart, Path, dict[str, list[dict[str, object]]]],
) -> None:
    _, folder, _ = answer
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8")
        found = [t for t in OTHER_TRACES if t in text]
        assert found == [], (path.name, found)


def test_csv_files_mirror_the_sections(
    answer: tuple[Mart, Path, dict[str, list[dict[str, object]]]],
) -> None:
    _, folder, sections = answer
    for name, rows in sections.items():
        path = folder / f"{name}.csv"
        assert path.exists() == bool(rows), name
        if rows:
            with path.open(encoding="utf-8") as handle:
                assert len(list(csv.DictReader(handle))) == len(rows), name
    assert (
        (folder / "README.txt")
        .read_text()
        .startswith(f"Everything segmint holds about customer {ZOE}")
    )


def test_the_kept_order_totals_are_answered_and_said_in_words(shop: Mart, tmp_path: Path) -> None:
    order_totals.keep(shop)
    subject_access(shop, ZOE, tmp_path / "zoe", actor="dpo")
    with (tmp_path / "zoe" / "order_totals.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 3  # her three orders
    readme = (tmp_path / "zoe" / "README.txt").read_text(encoding="utf-8")
    assert "order_totals.csv: the total and number of lines of each of your orders" in readme


def test_the_folder_is_private_and_the_answer_audited(
    answer: tuple[Mart, Path, dict[str, list[dict[str, object]]]],
) -> None:
    mart, folder, _ = answer
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
    entry = audit.entries(mart, action="subject_access")[0]
    assert entry.actor == "dpo" and len(entry.subjects) == 1
    assert [r.status for r in list_requests(mart)] == ["done"]


def test_an_existing_folder_with_files_is_refused(shop: Mart, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x.txt").write_text("x")
    with pytest.raises(AccessError, match="not an empty folder"):
        subject_access(shop, ZOE, tmp_path / "taken")
    assert shop.count("audit_log") == 0


def test_without_the_privacy_key_nothing_is_written(
    shop: Mart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the answer is audited under a pseudonym: without the key it is refused before any
    # file is written or the export registered (it wrote the whole answer, then failed)
    monkeypatch.delenv(ENV_KEY)
    exports = len(list_exports(shop))
    with pytest.raises(PrivacyKeyError, match=ENV_KEY):
        subject_access(shop, ZOE, tmp_path / "zoe")
    assert not (tmp_path / "zoe").exists()
    assert len(list_exports(shop)) == exports and shop.count("audit_log") == 0


def test_the_answer_is_registered_so_a_later_erasure_lists_it(shop: Mart, tmp_path: Path) -> None:
    result = subject_access(shop, ZOE, tmp_path / "answer")
    [record] = [e for e in list_exports(shop) if e.kind == "subject_access"]
    assert record.path == str(result.folder.resolve()) and record.members_known
    assert forget(shop, [ZOE], "erasure request 31").exports == [record]
    assert forget(shop, [OTHERS[0]], "erasure request 32").exports == []


def test_an_id_read_from_the_loaded_file_as_a_float_answers_for_that_customer(
    mart: Mart, tmp_path: Path
) -> None:
    """13085.0, as pandas reads Online Retail's ``Customer ID``, is the customer ``13085``."""
    path = float_id_orders(tmp_path / "orders.parquet")
    load(mart, "transactions", path)
    customer = pd.read_parquet(path)["customer_id"].iloc[0]

    answer = subject_access(mart, customer, tmp_path / "answer")

    assert answer.rows["customers"] == 1 and answer.rows["orders"] == 1
    held = json.loads((tmp_path / "answer" / "subject.json").read_text())
    assert held["customer_id"] == "13085"


def test_an_id_held_only_in_another_spelling_is_refused_naming_it(
    mart: Mart, tmp_path: Path
) -> None:
    """'13085.0' typed from a float column would get an empty answer about a person held."""
    load(mart, "transactions", float_id_orders(tmp_path / "orders.parquet"))
    with pytest.raises(AccessError, match=r"'13085\.0' as written.*did you mean '13085'"):
        subject_access(mart, "13085.0", tmp_path / "answer")
    assert not (tmp_path / "answer").exists()


def test_the_readme_says_what_each_section_holds(mart: Mart, tmp_path: Path) -> None:
    """Recommendations and the features' stored parts are described, not 'other data'."""
    load(mart, "transactions", float_id_orders(tmp_path / "orders.parquet"))
    run_rfm(mart, dt.date(2010, 1, 31))
    recommend.fit(mart, dt.date(2010, 1, 31), recommend.RecommendFitOptions(method="popular"))

    subject_access(mart, "13085", tmp_path / "answer")

    lines = (tmp_path / "answer" / "README.txt").read_text(encoding="utf-8").splitlines()
    described = {line.split(".csv: ")[0]: line for line in lines if ".csv: " in line}
    assert {"recommendations", "feature_part_purchases"} <= set(described)
    assert [n for n, line in described.items() if "other data held about you" in line] == []
    assert "the products chosen for you" in described["recommendations"]
    assert described["customers"].endswith("(1 row)")


def test_the_readme_calls_a_do_not_contact_entry_what_it_is(mart: Mart, tmp_path: Path) -> None:
    load(mart, "transactions", float_id_orders(tmp_path / "orders.parquet"))
    mart.raw.execute("CREATE TABLE suppressions (customer_id VARCHAR, channel VARCHAR)")
    mart.raw.execute("INSERT INTO suppressions VALUES ('13085', NULL)")

    subject_access(mart, "13085", tmp_path / "answer")

    lines = (tmp_path / "answer" / "README.txt").read_text(encoding="utf-8").splitlines()
    described = {line.split(".csv: ")[0]: line for line in lines if ".csv: " in line}
    assert "do-not-contact" in described["suppressions"]
    assert described["suppressions"].endswith("(1 row)")


def test_a_forgotten_person_is_refused_and_their_id_stays_out_of_the_mart(
    shop: Mart, tmp_path: Path
) -> None:
    """An answer for someone erased would be empty and would register their id in clear."""
    forget(shop, [ZOE], "erasure request 33")
    exports = len(list_exports(shop))
    entries = shop.count("audit_log")

    with pytest.raises(AccessError, match=f"'{ZOE}' was forgotten.*nothing was written"):
        subject_access(shop, ZOE, tmp_path / "zoe")

    assert not (tmp_path / "zoe").exists()
    assert len(list_exports(shop)) == exports and shop.count("audit_log") == entries
    members = shop.table("export_members")
    assert members.filter(members.customer_id == ZOE).count().execute() == 0


def test_subject_accesses_leave_no_table_on_the_connection(
    shop: Mart, tmp_path: Path, engine_objects: Callable[[Mart], tuple[int, int]]
) -> None:
    """Once someone was forgotten every access checks the list: a long-lived connection (a
    notebook's workspace) keeps none of the tables that check and the answer's register
    make."""
    forget(shop, [ZOE], "erasure request 34")

    before = engine_objects(shop)[0]
    for i in range(3):
        subject_access(shop, OTHERS[0], tmp_path / f"answer-{i}")

    assert engine_objects(shop)[0] == before
