"""The ``segmint`` entry point: a fast start, and every command still reachable with its help.

Start-up is checked by what a fresh process imports, not by a clock: ``segmint --help`` and
``segmint --version`` must load no command module, hence none of the engine, the models or
the web stack (the issue's target is 0.3 s as a whole process; ``bench/commands.py`` times it),
and no command's own help may load the engine, the models or the web stack either.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from segmint import __version__
from segmint.cli.lazy_group import module_group
from segmint.cli.main import COMMANDS, app
from segmint.mart import connect

from .conftest import HEAVY, LIGHT_SEGMINT, loaded_by

runner = CliRunner()
WIDE = {"COLUMNS": "240"}
"""Help printed wide, so no option or sentence is cut by wrapping."""
CLI = Path(__file__).resolve().parents[2] / "src" / "segmint" / "cli"


@pytest.mark.parametrize("args", [["--version"], ["--help"], []], ids=["version", "help", "bare"])
def test_starting_loads_no_command_and_no_heavy_library(args: list[str]) -> None:
    done, loaded = loaded_by(*args)
    expected = "segmint " if args == ["--version"] else "Usage: segmint"
    assert expected in done.stdout
    # A bare ``segmint`` prints help through Typer's own renderer (Markdown support included).
    renderer = {"markdown_it", "pygments"} if not args else set()
    assert [m for m in loaded if m not in LIGHT_SEGMINT and m.split(".")[0] not in renderer] == []


HELP_HEAVY = tuple(m for m in HEAVY if m not in {"pydantic", "markdown_it", "pygments"})
"""What no command's help may load: the engine, the models, the charts, the web stack. Not
what Typer itself loads for any command's help: pydantic to build the options, Markdown
support to render them."""

HELP_WALK = """
import json, sys
import typer.main
from segmint.cli.main import app
heavy, seen, report = set({heavy!r}), set(), {{}}
def show(path):
    try:
        app([*path, "--help"], prog_name="segmint")
        code = 0
    except SystemExit as stop:
        code = stop.code
    loaded = {{m.split(".")[0] for m in sys.modules}} & heavy
    report[" ".join(path)] = [code, sorted(loaded - seen)]
    seen.update(loaded)
def visit(path, group):
    for name in list(getattr(group, "commands", {{}})):
        show([*path, name])
        visit([*path, name], group.commands[name])
visit([], typer.main.get_command(app))
sys.stderr.write("\\nHELPS " + json.dumps(report))
"""
"""Shows the help of every command and sub-command of the app, as found by walking it, in one
fresh process; notes which heavy modules each help loaded that earlier ones had not. A
module, once loaded, stays: so a help that loads one is named, though every help after it
could no longer be checked (the test fails on the first anyway)."""


def _paths(path: tuple[str, ...], command: Any) -> Iterator[str]:
    """The path of every command and sub-command under ``command``, walked in-process."""
    for name, sub in getattr(command, "commands", {}).items():
        yield " ".join((*path, name))
        yield from _paths((*path, name), sub)


def test_no_command_help_loads_the_engine_the_models_or_the_web_stack() -> None:
    done = subprocess.run(
        [sys.executable, "-c", HELP_WALK.format(heavy=HELP_HEAVY)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    helps = json.loads(done.stderr.rsplit("HELPS ", 1)[1])
    assert list(helps) == list(_paths((), typer.main.get_command(app)))  # every one of them
    assert {path: code for path, (code, _) in helps.items() if code != 0} == {}
    assert {path: loaded for path, (_, loaded) in helps.items() if loaded} == {}


def loaded_by_body(*path: str) -> list[str]:
    """The modules a fresh process holds after running the import statements of the command
    at ``path`` (``campaign create``): what the command loads before it does its work."""
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(command.callback))))
    imports = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    report = "import sys; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", "\n".join([*imports, report])],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.split()


@pytest.mark.parametrize("command", ["rfm", "lifecycle", "rules", "value"])
def test_a_segment_command_loads_no_learner_and_no_charts(command: str) -> None:
    # only `segment cluster` needs scikit-learn and Plotly; the other segmentations run without
    loaded = loaded_by_body("segment", command)
    assert "ibis" in loaded  # the probe sees what the command loads
    assert [m for m in loaded if m.split(".")[0] in {"sklearn", "plotly"}] == []


@pytest.mark.parametrize("command", ["create", "results", "power"])
def test_a_campaign_command_loads_no_scipy(command: str) -> None:
    # the experiment statistics use the standard library's normal distribution and, when a
    # t or chi-square quantile is needed, scipy.special at that moment: scipy.stats alone
    # costs a campaign command most of a second
    loaded = loaded_by_body("campaign", command)
    assert "segmint.workflows.campaigns" in loaded
    assert [m for m in loaded if m.split(".")[0] in {"scipy", "sklearn", "plotly"}] == []


@pytest.mark.parametrize("command", ["create", "results"])
def test_a_campaign_create_or_results_loads_no_pandas(command: str) -> None:
    # both work on Arrow tables and NumPy arrays: pandas alone costs each command ~0.5 s
    loaded = loaded_by_body("campaign", command)
    assert "ibis" in loaded and "pandas" not in loaded


def test_the_probe_sees_a_command_that_loads_the_engine(tmp_path: Path) -> None:
    done, loaded = loaded_by("init", "--mart", str(tmp_path / "m.duckdb"))
    assert done.returncode == 0, done.stderr
    assert "duckdb" in loaded and "segmint.cli.mart_commands" in loaded


def test_the_table_holds_exactly_the_commands_the_modules_register() -> None:
    registered = {
        name: module
        for module in {entry.module for entry in COMMANDS.values()}
        for name in module_group(module).commands
    }
    assert registered == {name: entry.module for name, entry in COMMANDS.items()}


def test_every_command_module_is_reached_from_the_table() -> None:
    for module in {entry.module for entry in COMMANDS.values()}:
        module_group(module)
    modules = {f"segmint.cli.{path.stem}" for path in CLI.glob("*_commands.py")}
    assert modules - set(sys.modules) == set()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_table_help_is_the_first_paragraph_of_the_command_help(name: str) -> None:
    command = module_group(COMMANDS[name].module).commands[name]
    first = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]
    assert " ".join(first.split()) == COMMANDS[name].help


def test_top_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"], env=WIDE)
    assert result.exit_code == 0
    for name, entry in COMMANDS.items():
        assert f" {name} " in result.output and entry.help[:40] in result.output


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_shows_its_full_help(name: str) -> None:
    command = module_group(COMMANDS[name].module).commands[name]
    result = runner.invoke(app, [name, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert f"Usage: segmint {name}" in " ".join(result.output.split())
    for param in command.params:
        shown = getattr(param, "help", None) if param.param_type_name == "argument" else None
        assert (shown or param.opts[0]) in result.output
    for sub in getattr(command, "commands", {}):
        assert f" {sub} " in result.output
        nested = runner.invoke(app, [name, sub, "--help"], env=WIDE)
        assert nested.exit_code == 0 and f"segmint {name} {sub}" in nested.output


def _leaves(path: str, command: Any) -> Iterator[tuple[str, Any]]:
    """``command`` and its sub-commands' leaves, each with its path (``campaign power``)."""
    subs = getattr(command, "commands", {})
    if not subs:
        yield path, command
    for name, sub in subs.items():
        yield from _leaves(f"{path} {name}", sub)


