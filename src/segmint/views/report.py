"""Build the self-contained report: one HTML file with its styles and plotly.js inlined.

It shows the dashboard's overview (KPIs, segment shares, buyers per month), one section
per segment (money, what sets it apart, top products) for a stored segmentation as of a
stored date, and the management sections (campaign tracking with each campaign's notes,
channel sales, segment sales over the last twelve months); before any segmentation is stored
it shows campaign tracking and channel sales and says what is absent and how to add it. All
are computed by the same functions as the pages, ``segmint profile``, ``segmint campaign
results`` and ``segmint sales``. Amounts carry the shop's currency when one is set (``segmint
currency``). The file makes no network request, so it can be mailed and opened anywhere.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from plotly.offline import get_plotlyjs

from segmint.exceptions import MartError
from segmint.insight import SegmentProfile
from segmint.mart import Mart
from segmint.mart.clock import utcnow
from segmint.mart.shop_settings import shop_currency
from segmint.views import management
from segmint.views.dashboard import NO_SEGMENTATIONS, Dashboard
from segmint.views.formatting import TEMPLATES, install
from segmint.views.plots import figures

TOP_SEGMENTS = 30
"""Segments given their own section (most valuable per member first)."""


ABSENT_WITHOUT_SEGMENTATION = (
    "The overview, the segments and segment sales are absent: no segmentation is stored yet."
    " Run `segmint segment rfm` (or `segmint demo` for a demo mart), then `segmint report`"
    " again to add them."
)
"""Said at the top of a report written before any segmentation is stored."""

NO_ORDERS = (
    "the mart {path} has no orders, and every section of the report reads them (--as-of "
    "cannot stand in for them: it names a date of stored results). Load orders first "
    "(`segmint ingest orders FILE`, or `segmint ingest transactions FILE` for one row per "
    "order line), then run `segmint report` again."
)
"""The error of a report asked of a mart without orders, with or without --as-of."""


def reported_segmentation(
    mart: Mart, segmentation: str | None = None, dashboard: Dashboard | None = None
) -> str | None:
    """The segmentation a report of ``segmentation`` shows: that one (checked), by default
    rfm, else lifecycle, else the first stored; None when none is stored and none is asked.

    Raises:
        MartError: ``segmentation`` is not stored.
    """
    dashboard = dashboard or Dashboard()
    if segmentation is None and not dashboard.names(mart):
        return None
    if segmentation:
        return dashboard.check(mart, segmentation)
    return dashboard.default_segmentation(mart)


def report_description(segmentation: str | None) -> str:
    """How the export registry lists a report of ``segmentation`` (as
    :func:`reported_segmentation` names it): ``HTML report (lifecycle)``, or ``HTML report
    (no segmentation)`` for one written before any was stored."""
    return f"HTML report ({segmentation or 'no segmentation'})"


def build_report(mart: Mart, segmentation: str | None = None, as_of: str | None = None) -> str:
    """The report's HTML for ``segmentation`` (default: rfm, else the first stored) as of ``as_of``.

    Before any segmentation is stored (and none is asked for) the report still shows what
    reads the orders alone, campaign tracking and channel sales, and says which sections are
    absent and the command that adds them.

    Raises:
        MartError: the mart holds no orders, unknown segmentation, no results that day, or
            ``as_of`` asked of a mart with no segmentation stored (the dates are those of
            stored results).
        InputError: ``as_of`` is not a YYYY-MM-DD date.
    """
    if not mart.count("orders"):
        raise MartError(NO_ORDERS.format(path=mart.path))
    dashboard = Dashboard()
    currency = shop_currency(mart)
    name = reported_segmentation(mart, segmentation, dashboard)
    if name is None:
        if as_of is not None:
            raise MartError(f"--as-of {as_of} names a date of stored results; {NO_SEGMENTATIONS}")
        return _render(
            name=None,
            absent=ABSENT_WITHOUT_SEGMENTATION,
            management=management.report_sections(dashboard, mart, None, currency),
            currency=currency,
        )
    day = dashboard.resolve(mart, name, as_of, param=None)  # the CLI's --as-of
    view = dashboard.overview(mart, name, day)
    result = dashboard.profile(mart, name, day)
    kind = dashboard.kinds(mart).get(name)
    return _render(
        view=view,
        result=result,
        name=name,
        absent=None,
        kind=kind,
        segments=view.segments.to_dict("records"),
        shares=figures.segment_shares(view.segments, kind=kind),
        trend=figures.buyer_trend(view.trend),
        treemap=figures.segment_treemap(
            result.overview, kind=kind, currency=currency, history_days=result.history_days
        ),
        sections=_sections(dashboard, mart, name, day, result),
        management=management.report_sections(dashboard, mart, name, currency),
        currency=currency,
    )


def _sections(
    dashboard: Dashboard, mart: Mart, name: str, day: dt.date, result: SegmentProfile
) -> list[dict[str, Any]]:
    """One section for each of the ``TOP_SEGMENTS`` most valuable segments of ``result``
    (``name`` as of ``day``): its money, what sets it apart and its top five products."""
    sections = []
    for row in result.overview.head(TOP_SEGMENTS).to_dict("records"):
        segment = str(row["segment"])
        features = result.distinguishing[result.distinguishing.segment == segment]
        products = dashboard.top_products(mart, name, segment, day)
        sections.append(
            {
                "row": row,
                "costs_known": result.money.costs_known,
                "features": figures.distinguishing(features) if len(features) else None,
                "products": products.head(5).to_dict("records"),
            }
        )
    return sections


def _render(**context: Any) -> str:
    """``report.html`` with ``context``, the inlined styles and plotly.js, and the time."""
    env = install(
        jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
    )
    css = resources.files("segmint.views").joinpath("static/app.css").read_text()
    return env.get_template("report.html").render(
        **context,
        css=css,
        plotly_js=get_plotlyjs(),
        generated=utcnow().strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_report(
    mart: Mart, out: Path, segmentation: str | None = None, as_of: str | None = None
) -> Path:
    """Write :func:`build_report` to ``out`` (UTF-8) and return the path."""
    out.write_text(build_report(mart, segmentation, as_of), encoding="utf-8")
    return out
