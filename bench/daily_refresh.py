"""The daily refresh as a user runs it: one more day loaded, then ``segmint refresh``.

    .venv/bin/python bench/daily_refresh.py --mart MART.duckdb --day FOLDER --as-of D \\
        [--code SRC] [--label NAME]

On a copy of ``--mart`` (a mart whose stored segmentations, cluster model, CLV fit and
churn and intent models the refresh applies, as ``bench/commands.py`` leaves one), the
orders of ``--day`` (a folder ``segmint load`` reads, e.g. ``commands.one_more_day``'s)
are loaded untimed, then ``segmint refresh --as-of D`` runs as a fresh process through
``bench/commands.py``'s launcher: wall seconds and the process's peak memory. ``--code``
runs another checkout's ``src`` folder instead (put first on ``PYTHONPATH``), so two
versions can be timed on the same inputs one after the other. The copy is deleted after;
the result is added to ``bench/results/daily-refresh.json`` with the machine's load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATA, RESULTS, console, machine
from commands import SEGMINT, timed


def options() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mart", type=Path, required=True)
    parser.add_argument("--day", type=Path, required=True, help="one more day of orders")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--code", type=Path, help="another checkout's src folder to time")
    parser.add_argument("--label", default="", help="the run's name in the results")
    return parser.parse_args()


def main() -> None:
    """Copy the mart, load the day, time the refresh, record it."""
    args = options()
    scratch = DATA / "daily-refresh"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    mart = scratch / "mart.duckdb"
    shutil.copyfile(args.mart, mart)
    if args.code is not None:
        os.environ["PYTHONPATH"] = str(args.code.resolve())
    with console.status(f"loading {args.day}"):
        subprocess.run(
            [str(SEGMINT), "load", str(args.day), "--mart", str(mart)],
            check=True,
            capture_output=True,
        )
    label = args.label or ("current" if args.code is None else str(args.code))
    run = timed(
        [str(SEGMINT), "refresh", "--as-of", args.as_of.isoformat(), "--mart", str(mart)],
        f"refresh ({label})",
    )
    shutil.rmtree(scratch, ignore_errors=True)
    path = RESULTS / "daily-refresh.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    runs.append(
        {"label": label, "seconds": run.seconds, "peak_mb": run.peak_mb, "machine": machine()}
    )
    path.write_text(json.dumps(runs, indent=1))
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
