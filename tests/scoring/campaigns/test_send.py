"""The send list of the tiny campaign: consent read at export time, suppression applied, the
results untouched (intention to treat), files and manifest with a checksum that matches."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import ibis
import pyarrow.parquet as pq
import pytest

from segmint.exceptions import InputError, MartError
from segmint.mart import TABLES, Mart
from segmint.mart.privacy import forget, list_exports
from segmint.mart.privacy.exports import exports_holding
from segmint.mart.privacy.keys import ENV_KEY
from segmint.scoring.campaigns import SUPPRESSIONS_TABLE, campaign_results
from segmint.scoring.campaigns.measure import campaign_row
from segmint.scoring.campaigns.send import manifest_path, send_list, write_send_list
from segmint.workflows import campaigns

NOW = dt.datetime(2024, 3, 25, 9, 0)
CONSENTS = (
    "customer_id,channel,granted,updated_at\n"
    "c1,email,true,2024-01-01 00:00:00\n"
    "c2,Email ,false,2024-03-20 00:00:00\n"  # withdrew after the groups were drawn
    "c3,email,true,2024-01-01 00:00:00\n"
    "c4,email,true,2024-01-01 00:00:00\n"  # a control: never on the send list
)


@pytest.fixture
def consenting_tiny(tiny: Mart, load_csv) -> Mart:  # type: ignore[no-untyped-def]
    load_csv(tiny, "consents", CONSENTS)
    tiny.con.create_table(
        SUPPRESSIONS_TABLE,
        ibis.memtable(
            {"customer_id": ["c3"], "channel": [None]},
            schema={"customer_id": "string", "channel": "string"},
        ),
    )
    return tiny


def test_consent_now_and_suppression_decide_who_is_sent(consenting_tiny: Mart) -> None:
    send = send_list(consenting_tiny, "k1", now=NOW)
    assert send.rows.customer_id.execute().tolist() == ["c1"]
    assert send.counts() == {
        "n_target": 3,
        "n_without_consent": 1,
        "n_suppressed": 1,
        "n_exported": 1,
    }
    assert send.channel == "email"


def test_consent_is_read_as_it_stood_at_export_time(consenting_tiny: Mart) -> None:
    early = send_list(consenting_tiny, "k1", now=dt.datetime(2023, 12, 1))
    # nobody had consented yet; c3, on the do-not-contact list, counts as suppressed first
    assert (early.n_suppressed, early.n_without_consent) == (1, 2)
    assert early.n_exported == 0


def test_results_keep_the_withdrawn_member_in_the_target_group(consenting_tiny: Mart) -> None:
    send_list(consenting_tiny, "k1", now=NOW)
    assert campaign_results(consenting_tiny, "k1").n_target == 3


def test_csv_and_manifest(consenting_tiny: Mart, tmp_path: Path) -> None:
    out = tmp_path / "sends" / "k1.csv"
    manifest = write_send_list(send_list(consenting_tiny, "k1", now=NOW), out)
    assert out.read_text(encoding="utf-8") == "customer_id\nc1\n"
    written = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    assert written == manifest.content
    assert written["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert written["counts"]["n_exported"] == 1 and written["counts"]["n_suppressed"] == 1
    assert written["consent_as_of"] == "2024-03-25T09:00:00"
    assert (written["file"], written["format"], written["campaign_id"]) == ("k1.csv", "csv", "k1")
    assert out.stat().st_mode & 0o777 == 0o600  # personal data: the owner's only


def test_parquet(consenting_tiny: Mart, tmp_path: Path) -> None:
    out = tmp_path / "k1.parquet"
    out.touch(mode=0o644)  # a file there before keeps none of its openness
    manifest = write_send_list(send_list(consenting_tiny, "k1", now=NOW), out)
    assert pq.read_table(out).column("customer_id").to_pylist() == ["c1"]
    assert manifest.content["format"] == "parquet"
    assert out.stat().st_mode & 0o777 == 0o600


def test_formula_like_ids_are_escaped_in_csv(tiny: Mart, load_csv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_csv(tiny, "customers", 'customer_id\n"=HYPERLINK(""x"")"\n')
    load_csv(
        tiny, "campaign_members", 'campaign_id,customer_id,group\nk1,"=HYPERLINK(""x"")",target\n'
    )
    load_csv(
        tiny,
        "consents",
        'customer_id,channel,granted,updated_at\n"=HYPERLINK(""x"")",email,true,2024-01-01\n',
    )
    out = tmp_path / "k1.csv"
    write_send_list(send_list(tiny, "k1", now=NOW), out)
    assert out.read_text(encoding="utf-8").splitlines()[1] == '"\'=HYPERLINK(""x"")"'


def test_errors_name_the_problem(tiny: Mart, load_csv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MartError, match="no campaign 'nope'"):
        send_list(tiny, "nope")
    load_csv(tiny, "campaigns", "campaign_id,start_date\nk9,2024-01-01\n")
    with pytest.raises(MartError, match=r"has no channel.*a campaigns file giving its channel"):
        send_list(tiny, "k9")
    load_csv(tiny, "campaigns", "campaign_id,channel\nk9,email\n")  # fills it, as it says
    assert campaign_row(tiny, "k9")["channel"] == "email"
    with pytest.raises(InputError, match=r"records no consent for email at all: none of its 3 "):
        send_list(tiny, "k1", now=NOW)  # a campaign loaded from files, without consents
    load_csv(tiny, "consents", "customer_id,channel,granted,updated_at\nc1,email,true,2024-01-01\n")
    send = send_list(tiny, "k1", now=NOW)
    with pytest.raises(InputError, match="csv or parquet; got 'xlsx'"):
        write_send_list(send, tmp_path / "k1.xlsx")
    with pytest.raises(InputError, match="is a directory"):
        write_send_list(send, tmp_path)


def test_a_forgotten_member_is_never_sent(
    consenting_tiny: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_KEY, "a-campaign-test-key-of-32-characters-or-more")
    forget(consenting_tiny, ["c1"], "erasure request", actor="test", rewrite=False)
    # The erasure removed c1's membership; a row coming back by a path outside the load
    # (an insert by another tool) still never reaches a send list.
    row = {"campaign_id": ["k1"], "customer_id": ["c1"], "group": ["target"], "assigned_at": [NOW]}
    schema = TABLES["campaign_members"].ibis_schema()
    consenting_tiny.con.insert("campaign_members", ibis.memtable(row, schema=schema))
    send = send_list(consenting_tiny, "k1", now=NOW)
    assert "c1" not in send.rows.customer_id.execute().tolist()


def test_the_written_send_list_is_registered_as_an_export(
    consenting_tiny: Mart, tmp_path: Path
) -> None:
    out = tmp_path / "k1.csv"
    campaigns.export(consenting_tiny, "k1", out, now=NOW, actor="cli:test")
    (record,) = list_exports(consenting_tiny)
    assert (record.path, record.kind, record.created_by) == (
        str(out.resolve()),
        "campaign",
        "cli:test",
    )
    assert record.n_rows == 1
    held = exports_holding(consenting_tiny, ibis.memtable({"customer_id": ["c1"]}))
    assert [r.path for r in held] == [str(out.resolve())]
