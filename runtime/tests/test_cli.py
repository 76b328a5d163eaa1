"""The command line: documented help, and the ``info`` report."""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
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


def test_the_command_table_names_what_each_module_adds() -> None:
    app = lib("cli.app")
    for module in app.command_modules():
        parser = argparse.ArgumentParser()
        subparsers = parser.add_subparsers()
        module.register(subparsers)
        name = module.__name__.rpartition(".")[2]
        assert set(subparsers.choices) == {c for c, m in app.COMMANDS.items() if m == name}


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["pipeline", "--force"], "pipeline"),
        (["--log-format", "json", "-v", "models"], "models"),
        (["--log-format=json", "runs", "list"], "runs"),
        (["-h", "pipeline"], None),
        (["--he", "models"], None),  # argparse takes a prefix of --help
        (["-vh", "info"], None),
        (["--log", "json", "models"], "json"),  # no command: every module, argparse decides
        (["--traceback"], None),
    ],
)
def test_the_command_word_is_found_after_the_global_options(
    argv: list[str], command: str | None
) -> None:
    assert lib("cli.app").command_of(argv) == command


def test_a_command_imports_its_own_module_only(project: Path) -> None:
    """``info`` loads the info commands' module, not the pipeline's or the registry's."""
    (project / "uv.lock").write_text("version = 1\n")
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from _package import lib\n"
        "code = lib('cli').main(['info'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('leanops_runtime.cli.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=project, capture_output=True, text=True, check=True
    )
    loaded = done.stdout.splitlines()[-1]
    assert "'leanops_runtime.cli.info'" in loaded
    assert "'leanops_runtime.cli.pipeline'" not in loaded
    assert "'leanops_runtime.cli.registry'" not in loaded


def test_info_prints_lock_hash(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "uv.lock").write_text("version = 1\n")
    assert cli.main(["info", "--root", str(project)]) == 0
    out = capsys.readouterr().out
    assert hashlib.sha256(b"version = 1\n").hexdigest() in out
    assert NAME in out
    assert "pandas" in out


def test_info_names_the_template_release_the_project_was_rendered_from(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".copier-answers.yml").write_text("_commit: v0.4.1\n_src_path: gh:x/y\n")
    assert cli.main(["info", "--root", str(project)]) == 0
    assert re.search(r"^template\s+v0\.4\.1$", capsys.readouterr().out, re.MULTILINE)


def test_info_without_lock_says_how_to_lock(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["info", "--root", str(project)]) == 0
    assert "uv lock" in capsys.readouterr().out


def team_function(source: str, name: str) -> object:
    """A function compiled as if written in the team's ``features.py`` (its frames name that
    file), without touching the file."""
    from _package import TEAM_PATH

    namespace: dict[str, object] = {}
    exec(compile(source, str(TEAM_PATH / NAME / "features.py"), "exec"), namespace)  # noqa: S102
    return namespace[name]


def test_an_error_in_the_teams_code_names_its_line_and_exits_2(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A KeyError a pandas call raises for the team's transformer is the team's to fix: one line
    with the file and line, exit 2, never "report it" as the library's bug."""
    from _package import load

    source = "\n\ndef build_features(contract, fit):\n    return {}['monthly_spend_eur']\n"
    monkeypatch.setattr(load("features"), "build_features", team_function(source, "build_features"))
    assert cli.main(["pipeline"]) == 2
    err = capsys.readouterr().err
    assert f"{NAME}/features.py:4: KeyError: 'monthly_spend_eur'" in err
    assert "in the project's own code" in err and "report it" not in err
    assert err.count("\n") == 1


def test_a_syntax_error_in_the_teams_code_is_named_and_a_library_bug_is_not() -> None:
    from _package import TEAM_PATH

    team = lib("team")
    features = TEAM_PATH / NAME / "features.py"
    broken = SyntaxError("expected ':'", (str(features), 22, 9, "def f()\n"))
    assert str(team.raised_in_team_code(broken)).endswith(f"{NAME}/features.py:22")
    with pytest.raises(FileNotFoundError) as raised:  # pathlib's error, called by the library
        lib("files").read_yaml(TEAM_PATH / "no-such-file.yaml")
    assert team.raised_in_team_code(raised.value) is None


def test_a_reader_that_went_away_stops_the_command_without_a_word(project: Path) -> None:
    """``info | head -1`` where head has exited: Unix's 141, nothing on stderr (no 'error:
    Broken pipe', no 'Exception ignored' at exit). The pipe's reader is closed before the
    command starts, so every write fails, whatever the timing."""
    import os

    (project / "uv.lock").write_text("version = 1\n")
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from _package import lib\n"
        "raise SystemExit(lib('cli').main(['info']))\n"
    )
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=project,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (141, "")


def test_a_first_line_that_announces_the_next_keeps_it() -> None:
    """scikit-learn's message for a transform that returned None, cut at its colon, said what
    was expected and not what came."""
    first_line = lib("errors").first_line
    announced = ValueError("Expected 2D array, got scalar array instead:\narray=None.\nReshape")
    assert first_line(announced) == "Expected 2D array, got scalar array instead: array=None."
    assert first_line(ValueError("one line\nmore")) == "one line"
    assert first_line(ValueError("ends with:")) == "ends with:"
    assert first_line(ValueError("")) == "ValueError"


def test_a_broken_pipe_of_the_commands_own_work_is_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A socket or a pipe the work itself uses breaking, while the output's reader is there,
    is an error to see, not a reader that went away."""
    assert lib("cli.app").failed(BrokenPipeError(32, "Broken pipe")) == 2
    assert caplog.messages == ["Broken pipe"]


def test_the_pipelines_summary_lists_metrics_in_the_tasks_order() -> None:
    """Just scored (``rmse, mae, r2``) or read back from a version's sorted record (``mae, r2,
    rmse``), the summary line names them in one order."""
    shown = lib("cli.pipeline").shown_metrics
    scored = {"rmse": 2.0, "mae": 1.0, "r2": 0.5, "baseline_rmse": 4.0}
    stored = dict(sorted(scored.items()))
    assert shown(scored) == shown(stored)
    assert shown(stored) == "rmse=2.0000 (baseline 4.0000), mae=1.0000, r2=0.5000"
