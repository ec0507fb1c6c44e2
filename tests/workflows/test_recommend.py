"""The recommendation use cases: method names, options, which segments, rules and export."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

import segmint
from segmint.exceptions import InputError, MartError
from segmint.mart import TABLES, Mart
from segmint.mart.privacy import SUPPRESSIONS_TABLE, entries
from segmint.scoring.campaigns.audience import eligible_audience
from segmint.workflows import recommend
from segmint.workflows.segment import run_rfm

DAY = dt.date(2024, 3, 31)


def _insert(mart: Mart, name: str, rows: list[dict[str, object]]) -> None:
    schema = TABLES[name].ibis_schema()
    frame = pd.DataFrame(rows).reindex(columns=list(schema))
    frame["ingest_id"] = 1
    mart.con.insert(name, ibis.memtable(frame).cast(schema))


@pytest.fixture
def mart(tmp_path: Path) -> Mart:
    """Twelve customers buying a few products over three months, c0-c5 consenting by e-mail."""
    opened = segmint.connect(tmp_path / "mart.duckdb")
    orders, lines = [], []
    for n in range(60):
        customer = f"c{n % 12}"
        when = dt.datetime(2024, 1, 1) + dt.timedelta(days=n * 1.5)
        orders.append({"order_id": f"o{n}", "customer_id": customer, "order_ts": when})
        for line, product in enumerate((f"p{n % 5}", f"p{(n + 1) % 5}"), start=1):
            lines.append(
                {"order_id": f"o{n}", "line_no": line, "product_id": product, "quantity": 1.0}
            )
    _insert(opened, "customers", [{"customer_id": f"c{i}"} for i in range(12)])
    _insert(opened, "orders", orders)
    _insert(opened, "order_lines", lines)
    _insert(
        opened,
        "consents",
        [{"customer_id": f"c{i}", "channel": "Email", "granted": True} for i in range(6)],
    )
    return opened


def test_method_names_accept_the_cli_spellings() -> None:
    assert recommend.method_name("buy-again") == "buy_again"
    assert recommend.method_name(" Item-KNN ") == "item_knn"
    assert recommend.method_name("segment_popularity") == "segment_popularity"
    assert recommend.method_name("auto") == "auto"
    with pytest.raises(InputError, match="unknown method 'svd'"):
        recommend.method_name("svd")


def test_options_refuse_what_cannot_work() -> None:
    with pytest.raises(InputError, match="k must be a whole number of items from 1 to 100"):
        recommend.RecommendOptions(k=0)
    with pytest.raises(InputError, match="--segmentation and --segment go together"):
        recommend.RecommendExportOptions(segment="Champions")
    options = recommend.RecommendFitOptions(k=4, exclude_products=("POST",), method="rules")
    settings = options.settings()
    assert settings.k == 4 and settings.data.exclude_products == ("POST",)


def test_segment_popularity_counts_within_rfm_once_it_is_stored(mart: Mart) -> None:
    fit = recommend.RecommendFitOptions(method="segment-popular", k=2)
    without = recommend.fit(mart, DAY, fit)
    assert without.segments == "behavioural groups"
    reasons = set(mart.table("recommendations").reason.execute())
    assert all(r.startswith("popular with customers like you (") for r in reasons)
    run_rfm(mart, DAY)
    within = recommend.fit(mart, DAY, fit)
    assert within.segments == f"rfm as of {DAY}"
    reasons = set(mart.table("recommendations").reason.execute())
    assert all(r.startswith("popular with ") and r.endswith(" customers") for r in reasons)
    # a segmentation named but not stored by the date is an error, not a silent fallback
    with pytest.raises(MartError, match="no results as of 2024-01-31 or earlier"):
        recommend.fit(
            mart,
            dt.date(2024, 1, 31),
            recommend.RecommendFitOptions(method="popular", segmentation="rfm"),
        )


def test_show_tells_an_unknown_customer_from_one_without_a_list(mart: Mart) -> None:
    with pytest.raises(MartError, match="no recommendations stored yet: run `segmint recomm"):
        recommend.show(mart, "c0")
    with pytest.raises(MartError, match="no customer with id 'C0' in the mart"):
        recommend.show(mart, "C0")


def test_show_says_why_a_customer_of_the_mart_has_no_list(mart: Mart) -> None:
    _insert(mart, "customers", [{"customer_id": "prospect"}, {"customer_id": "late"}])
    late = {"order_id": "late-1", "customer_id": "late", "order_ts": dt.datetime(2024, 5, 2)}
    _insert(mart, "orders", [late])
    recommend.fit(mart, DAY, recommend.RecommendFitOptions(method="popular", k=2))
    with pytest.raises(MartError, match="'prospect' has no order in the mart") as no_order:
        recommend.show(mart, "prospect")
    assert "as of 2024-03-31" in str(no_order.value) and "run" not in str(no_order.value)
    with pytest.raises(MartError, match="'late' first ordered on 2024-05-02, after the latest"):
        recommend.show(mart, "late")


def test_show_and_export_read_the_stored_lists(mart: Mart, tmp_path: Path) -> None:
    recommend.fit(mart, DAY, recommend.RecommendFitOptions(method="popular", k=2))
    mine = recommend.show(mart, "c0")
    assert mine["rank"].tolist() == [1, 2] and set(mine.method) == {"popularity"}
    out = tmp_path / "lists.csv"
    exported = recommend.export(mart, out, recommend.RecommendExportOptions())
    assert exported.n_candidates == 12 and exported.n_without_consent == 6
    assert set(pd.read_csv(out).customer_id) == {f"c{i}" for i in range(6)}  # "Email" matches
    assert pd.read_csv(out).product_name.tolist()[:2] == mine.product_id.tolist()  # no names
    assert out.stat().st_mode & 0o777 == 0o600  # e-mail addresses: the owner's only
    with pytest.raises(InputError, match=r"use a \.csv or \.parquet file name"):
        recommend.export(mart, tmp_path / "lists.xlsx", recommend.RecommendExportOptions())
    with pytest.raises(InputError, match="a contact channel is needed"):
        recommend.export(mart, out, recommend.RecommendExportOptions(channel=" "))
    with pytest.raises(MartError, match="no recommendations stored as of 2024-01-01"):
        recommend.export(mart, out, recommend.RecommendExportOptions(as_of="2024-01-01"))
    stored = f"stored dates: {DAY:%Y-%m-%d}"
    with pytest.raises(MartError, match=f"no recommendations stored as of 2024-01-01; {stored}"):
        recommend.show(mart, "c0", "2024-01-01")
    assert recommend.show(mart, "c0", DAY)["rank"].tolist() == [1, 2]


def test_the_workspace_export_leaves_out_the_do_not_contact_table(
    mart: Mart, tmp_path: Path
) -> None:
    """c1 consents to e-mail but is on ``suppressions`` for it: ``ws.recommend.export``
    leaves them out, counts them as suppressed and journals the count."""
    ws = segmint.Workspace.of(mart)
    ws.recommend.fit(DAY, method="popular", k=2)
    ws.create_table(
        SUPPRESSIONS_TABLE, ibis.memtable({"customer_id": ["c1"], "channel": ["EMAIL"]})
    )
    out = tmp_path / "lists.csv"
    exported = ws.recommend.export(out)
    assert set(pd.read_csv(out).customer_id) == {"c0", "c2", "c3", "c4", "c5"}
    assert (exported.n_candidates, exported.n_without_consent, exported.n_suppressed) == (12, 6, 1)
    assert exported.n_customers == 5
    details = entries(ws, action="export")[-1].details
    assert (details["n_suppressed"], details["n_without_consent"]) == (1, 6)


def test_show_reads_a_number_as_the_id_ingest_stores_for_it(mart: Mart) -> None:
    """A script holding ids as numbers (pandas reads a column of ids as floats) names the
    customer ingest stored as ``13085``; anything else that is no id is refused by name."""
    _insert(mart, "customers", [{"customer_id": "13085"}])
    _insert(mart, "orders", [{"order_id": "n1", "customer_id": "13085", "order_ts": DAY}])
    _insert(
        mart, "order_lines", [{"order_id": "n1", "line_no": 1, "product_id": "p1", "quantity": 1.0}]
    )
    recommend.fit(mart, DAY, recommend.RecommendFitOptions(method="popular", k=2))
    mine = recommend.show(mart, "13085")
    assert len(mine) == 2
    pd.testing.assert_frame_equal(recommend.show(mart, 13085.0), mine)
    pd.testing.assert_frame_equal(recommend.show(mart, np.int64(13085)), mine)
    with pytest.raises(TypeError, match=r"a customer id is text or a number; got None"):
        recommend.show(mart, None)  # type: ignore[arg-type]
    # the text a float column prints names the id to write, as `segmint forget` does
    with pytest.raises(MartError, match=r"no customer with id '13085\.0'.* Did you mean '13085'"):
        recommend.show(mart, "13085.0")


def test_rules_of_a_purchase_log_without_products_say_there_are_no_baskets(
    tmp_path: Path,
) -> None:
    """CDNOW-like orders name no product: rules, like fit, say so, rather than advise
    lowering thresholds that no basket could pass."""
    opened = segmint.connect(tmp_path / "log.duckdb")
    _insert(opened, "customers", [{"customer_id": "c1"}])
    _insert(opened, "orders", [{"order_id": "o1", "customer_id": "c1", "order_ts": DAY}])
    for use_case in (
        lambda: recommend.rules(opened, DAY),
        lambda: recommend.fit(opened, DAY, recommend.RecommendFitOptions(method="rules")),
        lambda: recommend.evaluate(opened, DAY, end="2024-04-30"),  # the split, not 60 days back
    ):
        with pytest.raises(InputError, match="no purchases with products are known by 2024-03-31"):
            use_case()


def test_auto_too_close_to_the_first_purchase_says_why_and_what_to_do(mart: Mart) -> None:
    """The orders start on 2024-01-01: as of 2024-01-20 the blend's 60 days of validation
    reach back before them. The error names that period, not just a date the user never
    gave, and the way out; a single method fits."""
    early = dt.date(2024, 1, 20)
    why = r"over the 60 days before 2024-01-20, and no purchase with products is known by "
    with pytest.raises(InputError, match=why + r"2023-11-21.*or fit one method"):
        recommend.fit(mart, early, recommend.RecommendFitOptions(method="auto"))
    with pytest.raises(InputError, match=why):
        recommend.evaluate(mart, early)
    assert recommend.fit(mart, early, recommend.RecommendFitOptions(method="buy-again")).n_rows


def test_evaluate_names_each_step_as_it_starts(mart: Mart) -> None:
    """An evaluation fits every method twice (validation, then split): the command's
    progress names each step, as fit's does, rather than one spinner for the whole."""
    said: list[str] = []
    recommend.evaluate(mart, "2024-03-01", end=DAY, on_step=said.append)
    assert said == [
        "training data as of 2024-03-01",
        "choosing per customer group on the 60 days before 2024-03-01",
        "reading what customers bought from 2024-03-02 to 2024-03-31",
        "fitting every method",
        said[-1],
    ]
    assert re.fullmatch(r"recommending for \d+ customers and scoring", said[-1])


