"""The Hillstrom e-mail experiment end to end: prepare.py, load the folder, measure.

Reproduces the README of ``../shared/datasets/hillstrom``: the men's e-mail lifts spend
per customer by +0.7698 [0.4851, 1.0545] and conversion by +0.00681 (Welch), the split
passes the sample-ratio check, CUPED with the past year's spend removes well under 1 % of
the variance, and the lift is larger among past buyers of men's merchandise.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import segmint
from segmint.mart import Mart
from segmint.mart.folder import files_to_load
from segmint.mart.ingest import ingest
from segmint.scoring.campaigns import CampaignResults, campaign_results

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT.parent / "shared" / "datasets" / "hillstrom" / "hillstrom_email_2008.csv"


def _prepare_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "hillstrom_prepare", ROOT / "examples" / "hillstrom" / "prepare.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def hillstrom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    """The mart `segmint load` makes of prepare.py's folder."""
    folder = tmp_path_factory.mktemp("hillstrom")
    rows = _prepare_module().prepare(SOURCE, folder / "files")
    assert rows["customers"] == 64_000 and rows["campaign_members"] == 21_307 + 21_387 + 2 * 21_306
    with segmint.connect(folder / "mart.duckdb") as mart:
        plan, unmatched = files_to_load(folder / "files")
        assert not unmatched
        for table, path in plan:
            result = ingest(mart, table, path)
            assert result.rows_loaded == result.rows_read, result.summary()
        yield mart


@pytest.fixture(scope="module")
def mens(hillstrom: Mart) -> CampaignResults:
    return campaign_results(hillstrom, "mens-email", pre_days=365, attribute="mens")


def test_reproduces_the_published_lifts(mens: CampaignResults) -> None:
    payload = mens.as_dict()
    assert payload["groups"] == {"target": 21_307, "control": 21_306}
    revenue = payload["lift"]["revenue_per_member"]
    assert round(revenue["abs"], 4) == 0.7698
    assert [round(x, 4) for x in revenue["ci95"]] == [0.4851, 1.0545]
    conversion = payload["lift"]["conversion"]
    assert round(conversion["abs"], 5) == 0.00681
    assert [round(x, 5) for x in conversion["ci95"]] == [0.00500, 0.00861]
    assert round(payload["lift"]["visit"]["abs"], 5) == 0.07659
    boot = revenue["bootstrap_ci95"]
    assert boot[0] == pytest.approx(0.4851, abs=0.03) and boot[1] == pytest.approx(1.0545, abs=0.03)


def test_passes_the_sample_ratio_check(mens: CampaignResults) -> None:
    assert mens.srm is not None and not mens.srm.mismatch
    assert mens.srm.p_value > 0.9
    assert mens.holdout_share == 0.5


def test_cuped_reports_its_tiny_variance_reduction(mens: CampaignResults) -> None:
    revenue = mens.lift["revenue_per_member"].cuped
    assert 0.0 <= revenue.variance_reduction <= 0.004
    assert revenue.correlation == pytest.approx(0.02, abs=0.01)
    assert mens.lift["conversion"].cuped.variance_reduction == 0.0  # everyone bought last year


def test_larger_lift_among_past_buyers_of_mens_merchandise(mens: CampaignResults) -> None:
    by_value = {s.segment: s for s in mens.segments}
    buyers, others = by_value["1"], by_value["0"]
    assert (buyers.n_target, buyers.n_control) == (11_739, 11_787)
    visit_buyers = buyers.lift["visit"].difference.absolute
    visit_others = others.lift["visit"].difference.absolute
    assert round(visit_buyers, 4) == 0.0816 and round(visit_others, 4) == 0.0706
    for metric in ("conversion", "revenue_per_member", "visit"):
        assert buyers.lift[metric].difference.absolute > others.lift[metric].difference.absolute
        assert buyers.lift[metric].q_value < 0.05


def test_womens_email_shares_the_control_group(hillstrom: Mart) -> None:
    womens = campaign_results(hillstrom, "womens-email")
    revenue = womens.lift["revenue_per_member"].welch
    assert round(revenue.absolute, 4) == 0.4244
    assert [round(x, 4) for x in revenue.ci] == [0.1690, 0.6799]
    assert womens.n_control == 21_306
