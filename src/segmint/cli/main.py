"""Entry point of the ``segmint`` command: one row per top-level command, loaded when used.

``segmint --help`` and ``--version`` import no command module (and so none of the
engine, models or web stack): :class:`~segmint.cli.lazy_group.LazyGroup` imports a
command's module only when that command runs or shows its own help. To add a command,
add one row to :data:`COMMANDS`: its name, the ``segmint.cli`` module whose
``register(app)`` adds it, and the first line of its help.
"""

from __future__ import annotations

import atexit
import gc
import io
import os
import sys
import threading
from contextlib import suppress

import typer

from segmint import __version__
from segmint.cli.lazy_group import LazyCommand, LazyGroup
from segmint.config import engine_name
from segmint.exceptions import SegmintError

COMMANDS: dict[str, LazyCommand] = {
    "init": LazyCommand("mart_commands", "Create the mart file and every table in it (safe to run again)."),
    "tables": LazyCommand(
        "mart_commands",
        "List the mart's tables and row counts: the data model's, then those commands write.",
    ),
    "ingest": LazyCommand("mart_commands", "Load one file into a mart table, quarantining bad rows with their reasons."),
    "load": LazyCommand("load_commands", "Load every file of a folder named after a mart table, parents before children."),
    "currency": LazyCommand("currency_commands", "Show or set the currency of the shop's amounts (an ISO 4217 code such as EUR)."),
    "quickstart": LazyCommand("quickstart_commands", "The five-minute path: load one export, then RFM, lifecycle, CLV where the data allows, money per segment, persona cards, and what to run next."),
    "quarantine": LazyCommand("quarantine_commands", "List rejected rows with their reasons and raw content."),
    "ingests": LazyCommand("quarantine_commands", "List every load with its reconciliation."),
    "synth": LazyCommand("synth_commands", "Generate a synthetic retailer with a known true answer (one file per mart table)."),
    "segmentations": LazyCommand("assignment_commands", "List stored segmentations with their versions and dates."),
    "assignments": LazyCommand("assignment_commands", "Write a segmentation's customer_id, segment pairs to a CSV or Parquet file."),
    "demo": LazyCommand("demo_commands", "Generate a retailer, load it, segment it, and serve the dashboard (unless --no-serve)."),
    "features": LazyCommand("features_commands", "Build the customer features as of a date and store them in the mart table `features`."),
    "profile": LazyCommand("insight_commands", "Profile a stored segmentation: money, behaviour, features, statistics, small segments."),
    "migration": LazyCommand("insight_commands", "Show how customers moved between segments from one stored date to another."),
    "persona": LazyCommand("persona_commands", "Persona cards for every segment: name, key numbers, mix and suggested actions."),
    "serve": LazyCommand("serve_commands", "Serve the REST API (/api/v1, docs at /docs) and the dashboard pages."),
    "warm": LazyCommand("warm_commands", "Compute what the dashboard reads first and keep it beside the mart, so that a server started on this data is ready in seconds."),
    "report": LazyCommand("report_commands", "Write a self-contained HTML report (overview, segments, campaigns, sales) that needs no network."),
    "score": LazyCommand("predict_commands", "Refresh every score: churn risk, purchase intent and CLV (with the stored CLV fit)."),
    "forget": LazyCommand("privacy_commands", "Erase customers from every table and from the mart file's bytes."),
    "subject-access": LazyCommand("privacy_commands", "Write everything held about a customer to a new folder (JSON and CSV)."),
    "audit": LazyCommand("privacy_commands", "List the audit log: who did what to whose data (subjects by pseudonym)."),
    "refits": LazyCommand("privacy_commands", "List the models to refit: fitted on data of people forgotten since."),
    "retention": LazyCommand("retention_commands", "Store a retention policy and apply it now; every refresh applies it again."),
    "segment": LazyCommand("segment_commands", "Segment customers (RFM, lifecycle, rules, value, clusters) and store the result."),
    "token": LazyCommand("token_commands", "Access tokens for the API and the pages."),
    "clv": LazyCommand("clv_commands", "Customer lifetime value: fit BTYD models, backtest them, score customers."),
    "predict": LazyCommand("predict_commands", "Churn and purchase-intent scores: train, compare with BTYD, score, store."),
    "requests": LazyCommand("retention_commands", "Access and erasure requests with their due dates (GDPR one month, CCPA 45 days)."),
    "campaign": LazyCommand("campaign_commands", "Campaigns with control groups: create, power, export, results, list."),
    "sales": LazyCommand("sales_commands", "Channel and segment sales per week or month."),
    "refresh": LazyCommand("refresh_commands", "After a load: store the features, every segmentation (stored cluster models applied, not refitted), churn, intent and CLV scores and value tiers as of the new date."),
    "recommend": LazyCommand("recommend_commands", "Per-customer recommendations: fit and store, evaluate on a time split, rules, export."),
}  # fmt: skip
"""Every top-level command, in the order ``segmint --help`` lists them."""


