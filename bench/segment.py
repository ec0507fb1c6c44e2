"""Segmenting speed: features + RFM + lifecycle + profile, and the BTYD summary against peers.

On a mart loaded with the synthetic retailer (every table of the folder, with segmint's
ingest, once), two measurements:

1. **The pipeline**, end to end: :func:`segmint.workflows.refresh_features`, then
   :func:`~segmint.workflows.run_rfm` and :func:`~segmint.workflows.run_lifecycle` on those
   features, then :func:`segmint.insight.profile` of the RFM segmentation. Targets: under
   30 s and under 4 GB for 1M customers.
2. **The per-customer summary** (frequency, recency, T, monetary value; Fader, Hardie &
   Lee 2005, in lifetimes' convention) by

   * segmint: :func:`segmint.features.btyd.btyd_summary`, the summary
     ``segmint clv fit`` reads (frequency, recency, T and lifetimes' monetary value, from
     the mart's orders and lines);
   * segmint (purchase grain): the same columns from
     :func:`segmint.features.build_features` asked for the purchase and BTYD groups only
     (one group-by over the purchases, joined onto the customers known as of the day);
   * plain DuckDB SQL over the same mart tables (the near-physical reference, same input);
   * lifetimes' ``summary_data_from_transaction_data``, PyMC-Marketing's ``rfm_summary``, a
     hand-written polars lazy query and plain DuckDB SQL, each starting from the retailer's
     ``orders.parquet`` and ``order_lines.parquet`` (the files segmint loads): a user of
     those tools turns lines into order values and picks the purchases first (pandas for
     lifetimes and PyMC-Marketing), in ``bench/.venv-peers``;
   * the same four from a transactions Parquet already reduced to one row per purchase
     (``customer_id``, ``order_ts``, ``amount``, exported once from the mart): the
     stricter comparison, where the peers skip the 17M order lines.

   Goals: ≥ 10× faster than lifetimes and PyMC-Marketing, faster than polars (from the
   retailer's files, as the issue measured them: DuckDB over Parquet about 4 s, polars
   about 5 s, lifetimes and PyMC-Marketing about 45 s), within 1.25× of plain DuckDB over
   the mart. Every tool's frequency, recency and T are checked against the DuckDB
   reference, so the race is between equal answers.

Every run is its own process (peak memory per run). Run from the repository root::

    .venv/bin/python bench/segment.py --customers 100000 --repeat 3
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    BENCH,
    DATA,
    PEERS_PYTHON,
    Measured,
    console,
    duckdb_connect,
    emit,
    load_note,
    machine,
    measure,
    parser,
    require_peers,
    retailer,
    save,
    table,
    worker_command,
)

SCRIPT = Path(__file__).resolve()
PEER_SCRIPT = BENCH / "_peer_summary.py"
PURCHASE_STATUSES = ["completed", "returned"]

SUMMARY_SQL = """
WITH days AS (
    SELECT customer_id, CAST(order_ts AS DATE) AS day, sum(amount) AS amount
    FROM ({purchases}) WHERE amount >= 0 GROUP BY ALL
)
SELECT customer_id,
       count(*) - 1 AS frequency,
       (max(day) - min(day)) / 7.0 AS recency,
       ($as_of::DATE - min(day)) / 7.0 AS T,
       CASE WHEN count(*) > 1
            THEN (sum(amount) - arg_min(amount, day)) / (count(*) - 1) ELSE 0 END
           AS monetary_value
FROM days GROUP BY customer_id
"""
"""lifetimes' summary in weeks over any relation of purchases (customer_id, order_ts, amount);
the as-of day is the parameter ``$as_of``."""

PURCHASES = """
SELECT o.customer_id, o.order_ts, coalesce(l.amount, 0) AS amount
FROM {orders} o LEFT JOIN (
    SELECT order_id, sum(quantity * unit_price - coalesce(discount, 0)) AS amount
    FROM {lines} GROUP BY order_id
) l USING (order_id)
WHERE o.order_ts < $as_of::DATE + INTERVAL 1 DAY
  AND (o.status IS NULL OR list_contains($statuses, o.status))
"""

MART_PURCHASES = PURCHASES.format(orders="orders", lines="order_lines")
"""Purchases as of the day ``$as_of`` with their value, as segmint defines them
(docs/features.md), counting the order statuses ``$statuses``."""

FILE_PURCHASES = PURCHASES.format(orders="read_parquet($orders)", lines="read_parquet($lines)")
"""The same from the retailer's files, the Parquet paths ``$orders`` and ``$lines``."""


