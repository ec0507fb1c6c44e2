"""Every token of the snapshot being served, read once per snapshot.

Tokens are checked against :class:`TokenCache`, every token of the served snapshot read in
one query the first time one is needed after the server starts or switches to a new snapshot
(a new token, a revocation and an expiry all arrive that way). An unknown token, however
many arrive, costs no query at all.
"""

from __future__ import annotations

import threading

from segmint.mart.tokens import TokenInfo, load_tokens
from segmint.serving.snapshot_pool import SnapshotPool


class TokenCache:
    """Every token of the snapshot being served, by hash, read once per snapshot.

    The whole table is the cache, so an unknown token is answered from memory: a flood of
    made-up tokens costs no query. :meth:`clear` (on a switch to a new snapshot) makes the
    next check read the table again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: tuple[int, dict[str, TokenInfo]] | None = None
        self.loads = 0
        """Times the table was read (for tests and diagnostics)."""

    def tokens(self, generation: int) -> dict[str, TokenInfo] | None:
        """The tokens of snapshot ``generation`` when already read, else None."""
        with self._lock:
            loaded = self._loaded
        return loaded[1] if loaded is not None and loaded[0] == generation else None

    def load(self, pool: SnapshotPool) -> dict[str, TokenInfo]:
        """Read the tokens of the snapshot being served (one query)."""
        with pool.lease_numbered() as (generation, mart):
            tokens = load_tokens(mart)
        with self._lock:
            self.loads += 1
            if self._loaded is None or self._loaded[0] <= generation:
                self._loaded = (generation, tokens)
        return tokens

    def clear(self) -> None:
        """Forget the tokens read (a new snapshot is served)."""
        with self._lock:
            self._loaded = None

    def info(self, pool: SnapshotPool, token_hash: str) -> TokenInfo | None:
        """The stored token with hash ``token_hash`` in the snapshot ``pool`` serves now
        (reads the table when not read yet)."""
        tokens = self.tokens(pool.generation)
        if tokens is None:
            tokens = self.load(pool)
        return tokens.get(token_hash)