class SegmintGroup(LazyGroup):
    """The top-level group: the commands of :data:`COMMANDS`."""

    table = COMMANDS


app = typer.Typer(
    name="segmint",
    cls=SegmintGroup,
    help="Customer segmentation from one CSV of orders upward.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"segmint {__version__}")
        raise typer.Exit()


def _engine(value: str | None) -> str | None:
    """Check ``--engine`` and hand it to every command as ``SEGMINT_ENGINE`` does."""
    if value is not None:
        try:
            engine_name(value)
        except SegmintError as exc:
            raise typer.BadParameter(str(exc).replace("SEGMINT_ENGINE=", "")) from None
        os.environ["SEGMINT_ENGINE"] = value
    return value


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
    engine: str | None = typer.Option(
        None,
        "--engine",
        callback=_engine,
        metavar="ENGINE",
        help=(
            "Where the mart lives: duckdb (default), duckdb:///path/to/mart.duckdb or pyspark "
            "(--mart names the warehouse directory); the same as SEGMINT_ENGINE."
        ),
    ),
) -> None:
    """Customer segmentation from one CSV of orders upward."""


def run() -> None:
    """The ``segmint`` console command: run :data:`app`, then end the process at once.

    A command that has finished has closed its mart and written its output; what Python
    would still do is tear down the ~1,000 modules the command imported (Ibis, DuckDB,
    pandas, NumPy), which takes 0.3-0.5 s and serves nothing. So, once the command
    returns, this runs the ``atexit`` handlers (temporary folders, logging), flushes
    every open file (stdout and stderr too) and leaves with ``os._exit``. If another
    non-daemon thread is still running, or the command raised something other than an
    exit, the normal exit path takes over and waits for it.
    """
    code: int | str | None = 0
    if "PYSPARK_GATEWAY_PORT" in os.environ:  # spark-submit's driver: stderr joins stdout
        from segmint.cli._spark_submit import keep_stdout_for_data

        keep_stdout_for_data()
    try:
        app(prog_name="segmint")
    except SystemExit as stop:
        code = stop.code
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if any(t.is_alive() and not t.daemon for t in others) or not isinstance(code, int | None):
        sys.exit(code)
    atexit._run_exitfuncs()
    _flush_open_files()
    os._exit(code or 0)


_WRITERS = (io.TextIOWrapper, io.BufferedWriter, io.BufferedRandom)
"""Python's file types that buffer writes (checked by concrete type: an ``io.IOBase``
check over every object would cost twice as long)."""


def _flush_open_files() -> None:
    """Flush every open Python file, stdout and stderr included, as the normal exit would
    when it collects them (a file a command forgot to close still gets its last bytes)."""
    for found in gc.get_objects():
        if isinstance(found, _WRITERS) and not found.closed:
            with suppress(OSError, ValueError):  # a closed pipe (``segmint … | head``)
                found.flush()