def purchase_params(as_of: str) -> dict[str, Any]:
    """The parameters of :data:`MART_PURCHASES` (and :data:`SUMMARY_SQL` over it)."""
    return {"as_of": dt.date.fromisoformat(as_of), "statuses": PURCHASE_STATUSES}


def _scratch_copy(mart: str, scratch: str) -> None:
    """A fresh copy of the loaded mart, written through to disk before the clock starts
    (otherwise the kernel flushes the copy's gigabyte during the measured run)."""
    shutil.copyfile(mart, scratch)
    os.sync()


def work_pipeline(mart_path: str, **_: Any) -> dict[str, Any]:
    """Worker: features, RFM, lifecycle and profile, each step timed."""
    import segmint
    from segmint.insight import profile
    from segmint.workflows import refresh_features, run_lifecycle, run_rfm

    mart = segmint.connect(mart_path)
    steps: dict[str, float] = {}
    began = mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        steps[name] = now - mark
        mark = now

    day, features = refresh_features(mart)
    lap("features")
    rfm = run_rfm(mart, day, features=features)
    lap("rfm")
    lifecycle = run_lifecycle(mart, day, features=features)
    lap("lifecycle")
    profiled = profile(mart, "rfm", day)
    lap("profile")
    seconds = time.perf_counter() - began
    mart.close()
    return {
        "seconds": seconds,
        "steps": steps,
        "as_of": str(day),
        "rfm_segments": len(rfm.sizes),
        "lifecycle_segments": len(lifecycle.sizes),
        "profiled_segments": len(profiled.overview),
    }


def work_segmint_summary(mart_path: str, out: str, **_: Any) -> dict[str, Any]:
    """Worker: segmint's purchase grain of the features, only the summary columns."""
    import pyarrow.parquet as pq

    import segmint
    from segmint.features.asof import resolve_as_of
    from segmint.features.build import build_features

    mart = segmint.connect(mart_path)
    began = time.perf_counter()
    day = resolve_as_of(mart, None)
    columns = ("btyd_frequency", "monetary_total", "monetary_avg")
    built = build_features(mart, day, columns)
    summary = built.filter(built.btyd_frequency.notnull()).select(
        "customer_id",
        "btyd_frequency",
        "btyd_recency",
        "btyd_T",
        "monetary_total",
        "monetary_avg",
    )
    result = summary.to_pyarrow()
    seconds = time.perf_counter() - began
    renamed = result.rename_columns(
        ["customer_id", "frequency", "recency", "T", "monetary_total", "monetary_avg"]
    )
    pq.write_table(renamed, out)
    mart.close()
    return {"seconds": seconds, "customers": result.num_rows}


def work_segmint_btyd(mart_path: str, out: str, **_: Any) -> dict[str, Any]:
    """Worker: segmint's BTYD summary, the one ``segmint clv fit`` reads (four columns)."""
    import pyarrow.parquet as pq

    import segmint
    from segmint.features.btyd import btyd_summary

    mart = segmint.connect(mart_path)
    began = time.perf_counter()
    result = btyd_summary(mart).to_pyarrow()
    seconds = time.perf_counter() - began
    pq.write_table(result, out)
    mart.close()
    return {"seconds": seconds, "customers": result.num_rows}


def work_duckdb(
    mart_path: str, out: str, as_of: str, source: str, transactions: str, folder: str, **_: Any
) -> dict[str, Any]:
    """Worker: the summary as one plain DuckDB query, over the mart, the retailer's Parquet
    files or the transactions export."""
    import pyarrow.parquet as pq

    con = duckdb_connect() if source == "files" else duckdb_connect(mart_path, read_only=True)
    params = purchase_params(as_of)
    if source == "mart":
        purchases = MART_PURCHASES
    elif source == "files":
        purchases = FILE_PURCHASES
        params |= {"orders": f"{folder}/orders.parquet", "lines": f"{folder}/order_lines.parquet"}
    else:
        purchases = "SELECT * FROM read_parquet($transactions)"
        params = {"as_of": params["as_of"], "transactions": transactions}
    began = time.perf_counter()
    summary = SUMMARY_SQL.format(purchases=purchases)
    result = con.sql(summary, params=params).arrow().read_all()
    seconds = time.perf_counter() - began
    pq.write_table(result, out)
    con.close()
    return {"seconds": seconds, "customers": result.num_rows}


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "pipeline": work_pipeline,
    "segmint summary": work_segmint_summary,
    "segmint btyd": work_segmint_btyd,
    "duckdb": work_duckdb,
}


