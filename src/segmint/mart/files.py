"""Recognising an input file before the engine reads it.

The checks here turn the ways a file can be unreadable (missing, empty, binary, wrongly
encoded, an unknown format) into one-line :class:`InputError` messages that name the file,
before anything touches the mart. They also decide the format, the compression and, for
delimited text, whether columns are separated by runs of white space (as in the CDNOW
purchase log), which the engine's CSV reader does not handle on its own.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import itertools
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from segmint.exceptions import InputError

Format = Literal["csv", "parquet", "jsonl", "xlsx"]

_PARQUET_MAGIC = b"PAR1"
_ZIP_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"
_SAMPLE_BYTES = 1 << 16
_DELIMITERS = (",", "\t", ";", "|")
_SUFFIXES: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".dat": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
SUPPORTED = (
    "CSV/TSV/TXT (optionally .gz), Parquet, JSON Lines (.jsonl/.ndjson, optionally .gz), "
    "Excel (.xlsx)"
)


@dataclass(frozen=True)
class FileInfo:
    """What a file is, as far as reading it is concerned.

    Attributes:
        path: the file.
        format: csv, parquet, jsonl or xlsx.
        compressed: gzip-compressed text.
        delimiter: the column separator of delimited text; ``"whitespace"`` for runs of
            spaces/tabs; ``None`` for Parquet and JSON Lines.
        checksum: SHA-256 of the file's bytes (and, for a workbook, the sheet read), to
            recognise the same data loaded again.
        size: bytes on disk.
    """

    path: Path
    format: Format
    compressed: bool
    delimiter: str | None
    checksum: str
    size: int
    sheet: str | None = None


def table_stem(path: Path) -> str:
    """The file name without its format and compression suffixes (``orders.csv.gz`` → ``orders``)."""
    name = path.name
    if name.endswith(".gz"):
        name = name[:-3]
    return Path(name).stem


def inspect(
    path: Path,
    *,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    sheet: str | None = None,
) -> FileInfo:
    """Recognise ``path`` or raise :class:`InputError` saying why it cannot be read.

    Args:
        path: the file to load.
        delimiter: a separator chosen by the user (``"whitespace"`` allowed); detected when None.
        encoding: the text encoding the user says the file has.
        sheet: the sheet of a workbook to read (default: the first).
    """
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(
            f"{path}: is a folder; give a file (or use `segmint load DIR` for a folder)"
        )
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: the file is empty")
    with path.open("rb") as fh:
        head = fh.read(_SAMPLE_BYTES)
    compressed = head.startswith(_GZIP_MAGIC)
    fmt = _format_of(path, head)
    checksum = _sha256(path)
    if fmt == "parquet":
        return FileInfo(path, fmt, False, None, checksum, size)
    if fmt == "xlsx":
        if sheet is not None:
            checksum = hashlib.sha256(f"{checksum}:sheet:{sheet}".encode()).hexdigest()
        return FileInfo(path, fmt, False, None, checksum, size, sheet)
    if sheet is not None:
        raise InputError(f"{path}: --sheet applies to Excel workbooks (.xlsx), not to {fmt} files")
    text = _text_sample(path, head, compressed, encoding)
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    if fmt == "jsonl":
        return FileInfo(path, fmt, compressed, None, checksum, size)
    return FileInfo(path, fmt, compressed, delimiter or _detect_delimiter(text), checksum, size)


def _format_of(path: Path, head: bytes) -> Format:
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    fmt = _SUFFIXES.get(Path(name).suffix)
    if fmt == "parquet":
        raise InputError(f"{path}: named like a Parquet file but is not one (no Parquet header)")
    if fmt == "xlsx" and not head.startswith(_ZIP_MAGIC):
        raise InputError(f"{path}: named like an Excel workbook but is not one (not a zip file)")
    if fmt == "xlsx":
        return fmt
    if Path(name).suffix in (".xls", ".xlsb", ".ods"):
        raise InputError(
            f"{path}: this kind of spreadsheet is not read; save it as .xlsx (or CSV) and load that"
        )
    if fmt is None:
        if head.lstrip().startswith(b"{"):
            return "jsonl"
        return "csv"
    return fmt


def _text_sample(path: Path, head: bytes, compressed: bool, encoding: str) -> str:
    sample = head
    if compressed:
        try:
            with gzip.open(path, "rb") as fh:
                sample = fh.read(_SAMPLE_BYTES)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{path}: not a valid gzip file ({exc})") from None
    if b"\x00" in sample:
        raise InputError(
            f"{path}: looks like a binary file, not text (it contains NUL bytes). "
            f"Supported formats: {SUPPORTED}."
        )
    if len(sample) == _SAMPLE_BYTES:
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    try:
        return sample.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not valid {encoding} text (byte {exc.start} of the sample). "
            "Re-save it as UTF-8 or give its encoding with --encoding (e.g. --encoding latin-1)."
        ) from None
    except LookupError:
        raise InputError(f"{path}: unknown encoding '{encoding}'") from None


def _detect_delimiter(text: str) -> str:
    """The delimiter of a sample of delimited text.

    First choice: the candidate that splits every row of the sample (the first 20 that are
    not blank, quotes respected, as the CSV reader will read them) into the same number of
    fields, more than one; of several, the one giving the most. So a header name holding
    another candidate or a line break inside quotes (``customer_id,";;"``) does not decide.
    Otherwise, as before: the candidate seen most often on the first line, white space when
    none is, a comma for a single column.
    """
    widest, chosen = 1, None
    for candidate in _DELIMITERS:
        try:
            parsed = csv.reader(io.StringIO(text), delimiter=candidate, strict=True)
            rows = list(itertools.islice((r for r in parsed if any(c.strip() for c in r)), 20))
        except csv.Error:
            continue
        widths = {len(row) for row in rows}
        if len(widths) == 1 and (width := widths.pop()) > widest:
            widest, chosen = width, candidate
    if chosen is not None:
        return chosen
    lines = [line for line in text.splitlines() if line.strip()][:20]
    header = lines[0]
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] > 0:
        return best
    if len(header.split()) > 1:
        return "whitespace"
    return ","


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
