"""The parsing of ``segmint campaign create``'s dates and uplift selection.

Kept apart from :mod:`segmint.cli.campaign_commands` so the commands read as what they do:
parse, call one use case, print. The parsers load the engine-bound modules they call when a
command runs, not when its help is shown.
"""

from __future__ import annotations

import datetime as dt

from segmint.exceptions import InputError

SELECT_HELP = "Keep only the top share by uplift, e.g. 'uplift-top 30%' (needs --from-campaign)."


def day(text: str | None, flag: str) -> dt.date | None:
    """The date of option ``flag``, or None when it was not given."""
    from segmint.features.asof import parse_flag_date

    return None if text is None else parse_flag_date(text, flag)


def selection(select: str | None, source: str | None) -> tuple[float | None, str | None]:
    """``uplift-top 30%`` as the share 0.3, with the campaign it is learnt from."""
    from segmint.scoring.campaigns import parse_share

    if select is None and source is None:
        return None, None
    words = (select or "").split(maxsplit=1)
    if len(words) != 2 or words[0] != "uplift-top" or source is None:
        raise InputError(
            "an uplift selection is given as `uplift-top 30%` together with --from-campaign "
            f"NAME; got {select!r} and --from-campaign {source!r}."
        )
    return parse_share(words[1]), source