def build_mart(folder: Path) -> Path:
    """A mart holding every table of ``folder``, loaded once with segmint's ingest."""
    import segmint
    from segmint.mart.folder import files_to_load
    from segmint.mart.ingest import ingest

    mart_path = DATA / f"mart-{folder.resolve().name}.duckdb"
    if mart_path.exists():
        return mart_path
    partial = mart_path.with_name(mart_path.name + ".partial")
    partial.unlink(missing_ok=True)
    began = time.perf_counter()
    files, _ = files_to_load(folder)
    with segmint.connect(partial) as mart:
        for name, path in files:
            with console.status(f"building the mart once: {name}"):
                ingest(mart, name, path)
    partial.rename(mart_path)
    console.print(f"mart built in {time.perf_counter() - began:.0f} s: {mart_path}")
    return mart_path


def export_transactions(mart_path: Path) -> tuple[Path, str]:
    """The purchases (value ≥ 0) as a transactions Parquet for the peers, and the as-of day."""

    con = duckdb_connect(str(mart_path), read_only=True)
    as_of = str(con.sql("SELECT max(order_ts)::DATE FROM orders").fetchone()[0])
    out = mart_path.with_name(mart_path.stem + "-transactions.parquet")
    if not out.exists():
        export_purchases(con, as_of, out)
    con.close()
    return out, as_of


def export_purchases(con: duckdb.DuckDBPyConnection, as_of: str, out: Path) -> None:
    """Write the purchases of value ≥ 0 as of ``as_of`` to the Parquet file ``out``."""
    query = f"SELECT * FROM ({MART_PURCHASES}) WHERE amount >= 0 ORDER BY customer_id, order_ts"
    con.sql(query, params=purchase_params(as_of)).write_parquet(str(out))


def agreement(reference: Path, other: Path, columns: tuple[str, ...], days: bool) -> float:
    """Largest absolute difference from the reference over ``columns`` (weeks, money)."""

    scale = {c: (" / 7.0" if days and c in ("recency", "T") else "") for c in columns}
    diffs = ", ".join(f"max(abs(r.{c} - (o.{c}{scale[c]})))" for c in columns)
    row = (
        duckdb_connect()
        .sql(
            f"SELECT count(*) - count(o.customer_id), {diffs} "
            "FROM read_parquet($reference) r LEFT JOIN read_parquet($other) o "
            "ON r.customer_id = o.customer_id",
            params={"reference": str(reference), "other": str(other)},
        )
        .fetchone()
    )
    assert row is not None
    missing, worst = row[0], max((float(v) for v in row[1:] if v is not None), default=0.0)
    return float("inf") if missing else worst


def main() -> None:
    args = parser(__doc__.splitlines()[0]).parse_args()
    if args.worker:
        emit(WORKERS[args.worker](**json.loads(args.args)))
        return
    require_peers()
    info = machine()
    folder = retailer(args.customers, args.data)
    mart = build_mart(folder)
    transactions, as_of = export_transactions(mart)
    scratch = str(DATA / "segment-scratch.duckdb")
    outputs = DATA / "summaries"
    outputs.mkdir(exist_ok=True)

    pipeline = measure(
        worker_command(SCRIPT, "pipeline", mart_path=scratch),
        args.repeat,
        before=lambda: _scratch_copy(str(mart), scratch),
        label="pipeline",
    )
    Path(scratch).unlink(missing_ok=True)

    common = {
        "mart_path": str(mart),
        "as_of": as_of,
        "transactions": str(transactions),
        "folder": str(folder.resolve()),
    }
    commands = {
        "segmint": worker_command(
            SCRIPT, "segmint btyd", out=str(outputs / "segmint.parquet"), **common
        ),
        "segmint (purchase grain)": worker_command(
            SCRIPT, "segmint summary", out=str(outputs / "segmint-purchases.parquet"), **common
        ),
        "duckdb (mart)": worker_command(
            SCRIPT, "duckdb", source="mart", out=str(outputs / "duckdb-mart.parquet"), **common
        ),
        "duckdb (files)": worker_command(
            SCRIPT, "duckdb", source="files", out=str(outputs / "duckdb-files.parquet"), **common
        ),
    }
    for tool in PEERS:
        out = str(outputs / f"{tool}.parquet")
        source = str(folder.resolve())
        commands[tool] = [str(PEERS_PYTHON), str(PEER_SCRIPT), tool, source, as_of, out]
    commands[f"duckdb {REDUCED}"] = worker_command(
        SCRIPT, "duckdb", source="parquet", out=str(outputs / "duckdb-parquet.parquet"), **common
    )
    for tool in PEERS:
        out = str(outputs / f"{tool}-transactions.parquet")
        commands[f"{tool} {REDUCED}"] = [
            *(str(PEERS_PYTHON), str(PEER_SCRIPT), tool, str(transactions), as_of, out)
        ]
    summaries = {tool: measure(c, args.repeat, label=tool) for tool, c in commands.items()}

    reference = outputs / "duckdb-mart.parquet"
    checks: dict[str, float] = {}
    for tool in summaries:
        days = tool.split(" ")[0] in PEERS
        columns: tuple[str, ...] = ("frequency", "recency", "T")
        if tool != "segmint (purchase grain)":
            columns += ("monetary_value",)
        checks[tool] = agreement(reference, outputs / _file(tool), columns, days)
    info["load_average_after"] = os.getloadavg()
    report(pipeline, summaries, checks, info, args.repeat, folder, as_of)


