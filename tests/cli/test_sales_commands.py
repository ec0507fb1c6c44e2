"""``segmint sales``: a bad date names the flag it came from."""

from __future__ import annotations

import pytest

from .conftest import Segmint


@pytest.mark.parametrize("flag", ["--start", "--end"])
def test_a_bad_date_names_its_flag(segmint_cli: Segmint, flag: str) -> None:
    assert segmint_cli("init").exit_code == 0
    result = segmint_cli("sales", "channels", flag, "31/01/2024")
    assert result.exit_code == 2
    assert f"{flag} must be a date written YYYY-MM-DD; got '31/01/2024'." in result.stderr
    assert f"Example: {flag} 2024-12-31." in result.stderr
