"""What users say of access tokens (:mod:`segmint.mart.tokens`): their roles and the length
of their ids. Kept apart from the token store, which needs the engine, so that the ``token``
commands' help names them at once."""

from __future__ import annotations

from enum import StrEnum

ID_LENGTH = 12
"""Hex digits of a token's hash shown as its id (48 bits: unique among any real list)."""


class Role(StrEnum):
    """What a token may see; each role sees everything the previous one sees."""

    viewer = "viewer"
    analyst = "analyst"
    admin = "admin"

    @property
    def rank(self) -> int:
        """0 for viewer, 1 for analyst, 2 for admin."""
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """True when this role may see what ``needed`` may see."""
        return self.rank >= needed.rank
