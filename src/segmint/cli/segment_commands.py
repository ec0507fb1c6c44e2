"""Commands that make and list segmentations: segment rfm|lifecycle|rules, segmentations, assignments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from segmint import workflows
from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, out, steps, user_errors
from segmint.exceptions import InputError
from segmint.features import parse_as_of
from segmint.mart import connect, csv_safety
from segmint.mart.csv_safety import neutralise_table
from segmint.segmentation import store
from segmint.workflows import SegmentationRun

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Compute as of the end of this day (YYYY-MM-DD). Default: the last day with orders.",
    ),
]
NameOption = Annotated[
    str | None, typer.Option("--name", help="Store under this name instead of the default.")
]

segment_app = typer.Typer(
    help="Segment customers (RFM, lifecycle, rules) and store the result.", no_args_is_help=True
)


@segment_app.command("rfm")
@user_errors
def rfm(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    bins: Annotated[int, typer.Option("--bins", help="Score levels for R, F and M (2-10).")] = 5,
    map_file: Annotated[
        Path | None,
        typer.Option("--map", help="Your own segment map (YAML, like the shipped rfm_map.yaml)."),
    ] = None,
    name: NameOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """RFM scores by quantile and the 11 named RFM segments."""
    with connect(mart) as m, steps("RFM") as step:
        step("building features")
        run = workflows.run_rfm(m, as_of, bins=bins, map_path=map_file, name=name or "rfm")
    show_run(run, format_)


@segment_app.command("lifecycle")
@user_errors
def lifecycle(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    new_days: Annotated[
        float | None, typer.Option(help="A first order this recent makes a customer new.")
    ] = None,
    loyal_orders: Annotated[
        int | None, typer.Option(help="Orders needed, while active, to be loyal.")
    ] = None,
    active_after: Annotated[
        float | None, typer.Option(help="Active while recency ≤ this × own cadence.")
    ] = None,
    lapsed_after: Annotated[
        float | None, typer.Option(help="At risk up to this × cadence, lapsed beyond.")
    ] = None,
    churned_after: Annotated[
        float | None, typer.Option(help="Lapsed up to this × cadence, churned beyond.")
    ] = None,
    name: NameOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Lifecycle stages: prospect, new, reactivated, loyal, active, at risk, lapsed, churned."""
    with connect(mart) as m, steps("lifecycle") as step:
        step("building features")
        run = workflows.run_lifecycle(
            m,
            as_of,
            name=name or "lifecycle",
            new_days=new_days,
            loyal_orders=loyal_orders,
            active_after=active_after,
            lapsed_after=lapsed_after,
            churned_after=churned_after,
        )
    show_run(run, format_)


@segment_app.command("rules")
@user_errors
def rules(
    name: Annotated[str, typer.Argument(help="Name to store the segmentation under.")],
    file: Annotated[
        Path, typer.Option("--file", help="Rules file (YAML): segments with `where` conditions.")
    ],
    mart: MartOption = None,
    as_of: AsOfOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Segments from readable conditions over features, attributes and other segmentations."""
    with connect(mart) as m, steps(f"rules {name}") as step:
        step("building features")
        run = workflows.run_rules(m, name, file, as_of)
    show_run(run, format_)


@user_errors
def segmentations(mart: MartOption = None, format_: FormatOption = OutputFormat.human) -> None:
    """List stored segmentations with their versions and dates."""
    with connect(mart, read_only=True) as m:
        frame = store.segmentations(m).execute()
    if format_ == OutputFormat.json:
        typer.echo(frame.to_json(orient="records", date_format="iso"))
        return
    if format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(frame), nl=False)
        return
    view = Table(
        "segmentation",
        "version",
        "kind",
        "dates",
        "latest as_of",
        "segments",
        title="segmentations",
    )
    for r in frame.itertuples(index=False):
        view.add_row(
            r.segmentation,
            str(r.version),
            r.kind,
            str(r.n_as_of),
            str(r.last_as_of)[:10],
            str(r.n_segments),
        )
    out.print(view)
    if frame.empty:
        err.print("none yet: try `segmint segment rfm`")


@user_errors
def assignments(
    segmentation: Annotated[str, typer.Argument(help="Segmentation name, e.g. rfm.")],
    out_file: Annotated[
        Path,
        typer.Option("--out", help="Write customer_id, segment to this .csv or .parquet file."),
    ],
    mart: MartOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Write a segmentation's customer_id, segment pairs to a CSV or Parquet file."""
    suffix = out_file.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"--out {out_file}: use a .csv or .parquet file name")
    with connect(mart, read_only=True) as m:
        day = parse_as_of(as_of) if as_of else None
        rows = store.assignments(m, segmentation, day).order_by("customer_id")
        if suffix == ".csv":
            neutralise_table(rows).to_csv(out_file)
        else:
            rows.to_parquet(out_file)
        n = int(rows.count().execute())
    err.print(f"wrote {n:,} customers to {out_file}")


def show_run(run: SegmentationRun, format_: OutputFormat = OutputFormat.human) -> None:
    """Print a stored run: segment sizes and shares (a table, or JSON/CSV for scripts)."""
    total = int(run.sizes.sum())
    if format_ != OutputFormat.human:
        frame = run.sizes.rename("members").reset_index()
        frame["share"] = frame["members"] / max(total, 1)
        typer.echo(
            frame.to_json(orient="records")
            if format_ == OutputFormat.json
            else csv_safety.to_csv(frame)
        )
        return
    title = f"{run.name} v{run.version} as of {run.as_of.isoformat()}: {total:,} customers"
    view = Table("segment", "members", "share", "", title=title)
    for segment, members in run.sizes.items():
        share = members / max(total, 1)
        view.add_row(
            str(segment),
            f"{members:,}",
            f"{share:6.1%}",
            "█" * max(1, round(share * 40)) if members else "",
        )
    out.print(view)
    if run.details:
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in run.details.items())
        out.print(f"[dim]{shown}[/]", highlight=False)


def _fmt(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.add_typer(segment_app, name="segment")
    app.command()(segmentations)
    app.command()(assignments)
