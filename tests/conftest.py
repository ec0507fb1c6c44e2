"""Markers every test directory shares: tests that drive a browser are marked ``browser``
(by the fixture they use), so ``make test-fast`` can leave them out."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
