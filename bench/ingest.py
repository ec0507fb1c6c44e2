"""Loading speed: segmint's ingest against what a user would write by hand.

Loads the synthetic retailer's customers, products, orders and order lines (in that
order, so references resolve) into a fresh mart, from Parquet and from CSV copies of the
same files, with three tools:

* ``segmint``: :func:`segmint.mart.ingest.ingest`, which validates every row, quarantines
  bad ones, de-duplicates keys and records the load, all in one transaction;
* ``pandas + duckdb``: ``pandas.read_parquet``/``read_csv`` then
  ``INSERT INTO <table> BY NAME SELECT * FROM df`` into the same mart tables, the script
  an analyst would write (no validation, no quarantine, no idempotence);
* ``duckdb CTAS``: ``CREATE TABLE t AS SELECT * FROM read_parquet(...)`` (or
  ``read_csv``), the physical floor: reading and storing, nothing else.

Each load of the four tables runs in its own process, so peak memory is per run. The
target from the issue: at least 1M order lines per second from Parquet on 2 cores.

Run from the repository root::

    .venv/bin/python bench/ingest.py --customers 100000 --repeat 3
    .venv/bin/python bench/ingest.py --data /path/to/retailer   # Parquet files named after tables
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    DATA,
    RETAILER_TABLES,
    Measured,
    console,
    duckdb_connect,
    emit,
    load_note,
    machine,
    measure,
    parser,
    rate,
    retailer,
    save,
    table,
    worker_command,
)

SCRIPT = Path(__file__).resolve()
TARGET_LINES_PER_S = 1_000_000
TOOLS = ("segmint", "pandas + duckdb", "duckdb CTAS")
FORMATS = ("parquet", "csv")


def load_segmint(files: dict[str, str], mart_path: str) -> dict[str, Any]:
    """Worker: segmint's ingest of each file, timing every step it announces."""
    import segmint
    from segmint.mart.ingest import ingest

    mart = segmint.connect(mart_path)
    tables: dict[str, Any] = {}
    began = time.perf_counter()
    for name, path in files.items():
        steps: dict[str, float] = {}
        current: list[Any] = [None, time.perf_counter()]

        def on_step(
            step: str, steps: dict[str, float] = steps, current: list[Any] = current
        ) -> None:
            now = time.perf_counter()
            if current[0] is not None:
                steps[current[0]] = steps.get(current[0], 0.0) + now - current[1]
            current[0], current[1] = step, now

        start = time.perf_counter()
        result = ingest(mart, name, path, on_step=on_step)
        on_step("")
        steps.pop("", None)
        tables[name] = {
            "seconds": time.perf_counter() - start,
            "rows_loaded": result.rows_loaded,
            "rows_quarantined": result.rows_quarantined,
            "steps": steps,
        }
    seconds = time.perf_counter() - began
    mart.close()
    return {"seconds": seconds, "tables": tables}


def load_pandas(files: dict[str, str], mart_path: str) -> dict[str, Any]:
    """Worker: pandas reads each file, DuckDB inserts the frame into the mart table."""
    import pandas as pd

    import segmint

    segmint.connect(mart_path).close()  # the same empty mart tables, created untimed
    con = duckdb_connect(mart_path)
    tables: dict[str, Any] = {}
    began = time.perf_counter()
    for name, path in files.items():
        start = time.perf_counter()
        df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
        read = time.perf_counter() - start
        con.register("df", df)
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM df")
        con.unregister("df")
        del df
        seconds = time.perf_counter() - start
        tables[name] = {"seconds": seconds, "steps": {"read": read, "insert": seconds - read}}
    seconds = time.perf_counter() - began
    con.close()
    return {"seconds": seconds, "tables": tables}


def load_duckdb(files: dict[str, str], mart_path: str) -> dict[str, Any]:
    """Worker: ``CREATE TABLE AS SELECT * FROM read_parquet|read_csv`` per file."""

    con = duckdb_connect(mart_path)
    tables: dict[str, Any] = {}
    began = time.perf_counter()
    for name, path in files.items():
        reader = "read_parquet" if path.endswith(".parquet") else "read_csv"
        start = time.perf_counter()
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {reader}($path)", {"path": path})
        tables[name] = {"seconds": time.perf_counter() - start}
    seconds = time.perf_counter() - began
    con.close()
    return {"seconds": seconds, "tables": tables}


WORKERS = {"segmint": load_segmint, "pandas + duckdb": load_pandas, "duckdb CTAS": load_duckdb}


def csv_copies(folder: Path) -> Path:
    """CSV copies of the retailer's Parquet files (written once with DuckDB ``COPY``)."""

    target = DATA / f"{folder.resolve().name}-csv"
    target.mkdir(parents=True, exist_ok=True)
    for name in RETAILER_TABLES:
        csv = target / f"{name}.csv"
        if not csv.exists():
            partial = csv.with_suffix(".partial")
            source = folder / f"{name}.parquet"
            duckdb_connect().read_parquet(str(source)).write_csv(str(partial), header=True)
            partial.rename(csv)
    return target


