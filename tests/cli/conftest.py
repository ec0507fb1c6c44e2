"""Running ``segmint`` commands in-process, with stdout and stderr kept apart; the privacy
tests' shop (``tests/mart/privacy/shop.py``, loaded by path) for the privacy commands."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner, Result

from segmint.cli._output import out
from segmint.cli.main import app

HEAVY = (
    "ibis",
    "duckdb",
    "pandas",
    "pyarrow",
    "numpy",
    "sklearn",
    "scipy",
    "plotly",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "pydantic",
    "sqlglot",
    "markdown_it",
    "pygments",
)
LIGHT_SEGMINT = {
    "segmint",
    "segmint.config",
    "segmint.exceptions",
    "segmint.cli",
    "segmint.cli.main",
    "segmint.cli.lazy_group",
}
"""The only segmint modules ``segmint --help`` and ``--version`` may load."""

PROBE = """
import atexit, json, sys
def report():
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r} or m.startswith("segmint"))
    sys.stderr.write("\\nLOADED " + json.dumps(loaded))
atexit.register(report)
from segmint.cli.main import run
run()
"""


def loaded_by(*args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run ``segmint ARGS`` as a fresh process; its result and the modules it had loaded."""
    code = PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )
    loaded = json.loads(done.stderr.rsplit("LOADED ", 1)[1])
    return done, loaded


class Segmint:
    """Runs ``segmint`` with arguments against one mart file."""

    def __init__(self, mart: Path) -> None:
        self.mart = mart
        self._runner = CliRunner()

    def __call__(self, *args: str | Path, mart: bool = True) -> Result:
        argv = [str(a) for a in args]
        if mart:
            argv += ["--mart", str(self.mart)]
        return self._runner.invoke(app, argv, catch_exceptions=False)


def assert_limit_advised(stderr: str, limit: int) -> None:
    """``stderr`` says a fit stopped at its limit of ``limit`` iterations and advises the
    command's ``--max-iter`` (never the models' ``max_iter``, which no command takes)."""
    said = " ".join(stderr.split())
    assert f"stopped at its limit of {limit} iterations before converging" in said, said
    assert f"Raise --max-iter (now {limit}) to let it converge." in said, said
    assert "max_iter" not in said


@pytest.fixture
def segmint_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Segmint:
    """``segmint`` bound to a mart file in tmp_path (created by the first command that writes).

    Tables print 240 columns wide, so no cell wraps and tests can look for whole sentences.
    """
    monkeypatch.setattr(out, "width", 240)
    return Segmint(tmp_path / "shop.duckdb")


def _load_shop() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "mart" / "privacy" / "shop.py"
    spec = importlib.util.spec_from_file_location("segmint_tests_privacy_shop", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shop = _load_shop()
"""The shop of the privacy tests: ``shop.ZOE`` is the person to forget."""


@pytest.fixture(scope="session")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The privacy shop mart, built once (copy it before writing)."""
    files = shop.write_files(tmp_path_factory.mktemp("privacy-files"))
    return Path(shop.build_shop(tmp_path_factory.mktemp("privacy-shop") / "shop.duckdb", files))


@pytest.fixture
def shop_cli(shop_template: Path, segmint_cli: Segmint, monkeypatch: pytest.MonkeyPatch) -> Segmint:
    """``segmint`` on a copy of the privacy shop, with a privacy key in the environment."""
    monkeypatch.setenv("SEGMINT_PRIVACY_KEY", shop.KEY)
    shutil.copyfile(shop_template, segmint_cli.mart)
    return segmint_cli
