"""The REST API and the server-rendered pages: one FastAPI application over the mart.

Example:
    >>> from segmint.api import create_app
    >>> app = create_app(mart="segmint.duckdb")  # doctest: +SKIP
"""

from segmint.api.app import create_app

__all__ = ["create_app"]
