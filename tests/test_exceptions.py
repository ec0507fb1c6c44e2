"""Errors whose advice names settings the way their reader sets them."""

from __future__ import annotations

import pytest

from segmint.exceptions import AdvisedInputError, InputError


def test_the_message_names_the_python_settings_and_naming_spells_them_otherwise() -> None:
    error = AdvisedInputError(
        "the response window must be at least 1 day; got 0.",
        "Set {window_days} to 1 or more, or {window_days} and {pre_days} both.",
    )
    assert isinstance(error, InputError)
    assert str(error) == (
        "the response window must be at least 1 day; got 0. "
        "Set window_days to 1 or more, or window_days and pre_days both."
    )
    assert error.settings() == ("window_days", "pre_days")
    flagged = error.naming(lambda name: "--" + name.replace("_", "-"))
    assert flagged == (
        "the response window must be at least 1 day; got 0. "
        "Set --window-days to 1 or more, or --window-days and --pre-days both."
    )


@pytest.mark.parametrize("name", ["{holdout_share}", "{0}", "{", "a}b{c"])
def test_a_finding_that_quotes_braces_is_shown_as_given(name: str) -> None:
    """Only the advice is a template: a campaign named ``{holdout_share}`` stays so."""
    error = AdvisedInputError(f"campaign '{name}' is too small.", "Raise {holdout_share}.")
    assert str(error) == f"campaign '{name}' is too small. Raise holdout_share."
    assert error.naming(str.upper) == f"campaign '{name}' is too small. Raise HOLDOUT_SHARE."
