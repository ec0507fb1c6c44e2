"""An option a command does not take is refused naming every option it takes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from segmint.cli.main import app


def _error(*argv: str) -> str:
    """The usage error ``segmint argv`` prints, on one line without the box around it."""
    result = CliRunner().invoke(app, list(argv))
    assert result.exit_code == 2, result.output
    return " ".join(result.output.replace("│", " ").split())


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ("token", "create", "--bogus"),
            "No such option: --bogus. `segmint token create` takes --role, --label, --expires, "
            "--mart, --format, --help.",
        ),
        (
            ("segment", "rfm", "--formt", "json"),
            "No such option: --formt. `segmint segment rfm` takes --mart, --as-of, --bins, --map, "
            "--name, --format, --help. Did you mean --format or --mart?",
        ),
        (("--bogus",), "No such option: --bogus. `segmint` takes --version, --engine, --help."),
    ],
)
def test_every_option_of_the_command_is_named(argv: tuple[str, ...], said: str) -> None:
    assert said in _error(*argv)


def test_a_flag_is_named_with_its_negative_form() -> None:
    assert "--serve / --no-serve" not in _error("demo", "--bogus")
    assert "--no-serve" in _error("demo", "--bogus")
