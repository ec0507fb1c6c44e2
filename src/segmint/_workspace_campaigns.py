"""The campaign use cases of a :class:`~segmint.workspace.Workspace`: ``ws.campaigns``.

``segmint campaign create|power|export|results|list`` from a notebook: each method calls
the function of :mod:`segmint.workflows.campaigns` the command calls, with the command's
options as keywords, so a campaign designed in Python has the audience (consent and
suppression applied), the split and the numbers the command gives for the same inputs.
Dates are a date, a datetime or ``YYYY-MM-DD`` text, as everywhere in the Python API.

Kept apart from :mod:`segmint.workspace` so that module stays a short table of contents.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from segmint._workspace_args import stores, values
from segmint.mart import Mart
from segmint.models.experiments import PowerResult
from segmint.scoring.campaigns import CampaignResults, CreatedCampaign
from segmint.scoring.campaigns.send import Manifest
from segmint.workflows import campaigns

__all__ = ["CampaignUseCases"]


class CampaignUseCases:
    """The campaign use cases of a workspace (``segmint campaign …``): ``ws.campaigns.create()``,
    ``.power()``, ``.export()``, ``.results()``, ``.list()``.

    Example, the whole loop on a mart with a stored ``rfm`` segmentation::

        created = ws.campaigns.create("winback", "rfm", ["At Risk", "Hibernating"], "email",
                                      holdout_share=0.2, as_of="2025-06-30")
        ws.campaigns.export("winback", "send/winback.csv")   # consenting targets only
        ws.campaigns.results("winback").as_dict()            # lifts, SRM, ROI
    """

    GROUP = "campaigns"
    """How the workspace names the group (``ws.campaigns``), for the messages."""

    def __init__(self, mart: Mart) -> None:
        self.mart = mart

    @stores
    def create(
        self,
        name: str,
        segmentation: str,
        segments: str | Iterable[str],
        channel: str,
        **settings: Any,
    ) -> CreatedCampaign:
        """Create campaign ``name`` on ``channel`` from ``segments`` (one name or several) of
        the stored ``segmentation``: the customers whose latest consent for the channel is
        granted and who are not suppressed, split into target and control and written once
        (creating the name again is refused: an assignment is never redrawn).

        Settings are the fields of :class:`~segmint.workflows.campaigns.CreateOptions` as
        keywords: ``holdout_share=`` (``--holdout-share``), ``stratify_by=``,
        ``random_state=`` (the seed of the split, ``--seed``), ``start=``, ``end=``,
        ``cost_per_contact=``, ``as_of=`` (the segments' date), ``expected_lift=``,
        ``window_days=``, and ``select_share=`` with ``select_from=`` for the uplift top
        share (the command's ``"uplift-top 30%"`` learnt ``--from-campaign C`` is
        ``select_share=0.3, select_from="C"``). Without ``cost_per_contact=`` the cost is
        stored as unknown and :meth:`results` notes it; ``cost_per_contact=0`` means free
        contacts.

        Raises:
            CampaignExistsError: a campaign of that name exists.
            InputError: a bad design or date, a segment the segmentation does not have, or
                nobody eligible.
            MartError: the segmentation is not stored.
        """
        options = campaigns.CreateOptions(segmentation, values(segments), channel, **settings)
        return campaigns.create(self.mart, name, options)

    def power(self, baseline_rate: float, **settings: Any) -> PowerResult:
        """Members needed to detect a lift at ``baseline_rate`` (+10 % unless told), or the
        smallest lift an audience can detect (fields of
        :class:`~segmint.workflows.campaigns.PowerOptions` as keywords: ``lift=``,
        ``holdout_share=``, ``n_total=`` the audience size of ``--audience``,
        ``cuped_correlation=``, ``alpha=``, ``power=``)."""
        return campaigns.power(campaigns.PowerOptions(baseline_rate, **settings))

    @stores
    def export(self, name: str, out: Path | str, *, actor: str | None = None) -> Manifest:
        """Write the target group of campaign ``name`` that may be contacted now (consent
        read now, suppression applied) to a ``.csv`` or ``.parquet`` file, with
        ``<file>.manifest.json`` beside it; the file is registered as an export.

        Raises:
            MartError: no such campaign, or it has no channel.
            InputError: another file type.
        """
        return campaigns.export(self.mart, name, Path(out), actor=actor)

    def results(self, name: str, **settings: Any) -> CampaignResults:
        """Measure campaign ``name``: lifts with Welch, bootstrap and CUPED intervals, SRM,
        segments and ROI, intention to treat (fields of
        :class:`~segmint.workflows.campaigns.ResultsOptions` as keywords, the options of
        ``segmint campaign results``: ``window_days=``, ``pre_days=``, ``segmentation=``,
        ``attribute=``, ``min_segment_size=``, ``cost_per_contact=``, ``start=`` (the
        window's first day in place of the campaign's start date), ``holdout_share=``
        (the control share the sample-ratio check expects, in place of the campaign's own),
        ``random_state=`` (the seed of the bootstrap intervals, ``--seed``: the same seed
        gives the same result); and ``n_resamples=``).

        Raises:
            MartError: no such campaign, or no start date and no ``start=``.
            InputError: a bad window, date or planned holdout.
        """
        return campaigns.results(self.mart, name, campaigns.ResultsOptions(**settings))

    def list(self) -> pd.DataFrame:
        """Every campaign with its channel, dates, planned holdout and group sizes, the
        latest start first."""
        return campaigns.campaigns(self.mart)
