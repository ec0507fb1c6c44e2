"""Turn the Hillstrom e-mail experiment into mart files: ``python prepare.py IN OUT_DIR``.

The MineThatData e-mail test (Hillstrom 2008; ``../shared/datasets/hillstrom``) split
64,000 customers at random into a men's e-mail, a women's e-mail and no e-mail, and
recorded visits, conversions and spend over the next two weeks. This script writes it as
files named after mart tables, ready for ``segmint load OUT_DIR``:

- ``customers``: one per row of the file, ``H00001``… in file order;
- ``customer_attributes``: ``recency``, ``history_segment``, ``history``, ``mens``,
  ``womens``, ``zip_code``, ``newbie`` and ``channel``, recorded the day before the send;
- ``campaigns``: ``mens-email`` and ``womens-email``, both starting on ``--start``
  (the data carry no dates; 2008-03-03 by default) for 14 days, each planned as an even
  split of its e-mail arm against the no-e-mail arm (``holdout_share`` 0.5);
- ``campaign_members``: each e-mail arm as the target group of its campaign, the
  no-e-mail arm as the control group of both;
- ``orders`` and ``order_lines``: each conversion as one order of ``spend`` dollars on a
  day inside the window (the day is spread deterministically over the two weeks), and the
  past year's spend (``history``) as one order dated ``recency`` months before the send,
  so a 365-day pre-period holds exactly ``history`` (the CUPED covariate);
- ``events``: each visit as one ``page_view`` inside the window.

Measuring ``mens-email`` over 14 days with a 365-day pre-period then reproduces the
published lifts (spend per customer +0.7698 [0.4851, 1.0545], conversion +0.00681); see
``docs/campaigns.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ARMS = {"mens-email": "Mens E-Mail", "womens-email": "Womens E-Mail"}
CONTROL_ARM = "No E-Mail"
ATTRIBUTES = (
    "recency",
    "history_segment",
    "history",
    "mens",
    "womens",
    "zip_code",
    "newbie",
    "channel",
)
WINDOW_DAYS = 14
DEFAULT_START = dt.date(2008, 3, 3)
COLUMNS = {"segment", "visit", "conversion", "spend", *ATTRIBUTES}


def read(path: Path) -> pd.DataFrame:
    """The Hillstrom file, checked for the columns this script needs."""
    data = pd.read_csv(path)
    missing = sorted(COLUMNS - set(data.columns))
    if missing:
        sys.exit(f"{path} lacks the columns {missing}; is it hillstrom_email_2008.csv?")
    arms = set(data["segment"])
    if arms != {*ARMS.values(), CONTROL_ARM}:
        sys.exit(f"{path}: unexpected arms {sorted(arms)}")
    return data.assign(customer_id=[f"H{i:05d}" for i in range(1, len(data) + 1)])


def _at(day: dt.date, hour: int = 12) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.combine(day, dt.time(hour)))


def _write(out: Path, name: str, frame: pd.DataFrame, schema: pa.Schema) -> None:
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    pq.write_table(table, out / f"{name}.parquet")


def customers(data: pd.DataFrame) -> pd.DataFrame:
    """One row per customer."""
    return data[["customer_id"]]


def attributes(data: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """The file's descriptive columns in long form, recorded the day before the send."""
    long = data.melt(id_vars="customer_id", value_vars=list(ATTRIBUTES), var_name="name")
    long["value"] = long["value"].astype(str)
    long["source"] = "hillstrom"
    long["updated_at"] = _at(start - dt.timedelta(days=1), 0)
    return long[["customer_id", "name", "value", "source", "updated_at"]]


def campaigns(start: dt.date) -> pd.DataFrame:
    """The two e-mail campaigns, each an even split against the no-e-mail arm."""
    end = start + dt.timedelta(days=WINDOW_DAYS - 1)
    return pd.DataFrame(
        {
            "campaign_id": list(ARMS),
            "name": ["Men's merchandise e-mail", "Women's merchandise e-mail"],
            "channel": "email",
            "start_date": start,
            "end_date": end,
            "description": [
                f"Hillstrom (2008): e-mail featuring {kind} merchandise; control: the "
                "no-e-mail arm of the same randomisation."
                for kind in ("men's", "women's")
            ],
            "holdout_share": 0.5,
            "cost_per_contact": None,
        }
    )


