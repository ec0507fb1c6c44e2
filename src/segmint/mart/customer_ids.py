"""Customer ids given from Python as numbers, written as the mart stores them.

Ingest stores every identifier as text, an integral number without its ``.0``
(:func:`segmint.mart.parsing.parse_text`): Online Retail's ``Customer ID`` 13085.0 is
stored as ``13085``. A script that reads ids from the same file with pandas holds them as
floats (or integers), and ``str(13085.0)`` is ``'13085.0'``, an id the mart does not hold:
forgetting it would forget nobody. :func:`customer_id_text` writes a number as ingest
would, so the ids a user names from Python find the customers they mean. Text is kept as
it is: ids are matched exactly, and ``'13085.0'`` may be a shop's real id.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from segmint.exceptions import InputError

CustomerId = str | int | float
"""A customer id as a caller may give it: text as the mart holds it, or a number."""


def customer_id_text(value: object) -> str:
    """``value`` as the mart's id text: text as is, a whole number without ``.0``.

    Raises:
        TypeError: ``value`` is neither text nor a number (a boolean, ``None``, a list).
        InputError: ``value`` is a missing number (NaN) or infinite.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"a customer id is text or a number; got {value!r} ({type(value).__name__}). "
            "Give the id as the mart holds it, e.g. '13085'."
        )
    if isinstance(value, numbers.Integral):
        return str(int(value))
    number = float(value)
    if not math.isfinite(number):
        raise InputError(
            f"a customer id cannot be {number!r}: the id is missing. Drop the rows without "
            "an id (pandas: .dropna()) before passing the ids."
        )
    return str(int(number)) if number.is_integer() else str(number)


def customer_id_texts(values: CustomerId | Iterable[CustomerId]) -> list[str]:
    """Each of ``values`` as the mart's id text; one id (text or a number) is a list of one,
    not the characters of the text."""
    if isinstance(values, str | int | float | numbers.Real):
        return [customer_id_text(values)]
    return [customer_id_text(value) for value in values]
