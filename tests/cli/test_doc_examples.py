"""The examples of the pages on segments run as written, in order, on a small synthetic
retailer dated like the demo's (orders from 2023 to the end of 2025): the commands of
docs/segmentation.md, docs/profiles.md and docs/rules.md, and their Python blocks.

Each page's command lines run in a folder holding the mart as ``segmint.duckdb`` and a copy
of ``examples/``, as a user would type them in the project's folder after ``segmint demo``.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import segmint
from segmint.cli.main import app
from segmint.features import build_features
from segmint.synth import synthesize

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOCS = PROJECT_ROOT / "docs"

pytestmark = pytest.mark.slow


def _blocks(page: str, language: str = "") -> list[str]:
    """The fenced blocks of ``page`` in ``language`` (``""``: the plain ones), in order."""
    blocks: list[tuple[str, list[str]]] = []
    inside = False
    for line in (DOCS / page).read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = not inside
            if inside:
                blocks.append((line.removeprefix("```").strip(), []))
        elif inside:
            blocks[-1][1].append(line)
    return ["\n".join(lines) + "\n" for kind, lines in blocks if kind == language]


def _commands(page: str) -> list[tuple[list[str], str | None]]:
    """Each ``segmint …`` line of the page's plain blocks: its arguments and the file its
    output is redirected to (``> file``), comments left out."""
    found = []
    for block in _blocks(page):
        for line in block.splitlines():
            if line.startswith("segmint "):
                command, _, out = line.split("  #")[0].partition(" > ")
                found.append((shlex.split(command)[1:], out.strip() or None))
    return found


def run(argv: list[str], out: str | None = None) -> str:
    """``segmint ARGV`` on the folder's mart; its stdout (written to ``out`` when given)."""
    result = CliRunner().invoke(app, [*argv, "--mart", "segmint.duckdb"], catch_exceptions=False)
    assert result.exit_code == 0, (argv, result.output)
    if out:
        Path(out).write_text(result.stdout, encoding="utf-8")
    return result.stdout


@pytest.fixture(scope="module")
def retailer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed mart of 400 synthetic customers (copy it before use)."""
    folder = tmp_path_factory.mktemp("doc-examples")
    synthesize(folder / "data", 400, seed=5)
    with segmint.connect(folder / "shop.duckdb") as ws:
        ws.load(folder / "data")
    return folder / "shop.duckdb"


@pytest.fixture
def folder(retailer: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder: a copy of the mart as ``segmint.duckdb`` and of ``examples/``."""
    shutil.copy(retailer, tmp_path / "segmint.duckdb")
    shutil.copytree(PROJECT_ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_segmentation_page_runs(folder: Path) -> None:
    (custom_map,) = [block for block in _blocks("segmentation.md", "yaml") if "fm:" in block]
    (folder / "my_map.yaml").write_text(custom_map, encoding="utf-8")
    for argv, out in _commands("segmentation.md"):
        run(argv, out)
    with segmint.connect("segmint.duckdb", read_only=True) as ws:
        stored = set(ws.segmentations().segmentation)
        assert {"rfm", "lifecycle", "tiers", "rfm_simple"} <= stored
        earlier = ws.assignments("rfm", "2025-09-30")[["customer_id", "segment"]]
        latest = ws.assignments("rfm")[["customer_id", "segment"]]
    assert pd.read_parquet("rfm_q3.parquet").equals(earlier)
    assert pd.read_csv("rfm.csv").equals(latest)


def test_the_profiles_page_runs(folder: Path) -> None:
    run(["segment", "rfm"])  # what the page starts from: rfm stored (segmint demo does it)
    for argv, out in _commands("profiles.md"):
        run(argv, out)
    assert json.loads((folder / "rfm-profile.json").read_text())["segments"]
    (python,) = _blocks("profiles.md", "python")
    with segmint.connect("segmint.duckdb") as mart:
        names = {"mart": mart}
        exec(compile(python, str(DOCS / "profiles.md"), "exec"), names)
    flows = names["moves"].top_flows()  # type: ignore[attr-defined]
    assert flows and all(re.match(r"\d+ .*\b(became|entered|left)\b", flow) for flow in flows)
    assert names["result"].by == "region"  # type: ignore[attr-defined]


def test_the_rules_page_runs(folder: Path) -> None:
    for argv, out in _commands("rules.md"):
        run(argv, out)
    first = _blocks("rules.md", "yaml")[0]
    (folder / "first.yaml").write_text(first, encoding="utf-8")
    printed = run(["segment", "rules", "first", "--file", "first.yaml", "--format", "csv"])
    sizes = pd.read_csv(io.StringIO(printed))
    assert sizes.segment.tolist()[-1] == "Everyone else" and sizes.members.sum() == 400
    (python,) = _blocks("rules.md", "python")
    with segmint.connect("segmint.duckdb", read_only=True) as mart:
        names = {"features": build_features(mart, "2025-12-31")}
        exec(compile(python, str(DOCS / "rules.md"), "exec"), names)
        assigned = names["segments"].to_pandas()  # type: ignore[attr-defined]
        stored = mart.assignments("behavioural")
    assert set(assigned.segment) <= set(names["rules"].names)  # type: ignore[attr-defined]
    merged = assigned.merge(stored, on="customer_id", suffixes=("", "_stored"))
    assert len(merged) == len(stored) and (merged.segment == merged.segment_stored).all()


@pytest.mark.parametrize("condition", ["age = '30'", "age >= (18)", "age => 30"])
def test_the_rules_pages_errors_are_the_ones_printed(folder: Path, condition: str) -> None:
    (folder / "adults.yaml").write_text(
        f'segments:\n  - name: Adults\n    where: "{condition}"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(
        app, ["segment", "rules", "adults", "--file", "adults.yaml", "--mart", "segmint.duckdb"]
    )
    assert result.exit_code != 0
    (message,) = [line for line in result.output.splitlines() if "segment 'Adults'" in line]
    page = (DOCS / "rules.md").read_text(encoding="utf-8")
    assert message.removeprefix("error: ") in page