def members(data: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """Each e-mail arm as target, the no-e-mail arm as control of both campaigns."""
    control = data.loc[data["segment"] == CONTROL_ARM, "customer_id"]
    parts = []
    for campaign_id, arm in ARMS.items():
        target = data.loc[data["segment"] == arm, "customer_id"]
        parts.append(
            pd.DataFrame({"campaign_id": campaign_id, "customer_id": target, "group": "target"})
        )
        parts.append(
            pd.DataFrame({"campaign_id": campaign_id, "customer_id": control, "group": "control"})
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["assigned_at"] = _at(start - dt.timedelta(days=1), 9)
    return frame


def _window_day(data: pd.DataFrame, start: dt.date) -> pd.Series:
    """A day inside the window for each customer, spread evenly by position."""
    offsets = np.arange(len(data)) % WINDOW_DAYS
    return pd.Series([start + dt.timedelta(days=int(d)) for d in offsets], index=data.index)


def orders(data: pd.DataFrame, start: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two-week purchases and the past year's spend, as orders with one line each."""
    days = _window_day(data, start)
    bought = data[data["conversion"] == 1]
    recent = pd.DataFrame(
        {
            "order_id": "T" + bought["customer_id"].str[1:],
            "customer_id": bought["customer_id"],
            "order_ts": [_at(d, 14) for d in days[bought.index]],
            "channel": None,
            "status": "completed",
            "value": bought["spend"],
        }
    )
    past_days = np.rint(data["recency"].to_numpy() * 365.0 / 12.0).astype(int)
    past = pd.DataFrame(
        {
            "order_id": "P" + data["customer_id"].str[1:],
            "customer_id": data["customer_id"],
            "order_ts": [_at(start - dt.timedelta(days=int(d))) for d in past_days],
            "channel": data["channel"].str.lower(),
            "status": "completed",
            "value": data["history"],
        }
    )
    both = pd.concat([past, recent], ignore_index=True)
    lines = pd.DataFrame(
        {
            "order_id": both["order_id"],
            "line_no": 1,
            "product_id": None,
            "quantity": 1.0,
            "unit_price": both["value"].astype(float),
            "discount": 0.0,
            "unit_cost": None,
        }
    )
    return both.drop(columns="value"), lines


def events(data: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """Each visit as one page view inside the window (the order's day when it converted)."""
    days = _window_day(data, start)
    visited = data[data["visit"] == 1]
    return pd.DataFrame(
        {
            "event_id": "V" + visited["customer_id"].str[1:],
            "customer_id": visited["customer_id"],
            "session_id": None,
            "event_ts": [_at(d, 13) for d in days[visited.index]],
            "event_type": "page_view",
            "object_id": None,
            "properties": None,
        }
    )


SCHEMAS = {
    "customers": pa.schema([("customer_id", pa.string())]),
    "customer_attributes": pa.schema(
        [
            ("customer_id", pa.string()),
            ("name", pa.string()),
            ("value", pa.string()),
            ("source", pa.string()),
            ("updated_at", pa.timestamp("us")),
        ]
    ),
    "campaigns": pa.schema(
        [
            ("campaign_id", pa.string()),
            ("name", pa.string()),
            ("channel", pa.string()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
            ("description", pa.string()),
            ("holdout_share", pa.float64()),
            ("cost_per_contact", pa.float64()),
        ]
    ),
    "campaign_members": pa.schema(
        [
            ("campaign_id", pa.string()),
            ("customer_id", pa.string()),
            ("group", pa.string()),
            ("assigned_at", pa.timestamp("us")),
        ]
    ),
    "orders": pa.schema(
        [
            ("order_id", pa.string()),
            ("customer_id", pa.string()),
            ("order_ts", pa.timestamp("us")),
            ("channel", pa.string()),
            ("status", pa.string()),
        ]
    ),
    "order_lines": pa.schema(
        [
            ("order_id", pa.string()),
            ("line_no", pa.int32()),
            ("product_id", pa.string()),
            ("quantity", pa.float64()),
            ("unit_price", pa.float64()),
            ("discount", pa.float64()),
            ("unit_cost", pa.float64()),
        ]
    ),
    "events": pa.schema(
        [
            ("event_id", pa.string()),
            ("customer_id", pa.string()),
            ("session_id", pa.string()),
            ("event_ts", pa.timestamp("us")),
            ("event_type", pa.string()),
            ("object_id", pa.string()),
            ("properties", pa.string()),
        ]
    ),
}


def prepare(source: Path, out: Path, start: dt.date = DEFAULT_START) -> dict[str, int]:
    """Write the mart files of the Hillstrom experiment to ``out``; returns rows per file."""
    data = read(source)
    out.mkdir(parents=True, exist_ok=True)
    order_rows, line_rows = orders(data, start)
    frames = {
        "customers": customers(data),
        "customer_attributes": attributes(data, start),
        "campaigns": campaigns(start),
        "campaign_members": members(data, start),
        "orders": order_rows,
        "order_lines": line_rows,
        "events": events(data, start),
    }
    for name, frame in frames.items():
        _write(out, name, frame, SCHEMAS[name])
    return {name: len(frame) for name, frame in frames.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="hillstrom_email_2008.csv")
    parser.add_argument("out", type=Path, help="folder for the mart files")
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=DEFAULT_START,
        help=f"day the e-mails were sent (default {DEFAULT_START})",
    )
    args = parser.parse_args(argv)
    rows = prepare(args.source, args.out, args.start)
    for name, count in rows.items():
        print(f"{name}: {count:,} rows")
    print(f"load with: segmint load {args.out}")


if __name__ == "__main__":
    main()
