"""The lazy command group: a module is imported only when one of its commands is needed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType
from typing import ClassVar

import pytest
import typer
from typer.testing import CliRunner

from segmint.cli.lazy_group import LazyCommand, LazyGroup, module_group

runner = CliRunner()
FAKE = "segmint.cli.probe_commands"


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A stand-in command module (``probe_commands``); yields the list of its registrations."""
    calls: list[str] = []

    def hello(who: str = typer.Option("world", "--who", help="Whom to greet.")) -> None:
        """Say hello.

        A second paragraph only the command's own help shows.
        """
        typer.echo(f"hello {who}")

    def register(app: typer.Typer) -> None:
        calls.append("register")
        app.command()(hello)

    module = ModuleType(FAKE)
    module.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, FAKE, module)
    module_group.cache_clear()
    yield calls
    module_group.cache_clear()


class ProbeGroup(LazyGroup):
    table: ClassVar[dict[str, LazyCommand]] = {
        "hello": LazyCommand("probe_commands", "Say hello."),
        "ghost": LazyCommand("probe_commands", "Listed, but the module never registers it."),
    }


def probe_app() -> typer.Typer:
    app = typer.Typer(cls=ProbeGroup, no_args_is_help=True)

    @app.callback()
    def main() -> None:
        """The probe."""

    return app


def test_listing_the_commands_imports_no_module(registered: list[str]) -> None:
    result = runner.invoke(probe_app(), ["--help"])
    assert result.exit_code == 0
    assert "hello" in result.output and "Listed, but the module never" in result.output
    assert registered == []


def test_a_command_loads_its_module_once_and_runs(registered: list[str]) -> None:
    app = probe_app()
    assert runner.invoke(app, ["hello", "--who", "you"]).output == "hello you\n"
    assert runner.invoke(app, ["hello"]).output == "hello world\n"
    assert registered == ["register"]


def test_a_command_help_is_its_own_full_help(registered: list[str]) -> None:
    result = runner.invoke(probe_app(), ["hello", "--help"])
    assert result.exit_code == 0
    assert "A second paragraph only" in result.output and "--who" in result.output


def test_a_table_row_its_module_does_not_register_is_a_clear_error(
    registered: list[str],
) -> None:
    with pytest.raises(LookupError, match="probe_commands registers no command 'ghost'"):
        runner.invoke(probe_app(), ["ghost"], catch_exceptions=False)


def test_an_unknown_command_is_a_usage_error(registered: list[str]) -> None:
    result = runner.invoke(probe_app(), ["nope"])
    assert result.exit_code == 2 and "No such command" in result.output
    assert registered == []
