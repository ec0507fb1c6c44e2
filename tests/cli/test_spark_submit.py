"""The cluster recipe of docs/scale-out.md, run locally: a two-line job file handed to
``spark-submit`` runs any segmint command on the Spark session spark-submit configures.

``spark-submit --master local[2] job.py --engine pyspark …`` is what a Databricks Python
script task, an EMR step or a Dataproc PySpark job runs, with the cluster as the master.
spark-submit joins the driver's stderr to its stdout; :mod:`segmint.cli._spark_submit`
sends the driver's stderr to the launcher's, so stdout keeps only the data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segmint.cli import _spark_submit
from segmint.cli._spark_submit import LauncherStderr, keep_stdout_for_data
from segmint.cli.main import app

JOB = "from segmint.cli.main import run\n\nrun()\n"
"""The job file of docs/scale-out.md."""

ORDERS = "order_id,customer_id,order_ts,amount\n" + "".join(
    f"o{i},c{i % 23},2025-0{1 + i % 6}-{10 + i % 17},{5 + (i * 37) % 90}\n" for i in range(90)
)


def submit(job: Path, *args: str | Path) -> tuple[str, str]:
    """``spark-submit --master local[2] job ARGS`` with this Python; its stdout and stderr."""
    spark_submit = Path(sys.executable).parent / "spark-submit"
    env = os.environ | {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    env.pop("SEGMINT_ENGINE", None)
    env.pop("PYTHONWARNINGS", None)  # the driver's warnings are shown, on stderr
    command = [str(spark_submit), "--master", "local[2]", str(job), *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, done.stderr


@pytest.mark.slow
@pytest.mark.spark
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
    # after the last order's day (2025-06-25): a warning, which must not reach stdout
    rfm = ("segment", "rfm", "--as-of", "2025-06-30", "--format", "json")
    stdout, stderr = submit(job, "--engine", "pyspark", *rfm, "--mart", warehouse)
    on_spark = json.loads(stdout)  # nothing but the JSON
    assert "warning: as of 2025-06-30, after the last order (2025-06-25)" in stderr
    duck = tmp_path / "mart.duckdb"
    runner = CliRunner()
    loaded = runner.invoke(
        app, ["ingest", "transactions", str(orders), "--create-customers", "--mart", str(duck)]
    )
    assert loaded.exit_code == 0, loaded.stderr
    on_duck = json.loads(runner.invoke(app, [*rfm, "--mart", str(duck)]).stdout)
    assert on_spark == on_duck
    assert sum(s["members"] for s in on_duck) == 23 and len(on_duck) > 3


class PrintStream:
    """A stand-in for the launcher JVM's ``System.err``: what it printed, or a lost link."""

    def __init__(self, reachable: bool = True) -> None:
        self.printed: list[str] = []
        self.reachable = reachable

    def print(self, text: str) -> None:
        if not self.reachable:
            raise ConnectionError("the gateway is gone")
        self.printed.append(text)

    def flush(self) -> None:
        if not self.reachable:
            raise ConnectionError("the gateway is gone")


def test_the_launchers_stderr_takes_what_is_written(capsys: pytest.CaptureFixture[str]) -> None:
    jvm = PrintStream()
    stream = LauncherStderr(jvm, sys.stderr)
    assert stream.write("warning: as of …\n") == len("warning: as of …\n")
    stream.flush()
    assert jvm.printed == ["warning: as of …\n"] and not stream.isatty()
    lost = LauncherStderr(PrintStream(reachable=False), sys.stderr)
    lost.write("kept\n")
    lost.flush()
    assert capsys.readouterr().err == "kept\n"  # a lost launcher loses no text


def test_outside_spark_submit_stderr_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_spark_submit.GATEWAY_PORT, raising=False)
    before = sys.stderr
    keep_stdout_for_data()
    assert sys.stderr is before
