"""Dates a load could not read come with the --date-format flags that read them."""

from __future__ import annotations

import itertools
import shlex
from pathlib import Path

from segmint.mart import Mart

from .conftest import load, write

ISO_AND_ONE_US = (
    "customer_id,order_id,order_ts,amount\n"
    + "".join(f"c{i},o{i},2024-03-{i + 1:02d},10\n" for i in range(10))
    + "c1,o99,03/14/2024,10\n"
)
"""Ten ISO dates and one month-first date: too few to guess a format for the column."""


def _date_note(notes: tuple[str, ...]) -> str:
    found = [n for n in notes if n.startswith("order_ts:")]
    assert len(found) == 1, notes
    return found[0]


def _formats(note: str) -> list[str]:
    """The formats of the first set of --date-format flags in ``note``, as a shell reads them."""
    words = shlex.split(note.split("load again with ")[1].split(" to read ")[0])
    return [w for previous, w in itertools.pairwise(words) if previous == "--date-format"]


def test_an_unread_date_names_the_flag_that_reads_it(mart: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", ISO_AND_ONE_US)
    result = load(mart, "transactions", path)
    assert result.rows_quarantined == 1
    note = _date_note(result.notes)
    assert "1 value is not read as a date (such as '03/14/2024')" in note
    assert "--date-format '%m/%d/%Y'" in note
    again = tmp_path / "again"
    again.mkdir()
    retried = load(
        mart,
        "transactions",
        write(again / "t.csv", ISO_AND_ONE_US.replace("o99", "o98")),
        date_formats=tuple(_formats(note)),
    )
    assert (retried.rows_quarantined, retried.rows_duplicate) == (0, 10)
    days = {str(d)[:10] for d in mart.table("orders").order_ts.execute()}
    assert "2024-03-14" in days


def test_a_dry_run_gives_the_same_advice(mart: Mart, tmp_path: Path) -> None:
    result = load(mart, "transactions", write(tmp_path / "t.csv", ISO_AND_ONE_US), dry_run=True)
    assert "--date-format '%m/%d/%Y'" in _date_note(result.notes)


def test_dates_that_read_both_ways_get_both_flags(mart: Mart, tmp_path: Path) -> None:
    text = ISO_AND_ONE_US.replace("03/14/2024", "03/04/2024")
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    note = _date_note(result.notes)
    assert "load again with --date-format '%m/%d/%Y' or --date-format '%d/%m/%Y'" in note


def test_the_formats_in_effect_are_kept_in_the_flags(mart: Mart, tmp_path: Path) -> None:
    text = ISO_AND_ONE_US.replace("2024-03-01", "20240301")
    result = load(mart, "transactions", write(tmp_path / "t.csv", text), date_formats=("%Y%m%d",))
    assert (result.rows_loaded, result.rows_quarantined) == (10, 1)
    assert _formats(_date_note(result.notes)) == ["%Y%m%d", "%m/%d/%Y"]


def test_dates_no_known_format_reads_get_an_example(mart: Mart, tmp_path: Path) -> None:
    text = ISO_AND_ONE_US.replace("03/14/2024", "14th of March")
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    note = _date_note(result.notes)
    assert "(such as '14th of March')" in note
    assert "giving the strftime format: --date-format '%d.%m.%Y'" in note


def test_no_flag_is_suggested_that_is_in_effect_already(mart: Mart, tmp_path: Path) -> None:
    # 31.02 is no date in any format: suggesting the format just given would change nothing
    text = ISO_AND_ONE_US.replace("03/14/2024", "31.02.2024")
    result = load(mart, "transactions", write(tmp_path / "t.csv", text), date_formats=("%d.%m.%Y",))
    note = _date_note(result.notes)
    assert "(such as '31.02.2024')" in note and "strftime format: --date-format" not in note
    assert "no date format segmint knows reads it, --date-format '%d.%m.%Y' included" in note
    assert "correct it in the file, or load again with the strftime format it is written in" in note


def test_a_load_without_unread_dates_has_no_such_note(mart: Mart, tmp_path: Path) -> None:
    text = ISO_AND_ONE_US.replace("03/14/2024", "2024-03-14").replace(",10\nc1,o99", ",-1\nc1,o99")
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert not any("--date-format" in n for n in result.notes)


def test_epoch_numbers_are_told_apart_from_dates_in_another_format(
    mart: Mart, tmp_path: Path
) -> None:
    # web analytics tools export seconds since 1970; no --date-format reads those
    text = ISO_AND_ONE_US.replace("03/14/2024", "1734689700")
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    note = _date_note(result.notes)
    assert "(such as '1734689700'); numbers such as seconds since 1970 are not read" in note
    assert "write it as dates and times (2024-12-20 10:15:00) in the export" in note
    assert "--date-format" not in note


def test_a_time_zone_name_is_told_apart_from_dates_in_another_format(
    mart: Mart, tmp_path: Path
) -> None:
    text = ISO_AND_ONE_US.replace("03/14/2024", "2024-03-14 14:00:00 CET")
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    note = _date_note(result.notes)
    assert "a time zone's name after the time is not read" in note
    assert "--date-format" not in note
