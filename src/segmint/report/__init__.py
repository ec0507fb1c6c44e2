"""The self-contained HTML report service: the overview and every segment on one page.

The report is rendered by :mod:`segmint.views.report` (the same view models as the pages);
this package is the service that writes it, ``python -m segmint.report`` (see
:mod:`segmint.report.__main__`), for schedulers and scripts. ``segmint report`` writes the
same file through the same function.
"""

from segmint.views.report import build_report, write_report

__all__ = ["build_report", "write_report"]
