"""Reading a file into a temporary staging table, one row per data row, nothing dropped.

Every staged row carries ``_row``, its data row number in the file (from 1, header not
counted), so a rejected row can be found again. Rows the reader itself cannot split into
the right number of fields are not dropped: they come back as *rejects* with the raw line
and the reason, and go to quarantine like any other bad row.

Delimited text is staged as text (types are parsed later, with a reason for every failure);
Parquet keeps its own types, and an Excel sheet its cells' types (:mod:`segmint.mart.excel`).

The file's column names and JSON keys are hostile input: they are checked
(:mod:`segmint.mart.column_names`) before any expression uses them, and reach the engine
only as identifiers Ibis quotes or as data, never inside SQL text. JSON objects are read by
casting each line to a map once and looking its keys up, not through JSON path strings.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import duckdb
import ibis
import ibis.expr.datatypes as dt

from segmint.exceptions import InputError
from segmint.mart import file_zones
from segmint.mart import sql_functions as fn
from segmint.mart.column_names import check_names, first_refusals
from segmint.mart.connection import Mart
from segmint.mart.excel import stage_workbook
from segmint.mart.files import FileInfo

STAGE = "_segmint_stage"
_REJECTS = "_segmint_rejects"
_SCANS = "_segmint_reject_scans"
_LINES = "_segmint_lines"
_counter = itertools.count()


@dataclass(frozen=True)
class Stage:
    """A staged file.

    Attributes:
        table: the staged rows: the file's columns (names as in the file) plus ``_row``.
        rejects: rows the reader could not split: ``_row``, ``reason``, ``raw``.
        n_read: data rows in the file (staged + rejected).
    """

    table: ibis.Table
    rejects: ibis.Table
    n_read: int


def stage_file(mart: Mart, info: FileInfo, *, encoding: str = "utf-8") -> Stage:
    """Read ``info.path`` into a temporary table of ``mart``'s engine.

    Raises:
        InputError: the engine cannot read the file; the message names the file.
    """
    name = f"{STAGE}_{next(_counter)}"
    try:
        if info.format == "parquet":
            stage, rejects = _stage_parquet(mart, info, name)
        elif info.format == "xlsx":
            stage, rejects = stage_workbook(mart, info.path, info.sheet, name)
        elif info.format == "jsonl" or info.delimiter == "whitespace":
            stage, rejects = _stage_lines(mart, info, name, encoding)
        else:
            stage, rejects = _stage_delimited(mart, info, name, encoding)
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        if "unicode" in str(exc).lower():
            raise InputError(
                f"{info.path}: not valid {encoding} text ({message}). Re-save it as UTF-8 or "
                "give its encoding with --encoding (e.g. --encoding latin-1)."
            ) from None
        raise InputError(
            f"{info.path}: cannot be read as {info.format.upper()}: {message}"
        ) from None
    n_read = int(stage.count().execute()) + int(rejects.count().execute())
    if n_read == 0:
        raise InputError(f"{info.path}: the file has no data rows")
    return Stage(stage, rejects, n_read)


def _empty_rejects(mart: Mart) -> ibis.Table:
    return mart.con.create_table(
        f"{_REJECTS}_none_{next(_counter)}",
        schema=ibis.schema({"_row": "int64", "reason": "string", "raw": "string"}),
        temp=True,
    )


def _stage_parquet(mart: Mart, info: FileInfo, name: str) -> tuple[ibis.Table, ibis.Table]:
    """Parquet is typed and row-addressable: stage a view over the file, no copy."""
    source = mart.con.read_parquet(info.path, table_name=name, file_row_number=True)
    check_names([c for c in source.columns if c != "file_row_number"], str(info.path))
    stage = source.mutate(_row=source.file_row_number + 1).drop("file_row_number")
    return _on_their_clocks(mart, stage, info), _empty_rejects(mart)


def _on_their_clocks(mart: Mart, stage: ibis.Table, info: FileInfo) -> ibis.Table:
    """``stage`` with its timestamps with a time zone as the clock time of their zone
    (:mod:`segmint.mart.file_zones`)."""
    aware = [name for name, kind in stage.schema().items() if _has_zone(kind)]
    if not aware:
        return stage
    recorded = file_zones.zones(info.path)
    clocks = {}
    for name in aware:
        zone = recorded.get(name, "UTC")
        file_zones.check_zone(mart, zone, info.path, name)
        clocks[name] = file_zones.clock_time(stage[name], zone)
    return stage.mutate(**clocks)


def _has_zone(kind: dt.DataType) -> bool:
    return kind.is_timestamp() and getattr(kind, "timezone", None) is not None


def _stage_delimited(
    mart: Mart, info: FileInfo, name: str, encoding: str
) -> tuple[ibis.Table, ibis.Table]:
    rejects_name, scans_name = f"{_REJECTS}_{name}", f"{_SCANS}_{name}"
    source = mart.con.read_csv(
        info.path,
        all_varchar=True,
        header=True,
        delim=info.delimiter,
        quote='"',  # RFC 4180, as the delimiter was detected: a header '' is a name, not blank
        encoding=encoding,
        store_rejects=True,
        rejects_table=rejects_name,
        rejects_scan=scans_name,
        null_padding=False,
        compression=_compression(info),
    )
    check_names(source.columns, str(info.path))
    accepted = mart.con.create_table(
        f"{name}_accepted", source.mutate(_segmint_k=ibis.row_number() + 1), temp=True
    )
    rej = mart.con.table(rejects_name)
    # A rejected line's file line number counts the header; the data row number does not.
    rejected = rej.select(
        _row=(rej.line - 1).cast("int64"),
        reason=ibis.literal("malformed line: ") + rej.error_message,
        raw=rej.csv_line,
    ).distinct(on="_row", keep="first")
    rejects = mart.con.create_table(f"{rejects_name}_rows", rejected, temp=True)
    skipped = rejects.select("_row").union(_blank_rows(mart, info, encoding))
    stage = mart.con.create_table(name, _renumber(accepted, skipped), temp=True)
    return stage, rejects


def _compression(info: FileInfo) -> str:
    """Compression by content, not by name: a gzip file called orders.csv is still gzip."""
    return "gzip" if info.compressed else "none"


def _read_lines(mart: Mart, info: FileInfo, encoding: str, skip: int) -> ibis.Table:
    """The file as one text column ``line`` (NULL for a blank line), one row per line."""
    return mart.con.read_csv(
        info.path,
        columns={"line": "VARCHAR"},
        header=False,
        delim="\x01",
        quote="",
        escape="",
        encoding=encoding,
        skip=skip,
        compression=_compression(info),
    )


def _blank_rows(mart: Mart, info: FileInfo, encoding: str) -> ibis.Table:
    """Data row numbers of blank lines, which the CSV reader passes over without a row."""
    lines = _read_lines(mart, info, encoding, skip=1)
    numbered = lines.mutate(_row=ibis.row_number() + 1)
    blank = numbered.line.isnull() | (numbered.line.strip().length() == 0)
    return numbered.filter(blank).select(_row=numbered._row.cast("int64"))


def _renumber(accepted: ibis.Table, skipped: ibis.Table) -> ibis.Table:
    """Give accepted rows their file row numbers, skipping the numbers of rejected and blank rows.

    The k-th accepted row is the k-th row number not skipped: with skipped rows
    r_1 < r_2 < …, it is k + j where j counts the skipped rows with r_i - i < k.
    (Working columns are named ``_segmint_…``, a prefix no file column may have.)
    """
    if int(skipped.count().execute()) == 0:
        return accepted.rename(_row="_segmint_k")
    ordered = skipped.mutate(_segmint_j=ibis.row_number().over(order_by="_row") + 1)
    cum = ordered.group_by(_segmint_before=ordered._row - ordered._segmint_j).aggregate(
        _segmint_j=ordered._segmint_j.max()
    )
    joined = accepted.asof_join(cum, on=accepted._segmint_k > cum._segmint_before)
    return joined.mutate(_row=joined._segmint_k + joined._segmint_j.fill_null(0)).drop(
        "_segmint_k", "_segmint_before", "_segmint_j"
    )


def _stage_lines(
    mart: Mart, info: FileInfo, name: str, encoding: str
) -> tuple[ibis.Table, ibis.Table]:
    """Whitespace-separated text and JSON Lines: read whole lines, split in the engine."""
    is_json = info.format == "jsonl"
    lines = _read_lines(mart, info, encoding, skip=0 if is_json else 1)
    numbered = mart.con.create_table(
        f"{_LINES}_{name}",
        lines.mutate(_row=ibis.row_number() + 1).filter(lines.line.strip().length() > 0),
        temp=True,
    )
    if is_json:
        return _split_json(mart, info, numbered, name)
    return _split_whitespace(mart, info, numbered, name, encoding)


def _split_whitespace(
    mart: Mart, info: FileInfo, numbered: ibis.Table, name: str, encoding: str
) -> tuple[ibis.Table, ibis.Table]:
    with fn.open_text(info.path, encoding) as fh:
        header = fh.readline().split()
    if len(set(header)) != len(header):
        raise InputError(f"{info.path}: the header repeats a column name: {header}")
    check_names(header, str(info.path))
    fields = fn.split_whitespace(numbered.line.strip())
    n_fields = fields.length()
    good = numbered.filter(n_fields == len(header))
    stage = mart.con.create_table(
        name,
        good.select(
            *[fn.split_whitespace(good.line.strip())[i].name(col) for i, col in enumerate(header)],
            good._row,
        ),
        temp=True,
    )
    bad = numbered.filter(n_fields != len(header))
    rejected = bad.select(
        bad._row,
        reason=ibis.literal(f"malformed line: expected {len(header)} fields, found ")
        + fn.split_whitespace(bad.line.strip()).length().cast("string"),
        raw=bad.line,
    )
    return stage, mart.con.create_table(f"{_REJECTS}_{name}", rejected, temp=True)


def _split_json(
    mart: Mart, info: FileInfo, numbered: ibis.Table, name: str
) -> tuple[ibis.Table, ibis.Table]:
    """One column per key found in any object; objects that cannot be staged are rejected.

    A line is rejected when it is not a JSON object, when the object repeats a key, or when
    one of its keys cannot be a column name (the reason names the key). Values are read by
    casting each object to a map of text once; keys are looked up in the map by value.
    """
    is_object = fn.json_valid(numbered.line) & numbered.line.strip().startswith("{")
    objects = numbered.filter(is_object)
    keys = objects.select(objects._row, _segmint_keys=fn.json_keys(objects.line))
    repeats = keys.filter(keys._segmint_keys.length() != keys._segmint_keys.unique().length())
    pairs = keys.select(keys._row, key=keys._segmint_keys.unnest())
    names = sorted(pairs.select("key").distinct().key.to_pyarrow().to_pylist())
    refused = first_refusals(names)
    bad_keys = _refused_rows(pairs, refused)
    rejected = (
        numbered.filter(~is_object)
        .select("_row", reason=ibis.literal("malformed line: not a JSON object"))
        .union(repeats.select("_row", reason=ibis.literal("the JSON object repeats a key")))
        .union(bad_keys)
        .group_by("_row")
        .aggregate(reason=ibis._.reason.min())
    )
    rejected = mart.create_table(f"{_REJECTS}_{name}_rows", rejected, temp=True)
    kept = [n for n in names if n not in refused]
    check_names(kept, str(info.path), what="key")
    good = objects.anti_join(rejected, "_row")
    maps = mart.con.create_table(
        f"{_LINES}_{name}_maps",
        good.select(good._row, _segmint_map=good.line.cast("json").cast("map<string, string>")),
        temp=True,
    )
    stage = mart.con.create_table(
        name, maps.select(*[maps._segmint_map[k].name(k) for k in kept], maps._row), temp=True
    )
    raw = rejected.inner_join(numbered, "_row")
    rejects = raw.select(raw._row, raw.reason, raw=raw.line)
    return stage, mart.con.create_table(f"{_REJECTS}_{name}", rejects, temp=True)


def _refused_rows(pairs: ibis.Table, refused: dict[str, str]) -> ibis.Table:
    """``_row`` and reason of the objects having a key in ``refused`` (key → why not)."""
    table = ibis.memtable(
        {"key": list(refused), "why": list(refused.values())},
        schema=ibis.schema({"key": "string", "why": "string"}),
    )
    hit = pairs.inner_join(table, "key")
    return hit.select(hit._row, reason=ibis.literal("the key ") + hit.why)
