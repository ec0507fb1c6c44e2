"""Text expressions that mean the same on every engine segmint runs on.

Ibis's ``StringValue.strip()`` compiles for PySpark to ``TRIM(' \\t\\n\\r\\v\\f' FROM x)``,
and Spark SQL reads the unknown escapes ``\\v`` and ``\\f`` as the letters ``v`` and ``f``:
on Spark, ``'vip'`` trims to ``'ip'`` and ``'family'`` to ``'amily'``. A regular-expression
replace of leading and trailing whitespace compiles to the same meaning on DuckDB and
Spark, so values read on both engines use :func:`trimmed`.
"""

from __future__ import annotations

import ibis.expr.types as ir

SPACE = r"[ \t\n\r\f\x0b]"
"""The whitespace trimmed, as Python's ``str.strip`` knows it among ASCII (``\\s`` differs:
RE2 leaves out the vertical tab)."""
EDGE_SPACE = f"^{SPACE}+|{SPACE}+$"


def trimmed(value: ir.StringValue) -> ir.StringValue:
    """``value`` without leading and trailing whitespace, on DuckDB and Spark alike."""
    return value.re_replace(EDGE_SPACE, "")