def test_every_command_but_those_the_readme_names_takes_mart() -> None:
    readme = (CLI.parents[2] / "README.md").read_text(encoding="utf-8")
    sentence = re.search(
        r"Every command but (.*?), which need no mart, takes `--mart PATH`", readme
    )
    assert sentence, "README.md no longer says which commands take --mart"
    named = set(re.findall(r"`([a-z -]+)`", sentence.group(1)))
    without = {
        path
        for name, entry in COMMANDS.items()
        for path, leaf in _leaves(name, module_group(entry.module).commands[name])
        if not any("--mart" in param.opts for param in leaf.params)
    }
    assert without == named


def test_a_misspelt_command_is_refused_with_a_suggestion() -> None:
    result = runner.invoke(app, ["segmnt"])
    assert result.exit_code == 2
    assert "No such command" in result.output and "segment" in result.output


def test_a_command_runs_through_the_lazy_group(tmp_path: Path) -> None:
    mart = tmp_path / "m.duckdb"
    assert runner.invoke(app, ["init", "--mart", str(mart)]).exit_code == 0
    result = runner.invoke(app, ["tables", "--mart", str(mart)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "orders" in result.output


def test_engine_option_names_where_the_mart_lives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGMINT_ENGINE", "duckdb")  # --engine sets it: restored after the test
    monkeypatch.delenv("SEGMINT_MART", raising=False)
    path = tmp_path / "elsewhere.duckdb"
    result = runner.invoke(app, ["--engine", f"duckdb://{path}", "init"])
    assert result.exit_code == 0, result.output
    assert path.exists() and str(path) in result.output


def test_an_unknown_engine_is_refused_with_the_ones_segmint_runs_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEGMINT_ENGINE", "duckdb")
    result = runner.invoke(app, ["--engine", "oracle", "tables"], env=WIDE)
    assert result.exit_code == 2
    assert "'oracle' is not an engine segmint runs on; use one of duckdb, pyspark" in result.output


def run_segmint(*args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    """``segmint ARGS`` through the console entry point, after the Python of ``before``."""
    code = f"{before}\nfrom segmint.cli.main import run\nrun()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


def test_the_entry_point_keeps_the_output_and_the_exit_code(tmp_path: Path) -> None:
    done = run_segmint("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"segmint {__version__}")
    refused = run_segmint("no-such-command")
    assert refused.returncode == 2 and "No such command" in refused.stderr
    mart = tmp_path / "m.duckdb"
    assert run_segmint("init", "--mart", str(mart)).returncode == 0
    with connect(mart) as opened:  # written and readable after the quick exit
        assert "orders" in opened.table_names()


def test_the_entry_point_flushes_a_file_left_open(tmp_path: Path) -> None:
    path = tmp_path / "left-open.txt"
    before = f"kept = open({str(path)!r}, 'w'); kept.write('every byte')"
    assert run_segmint("--version", before=before).returncode == 0
    assert path.read_text() == "every byte"


def test_the_entry_point_waits_for_a_running_thread(tmp_path: Path) -> None:
    path = tmp_path / "late.txt"
    before = (
        "import threading, time, pathlib\n"
        f"late = lambda: (time.sleep(0.5), pathlib.Path({str(path)!r}).write_text('done'))\n"
        "threading.Thread(target=late).start()"
    )
    assert run_segmint("--version", before=before).returncode == 0
    assert path.read_text() == "done"
