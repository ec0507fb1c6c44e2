"""The Hillstrom e-mail experiment through the CLI, as docs/campaigns.md walks through it:
``python examples/hillstrom/prepare.py IN OUT``, ``segmint load OUT``, then ``segmint
campaign results mens-email --format json`` gives the README's numbers, and the
walkthrough's Python block gives its command's."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import Segmint

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "datasets" / "hillstrom" / "hillstrom_email_2008.csv"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Segmint:
    folder = tmp_path_factory.mktemp("hillstrom")
    files = folder / "files"
    prepared = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "hillstrom" / "prepare.py"),
            str(SOURCE),
            str(files),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert prepared.returncode == 0, prepared.stderr
    segmint = Segmint(folder / "mart.duckdb")
    result = segmint("load", files)
    assert result.exit_code == 0, result.output
    return segmint


def test_results_json_reproduces_the_readme(loaded: Segmint) -> None:
    result = loaded("campaign", "results", "mens-email", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["groups"] == {"target": 21_307, "control": 21_306}
    revenue = payload["lift"]["revenue_per_member"]
    assert round(revenue["abs"], 4) == 0.7698
    assert [round(x, 4) for x in revenue["ci95"]] == [0.4851, 1.0545]
    assert round(payload["lift"]["conversion"]["abs"], 5) == 0.00681
    assert payload["srm_p"] > 0.9 and payload["srm_mismatch"] is False
    # the default pre-period (the 14 days before the send) holds no purchase: nothing to adjust
    assert revenue["cuped_variance_reduction"] == 0.0


def test_a_year_long_pre_period_and_the_mens_buyers(loaded: Segmint) -> None:
    result = loaded(
        "campaign", "results", "mens-email", "--pre-days", "365", "--attribute", "mens",
        "--format", "json",
    )  # fmt: skip
    payload = json.loads(result.stdout)
    reduction = payload["lift"]["revenue_per_member"]["cuped_variance_reduction"]
    assert 0.0 < reduction <= 0.004  # honest and tiny: past spend barely predicts it
    segments = {s["segment"]: s["lift"] for s in payload["segments"]}
    for metric in ("conversion", "revenue_per_member", "visit"):
        assert segments["1"][metric]["abs"] > segments["0"][metric]["abs"]
        assert segments["1"][metric]["significant"]
    listed = json.loads(loaded("campaign", "list", "--format", "json").stdout)
    assert {c["campaign_id"] for c in listed["data"]} == {"mens-email", "womens-email"}


def test_a_cost_per_contact_given_to_results_prices_the_return(loaded: Segmint) -> None:
    """The files record no cost per contact; ``--cost-per-contact`` supplies one, and the
    return follows from the README's lift: $0.7698 per member over 21,307 e-mails."""
    free = json.loads(loaded("campaign", "results", "mens-email", "--format", "json").stdout)
    assert free["economics"]["contact_cost"] == 0.0 and free["economics"]["roi"] is None
    result = loaded(
        "campaign", "results", "mens-email", "--cost-per-contact", "0.10", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    roi = json.loads(result.stdout)["economics"]
    assert roi["contact_cost"] == pytest.approx(2_130.70)
    assert roi["incremental_revenue"] == pytest.approx(0.7698 * 21_307, abs=2)
    assert roi["net_return"] == pytest.approx(roi["incremental_revenue"] - 2_130.70)
    assert roi["roi"] == pytest.approx((0.7698 * 21_307 - 2_130.70) / 2_130.70, abs=1e-3)
    refused = loaded("campaign", "results", "mens-email", "--cost-per-contact", "-1")
    assert refused.exit_code != 0 and "--cost-per-contact" in refused.output


def test_the_walkthrough_s_python_gives_its_command_s_numbers(
    loaded: Segmint,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rounded: Callable[..., Any],
) -> None:
    """The walkthrough's command and its Python block, as written in docs/campaigns.md, on
    the mart as ``segmint.duckdb`` in the working folder."""
    page = (ROOT / "docs" / "campaigns.md").read_text(encoding="utf-8")
    walkthrough = page.partition("## Walkthrough")[2].partition("\n## ")[0]
    [command] = re.findall(r"^(segmint campaign results .*)$", walkthrough, re.MULTILINE)
    [block] = re.findall(r"^```python\n(.*?)^```", walkthrough, re.MULTILINE | re.DOTALL)
    assert "ws.campaigns.results(" in block
    printed = loaded(*shlex.split(command)[1:])
    assert printed.exit_code == 0, printed.output
    shutil.copyfile(loaded.mart, tmp_path / "segmint.duckdb")
    monkeypatch.chdir(tmp_path)
    names: dict[str, object] = {}
    exec(compile(block, "docs/campaigns.md", "exec"), names)
    measured = names["results"].as_dict()  # type: ignore[attr-defined]
    printed_json = json.loads(printed.stdout)
    assert printed_json.pop("currency") is None  # the command adds the shop's: none set
    assert rounded(json.loads(json.dumps(measured))) == rounded(printed_json)
    assert measured["economics"]["contact_cost"] == pytest.approx(2_130.70)
