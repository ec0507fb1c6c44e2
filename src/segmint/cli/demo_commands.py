"""``segmint demo``: a synthetic retailer, loaded, segmented and shown, in one command.

An adapter over :mod:`segmint.workflows.demo`: it generates the files with a progress bar,
builds everything, prints what each step stored, and serves the dashboard.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from segmint.cli._clv_options import MaxIterOption
from segmint.cli._options import MartOption
from segmint.cli._output import err, out, user_errors
from segmint.cli._warnings import iterations_flag
from segmint.cli.serve_commands import DEFAULT_HOST, DEFAULT_PORT, serve
from segmint.scoring.option_defaults import MAX_ITER

if TYPE_CHECKING:
    from segmint.synth.generator import SynthResult
    from segmint.workflows.demo import DemoRun

Opt = typer.Option


@user_errors
@iterations_flag("--max-iter")
def demo(
    customers: Annotated[
        int, Opt("--customers", help="Customers in the synthetic retailer.")
    ] = 50_000,
    seed: Annotated[int, Opt("--seed", help="Random seed of the synthetic retailer.")] = 7,
    data: Annotated[Path, Opt("--data", help="Folder for the generated files.")] = Path(
        "demo-data"
    ),
    mart: MartOption = None,
    no_serve: Annotated[
        bool, Opt("--no-serve", help="Stop after building; do not serve the dashboard.")
    ] = False,
    port: Annotated[int, Opt("--port", help="Port for the dashboard.")] = DEFAULT_PORT,
    max_iter: MaxIterOption = MAX_ITER,
) -> None:
    """Generate a retailer, load it, segment it, and serve the dashboard (unless --no-serve)."""
    from segmint.mart import connect
    from segmint.mart.token_terms import Role
    from segmint.mart.tokens import create_token
    from segmint.workflows import demo as demo_workflow

    made = _generate(data, customers, seed)
    out.print(
        Text.assemble(
            ("synthetic retailer", "bold"),
            f": {customers:,} customers in {data}/ ({made.seconds:.1f} s)",
        )
    )
    with connect(mart) as m:
        run = demo_workflow.build(m, data, max_iter=max_iter)
        show_demo(run)
        out.print(
            f"\nmart: {m.path}. Next: `segmint profile rfm --mart {m.path}`, `segmint segmentations`."
        )
        mart_path = Path(m.path)
        token = None if no_serve else create_token(m, Role.admin, "demo")
    if token is None:
        return
    out.print(
        Text.assemble(
            "\n", ("dashboard", "bold"), f": http://{DEFAULT_HOST}:{port}/  (Ctrl+C to stop)"
        )
    )
    out.print("log in with this admin token:", highlight=False)
    out.print(token, highlight=False, soft_wrap=True)
    serve(DEFAULT_HOST, port, mart_path)


def _generate(data: Path, customers: int, seed: int) -> SynthResult:
    """The synthetic retailer's files, with a progress bar on stderr."""
    from segmint.workflows import demo as demo_workflow

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    with Progress(
        *columns, TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal
    ) as bar:
        task = bar.add_task("generating customers", total=customers)
        return demo_workflow.generate(
            data, customers, seed, on_progress=lambda done: bar.update(task, completed=done)
        )


def show_demo(run: DemoRun) -> None:
    """Print what the demo loaded, stored and computed, step by step."""
    from segmint.cli._campaign_output import print_created
    from segmint.cli._campaign_results_output import print_results
    from segmint.cli._migration_output import print_moves
    from segmint.cli._money_output import print_money
    from segmint.cli._predict_output import show_prediction
    from segmint.cli._recommend_output import show_fit
    from segmint.cli._segment_output import show_run, show_value
    from segmint.cli.persona_commands import show_card
    from segmint.workflows.segment import SegmentationRun

    for result in run.loads:
        out.print(f"  {result.summary()}", highlight=False)
    for segmentation in run.segmentations:
        show_run(segmentation)
    print_moves(run.migration, [r.name for r in run.earlier])
    for profiled in run.profiles:
        print_money(profiled)
    out.print(
        f"CLV ({run.clv.model}, next 52 weeks): {run.clv.n_customers:,} buyers scored, "
        f"{run.clv.totals['clv']:,.0f} expected in total",
        highlight=False,
    )
    show_prediction(run.churn)
    show_value(run.value)
    c = run.clusters
    show_run(SegmentationRun(c.name, c.version, c.as_of, c.sizes, c.details))
    for card in run.personas:
        show_card(card)
    show_fit(run.recommendations)
    if run.campaign is not None:
        print_created(run.campaign)
    if run.measured is not None:
        print_results(run.measured)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(demo)