def row_counts(folder: Path) -> dict[str, int]:
    """Rows per table, from the Parquet footers."""
    import pyarrow.parquet as pq

    return {t: pq.ParquetFile(folder / f"{t}.parquet").metadata.num_rows for t in RETAILER_TABLES}


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument(
        "--formats", nargs="+", choices=FORMATS, default=list(FORMATS), help="file formats to load"
    )
    args = cli.parse_args()
    if "parquet" not in args.formats:
        cli.error("the target is measured from Parquet: keep parquet in --formats")
    if args.worker:
        options = json.loads(args.args)
        emit(WORKERS[args.worker](options["files"], options["mart"]))
        return
    info = machine()
    folder = retailer(args.customers, args.data)
    folders = {"parquet": folder}
    if "csv" in args.formats:
        folders["csv"] = csv_copies(folder)
    rows = row_counts(folder)
    scratch = DATA / "ingest-scratch.duckdb"

    def fresh() -> None:
        for path in (scratch, scratch.with_name(scratch.name + ".wal")):
            path.unlink(missing_ok=True)

    runs: dict[tuple[str, str], Measured] = {}
    for fmt in args.formats:
        files = {t: str(folders[fmt] / f"{t}.{fmt}") for t in RETAILER_TABLES}
        for tool in TOOLS:
            command = worker_command(SCRIPT, tool, files=files, mart=str(scratch))
            runs[tool, fmt] = measure(command, args.repeat, before=fresh, label=f"{tool} {fmt}")
    fresh()
    info["load_average_after"] = os.getloadavg()
    report(runs, rows, info, args.repeat, folder)


def _median_table_seconds(measured: Measured, name: str) -> float:
    return measured.median_of("tables", name, "seconds")


def report(
    runs: dict[tuple[str, str], Measured],
    rows: dict[str, int],
    info: dict[str, Any],
    repeat: int,
    folder: Path,
) -> None:
    """Print the tables, state whether the target is met, write the JSON."""
    total_rows = sum(rows.values())
    lines = []
    for (tool, fmt), m in runs.items():
        base = runs["segmint", fmt]
        lines.append(
            [
                tool,
                fmt,
                f"{total_rows:,}",
                f"{m.median:.2f}",
                rate(total_rows / m.median),
                f"{m.median / base.median:.2f}",
                f"{m.peak:,.0f}",
            ]
        )
    columns = ["tool", "format", "rows", "seconds", "rows/s", "segmint faster by", "peak MB"]
    console.print(
        table(f"Load customers, products, orders, order_lines (median of {repeat})", columns, lines)
    )
    per_table = []
    for (tool, fmt), m in runs.items():
        for name in ("orders", "order_lines"):
            seconds = _median_table_seconds(m, name)
            base_seconds = _median_table_seconds(runs["segmint", fmt], name)
            per_table.append(
                [
                    tool,
                    fmt,
                    name,
                    f"{rows[name]:,}",
                    f"{seconds:.2f}",
                    rate(rows[name] / seconds),
                    f"{seconds / base_seconds:.2f}",
                ]
            )
    console.print(
        table(
            "Per table (median of the runs)",
            ["tool", "format", "table", "rows", "seconds", "rows/s", "segmint faster by"],
            per_table,
        )
    )
    steps = []
    for fmt in dict.fromkeys(f for _, f in runs):
        ours = runs["segmint", fmt]
        for name, t in ours.report["tables"].items():
            parts = ", ".join(
                f"{s} {ours.median_of('tables', name, 'steps', s):.2f}s" for s in t["steps"]
            )
            steps.append([fmt, name, f"{_median_table_seconds(ours, name):.2f}", parts])
    console.print(
        table("segmint ingest steps (median of the runs)", ["format", "table", "s", "steps"], steps)
    )
    lines_rate = rows["order_lines"] / _median_table_seconds(
        runs["segmint", "parquet"], "order_lines"
    )
    met = lines_rate >= TARGET_LINES_PER_S
    console.print(
        f"target ≥ 1M order lines/s from Parquet: {rate(lines_rate)}/s → "
        f"{'[green]met' if met else '[red]not met'}[/]"
    )
    console.print(load_note(info))
    path = save(
        f"ingest-{folder.resolve().name}",
        {
            "machine": info,
            "data": str(folder),
            "rows": rows,
            "repeat": repeat,
            "runs": {f"{tool} | {fmt}": m.as_dict() for (tool, fmt), m in runs.items()},
            "order_lines_per_s_parquet": lines_rate,
            "target_met": met,
        },
    )
    console.print(f"results: {path}")


if __name__ == "__main__":
    main()