def test_an_excluded_id_the_mart_holds_in_another_case_is_refused(mart: Mart) -> None:
    misspelt = recommend.RuleQuery(min_count=5, max_len=2, exclude_products=("P0 ", "p1"))
    with pytest.raises(InputError, match=r"\('P0 ': the mart holds p0\)"):
        recommend.rules(mart, DAY, misspelt)
    options = recommend.RecommendFitOptions(method="popular", exclude_products=("P0",))
    with pytest.raises(InputError, match="'P0': the mart holds p0"):
        recommend.fit(mart, DAY, options)
    with pytest.raises(InputError, match="'P0': the mart holds p0"):
        recommend.evaluate(mart, "2024-02-15", options)
    assert mart.table("recommendations").count().execute() == 0
    # an id held in no spelling has nothing to exclude (a code of another year's data)
    kept = recommend.RuleQuery(min_count=5, max_len=2, exclude_products=("p0", "gone"))
    found = recommend.rules(mart, DAY, kept).rules
    assert len(found) and "p0" not in set(found.antecedent) | set(found.consequent)


def test_rules_as_of_a_date(mart: Mart) -> None:
    found = recommend.rules(mart, DAY, recommend.RuleQuery(min_count=5, max_len=2))
    assert found.as_of == DAY and found.n_baskets == 60
    # each order holds p(n) and p(n+1): p0 comes with p1 or p4 only
    assert set(found.rules[found.rules.antecedent == "p0"].consequent) == {"p1", "p4"}
    with pytest.raises(InputError, match="max_len must be 2"):
        recommend.RuleQuery(max_len=4)


