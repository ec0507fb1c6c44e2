"""Options of the ``recommend`` group (:mod:`.recommend_commands`)."""

from __future__ import annotations

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
