"""The command line: documented help, and the ``info`` report."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from _package import NAME, lib

cli = lib("cli")


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    assert "info" in capsys.readouterr().out


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["no-such-command"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_info_prints_lock_hash(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "uv.lock").write_text("version = 1\n")
    assert cli.main(["info", "--root", str(project)]) == 0
    out = capsys.readouterr().out
    assert hashlib.sha256(b"version = 1\n").hexdigest() in out
    assert NAME in out
    assert "pandas" in out


def test_info_without_lock_says_how_to_lock(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["info", "--root", str(project)]) == 0
    assert "uv lock" in capsys.readouterr().out
