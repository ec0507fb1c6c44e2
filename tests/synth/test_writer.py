"""Writing tables as Parquet and CSV files that read back unchanged."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from segmint.exceptions import InputError
from segmint.synth import write
from segmint.synth.columns import mart_schema


def test_parquet_round_trip(small: dict[str, pa.Table], tmp_path: Path) -> None:
    paths = write({"orders": small["orders"]}, tmp_path, "parquet")
    assert paths == [tmp_path / "orders.parquet"]
    assert pq.read_table(paths[0]).equals(small["orders"])


def test_csv_round_trip_keeps_every_value(small: dict[str, pa.Table], tmp_path: Path) -> None:
    write({"orders": small["orders"], "events": small["events"]}, tmp_path, "csv")
    for name in ("orders", "events"):
        options = pacsv.ConvertOptions(
            column_types=mart_schema(name),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        )
        read = pacsv.read_csv(tmp_path / f"{name}.csv", convert_options=options)
        assert read.equals(small[name]), name


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--format must be one of parquet, csv; got 'json'"):
        write({}, tmp_path, "json")  # type: ignore[arg-type]
