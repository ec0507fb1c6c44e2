"""``python -m segmint.report``: the report service writes the file ``segmint report`` writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from segmint.report.__main__ import main


def test_the_service_writes_the_report(mart_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert main(["--mart", str(mart_path), "--out", str(out), "--segmentation", "lifecycle"]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.lower().startswith("<!doctype html>") and "lifecycle" in html


def test_a_user_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    ran = subprocess.run(
        [sys.executable, "-m", "segmint.report", "--mart", str(missing)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 2
    assert ran.stderr.strip() == (
        f"error: no mart at {missing}. Create one with `segmint init --mart {missing}` "
        "or load data into it."
    )
