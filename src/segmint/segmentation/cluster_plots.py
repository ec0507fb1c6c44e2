"""The elbow and silhouette plots of the choice of k, as CSV plus self-contained SVG.

matplotlib and plotly are not dependencies of segmint, so the plots are drawn as small
SVG line charts by hand (any browser opens them) and the numbers are written as CSV for
any other tool. The chosen k is marked in red.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segmint.mart import csv_safety

WIDTH, HEIGHT, MARGIN = 420, 260, 48


def write_selection_plots(table: pd.DataFrame, chosen: int, folder: Path) -> list[Path]:
    """Write ``k_selection.csv``, ``elbow.svg`` and ``silhouette.svg`` to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "k_selection.csv"
    csv_safety.to_csv(table, csv)
    written = [csv]
    for column, title, file in (
        ("inertia", "Elbow: mean squared distance to centroid", "elbow.svg"),
        ("silhouette", "Silhouette (higher is better)", "silhouette.svg"),
    ):
        path = folder / file
        path.write_text(line_chart(table.k.tolist(), table[column].tolist(), chosen, title))
        written.append(path)
    return written


def line_chart(xs: list[int], ys: list[float], chosen: int, title: str) -> str:
    """An SVG line chart of ``ys`` over ``xs`` with the point at ``chosen`` marked."""
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0
    x_span = (max(xs) - min(xs)) or 1

    def at(x: float, y: float) -> tuple[float, float]:
        px = MARGIN + (x - min(xs)) / x_span * (WIDTH - 2 * MARGIN)
        py = HEIGHT - MARGIN - (y - low) / span * (HEIGHT - 2 * MARGIN)
        return round(px, 1), round(py, 1)

    points = " ".join(f"{px},{py}" for px, py in (at(x, y) for x, y in zip(xs, ys, strict=True)))
    marks = []
    for x, y in zip(xs, ys, strict=True):
        px, py = at(x, y)
        colour = "#c0392b" if x == chosen else "#2c3e50"
        marks.append(f'<circle cx="{px}" cy="{py}" r="{5 if x == chosen else 3}" fill="{colour}"/>')
        marks.append(
            f'<text x="{px}" y="{HEIGHT - MARGIN + 16}" font-size="11" text-anchor="middle">{x}</text>'
        )
    axis = HEIGHT - MARGIN
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif">'
        f'<text x="{WIDTH / 2}" y="20" font-size="13" text-anchor="middle">{title}</text>'
        f'<line x1="{MARGIN}" y1="{axis}" x2="{WIDTH - MARGIN}" y2="{axis}" stroke="#999"/>'
        f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{axis}" stroke="#999"/>'
        f'<text x="{MARGIN - 4}" y="{MARGIN + 4}" font-size="10" text-anchor="end">{high:.3g}</text>'
        f'<text x="{MARGIN - 4}" y="{axis}" font-size="10" text-anchor="end">{low:.3g}</text>'
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 8}" font-size="11" text-anchor="middle">k</text>'
        f'<polyline points="{points}" fill="none" stroke="#2c3e50" stroke-width="2"/>'
        + "".join(marks)
        + "</svg>\n"
    )
