"""What each Spark command of a scale run moved: bytes read, shuffled and the executors' time.

``bench/scale.py --event-log`` makes every Spark command write Spark's event log (JSON
lines) into a folder of its own under ``events/`` beside the warehouse, named after the
step. This reads them and sums, over the stages each command ran, the metrics the
100M-customer estimate in docs/scale-out.md starts from:

* ``input MB``: bytes read from the warehouse's Parquet files;
* ``shuffle MB``: bytes written to the shuffle (what crosses the network on a cluster);
* ``executor s`` / ``cpu s``: the tasks' wall time and CPU time, summed over tasks (the
  work a cluster spreads over its cores);
* ``driver s``: the command's wall time less the span its jobs ran (what stays on the
  driver however many executors there are: planning, model fits, Python).

Run on the folder a scale run wrote::

    .venv/bin/python bench/spark_stages.py bench/results/data/scale-pyspark-1000000/events
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import console, table

METRICS = {
    "internal.metrics.input.bytesRead": "input",
    "internal.metrics.shuffle.write.bytesWritten": "shuffle",
    "internal.metrics.executorRunTime": "run_ms",
    "internal.metrics.executorCpuTime": "cpu_ns",
}
"""Stage accumulables summed, by Spark's name, and the field they go to."""


@dataclass
class Moved:
    """One command's totals over its stages."""

    app: str
    stages: int = 0
    input: float = 0.0
    shuffle: float = 0.0
    run_ms: float = 0.0
    cpu_ns: float = 0.0
    started: float = 0.0
    ended: float = 0.0
    jobs: list[tuple[float, float]] = field(default_factory=list)

    @property
    def driver_s(self) -> float:
        """Seconds of the application in which no job ran (jobs may overlap: their union
        is what counts)."""
        busy, reach = 0.0, self.started
        for start, end in sorted(self.jobs):
            busy += max(0.0, end - max(start, reach))
            reach = max(reach, end)
        return max(0.0, (self.ended - self.started - busy) / 1000)


def read_log(path: Path) -> Moved:
    """The totals of one event log file."""
    moved = Moved(path.name)
    job_start: dict[int, float] = {}
    for line in path.read_text().splitlines():
        event = json.loads(line)
        kind = event.get("Event")
        if kind == "SparkListenerApplicationStart":
            moved.app, moved.started = event.get("App Name", path.name), event["Timestamp"]
        elif kind == "SparkListenerApplicationEnd":
            moved.ended = event["Timestamp"]
        elif kind == "SparkListenerJobStart":
            job_start[event["Job ID"]] = event["Submission Time"]
        elif kind == "SparkListenerJobEnd" and event["Job ID"] in job_start:
            moved.jobs.append((job_start[event["Job ID"]], event["Completion Time"]))
            moved.ended = max(moved.ended, event["Completion Time"])
        elif kind == "SparkListenerStageCompleted":
            moved.stages += 1
            for item in event["Stage Info"].get("Accumulables", []):
                field = METRICS.get(item.get("Name", ""))
                if field is not None:
                    setattr(moved, field, getattr(moved, field) + float(item["Value"]))
    return moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the events/ folder of a Spark scale run")
    folder = parser.parse_args().folder
    steps = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    rows = []
    for step in steps:
        logs = [p for p in step.iterdir() if p.is_file() and not p.name.startswith(".")]
        if len(logs) != 1:  # a step still running (or killed before Spark started)
            console.print(f"{step.name}: {len(logs)} event logs, left out")
            continue
        m = read_log(logs[0])
        rows.append(
            [
                step.name,
                f"{m.stages}",
                f"{m.input / 1e6:,.0f}",
                f"{m.shuffle / 1e6:,.0f}",
                f"{m.run_ms / 1000:,.0f}",
                f"{m.cpu_ns / 1e9:,.0f}",
                f"{m.driver_s:,.0f}",
            ]
        )
    columns = ["step", "stages", "input MB", "shuffle MB", "executor s", "cpu s", "driver s"]
    console.print(table(f"Spark stages of {folder}", columns, rows))


if __name__ == "__main__":
    main()
