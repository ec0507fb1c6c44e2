"""Files with personal data are created readable by their owner only, and stay so."""

from __future__ import annotations

from pathlib import Path

from segmint.mart.private_files import PRIVATE_MODE, create_private, private_file


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_new_file_is_the_owners_only(tmp_path: Path) -> None:
    path = create_private(tmp_path / "new.csv")
    assert mode(path) == PRIVATE_MODE and path.read_bytes() == b""


def test_an_open_file_there_before_is_emptied_and_closed_to_others(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text("someone's data")
    path.chmod(0o644)
    create_private(path)
    assert mode(path) == PRIVATE_MODE and path.read_bytes() == b""


def test_a_writer_that_replaces_the_file_does_not_open_it(tmp_path: Path) -> None:
    path = tmp_path / "list.parquet"
    with private_file(path):
        fresh = tmp_path / "fresh"
        fresh.write_text("rows")
        fresh.chmod(0o644)
        fresh.replace(path)
    assert mode(path) == PRIVATE_MODE and path.read_text() == "rows"
