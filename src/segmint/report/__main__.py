"""``python -m segmint.report``: write the self-contained HTML report of a mart.

The same file as ``segmint report`` (both call :func:`segmint.views.report.write_report`),
for a scheduler or a script that does not go through the CLI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from segmint.exceptions import SegmintError
from segmint.mart import connect
from segmint.views.report import report_description, reported_segmentation, write_report
from segmint.workflows import privacy


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, write the report; 0 on success, 2 with a one-line error."""
    parser = argparse.ArgumentParser(
        prog="python -m segmint.report", description="Write the self-contained HTML report."
    )
    parser.add_argument("--mart", type=Path, help="The mart (default: $SEGMINT_MART).")
    parser.add_argument("--out", type=Path, default=Path("report.html"), help="File to write.")
    parser.add_argument("--segmentation", help="Stored segmentation (default: rfm).")
    parser.add_argument("--as-of", dest="as_of", help="Stored date (default: the latest).")
    args = parser.parse_args(argv)
    try:
        with connect(args.mart, read_only=True) as mart:
            written = write_report(mart, args.out, args.segmentation, args.as_of)
            described = report_description(reported_segmentation(mart, args.segmentation))
        with connect(args.mart) as mart:  # listed for purging by every later erasure
            privacy.register_files(mart, [written], "report", described)
    except SegmintError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"report written to {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
