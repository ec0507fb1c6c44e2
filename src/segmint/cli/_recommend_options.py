"""Options of the ``recommend`` group (:mod:`.recommend_commands`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Opt = typer.Option
KOption = Annotated[int, Opt("--k", min=1, max=100, help="Items per customer.")]
ExcludeOption = Annotated[
    list[str] | None,
    Opt(
        "--exclude-product",
        help="A product id that is not goods (postage, fees): never counted or recommended "
        "(repeatable).",
    ),
]
SegmentationOption = Annotated[
    str | None,
    Opt(
        "--segmentation",
        help="Stored segmentation whose segments segment popularity counts within. "
        "Default: rfm when stored, else groups by orders and repeat buying.",
    ),
]
METHOD_HELP = "auto (per customer group, what wins on validation), popular, segment-popular, buy-again, rules, item-knn, als, bpr."
MethodOption = Annotated[str, Opt("--method", help=METHOD_HELP)]
SplitDateOption = Annotated[
    str, Opt("--split-date", help="Last day of training data; the test is what came after.")
]
EndOption = Annotated[
    str | None, Opt("--end", help="Last day of the test window. Default: the last order.")
]
MinSupportOption = Annotated[
    float, Opt("--min-support", min=0, max=1, help="Least share of baskets holding a rule.")
]
MinCountOption = Annotated[int, Opt("--min-count", min=1, help="Fewest baskets of a rule.")]
MinCustomersOption = Annotated[
    int,
    Opt(
        "--min-customers",
        min=1,
        help="Fewest different customers with a basket of a rule (one customer's repeat "
        "orders make no rule).",
    ),
]
MinConfidenceOption = Annotated[float, Opt("--min-confidence", min=0, max=1)]
MinLiftOption = Annotated[float, Opt("--min-lift", min=0, help="Least lift.")]
MaxLenOption = Annotated[
    int, Opt("--max-len", min=2, max=3, help="Items per rule: 2 (X → Z) or 3 (X and Y → Z).")
]
LimitOption = Annotated[int, Opt("--limit", min=1, help="Rules printed (all go to --out).")]
RulesOutOption = Annotated[
    Path | None, Opt("--out", help="Write every rule to this .csv or .parquet file.")
]
ExportSegmentationOption = Annotated[
    str | None, Opt("--segmentation", help="With --segment: only that segment's members.")
]
SegmentOption = Annotated[str | None, Opt("--segment", help="A segment of --segmentation.")]
ChannelOption = Annotated[
    str,
    Opt(
        "--channel",
        help="Contact channel; only customers who consented to it and are not on the "
        "suppressions table for it.",
    ),
]
ListsAsOfOption = Annotated[
    str | None,
    Opt(
        "--as-of",
        help="The stored lists of this day (YYYY-MM-DD); nothing is computed. Default: the "
        "latest lists.",
    ),
]
