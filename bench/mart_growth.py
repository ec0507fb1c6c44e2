"""Mart growth: the file's size after each of ``--days`` more dates of stored features.

Copies ``--mart`` (a loaded mart with stored features, e.g. the one ``bench/commands.py``
leaves) to a scratch folder and runs ``segmint features --as-of D`` in a fresh process for
each of the ``--days`` days after its latest stored date, printing the file's size, the
write-ahead log's, and the stored feature dates after each (``segmint features`` keeps the
latest two dates, the date just written and each segmentation's latest: docs/features.md).

    .venv/bin/python bench/mart_growth.py --mart bench/results/data/commands-1000000/mart.duckdb
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from segmint.features import stored_dates
from segmint.mart import connect

MIB = 1024 * 1024


def size(path: Path) -> int:
    """Bytes of ``path`` (0 when it does not exist)."""
    return path.stat().st_size if path.exists() else 0


def dates_of(mart: Path) -> list[dt.date]:
    """The stored feature dates of the mart at ``mart``."""
    with connect(mart, read_only=True) as opened:
        return stored_dates(opened)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mart", type=Path, required=True, help="A mart with stored features.")
    parser.add_argument("--days", type=int, default=5, help="More dates to store (default 5).")
    args = parser.parse_args()
    segmint = str(Path(sys.executable).parent / "segmint")
    with tempfile.TemporaryDirectory() as scratch:
        mart = Path(scratch) / "mart.duckdb"
        shutil.copyfile(args.mart, mart)
        first = dates_of(mart)
        if not first:
            raise SystemExit(f"{args.mart} holds no stored features: run `segmint features`.")
        print(f"start: {size(mart) / MIB:,.0f} MiB, feature dates {[str(d) for d in first]}")
        print("| date stored | file MiB | WAL MiB | feature dates kept |")
        print("|---|---:|---:|---|")
        for step in range(1, args.days + 1):
            day = first[-1] + dt.timedelta(days=step)
            command = [segmint, "features", "--mart", str(mart), "--as-of", day.isoformat()]
            subprocess.run(command, check=True, capture_output=True)
            wal = Path(f"{mart}.wal")
            kept = ", ".join(str(d) for d in dates_of(mart))
            print(f"| {day} | {size(mart) / MIB:,.0f} | {size(wal) / MIB:,.0f} | {kept} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
