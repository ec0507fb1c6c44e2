"""``segmint demo``: a synthetic retailer, loaded, segmented and shown, in one command."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from segmint import workflows
from segmint.cli._options import MartOption
from segmint.cli._output import err, out, user_errors
from segmint.cli.cluster_commands import show_card
from segmint.cli.clv_commands import show_value
from segmint.cli.insight_commands import print_money
from segmint.cli.predict_commands import show_prediction
from segmint.cli.segment_commands import show_run
from segmint.cli.serve_commands import DEFAULT_HOST, DEFAULT_PORT, serve
from segmint.insight import profile
from segmint.insight.personas import personas
from segmint.mart import connect
from segmint.mart.folder import files_to_load
from segmint.mart.ingest import IngestOptions, ingest
from segmint.mart.tokens import Role, create_token
from segmint.scoring.propensity import run_prediction
from segmint.segmentation.clusters import run_clusters
from segmint.segmentation.value import run_value
from segmint.synth import synthesize
from segmint.workflows import SegmentationRun


@user_errors
def demo(
    customers: Annotated[
        int, typer.Option("--customers", help="Customers in the synthetic retailer.")
    ] = 50_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the synthetic retailer.")] = 7,
    data: Annotated[Path, typer.Option("--data", help="Folder for the generated files.")] = Path(
        "demo-data"
    ),
    mart: MartOption = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after building; do not serve the dashboard.")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="Port for the dashboard.")] = DEFAULT_PORT,
) -> None:
    """Generate a retailer, load it, segment it, and serve the dashboard (unless --no-serve)."""
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("generating customers", total=customers)
        made = synthesize(
            data, customers, seed=seed, on_progress=lambda done: bar.update(task, completed=done)
        )
    out.print(
        f"[bold]synthetic retailer[/]: {customers:,} customers in {data}/ ({made.seconds:.1f} s)"
    )
    with connect(mart) as m:
        plan, _ = files_to_load(data)
        for table, path in plan:
            result = ingest(m, table, path, IngestOptions())
            out.print(f"  {result.summary()}", highlight=False)
        day, features = workflows.refresh_features(m)  # built once, used by every segmentation
        for run in (
            workflows.run_rfm(m, day, features=features),
            workflows.run_lifecycle(m, day, features=features),
            workflows.run_rules(m, "demo_rules", _demo_rules(), day, features=features),
        ):
            show_run(run)
        for name in ("rfm", "lifecycle"):
            print_money(profile(m, name))
        scored = workflows.run_clv(m)
        out.print(
            f"CLV ({scored.model}, next 52 weeks): {scored.n_customers:,} buyers scored, "
            f"{scored.totals['clv']:,.0f} expected in total",
            highlight=False,
        )
        show_prediction(run_prediction(m, "churn", scored.as_of))
        show_value(run_value(m, scored.as_of))
        clusters = run_clusters(m, "clusters", n_bootstrap=0)
        show_run(
            SegmentationRun(
                clusters.name, clusters.version, clusters.as_of, clusters.sizes, clusters.details
            )
        )
        for card in personas(m, "clusters"):
            show_card(card)
        out.print(
            f"\nmart: {m.path}. Next: `segmint profile rfm --mart {m.path}`, `segmint segmentations`."
        )
        mart_path = Path(m.path)
        token = None if no_serve else create_token(m, Role.admin, "demo")
    if token is None:
        return
    out.print(f"\n[bold]dashboard[/]: http://{DEFAULT_HOST}:{port}/  (Ctrl+C to stop)")
    out.print("log in with this admin token:", highlight=False)
    out.print(token, highlight=False, soft_wrap=True)
    serve(DEFAULT_HOST, port, mart_path)


def _demo_rules() -> Path:
    return Path(str(resources.files("segmint.cli").joinpath("demo_rules.yaml")))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(demo)
