"""The self-contained HTML report: the overview and every segment on one page, for management.

See :func:`segmint.report.build.build_report`.
"""

from segmint.report.build import build_report, write_report

__all__ = ["build_report", "write_report"]
