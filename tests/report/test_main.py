"""``python -m segmint.report``: the report service writes the file ``segmint report`` writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ibis

from segmint.mart import connect
from segmint.mart.privacy import list_exports
from segmint.mart.privacy.exports import exports_holding
from segmint.report.__main__ import main


def test_the_service_writes_the_report(mart_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert main(["--mart", str(mart_path), "--out", str(out), "--segmentation", "lifecycle"]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.lower().startswith("<!doctype html>") and "lifecycle" in html


def test_the_report_is_registered_so_an_erasure_lists_it(mart_path: Path, tmp_path: Path) -> None:
    """A report is drawn from every customer's results: the registry cannot know who is in
    it, so every later erasure lists it for purging."""
    out = tmp_path / "listed.html"
    assert main(["--mart", str(mart_path), "--out", str(out), "--segmentation", "lifecycle"]) == 0
    with connect(mart_path, create=False) as mart:
        [record] = [e for e in list_exports(mart) if e.path == str(out.resolve())]
        holding = exports_holding(mart, ibis.memtable({"customer_id": ["anyone"]}))
    assert (record.kind, record.members_known) == ("report", False)
    assert record.description == "HTML report (lifecycle)"
    assert record.export_id in {e.export_id for e in holding}


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
