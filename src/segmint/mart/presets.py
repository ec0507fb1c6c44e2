"""Presets: the column layouts of well-known exports, so they load with ``--preset NAME``.

Each preset maps mart columns to the export's own column names (with the spellings of
the export's versions as alternatives) and sets the options the export needs: its date
format, how it marks cancellations. Columns of the file the preset does not name go
through the usual guess and the column report (attributes, personal data, reported).

Layouts, as published:

* ``shopify`` — Shopify admin, Orders › Export (CSV for Excel / plain CSV): one row per
  line item; ``Name`` (``#1001``), ``Email``, ``Created at`` (``2024-03-01 10:15:00
  -0500``), ``Lineitem quantity``, ``Lineitem name``, ``Lineitem price``, ``Lineitem sku``,
  ``Lineitem discount``, ``Financial Status``, ``Cancelled at``, billing address columns
  (order-level values only on an order's first row). Shopify help centre, "Exporting
  orders"; the same header list is typed out in e.g. laplace-live/shopify-csv-converter
  (``src/types/index.d.ts``). The export has no customer id: the customer is the e-mail
  address, keyed by a pseudonym (see :func:`segmint.mart.transactions.keyed_by_email`).
* ``woocommerce`` — "Advanced Order Export For WooCommerce" (algolplus, the most
  installed order exporter; WooCommerce itself exports no order lines), default fields,
  one row per product: ``Order Number``, ``Order Status``, ``Order Date`` (``2024-03-01
  14:22``), ``Email (Billing)``, ``City (Billing)``, ``Country Code (Billing)``, ``SKU``,
  ``Item Name``, ``Quantity (- Refund)``, ``Item Cost``… (plugin readme and field list).
* ``uci-online-retail`` — UCI Machine Learning Repository data sets 352 "Online Retail"
  (``InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID,
  Country``) and 502 "Online Retail II" (``Invoice, …, Price, Customer ID, Country``);
  an invoice starting with ``C`` is a cancellation (Chen, Sain & Guo 2012).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from segmint.exceptions import SchemaError


@dataclass(frozen=True)
class Preset:
    """The layout of one export.

    Attributes:
        name: what ``--preset`` takes.
        title: what the export is, in a few words.
        table: the mart target the export loads into.
        columns: mart column → the export's names for it, preferred first.
        required: mart columns the file must provide (through any of their names).
        date_formats: strftime formats of the export's dates (tried after ISO form).
        cancel_prefix: order ids starting with it are cancellations.
        attributes: the export's other columns that are customer attributes; its
            remaining columns are order-level bookkeeping, reported as not used.
        signature: columns every file of the export has.
        recognised: used without ``--preset`` (and without ``--map``) when a file has the
            signature, because guessing column by column misreads the export (Shopify's
            ``Receipt Number`` looks like an order id, ``Name`` is one; WooCommerce has
            six money columns); the UCI layout is guessed right column by column.
    """

    name: str
    title: str
    table: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    date_formats: tuple[str, ...] = ()
    cancel_prefix: str | None = None
    attributes: tuple[str, ...] = ()
    signature: tuple[str, ...] = field(default_factory=tuple)
    recognised: bool = False
    """Columns whose presence says a file is this export (for suggesting the preset)."""

    def mapping(self, found: list[str], source: str) -> dict[str, str]:
        """Mart column → file column for the preset's columns the file has.

        Raises:
            SchemaError: the file lacks a required column under every name the export uses.
        """
        mapping: dict[str, str] = {}
        for target, names in self.columns.items():
            present = [n for n in names if n in found]
            if present:
                mapping[target] = present[0]
        missing = [t for t in self.required if t not in mapping]
        if missing:
            expected = "; ".join(f"{t}: {' or '.join(self.columns[t])}" for t in missing)
            raise SchemaError(
                f"{source} does not look like a {self.title}: it lacks {expected}. "
                f"Found {found}. Load it without --preset (the mapping is guessed) or map "
                f"the columns with --map."
            )
        return mapping


SHOPIFY = Preset(
    name="shopify",
    title="Shopify orders export",
    table="transactions",
    columns={
        "order_id": ("Name",),
        "email": ("Email",),
        "order_ts": ("Created at",),
        "quantity": ("Lineitem quantity",),
        "unit_price": ("Lineitem price",),
        "product_id": ("Lineitem sku",),
        "product_name": ("Lineitem name",),
        "discount": ("Lineitem discount",),
        "status": ("Financial Status",),
        "cancelled_at": ("Cancelled at",),
        "channel": ("Source",),
        "country": ("Billing Country", "Shipping Country"),
        "city": ("Billing City", "Shipping City"),
        "region": ("Billing Province", "Shipping Province"),
        "postcode": ("Billing Zip", "Shipping Zip"),
    },
    required=("order_id", "email", "order_ts", "quantity", "unit_price"),
    attributes=("Accepts Marketing", "Currency"),
    signature=("Name", "Email", "Created at", "Lineitem quantity", "Lineitem price"),
    recognised=True,
)

WOOCOMMERCE = Preset(
    name="woocommerce",
    title="WooCommerce order export (Advanced Order Export)",
    table="transactions",
    columns={
        "order_id": ("Order Number", "Order ID"),
        "customer_id": ("Customer User ID", "Customer ID"),
        "email": ("Email (Billing)", "Customer Email"),
        "order_ts": ("Order Date",),
        "status": ("Order Status",),
        "product_id": ("SKU", "Product ID"),
        "product_name": ("Item Name", "Product Name", "Name"),
        "quantity": ("Quantity (- Refund)", "Quantity"),
        "unit_price": ("Item Cost",),
        "country": ("Country Code (Billing)", "Country Name (Billing)"),
        "city": ("City (Billing)",),
        "region": ("State Code (Billing)", "State Name (Billing)"),
        "postcode": ("Postcode (Billing)",),
    },
    required=("order_id", "order_ts", "quantity", "unit_price"),
    attributes=("Payment Method Title",),
    signature=("Order Number", "Order Date", "Item Cost"),
    recognised=True,
)

UCI_ONLINE_RETAIL = Preset(
    name="uci-online-retail",
    title="UCI Online Retail (I or II) file",
    table="transactions",
    columns={
        "order_id": ("InvoiceNo", "Invoice"),
        "product_id": ("StockCode",),
        "product_name": ("Description",),
        "quantity": ("Quantity",),
        "order_ts": ("InvoiceDate",),
        "unit_price": ("UnitPrice", "Price"),
        "customer_id": ("CustomerID", "Customer ID"),
        "country": ("Country",),
    },
    required=("order_id", "quantity", "order_ts", "unit_price", "customer_id"),
    date_formats=("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%y %H:%M"),
    cancel_prefix="C",
    signature=("StockCode", "InvoiceDate", "Quantity"),
)

PRESETS: dict[str, Preset] = {p.name: p for p in (SHOPIFY, WOOCOMMERCE, UCI_ONLINE_RETAIL)}


def get_preset(name: str) -> Preset:
    """The preset called ``name``.

    Raises:
        SchemaError: no such preset; the message lists them.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise SchemaError(f"unknown preset '{name}'; presets: {', '.join(PRESETS)}") from None


def suggest_preset(found: list[str]) -> Preset | None:
    """The preset whose signature columns the file has, if any."""
    for preset in PRESETS.values():
        if all(c in found for c in preset.signature):
            return preset
    return None


def recognise(found: list[str], table: str) -> Preset | None:
    """The preset a file for ``table`` is read with when no ``--preset`` or ``--map`` is
    given: one marked ``recognised`` whose signature columns the file has."""
    preset = suggest_preset(found)
    return preset if preset is not None and preset.recognised and preset.table == table else None
