"""Text expressions that mean the same on every engine segmint runs on.

Ibis's ``StringValue.strip()`` compiles for PySpark to ``TRIM(' \\t\\n\\r\\v\\f' FROM x)``,
and Spark SQL reads the unknown escapes ``\\v`` and ``\\f`` as the letters ``v`` and ``f``:
on Spark, ``'vip'`` trims to ``'ip'`` and ``'family'`` to ``'amily'``. A regular-expression
replace of leading and trailing whitespace compiles to the same meaning on DuckDB and
Spark, so values read on both engines use :func:`trimmed`. It drops what Python's
``str.strip`` drops (a no-break space too), so a value the engine trims compares equal to
one Python cleaned.
"""

from __future__ import annotations

import ibis.expr.types as ir

SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""What Python's ``str.strip`` drops: every character ``str.isspace`` calls a space
(``\\s`` differs on each engine: RE2 leaves out the vertical tab, Java every non-ASCII
space)."""

SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in SPACES) + "]"
"""One of :data:`SPACES`, as a pattern DuckDB's and Spark's engines read alike (each
character a ``\\x{…}`` escape)."""
EDGE_SPACE = f"^{SPACE}+|{SPACE}+$"


def trimmed(value: ir.StringValue) -> ir.StringValue:
    """``value`` without leading and trailing whitespace, on DuckDB and Spark alike."""
    return value.re_replace(EDGE_SPACE, "")
