"""Writing the synthetic tables as Parquet or CSV files, one file per table.

Files are named after the mart table (``orders.parquet``, ``orders.csv``…), so
``segmint load DIR`` finds them. Tables arrive in chunks and are appended, so a
million customers never need to be in memory at once. When dirt was injected, the
writer adds the malformed CSV lines the chunk asked for and writes
``dirty_manifest.json``: per table, the clean rows, the rows in the file and the count
of each kind of bad row.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from segmint.exceptions import InputError

Format = Literal["parquet", "csv"]
FORMATS: tuple[str, ...] = ("parquet", "csv")
MANIFEST_NAME = "dirty_manifest.json"
_VOCABULARY_COLUMNS = frozenset(
    {"gender", "country", "region", "city", "acquisition_channel", "name", "source", "channel",
     "status", "event_type", "category", "brand", "group", "campaign_id", "latent_type"}
)  # fmt: skip


@dataclass
class Chunk:
    """Tables of one chunk of customers, with the dirt injected into them.

    Attributes:
        tables: table name to rows (``products`` and ``campaigns`` only in the first chunk).
        dirt: table name to the count of each kind of bad row added.
        clean_rows: table name to the number of clean rows before dirt was added.
        seed: seeds the positions of malformed CSV lines.
    """

    tables: dict[str, pa.Table]
    dirt: dict[str, Counter[str]] = field(default_factory=dict)
    clean_rows: dict[str, int] = field(default_factory=dict)
    seed: int = 0


def _for_csv(table: pa.Table) -> pa.Table:
    """Timestamps to whole seconds, so CSV shows ``2024-03-01 14:05:00``."""
    columns = [
        col.cast(pa.timestamp("s")) if pa.types.is_timestamp(col.type) else col
        for col in table.columns
    ]
    return pa.Table.from_arrays(columns, names=table.column_names)


def _malformed(table: pa.Table, rng: np.random.Generator, count: int) -> list[bytes]:
    """``count`` CSV lines with the wrong number of fields, built from real rows."""
    lines = []
    for i, row in enumerate(rng.integers(0, table.num_rows, count)):
        sink = pa.BufferOutputStream()
        options = pacsv.WriteOptions(include_header=False)
        pacsv.write_csv(table.slice(int(row), 1), sink, options)
        text = sink.getvalue().to_pybytes().rstrip(b"\n")
        if i % 2:
            lines.append(text + b',"unexpected extra field"\n')
        else:
            values = table.slice(int(row), 1).to_pylist()[0]
            first_two = list(values.values())[:2]
            lines.append(",".join(str(v) for v in first_two).encode() + b"\n")
    return lines


class TableFiles:
    """Open files, one per table, that chunks are appended to."""

    def __init__(self, out_dir: Path, fmt: Format) -> None:
        if fmt not in FORMATS:
            raise InputError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self.fmt = fmt
        self._parquet: dict[str, pq.ParquetWriter] = {}
        self._csv: dict[str, tuple[pa.NativeFile, pacsv.CSVWriter]] = {}
        self.rows: Counter[str] = Counter()
        self.clean_rows: Counter[str] = Counter()
        self.dirt: dict[str, Counter[str]] = {}

    def path(self, name: str) -> Path:
        """The file of table ``name``."""
        return self.out_dir / f"{name}.{self.fmt}"

    def append(self, chunk: Chunk) -> None:
        """Append every table of ``chunk`` to its file."""
        rng = np.random.default_rng(chunk.seed)
        for name, table in chunk.tables.items():
            self.clean_rows[name] += chunk.clean_rows.get(name, table.num_rows)
            dirt = chunk.dirt.get(name, Counter())
            malformed = dirt.get("malformed_line", 0) if self.fmt == "csv" else 0
            kept = Counter({k: v for k, v in dirt.items() if k != "malformed_line" or malformed})
            self.dirt.setdefault(name, Counter()).update(kept)
            self.rows[name] += table.num_rows + malformed
            if self.fmt == "parquet":
                self._append_parquet(name, table)
            else:
                self._append_csv(name, _for_csv(table), rng, malformed)

    def _append_parquet(self, name: str, table: pa.Table) -> None:
        if name not in self._parquet:
            # dictionary pages only pay off for short vocabularies, not for ids and times
            repeated = [f.name for f in table.schema if f.name in _VOCABULARY_COLUMNS]
            self._parquet[name] = pq.ParquetWriter(
                self.path(name), table.schema, use_dictionary=repeated
            )
        self._parquet[name].write_table(table, row_group_size=1_000_000)

    def _append_csv(
        self, name: str, table: pa.Table, rng: np.random.Generator, malformed: int
    ) -> None:
        if name not in self._csv:
            sink = pa.OSFile(str(self.path(name)), "wb")
            self._csv[name] = (sink, pacsv.CSVWriter(sink, table.schema))
        sink, writer = self._csv[name]
        if malformed == 0:
            writer.write_table(table)
            return
        bad = _malformed(table, rng, malformed)
        cuts = np.sort(rng.integers(0, table.num_rows + 1, malformed))
        previous = 0
        for cut, line in zip(cuts, bad, strict=True):
            writer.write_table(table.slice(previous, int(cut) - previous))
            sink.write(line)
            previous = int(cut)
        writer.write_table(table.slice(previous))

    def close(self) -> None:
        """Close every file and, when dirt was injected, write the manifest."""
        for writer in self._parquet.values():
            writer.close()
        for sink, csv_writer in self._csv.values():
            csv_writer.close()
            sink.close()
        self._parquet.clear()
        self._csv.clear()

    def write_manifest(self, rate: float) -> Path:
        """Write ``dirty_manifest.json`` describing the dirt in the files."""
        manifest = {
            "dirty_rate": rate,
            "format": self.fmt,
            "tables": {
                name: {
                    "rows_clean": self.clean_rows[name],
                    "rows_in_file": self.rows[name],
                    "injected": dict(sorted(self.dirt[name].items())),
                }
                for name in sorted(self.dirt)
                if self.dirt[name]
            },
        }
        path = self.out_dir / MANIFEST_NAME
        path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return path

    def __enter__(self) -> TableFiles:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def write(tables: dict[str, pa.Table], out_dir: str | Path, fmt: Format = "parquet") -> list[Path]:
    """Write each of ``tables`` to ``out_dir/<name>.<fmt>``; returns the paths written."""
    with TableFiles(Path(out_dir), fmt) as files:
        files.append(Chunk(tables))
        return [files.path(name) for name in tables]


def write_chunks(
    chunks: Iterable[Chunk], out_dir: Path, fmt: Format, dirty_rate: float
) -> TableFiles:
    """Append every chunk to the files in ``out_dir``; the closed files keep their counts."""
    with TableFiles(out_dir, fmt) as files:
        for chunk in chunks:
            files.append(chunk)
    if dirty_rate > 0:
        files.write_manifest(dirty_rate)
    return files