def test_export_of_a_segment_reads_its_members_as_of_the_lists_date(
    mart: Mart, tmp_path: Path
) -> None:
    earlier = dt.date(2024, 2, 29)
    for day in (earlier, DAY):
        run_rfm(mart, day)
    recommend.fit(mart, earlier, recommend.RecommendFitOptions(method="popular", k=1))
    recommend.fit(mart, DAY, recommend.RecommendFitOptions(method="popular", k=1))
    stored = mart.table("assignments").to_pandas()
    stored = stored[stored.customer_id.isin({f"c{i}" for i in range(6)})]  # the consenting
    members = {
        day: stored[stored.as_of == pd.Timestamp(day)].groupby("segment").customer_id.agg(set)
        for day in (earlier, DAY)
    }
    moved = [s for s in members[earlier].index if members[earlier][s] != members[DAY].get(s)]
    assert moved  # a segment whose members changed between the two dates
    out = tmp_path / "segment.csv"
    options = recommend.RecommendExportOptions(
        segmentation="rfm", segment=moved[0], as_of=earlier.isoformat()
    )
    exported = recommend.export(mart, out, options)
    assert exported.as_of == earlier
    assert set(pd.read_csv(out).customer_id) == members[earlier][moved[0]]
    assert exported.members_as_of == earlier
    # lists of a date between two results: the segment as it stood then, the earlier results
    between = dt.date(2024, 3, 15)
    recommend.fit(mart, between, recommend.RecommendFitOptions(method="popular", k=1))
    options = recommend.RecommendExportOptions(
        segmentation="rfm", segment=moved[0], as_of=between.isoformat()
    )
    exported = recommend.export(mart, out, options)
    assert (exported.as_of, exported.members_as_of) == (between, earlier)
    assert set(pd.read_csv(out).customer_id) == members[earlier][moved[0]]
    assert "lists as of 2024-03-15, the segment's members as of 2024-02-29" in exported.dates
    # lists of a date before every result: refused, nothing written
    recommend.fit(mart, dt.date(2024, 1, 31), recommend.RecommendFitOptions(method="popular"))
    out.unlink()
    january = recommend.RecommendExportOptions(
        segmentation="rfm", segment=moved[0], as_of="2024-01-31"
    )
    refusal = (
        "segmentation 'rfm' has no results as of 2024-01-31 or earlier; stored dates: "
        "2024-02-29, 2024-03-31. The recommendations exported are those as of 2024-01-31"
    )
    with pytest.raises(MartError, match=refusal):
        recommend.export(mart, out, january)
    assert not out.exists()


def test_export_of_a_segment_and_a_campaign_audience_read_the_same_results(
    mart: Mart, tmp_path: Path
) -> None:
    # results as of two dates, lists as of a day between: both read the earlier results
    earlier, between = dt.date(2024, 2, 29), dt.date(2024, 3, 15)
    for day in (earlier, DAY):
        run_rfm(mart, day)
    recommend.fit(mart, between, recommend.RecommendFitOptions(method="popular", k=1))
    stored = mart.table("assignments").to_pandas()
    consenting = stored[stored.customer_id.isin({f"c{i}" for i in range(6)})]
    segment = str(consenting[consenting.as_of == pd.Timestamp(earlier)].segment.iloc[0])
    out = tmp_path / "segment.csv"
    options = recommend.RecommendExportOptions(
        segmentation="rfm", segment=segment, as_of=between.isoformat()
    )
    exported = recommend.export(mart, out, options)
    audience = eligible_audience(mart, "rfm", [segment], "email", as_of=between)
    assert exported.members_as_of == audience.run.as_of == earlier
    assert set(pd.read_csv(out).customer_id) == set(audience.members.customer_id.execute())
