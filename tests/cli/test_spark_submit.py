"""The cluster recipe of docs/scale-out.md, run locally: a two-line job file handed to
``spark-submit`` runs any segmint command on the Spark session spark-submit configures.

``spark-submit --master local[2] job.py --engine pyspark …`` is what a Databricks Python
script task, an EMR step or a Dataproc PySpark job runs, with the cluster as the master.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segmint.cli.main import app

pytestmark = [pytest.mark.slow, pytest.mark.spark]

JOB = "from segmint.cli.main import run\n\nrun()\n"
"""The job file of docs/scale-out.md."""

ORDERS = "order_id,customer_id,order_ts,amount\n" + "".join(
    f"o{i},c{i % 23},2025-0{1 + i % 6}-{10 + i % 17},{5 + (i * 37) % 90}\n" for i in range(90)
)


def submit(job: Path, *args: str | Path) -> str:
    """``spark-submit --master local[2] job ARGS`` with this Python; its output."""
    spark_submit = Path(sys.executable).parent / "spark-submit"
    env = os.environ | {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    env["PYTHONWARNINGS"] = "ignore"  # spark-submit prints the driver's warnings on stdout
    env.pop("SEGMINT_ENGINE", None)
    command = [str(spark_submit), "--master", "local[2]", str(job), *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_job_file_runs_segmint_commands_under_spark_submit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGMINT_ENGINE", "duckdb")  # --engine sets it: restored after
    job, orders, warehouse = tmp_path / "job.py", tmp_path / "orders.csv", tmp_path / "wh"
    job.write_text(JOB, encoding="utf-8")
    orders.write_text(ORDERS, encoding="utf-8")
    warehouse.mkdir()
    load = "ingest", "transactions", orders, "--create-customers", "--mart", warehouse
    submit(job, "--engine", "pyspark", *load)
    # the last order's day: a later one is warned about on stderr, which spark-submit prints
    # on stdout with the driver's own output
    rfm = ("segment", "rfm", "--as-of", "2025-06-25", "--format", "json")
    on_spark = json.loads(submit(job, "--engine", "pyspark", *rfm, "--mart", warehouse))
    duck = tmp_path / "mart.duckdb"
    runner = CliRunner()
    loaded = runner.invoke(
        app, ["ingest", "transactions", str(orders), "--create-customers", "--mart", str(duck)]
    )
    assert loaded.exit_code == 0, loaded.stderr
    on_duck = json.loads(runner.invoke(app, [*rfm, "--mart", str(duck)]).stdout)
    assert on_spark == on_duck
    assert sum(s["members"] for s in on_duck) == 23 and len(on_duck) > 3
