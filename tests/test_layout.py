"""The tree keeps the shape docs/architecture.md describes.

* No function in ``src/`` is longer than 60 lines (data tables excepted, by name below):
  a longer one does more than one thing, and its parts deserve names and tests.
* No SQL text outside :mod:`segmint.mart` and :mod:`segmint.serving`: every other layer
  builds Ibis expressions, so a value never reaches SQL text and other engines can run it.
* CLI modules stay small: each command parses, calls one use case and prints.
* ``import segmint`` stays light: the engine, the models and the CLI load when first used.
* The map of docs/architecture.md names every workflow module and every subpackage.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "segmint"
MAX_FUNCTION_LINES = 60
DATA_TABLES: frozenset[str] = frozenset()
"""``module:function`` of functions that are data tables (one entry per line of data), allowed
to be longer. Empty today; add one only for a table, never for logic."""
SQL_HOMES = ("mart", "serving")
SQL_MARKERS = ("SELECT ", "READ_PARQUET(", "INSERT INTO", "CREATE TABLE", "DELETE FROM")
MAX_CLI_LINES = 160
ARCHITECTURE_DOC = SRC.parents[1] / "docs" / "architecture.md"


def modules() -> Iterator[tuple[str, ast.Module]]:
    """Every module of the package: its dotted name and syntax tree."""
    for path in sorted(SRC.rglob("*.py")):
        name = ".".join(("segmint", *path.relative_to(SRC).with_suffix("").parts))
        yield name, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def long_functions() -> list[str]:
    """``module:function (lines)`` of every function longer than the limit."""
    found = []
    for name, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES and f"{name}:{node.name}" not in DATA_TABLES:
                    found.append(f"{name}:{node.name} ({lines} lines)")
    return found


def sql_text() -> list[str]:
    """``module:line`` and the text of every string literal outside the SQL homes that holds
    SQL (any case)."""
    found = []
    for name, tree in modules():
        if name.split(".")[1] in SQL_HOMES:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.upper()
                if any(marker in text for marker in SQL_MARKERS):
                    found.append(f"{name}:{node.lineno}: {node.value[:60]!r}")
    return found


def test_no_function_is_longer_than_60_lines() -> None:
    assert long_functions() == []


def test_no_sql_text_outside_the_mart_and_serving() -> None:
    assert sql_text() == []


def test_cli_modules_stay_small() -> None:
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in (SRC / "cli").glob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_CLI_LINES} == {}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n" + "    x = 1\n" * 60, ["f (61 lines)"]),
        ("def f():\n" + "    x = 1\n" * 59, []),
        ('def f():\n    return "select * from t"\n', ["sql"]),
    ],
)
def test_the_checks_see_what_they_look_for(
    source: str, expected: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "segmint" / "insight"
    package.mkdir(parents=True)
    (package / "probe.py").write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path / "segmint")
    found = [f.split(":", 1)[1] for f in long_functions()]
    if expected == ["sql"]:
        assert len(sql_text()) == 1 and found == []
    else:
        assert found == expected and sql_text() == []


def map_rows() -> dict[str, str]:
    """The rows of docs/architecture.md's "Where things are" table: what each package holds,
    by its dotted name below ``segmint`` (``workflows``, ``views.plots``)."""
    text = ARCHITECTURE_DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\|[^|]*\| `segmint\.([a-z_.]+)` \| (.*) \|$", text, flags=re.MULTILINE)
    return dict(rows)


def unmapped(rows: dict[str, str]) -> list[str]:
    """Workflow modules the workflows row does not name (as `` `name` ``), and subpackages
    neither their package's row names (as `` `name/` ``) nor a row of their own."""
    missing = [
        f"workflows.{path.stem}"
        for path in sorted((SRC / "workflows").glob("*.py"))
        if path.stem != "__init__" and f"`{path.stem}`" not in rows.get("workflows", "")
    ]
    for package, row in rows.items():
        folder = SRC.joinpath(*package.split("."))
        for sub in sorted(folder.glob("*/__init__.py")) if folder.is_dir() else []:
            name = sub.parent.name
            if f"`{name}/`" not in row and f"{package}.{name}" not in rows:
                missing.append(f"{package}.{name}")
    return missing


def test_the_architecture_map_names_every_workflow_and_subpackage() -> None:
    rows = map_rows()
    assert {"workflows", "scoring", "models", "mart", "views", "views.plots"} <= set(rows)
    assert unmapped(rows) == []


def test_the_map_check_sees_a_module_left_out() -> None:
    rows = map_rows()
    rows["workflows"] = rows["workflows"].replace("`campaigns`", "campaigns")
    rows["scoring"] = rows["scoring"].replace("`recommend/`", "recommend")
    assert unmapped(rows) == ["workflows.campaigns", "scoring.recommend"]


def test_importing_segmint_loads_neither_the_engine_nor_the_cli() -> None:
    code = (
        "import sys, segmint; "
        "print(sorted(m for m in ('duckdb', 'ibis', 'sklearn', 'segmint.mart', 'segmint.cli', "
        "'segmint.workspace') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
