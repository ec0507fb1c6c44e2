"""Files segmint writes with personal data in them are readable by their owner only.

Send lists, audience and recommendation exports and subject-access files carry e-mail
addresses, phone numbers or at least customer ids; like the mart itself (mode 0600,
:mod:`segmint.mart.snapshot`), they must not be readable by every account on the machine.
The file is created with that mode before anything is written to it, and its mode is set
again after the writer is done, since some writers (the engine's ``COPY``) may replace it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PRIVATE_MODE = 0o600
"""Read and write for the owner, nothing for anyone else."""


def create_private(path: Path) -> Path:
    """``path`` created empty (or emptied) with mode :data:`PRIVATE_MODE`, ready to write."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE))
    path.chmod(PRIVATE_MODE)  # an existing file keeps its mode through open
    return path


@contextmanager
def private_file(path: Path) -> Iterator[Path]:
    """``path`` made by :func:`create_private` for the block to write, with its mode set
    again after the block (a writer may have replaced the file)."""
    yield create_private(path)
    path.chmod(PRIVATE_MODE)
