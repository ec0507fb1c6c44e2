"""Reuse and incremental refresh: first and repeated segmentations, and the daily refresh.

On a mart of the synthetic retailer loaded with segmint's ingest, minus its last day of
orders (kept aside as Parquet files and loaded later with ``segmint ingest``, so it arrives
under a new ingest id, as a day's load does), each measurement is a child process on a fresh
copy of the mart (peak memory per run):

1. ``rfm first``: :func:`segmint.workflows.run_rfm` on a mart with no stored features (it
   builds the population and the purchases group only), against ``duckdb group by``: the
   plain DuckDB query of frequency, recency, T and monetary value over the same mart
   (``bench/segment.py``'s reference). Target: at most 1.25x.
2. ``rfm again``: the same RFM again at the same date with unchanged data (it reads the
   stored groups). Target: under 3 s at 1M customers.
3. ``refresh``: after a full refresh as of the day before (untimed: features, RFM, lifecycle,
   a CLV fit, scores, value tiers), the last day of orders is loaded (untimed) and
   :func:`segmint.workflows.refresh.refresh` runs as of the new day: the purchase groups
   are brought forward for the customers who ordered. ``full rebuild`` is the same with
   the feature store emptied first, so every group is built from all the data.
   Target: refresh under 20% of the full rebuild. Each step of both is reported.

These are step-level numbers inside one Python process per run; the whole-command numbers
(``segmint ...`` as a user runs it) are ``bench/commands.py``'s. Run from the repository
root (the machine's load is recorded beside every number)::

    .venv/bin/python bench/refresh.py --customers 100000 --repeat 1
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    DATA,
    Measured,
    console,
    duckdb_connect,
    emit,
    load_note,
    machine,
    measure,
    parser,
    retailer,
    save,
    table,
    worker_command,
)
from segment import build_mart, work_duckdb

SCRIPT = Path(__file__).resolve()


def _timed_steps() -> tuple[dict[str, float], Any]:
    """A step callback that records the seconds spent in each named step."""
    spent: dict[str, float] = {}
    state = {"name": "start", "mark": time.perf_counter()}

    def step(name: str) -> None:
        now = time.perf_counter()
        spent[state["name"]] = spent.get(state["name"], 0.0) + now - state["mark"]
        state.update(name=name, mark=now)

    def close() -> None:
        step("end")

    step.close = close  # type: ignore[attr-defined]
    return spent, step


def work_rfm(mart_path: str, repeat_first: bool = False, **_: Any) -> dict[str, Any]:
    """Worker: RFM as of the last day; with ``repeat_first``, once untimed before."""
    import segmint
    from segmint.workflows import run_rfm

    mart = segmint.connect(mart_path)
    if repeat_first:
        run_rfm(mart)
    began = time.perf_counter()
    run = run_rfm(mart)
    seconds = time.perf_counter() - began
    mart.close()
    return {"seconds": seconds, "as_of": str(run.as_of), "customers": int(run.sizes.sum())}


def work_refresh(mart_path: str, folder: str, rebuild: bool, **_: Any) -> dict[str, Any]:
    """Worker: set up everything as of the day before, load the last day, then refresh."""
    import segmint
    from segmint.features.groups import ALL_GROUPS
    from segmint.features.part_store import CATALOG, part_table
    from segmint.mart.ingest import ingest
    from segmint.workflows import clv, run_lifecycle, run_rfm
    from segmint.workflows.refresh import refresh
    from segmint.workflows.value import run_value

    mart = segmint.connect(mart_path)
    run_rfm(mart)
    run_lifecycle(mart)
    clv.fit(mart)
    first = refresh(mart)  # scores CLV with the fit, stores every feature group
    run_value(mart, first.as_of)
    for name in ("orders", "order_lines"):
        ingest(mart, name, Path(folder) / f"{name}.parquet")
    if rebuild:
        for table_name in [CATALOG, *(part_table(g) for g in ALL_GROUPS)]:
            if table_name in mart.con.list_tables():
                mart.con.drop_table(table_name)
    spent, step = _timed_steps()
    began = time.perf_counter()
    run = refresh(mart, step=step)
    step.close()
    seconds = time.perf_counter() - began
    mart.close()
    return {
        "seconds": seconds,
        "as_of": str(run.as_of),
        "from": str(first.as_of),
        "segmentations": run.segmentations,
        "skipped": run.skipped,
        "steps": spent,
    }


WORKERS = {"rfm": work_rfm, "refresh": work_refresh, "duckdb": work_duckdb}


def split_last_day(mart_path: Path) -> tuple[Path, Path, str]:
    """A copy of the mart without its last day of orders, and that day as Parquet files."""
    base = mart_path.with_name(mart_path.stem + "-but-last-day.duckdb")
    folder = mart_path.with_name(mart_path.stem + "-last-day")
    con = duckdb_connect(str(mart_path), read_only=True)
    last = str(con.sql("SELECT max(order_ts)::DATE FROM orders").fetchone()[0])
    con.close()
    if base.exists() and folder.exists():
        return base, folder, last
    shutil.copyfile(mart_path, base)
    folder.mkdir(exist_ok=True)
    con = duckdb_connect(str(base))
    day = "CAST(order_ts AS DATE) = $last::DATE"
    lines = f"order_id IN (SELECT order_id FROM orders WHERE {day})"
    params = {"last": last}
    con.sql(f"SELECT * EXCLUDE (ingest_id) FROM orders WHERE {day}", params=params).write_parquet(
        f"{folder}/orders.parquet"
    )
    con.sql(
        f"SELECT * EXCLUDE (ingest_id) FROM order_lines WHERE {lines}", params=params
    ).write_parquet(f"{folder}/order_lines.parquet")
    con.execute(f"DELETE FROM order_lines WHERE {lines}", params)
    con.execute(f"DELETE FROM orders WHERE {day}", params)
    con.close()
    return base, folder, last


def main() -> None:
    args = parser("Feature reuse and incremental refresh").parse_args()
    if args.worker:
        emit(WORKERS[args.worker](**json.loads(args.args)))
        return
    info = machine()
    folder = retailer(args.customers, args.data)
    mart = build_mart(folder)
    base, last_day, last = split_last_day(mart)
    scratch = DATA / "refresh-scratch.duckdb"

    def fresh(source: Path) -> Any:
        def copy() -> None:
            scratch.unlink(missing_ok=True)
            shutil.copyfile(source, scratch)
            os.sync()

        return copy

    results: dict[str, Measured] = {}
    cmd = worker_command
    results["rfm first"] = measure(
        cmd(SCRIPT, "rfm", mart_path=str(scratch)), args.repeat, before=fresh(mart)
    )
    results["duckdb group by"] = measure(
        cmd(
            SCRIPT,
            "duckdb",
            mart_path=str(mart),
            out=str(DATA / "refresh-duckdb.parquet"),
            as_of=last,
            source="mart",
            transactions="",
            folder=str(folder),
        ),
        args.repeat,
    )
    results["rfm again"] = measure(
        cmd(SCRIPT, "rfm", mart_path=str(scratch), repeat_first=True),
        args.repeat,
        before=fresh(mart),
    )
    for label, rebuild in (("refresh", False), ("full rebuild", True)):
        results[label] = measure(
            cmd(SCRIPT, "refresh", mart_path=str(scratch), folder=str(last_day), rebuild=rebuild),
            args.repeat,
            before=fresh(base),
            label=label,
        )
    report(args.customers, info, results)


def report(customers: int, info: dict[str, Any], results: dict[str, Measured]) -> None:
    first, group_by = results["rfm first"].median, results["duckdb group by"].median
    refresh_s, rebuild_s = results["refresh"].median, results["full rebuild"].median
    ratios = {
        "rfm first / duckdb group by": first / group_by,
        "refresh / full rebuild": refresh_s / rebuild_s,
    }
    rows = [[name, f"{m.median:.2f}", f"{m.peak:,.0f}"] for name, m in results.items()] + [
        [name, f"{value:.2f}x", ""] for name, value in ratios.items()
    ]
    console.print(table(f"{customers:,} customers", ["step", "seconds", "peak MB"], rows))
    for label in ("refresh", "full rebuild"):
        steps = results[label].report["steps"]
        console.print(f"{label} steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in steps.items()))
    note = load_note(info)
    console.print(note)
    path = save(
        f"refresh-{customers}",
        {
            "machine": info,
            "note": note,
            "ratios": ratios,
            "results": {k: v.as_dict() for k, v in results.items()},
        },
    )
    console.print(f"saved {path}")


if __name__ == "__main__":
    main()