PEERS = ("polars", "lifetimes", "pymc-marketing")
"""Tools run in the peers' environment, once from the retailer's files, once from the export."""

REDUCED = "(transactions file)"
"""Label of the runs that start from the exported one-row-per-purchase file."""


def _file(tool: str) -> str:
    names = {
        "segmint": "segmint",
        "segmint (purchase grain)": "segmint-purchases",
        "duckdb (mart)": "duckdb-mart",
        "duckdb (files)": "duckdb-files",
        f"duckdb {REDUCED}": "duckdb-parquet",
    }
    if tool in names:
        return names[tool] + ".parquet"
    if tool.endswith(REDUCED):
        return tool.split(" ")[0] + "-transactions.parquet"
    return tool + ".parquet"


GOALS = {
    "lifetimes": ("≥ 10× faster", 10.0),
    "pymc-marketing": ("≥ 10× faster", 10.0),
    "polars": ("faster", 1.0),
    "duckdb (mart)": ("within 1.25×", 1 / 1.25),
}
"""Goal per peer: label and the smallest acceptable (peer seconds / segmint seconds)."""


def report(
    pipeline: Measured,
    summaries: dict[str, Measured],
    checks: dict[str, float],
    info: dict[str, Any],
    repeat: int,
    folder: Path,
    as_of: str,
) -> None:
    """Print the tables and the goals, write the JSON."""
    steps = pipeline.report["steps"]
    rows = [[name, "", f"{pipeline.median_of('steps', name):.2f}", ""] for name in steps]
    rows.append(["total", "", f"{pipeline.median:.2f}", f"{pipeline.peak:,.0f}"])
    console.print(
        table(
            f"Features + RFM + lifecycle + profile, as of {as_of} (median of {repeat})",
            ["step", "", "seconds", "peak MB"],
            rows,
        )
    )
    met_time, met_memory = pipeline.median < 30, pipeline.peak < 4096
    console.print(f"target < 30 s: {_verdict(met_time)}   target < 4 GB: {_verdict(met_memory)}")

    base = summaries["segmint"]
    lines = []
    for tool, m in summaries.items():
        ratio = m.median / base.median
        goal = GOALS.get(tool)
        verdict = f"{goal[0]}: {_verdict(ratio >= goal[1])}" if goal else ""
        lines.append(
            [
                tool,
                f"{m.report['customers']:,}",
                f"{m.median:.2f}",
                f"{m.peak:,.0f}",
                f"{ratio:.2f}×",
                f"{checks[tool]:.2g}",
                verdict,
            ]
        )
    console.print(
        table(
            f"Per-customer summary (frequency, recency, T, monetary), median of {repeat}",
            ["tool", "customers", "seconds", "peak MB", "segmint faster by", "max |diff|", "goal"],
            lines,
        )
    )
    console.print(load_note(info))
    path = save(
        f"segment-{folder.resolve().name}",
        {
            "machine": info,
            "data": str(folder),
            "as_of": as_of,
            "repeat": repeat,
            "pipeline": pipeline.as_dict(),
            "pipeline_targets_met": {"under_30s": met_time, "under_4gb": met_memory},
            "summary": {tool: m.as_dict() for tool, m in summaries.items()},
            "agreement_max_abs_diff": checks,
        },
    )
    console.print(f"results: {path}")


def _verdict(met: bool) -> str:
    return "[green]met[/]" if met else "[red]not met[/]"


if __name__ == "__main__":
    main()
