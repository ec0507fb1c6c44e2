"""``python -m segmint`` is the ``segmint`` command."""

from __future__ import annotations

import subprocess
import sys

from segmint import __version__


def test_python_dash_m_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "segmint", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert __version__ in done.stdout


def test_python_dash_m_exits_with_the_commands_code() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "segmint", "no-such-command"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "no-such-command" in done.stderr
