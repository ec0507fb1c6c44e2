"""Background imports: the module is loaded when the thread ends, and a failing import
stays on the thread (the command's own import reports it)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from segmint.cli.preload import preload


def test_a_preloaded_module_is_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "slow_to_import.py").write_text("import time\ntime.sleep(0.2)\nVALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_to_import", raising=False)
    thread = preload("slow_to_import")
    assert thread.daemon
    import slow_to_import  # waits for the thread's import: never a half-initialised module

    assert slow_to_import.VALUE == 42
    thread.join(5)
    assert not thread.is_alive()


def test_a_failing_import_stays_on_the_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_module.py").write_text("raise RuntimeError('broken')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    thread = preload("broken_module", "no_such_module_anywhere")
    thread.join(5)
    assert not thread.is_alive() and "broken_module" not in sys.modules
    with pytest.raises(RuntimeError, match="broken"):
        import broken_module  # noqa: F401
