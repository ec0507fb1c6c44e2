"""Where every column of a loaded file goes: a mart column, a customer attribute, or a reason.

A load accounts for its file's columns the way it accounts for its rows: each column is

* ``loaded`` into a mart column (``customers.country``, ``order_lines.quantity``…);
* an ``attribute``: a column of a customers file that is not a mart column, or a
  customer-level column of a transactions file (the same value on all of a customer's
  rows: country, city, a loyalty tier), stored in ``customer_attributes`` under its
  normalised name (:func:`attribute_name`) with its value as text;
* ``ignored`` because the user said so (``--ignore COL``);
* ``reported``: not loaded, with the reason and what to do (personal data that belongs in
  ``customer_pii``, a column that varies within a customer's orders…).

Columns in equal columns out: :func:`check_accounted` fails a load that would lose one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from segmint.exceptions import InputError, SchemaError

Fate = Literal["loaded", "attribute", "ignored", "reported"]
FATES: tuple[Fate, ...] = ("loaded", "attribute", "ignored", "reported")


@dataclass(frozen=True)
class ColumnUse:
    """What a load did with one column of its file.

    Attributes:
        column: the column as the file names it.
        fate: loaded, attribute, ignored or reported.
        target: the mart column (``table.column``) or the attribute name; empty otherwise.
        note: more about it: the band order, conflicts found, why it was not loaded.
    """

    column: str
    fate: Fate
    target: str = ""
    note: str = ""

    def describe(self) -> str:
        """``Country → attribute country (…)``: one line of the load's column report."""
        where = {
            "loaded": f"→ {self.target}",
            "attribute": f"→ attribute {self.target}",
            "ignored": "ignored (--ignore)",
            "reported": "not loaded",
        }[self.fate]
        return f"{self.column} {where}" + (f": {self.note}" if self.note else "")


_PII = {
    "email": ("email", "e_mail", "mail", "email_address", "emailaddress", "customer_email"),
    "phone": ("phone", "telephone", "tel", "mobile", "cell", "phone_number", "mobile_phone"),
    "first_name": ("first_name", "firstname", "given_name", "forename"),
    "last_name": ("last_name", "lastname", "surname", "family_name"),
    "address": ("address", "street", "address1", "address2", "street_address", "address_line"),
}
_PII_WORDS = re.compile(
    r"(^|_)(e_?mail|phone|telephone|mobile|first_?name|last_?name|surname|full_?name|"
    r"address\d?|street|password|ssn|passport|ip_address|date_of_birth|dob)(_|$)"
)
_PII_NAME = re.compile(r"^(name|customer_name|billing_name|shipping_name|contact_name)$")


def attribute_name(column: str) -> str:
    """The attribute name of a file column: lower case, runs of other characters as ``_``.

    ``Customer Segment`` → ``customer_segment``; ``Loyalty-Tier`` → ``loyalty_tier``.
    """
    return re.sub(r"\W+", "_", column.strip().lower()).strip("_") or "attribute"


def attribute_names(columns: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """File column → unique attribute name; a clash gets ``_2``, ``_3``… in column order."""
    used = set(taken)
    names: dict[str, str] = {}
    for column in columns:
        base = attribute_name(column)
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        names[column] = name
    return names


def personal_data(column: str) -> str | None:
    """The ``customer_pii`` column a file column looks like (``email``…), or None."""
    name = attribute_name(column)
    for target, spellings in _PII.items():
        if name in spellings:
            return target
    if _PII_WORDS.search(name) or _PII_NAME.match(name):
        return "personal data"
    return None


def pii_report(column: str) -> ColumnUse:
    """The report for a column that looks like personal data: it stays out of attributes."""
    target = personal_data(column) or "personal data"
    hint = (
        f"load it with `segmint ingest customer_pii FILE --map {target}={column}`"
        if target != "personal data"
        else "personal data belongs in customer_pii (segmint ingest customer_pii FILE)"
    )
    return ColumnUse(
        column, "reported", note=f"looks like personal data, kept out of attributes; {hint}"
    )


def check_ignore(ignore: Sequence[str], found: Sequence[str], source: str) -> None:
    """Raise when ``--ignore`` names a column the file does not have."""
    for name in ignore:
        if name not in found:
            raise SchemaError(
                f"{source}: --ignore {name}: the file has no column '{name}'; found {list(found)}"
            )


def check_accounted(uses: Sequence[ColumnUse], found: Sequence[str], source: str) -> None:
    """Raise when the column report does not cover every file column exactly once."""
    reported = [u.column for u in uses]
    if sorted(reported) != sorted(found):
        raise InputError(
            f"{source}: internal error: columns in {sorted(found)} != columns out {sorted(reported)}"
        )


def route(
    found: Sequence[str],
    mapping: dict[str, str],
    table: str,
    canonical: Sequence[str],
    ignore: Sequence[str] = (),
) -> tuple[list[ColumnUse], list[str]]:
    """The uses of the file columns a mapping decides, and the columns left for the caller.

    Args:
        found: the file's columns.
        mapping: mart column → file column (given or guessed).
        table: the target's name, for ``table.column`` targets.
        canonical: the target's columns.
        ignore: columns the user dropped with ``--ignore``.

    Returns:
        (uses of the loaded, ignored and displaced columns, the other columns in file order)
    """
    sources = {source: target for target, source in mapping.items()}
    uses: list[ColumnUse] = []
    rest: list[str] = []
    for column in found:
        if column in ignore:
            uses.append(ColumnUse(column, "ignored"))
        elif column in sources:
            uses.append(ColumnUse(column, "loaded", f"{table}.{sources[column]}"))
        elif column in canonical and column in mapping:
            uses.append(
                ColumnUse(
                    column,
                    "reported",
                    note=f"not loaded: --map {column}={mapping[column]} takes its place",
                )
            )
        elif column in canonical:
            uses.append(ColumnUse(column, "loaded", f"{table}.{column}"))
        else:
            rest.append(column)
    return uses, rest
