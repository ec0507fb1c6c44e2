"""The roles the API and pages check.

Tokens are made, stored, listed and revoked by :mod:`segmint.mart.tokens` (the CLI and the
API share that store without importing each other); requests are checked against it in
:mod:`segmint.api.deps`, and page logins are sessions (:mod:`segmint.api.sessions`).
"""

from __future__ import annotations

from segmint.mart.tokens import Role, parse_role

__all__ = ["Role", "parse_role"]
