"""``ws.campaigns``: the campaign loop from Python, with the CLI's audience and numbers.

A small synthetic retailer with RFM segments stored as of 2025-06-30 (its orders run to
2025-12-31, so a campaign starting the day after can be measured). Each comparison with
the CLI runs a command on one copy of the mart and the method on another.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import segmint
from segmint.cli.main import app
from segmint.exceptions import InputError, MartError
from segmint.scoring.campaigns import NO_COST_NOTE, CampaignExistsError
from segmint.synth import synthesize
from segmint.views.customers import audience
from segmint.workflows import campaigns
from segmint.workflows.assignments import export_assignments
from segmint.workflows.privacy import ExportOptions
from segmint.workspace import Workspace

SEGMENTS_AS_OF = "2025-06-30"
TARGETED = ("Champions", "Loyal", "At Risk")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed mart: a 400-customer retailer with ``rfm`` stored as of 2025-06-30."""
    folder = tmp_path_factory.mktemp("workspace-campaigns")
    synthesize(folder / "data", 400, seed=3)
    with segmint.connect(folder / "shop.duckdb") as ws:
        ws.load(folder / "data")
        ws.segment_rfm(as_of=SEGMENTS_AS_OF)
    return folder / "shop.duckdb"


@pytest.fixture
def ws(shop: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A writable copy of the mart, as a workspace."""
    shutil.copy(shop, tmp_path / "api.duckdb")
    with segmint.connect(tmp_path / "api.duckdb") as workspace:
        yield workspace


def cli(mart: Path, *args: str) -> str:
    """``segmint ARGS --mart MART``'s stdout; the command must succeed."""
    result = CliRunner().invoke(app, [*args, "--mart", str(mart)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def members(ws: Workspace, campaign: str) -> pd.DataFrame:
    """``customer_id``, ``group`` of the campaign's members, by id."""
    rows = ws.table("campaign_members").to_pandas()
    mine = rows[rows.campaign_id == campaign][["customer_id", "group"]]
    return mine.sort_values("customer_id").reset_index(drop=True)


def email_consenting(ws: Workspace) -> set[str]:
    """Customers whose latest e-mail consent row grants it, read with pandas from the raw
    table: by ``updated_at`` (a row without one is the oldest), a withdrawal winning a tie."""
    consents = ws.table("consents").to_pandas()
    email = consents[consents.channel.str.strip().str.lower() == "email"]
    ordered = email.sort_values(
        ["updated_at", "granted"], ascending=[True, False], na_position="first"
    )
    latest = ordered.groupby("customer_id").tail(1)
    return set(latest[latest.granted.astype(bool)].customer_id)


def in_segments(ws: Workspace, segments: tuple[str, ...]) -> set[str]:
    """Customers in ``segments`` of the stored ``rfm``."""
    rfm = ws.assignments("rfm", SEGMENTS_AS_OF)
    return set(rfm[rfm.segment.isin(segments)].customer_id)


def withdraw_email_consent(ws: Workspace, customer_id: str, folder: Path) -> None:
    """Load a consents file in which ``customer_id`` withdraws e-mail consent on 2025-06-15."""
    path = folder / f"withdrawn-{customer_id}.csv"
    path.write_text(
        f"customer_id,channel,granted,updated_at\n{customer_id},email,false,2025-06-15\n"
    )
    assert ws.ingest("consents", path).rows_loaded == 1


def test_the_campaign_loop_runs_from_python(ws: Workspace, tmp_path: Path) -> None:
    created = ws.campaigns.create(
        "spring", "rfm", TARGETED, "email", holdout_share=0.2, as_of=SEGMENTS_AS_OF, random_state=3
    )
    assert created.start == dt.date(2025, 7, 1) and created.segments_as_of == dt.date(2025, 6, 30)
    assert created.n_target + created.n_control == created.counts.n_eligible > 0
    drawn = members(ws, "spring")
    assert drawn.group.value_counts().to_dict() == {
        "target": created.n_target,
        "control": created.n_control,
    }
    assert {s.stratum for s in created.strata} == set(TARGETED)
    manifest = ws.campaigns.export("spring", tmp_path / "send" / "spring.csv")
    sent = pd.read_csv(manifest.path, dtype=str)
    targets = set(drawn[drawn.group == "target"].customer_id)
    assert set(sent.customer_id) == targets  # nobody withdrew since the draw
    assert manifest.content["counts"]["n_exported"] == len(sent) == created.n_target
    assert manifest.manifest_path.exists()
    measured = ws.campaigns.results("spring")
    assert (measured.n_target, measured.n_control) == (created.n_target, created.n_control)
    assert measured.start == created.start and set(measured.lift) >= {"conversion"}
    listed = ws.campaigns.list().set_index("campaign_id")
    assert listed.loc["spring", "n_members"] == len(drawn)
    assert listed.loc["spring", "holdout_share"] == 0.2


def test_a_campaign_created_without_a_cost_has_it_unknown(ws: Workspace) -> None:
    """``cost_per_contact`` not given: stored as unknown, and the results note it, as for a
    campaign loaded without a cost; ``cost_per_contact=0``: free contacts, no note."""
    ws.campaigns.create("unpriced", "rfm", TARGETED, "email", as_of=SEGMENTS_AS_OF)
    ws.campaigns.create("free", "rfm", TARGETED, "email", as_of=SEGMENTS_AS_OF, cost_per_contact=0)
    listed = ws.campaigns.list().set_index("campaign_id").cost_per_contact
    assert pd.isna(listed["unpriced"]) and listed["free"] == 0.0
    assert NO_COST_NOTE in ws.campaigns.results("unpriced").notes
    assert NO_COST_NOTE not in ws.campaigns.results("free").notes


def test_advice_names_the_arguments_from_python(ws: Workspace) -> None:
    """Errors raised below the command name the arguments a Python caller passes, where the
    command names its options (tests/cli/test_campaign_commands.py)."""

    def refused(call: Callable[[], object]) -> str:
        with pytest.raises(InputError) as why:
            call()
        assert "--" not in str(why.value)
        return str(why.value)

    def create(**settings: object) -> Callable[[], object]:
        return lambda: ws.campaigns.create(
            "next", "rfm", TARGETED, "email", as_of=SEGMENTS_AS_OF, **settings
        )

    lone = refused(create(select_share=0.3))
    assert lone.endswith(
        "got a share but no campaign. Give select_share with select_from, or neither."
    )
    assert "Raise holdout_share (2 of" in refused(create(holdout_share=1e-6))
    wide = refused(create(holdout_share=1.0))
    assert "got 1.0. Set holdout_share to the share of the audience to hold out" in wide
    assert "Set random_state to 0 or more" in refused(create(random_state=-1))
    sized = refused(lambda: ws.campaigns.power(0.02, holdout_share=0.0))
    assert "got 0.0. Set holdout_share to the share of the audience to hold out" in sized
    early = refused(create(start=SEGMENTS_AS_OF))
    assert early.endswith(
        "Give a start after 2025-06-30 (the default is 2025-07-01), or pick "
        "segments stored before the start with as_of."
    )
    nothing = refused(lambda: ws.campaigns.create("next", "rfm", [], "email"))
    assert nothing.endswith("Name one with segments (e.g. Champions).")
    ws.campaigns.create("spring", "rfm", TARGETED, "email", as_of=SEGMENTS_AS_OF)
    short = refused(lambda: ws.campaigns.results("spring", window_days=0))
    assert short.endswith("Set window_days to 1 or more.")
    assert "Set pre_days to 1 or more" in refused(
        lambda: ws.campaigns.results("spring", pre_days=0)
    )
    assert "Set min_segment_size to 2 or more" in refused(
        lambda: ws.campaigns.results("spring", min_segment_size=1)
    )


def test_only_consenting_unsuppressed_customers_are_drawn_and_sent(
    ws: Workspace, tmp_path: Path
) -> None:
    candidates = sorted(in_segments(ws, TARGETED) & email_consenting(ws))
    withdrawn, suppressed = candidates[:2]
    withdraw_email_consent(ws, withdrawn, tmp_path)
    ws.create_table("suppressions", ibis.memtable({"customer_id": [suppressed]}))
    created = ws.campaigns.create("spring", "rfm", TARGETED, "email", as_of=SEGMENTS_AS_OF)
    drawn = set(members(ws, "spring").customer_id)
    assert drawn == (in_segments(ws, TARGETED) & email_consenting(ws)) - {suppressed}
    assert withdrawn not in drawn and suppressed not in drawn
    assert created.counts.n_suppressed == 1
    assert created.counts.n_without_consent == len(in_segments(ws, TARGETED) - email_consenting(ws))
    assert created.counts.n_without_consent > 0
    # consent is read again when sending: a target who withdraws after the draw is not sent
    target = members(ws, "spring").query("group == 'target'").customer_id.iloc[0]
    withdraw_email_consent(ws, target, tmp_path)
    manifest = ws.campaigns.export("spring", tmp_path / "spring.csv")
    assert target not in set(pd.read_csv(manifest.path, dtype=str).customer_id)
    assert manifest.content["counts"]["n_without_consent"] == 1
    assert ws.campaigns.results("spring").n_target == created.n_target  # intention to treat


def test_a_person_suppressed_and_without_consent_counts_as_suppressed_in_every_export(
    ws: Workspace, tmp_path: Path
) -> None:
    """Every export for contact removes the suppressed first, then checks consent: a person
    on ``suppressions`` without consent is counted once, as suppressed, by campaign
    creation, its send list, assignments, recommendations and the API's audiences, and in
    their audit entries."""
    lacking = sorted(in_segments(ws, TARGETED) - email_consenting(ws))
    both = lacking[0]
    ws.create_table("suppressions", ibis.memtable({"customer_id": [both]}))
    created = ws.campaigns.create("spring", "rfm", TARGETED, "email", as_of=SEGMENTS_AS_OF)
    assert (created.counts.n_suppressed, created.counts.n_without_consent) == (1, len(lacking) - 1)
    target = members(ws, "spring").query("group == 'target'").customer_id.iloc[0]
    withdraw_email_consent(ws, target, tmp_path)  # a target member who withdrew, then
    ws.insert("suppressions", ibis.memtable({"customer_id": [target]}))  # then was listed
    consenting = email_consenting(ws)
    assert both not in consenting and target not in consenting

    def expected(candidates: set[str]) -> dict[str, int]:
        suppressed = candidates & {both, target}
        return {
            "n_suppressed": len(suppressed),
            "n_without_consent": len(candidates - suppressed - consenting),
        }

    def counted(details: dict[str, Any]) -> dict[str, int]:
        return {k: details[k] for k in ("n_suppressed", "n_without_consent")}

    manifest = ws.campaigns.export("spring", tmp_path / "spring.csv")
    assert counted(manifest.content["counts"]) == {"n_suppressed": 1, "n_without_consent": 0}
    everyone = set(ws.assignments("rfm", SEGMENTS_AS_OF).customer_id)
    options = ExportOptions(channel="email")
    written = export_assignments(ws, "rfm", tmp_path / "rfm.csv", SEGMENTS_AS_OF, options)
    assert counted(written.eligible.counts()) == expected(everyone) != expected(set())
    rfm = ws.assignments("rfm", SEGMENTS_AS_OF)
    segment = str(rfm.loc[rfm.customer_id == both, "segment"].iloc[0])
    day = dt.date.fromisoformat(SEGMENTS_AS_OF)
    served = audience(ws, "rfm", segment, day, "email")
    in_segment = set(rfm.loc[rfm.segment == segment, "customer_id"])
    assert {
        "n_suppressed": served.excluded_suppressed,
        "n_without_consent": served.excluded_without_consent,
    } == expected(in_segment)
    ws.recommend.fit(as_of=SEGMENTS_AS_OF)
    lists = ws.recommend.export(tmp_path / "lists.csv", channel="email")
    with_lists = set(ws.table("recommendations").customer_id.to_pandas())
    assert {both, target} <= with_lists
    assert counted(vars(lists)) == expected(with_lists)
    logged = [e for e in ws.audit().entries if e.action == "export"]
    assert [counted(e.details) for e in logged] == [
        {"n_suppressed": 1, "n_without_consent": 0},
        expected(everyone),
        expected(with_lists),
    ]


def test_the_loop_gives_what_the_cli_gives(
    shop: Path, tmp_path: Path, rounded: Callable[..., Any]
) -> None:
    mart = tmp_path / "cli.duckdb"
    shutil.copy(shop, mart)
    shutil.copy(shop, tmp_path / "api.duckdb")
    printed = json.loads(
        cli(
            mart, "campaign", "create", "spring", "--segmentation", "rfm",
            "--segment", "Champions", "--segment", "At Risk", "--channel", "email",
            "--holdout-share", "0.25", "--start", "2025-07-02", "--as-of", SEGMENTS_AS_OF,
            "--cost-per-contact", "0.5", "--format", "json",
        )
    )  # fmt: skip
    with segmint.connect(tmp_path / "api.duckdb") as ws:
        created = ws.campaigns.create(
            "spring",
            "rfm",
            ["Champions", "At Risk"],
            "email",
            holdout_share=0.25,
            start=dt.date(2025, 7, 2),
            as_of=SEGMENTS_AS_OF,
            cost_per_contact=0.5,
        )
        assert json.loads(json.dumps(created.as_dict())) == printed
        with segmint.connect(mart, read_only=True) as theirs:
            pd.testing.assert_frame_equal(members(ws, "spring"), members(theirs, "spring"))
        cli(mart, "campaign", "export", "spring", "--out", str(tmp_path / "cli.csv"))
        ws.campaigns.export("spring", tmp_path / "api.csv")
        assert (tmp_path / "api.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
        options = ("--window-days", "21", "--segmentation", "rfm", "--min-segment-size", "5")
        measured = json.loads(
            cli(mart, "campaign", "results", "spring", *options, "--format", "json")
        )
        mine = ws.campaigns.results(
            "spring", window_days=21, segmentation="rfm", min_segment_size=5
        )
        assert measured.pop("currency") == ws.currency()  # the command adds the shop's
        assert rounded(json.loads(json.dumps(mine.as_dict()))) == rounded(measured)
        listed = json.loads(cli(mart, "campaign", "list", "--format", "json"))["data"]
        assert [c["campaign_id"] for c in listed] == ws.campaigns.list().campaign_id.tolist()


def test_results_take_every_option_of_the_command(
    shop: Path, tmp_path: Path, rounded: Callable[..., Any]
) -> None:
    """``ws.campaigns.results`` takes what ``segmint campaign results`` takes, by the
    options' Python names, and measures as the command does with them."""
    command = typer.main.get_command(app).commands["campaign"].commands["results"]  # type: ignore[attr-defined]
    options = {p.name for p in command.params} - {"name", "mart", "format_"}
    assert options <= {f.name for f in dataclasses.fields(campaigns.ResultsOptions)}
    assert {"start", "holdout_share"} <= options
    mart = tmp_path / "shop.duckdb"
    shutil.copy(shop, mart)
    with segmint.connect(mart) as ws:
        ws.campaigns.create(
            "spring", "rfm", TARGETED, "email", holdout_share=0.2, as_of=SEGMENTS_AS_OF
        )
    flags = ("--start", "2025-07-08", "--holdout-share", "0.5", "--window-days", "10")
    printed = json.loads(cli(mart, "campaign", "results", "spring", *flags, "--format", "json"))
    with segmint.connect(mart, read_only=True) as ws:
        mine = ws.campaigns.results("spring", start="2025-07-08", holdout_share=0.5, window_days=10)
        planned = ws.campaigns.results("spring", window_days=10)
        with pytest.raises(InputError, match=r"got 1\.5\. Set holdout_share to the control"):
            ws.campaigns.results("spring", holdout_share=1.5)
    assert printed.pop("currency") is None  # the command adds the shop's: none set here
    assert rounded(json.loads(json.dumps(mine.as_dict()))) == rounded(printed)
    assert mine.start == dt.date(2025, 7, 8) and mine.end == dt.date(2025, 7, 18)
    assert planned.start == dt.date(2025, 7, 1)  # the campaign's own: the day after the segments
    assert mine.holdout_share == 0.5 and planned.holdout_share == pytest.approx(0.2)
    assert mine.srm is not None and planned.srm is not None
    assert mine.srm.mismatch and not planned.srm.mismatch  # drawn at 20 %, checked against 50 %
    refused = CliRunner().invoke(
        app, ["campaign", "results", "spring", "--holdout-share", "0", "--mart", str(mart)]
    )
    assert refused.exit_code != 0 and "Set --holdout-share to the control" in refused.output


@pytest.mark.parametrize(
    ("flags", "keywords"),
    [
        ((), {}),
        (("--audience", "5000"), {"n_total": 5000}),
        (("--lift", "0.2", "--holdout-share", "0.5"), {"lift": 0.2, "holdout_share": 0.5}),
    ],
    ids=["default lift", "an audience's MDE", "a lift"],
)
def test_power_equals_the_cli(
    ws: Workspace, flags: tuple[str, ...], keywords: dict[str, float]
) -> None:
    args = ("campaign", "power", "--baseline-rate", "0.02", *flags, "--format", "json")
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    mine = ws.campaigns.power(0.02, **keywords)
    assert json.loads(json.dumps(mine.as_dict())) == json.loads(result.stdout)


def test_one_segment_alone_is_that_segment(ws: Workspace) -> None:
    created = ws.campaigns.create("solo", "rfm", "Champions", "email", as_of=SEGMENTS_AS_OF)
    assert [s.stratum for s in created.strata] == ["Champions"]
    assert set(members(ws, "solo").customer_id) <= in_segments(ws, ("Champions",))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda ws: ws.campaigns.create("x", "nope", "Champions", "email"),
            MartError,
            r"no segmentation named 'nope'; stored: rfm\. Run a segmentation first",
        ),
        (
            lambda ws: ws.campaigns.create("x", "rfm", ["Champions", "Champs"], "email"),
            InputError,
            r"segmentation 'rfm' as of 2025-06-30 has no segment 'Champs'; its segments are: ",
        ),
        (
            lambda ws: ws.campaigns.create("x", "rfm", "Champions", "email", start="July"),
            InputError,
            r"start must be a date written YYYY-MM-DD; got 'July'\. Example: start='2024-12-31'",
        ),
        (
            lambda ws: ws.campaigns.create("x", "rfm", "Champions", "email", as_of="2999-01-01"),
            InputError,
            r"2999-01-01 is in the future .* leave as_of out",
        ),
        (
            lambda ws: ws.campaigns.export("nope", "nope.csv"),
            MartError,
            r"no campaign 'nope' in the mart; campaigns: K001, K002, K003\. Create one",
        ),
        (
            lambda ws: ws.campaigns.results("nope"),
            MartError,
            r"no campaign 'nope' in the mart; campaigns: K001, K002, K003\. Create one",
        ),
    ],
    ids=["segmentation", "segment", "start", "as_of", "export", "results"],
)
def test_a_bad_name_or_date_says_what_there_is(
    ws: Workspace, call: Callable[[Workspace], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call(ws)
    assert ws.campaigns.list().campaign_id.tolist() == ["K003", "K002", "K001"]


def test_the_split_s_old_keywords_are_refused(ws: Workspace) -> None:
    """The control share is ``holdout_share=`` and the seed ``random_state=``, as in
    :meth:`results`; ``holdout=`` and ``seed=`` are no settings any more."""
    for old in ("holdout", "seed"):
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{old}'"):
            ws.campaigns.create("x", "rfm", "Champions", "email", **{old: 1})
    with pytest.raises(TypeError, match="unexpected keyword argument 'holdout'"):
        ws.campaigns.power(0.02, holdout=0.5)
    created = ws.campaigns.create(
        "x", "rfm", TARGETED, "email", as_of=SEGMENTS_AS_OF, holdout_share=0.3, random_state=7
    )
    assert (created.holdout_share, created.random_state) == (0.3, 7)


def test_a_campaign_is_never_redrawn(ws: Workspace) -> None:
    ws.campaigns.create("spring", "rfm", TARGETED, "email")
    with pytest.raises(CampaignExistsError, match="campaign 'spring' already exists"):
        ws.campaigns.create("spring", "rfm", TARGETED, "email", random_state=99)


@pytest.mark.parametrize(
    "call",
    [
        lambda ws: ws.campaigns.create("x", "rfm", "Champions", "email", bogus=1),
        lambda ws: ws.campaigns.power(0.02, bogus=1),
        lambda ws: ws.campaigns.results("K001", bogus=1),
    ],
    ids=["create", "power", "results"],
)
def test_an_unknown_keyword_is_a_type_error_naming_it(
    ws: Workspace, call: Callable[[Workspace], object]
) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        call(ws)


def test_a_read_only_workspace_measures_but_refuses_to_create_or_export(
    shop: Path, tmp_path: Path
) -> None:
    with segmint.connect(shop, read_only=True) as ws:
        for call, name in (
            (lambda: ws.campaigns.create("x", "rfm", TARGETED, "email"), r"campaigns\.create"),
            (lambda: ws.campaigns.export("K001", tmp_path / "k.csv"), r"campaigns\.export"),
        ):
            with pytest.raises(MartError, match=rf"open read-only, and {name}\(\) stores"):
                call()
        assert ws.campaigns.results("K001").campaign == "K001"
        assert len(ws.campaigns.list()) == 3
    assert not (tmp_path / "k.csv").exists()
