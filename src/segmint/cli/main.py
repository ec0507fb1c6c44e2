"""Entry point of the ``segmint`` command: registers one module per command group."""

from __future__ import annotations

import typer

from segmint import __version__
from segmint.cli import (
    assignment_commands,
    campaign_commands,
    clv_commands,
    demo_commands,
    features_commands,
    insight_commands,
    mart_commands,
    persona_commands,
    predict_commands,
    privacy_commands,
    quarantine_commands,
    quickstart_commands,
    recommend_commands,
    refresh_commands,
    report_commands,
    retention_commands,
    sales_commands,
    segment_commands,
    serve_commands,
    synth_commands,
    token_commands,
)

app = typer.Typer(
    name="segmint",
    help="Customer segmentation from one CSV of orders upward.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
mart_commands.register(app)
quickstart_commands.register(app)
quarantine_commands.register(app)
synth_commands.register(app)
segment_commands.register(app)
assignment_commands.register(app)
demo_commands.register(app)
features_commands.register(app)
insight_commands.register(app)
persona_commands.register(app)
serve_commands.register(app)
token_commands.register(app)
report_commands.register(app)
clv_commands.register(app)
predict_commands.register(app)
privacy_commands.register(app)
retention_commands.register(app)
campaign_commands.register(app)
sales_commands.register(app)
recommend_commands.register(app)
refresh_commands.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"segmint {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Customer segmentation from one CSV of orders upward."""
