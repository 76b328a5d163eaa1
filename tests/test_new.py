"""``leanops new``: a working project, an absolute template source, and clean refusals."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import copier
import pytest
import yaml
from conftest import REPO
from template_repo import make_template_repo, make_tiny_template

from generator import __version__
from generator.cli import main
from generator.source import PUBLIC_URL, absolute_source, template_source


def leanops(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``leanops`` entry point in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"leanops {__version__}"


def test_new_with_defaults_records_an_absolute_source_and_updates(tmp_path: Path) -> None:
    """From inside the project, `copier update` finds the template again."""
    template = make_template_repo(tmp_path / "tpl")
    relative = os.path.relpath(template, tmp_path)
    result = leanops("new", "y", "--defaults", "--template", relative, "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "y"
    assert "Next steps" in result.stdout
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(template)
    assert answers["_commit"] == "v0.1.0"
    update = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--trust"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert update.returncode == 0, update.stderr
    assert "Keeping template version 0.1.0" in update.stderr


def test_new_into_non_empty_folder_refuses_and_changes_nothing(tmp_path: Path) -> None:
    destination = tmp_path / "taken"
    destination.mkdir()
    (destination / "notes.txt").write_text("mine")
    result = leanops("new", str(destination), "--defaults")
    assert result.returncode == 1
    assert result.stderr.strip() == f"leanops: error: destination {destination} is not empty; " + (
        "choose a new folder"
    )
    assert [p.name for p in destination.iterdir()] == ["notes.txt"]
    assert (destination / "notes.txt").read_text() == "mine"


def test_bad_answer_is_one_line_and_leaves_no_folder(tmp_path: Path) -> None:
    destination = tmp_path / "bad"
    result = leanops("new", str(destination), "--defaults", "-d", "package_name=pandas")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "leanops: error: invalid answer for package_name: package_name 'pandas' would shadow a "
        "dependency or tool of the project"
    )
    assert "Traceback" not in result.stderr
    assert not destination.exists()


def test_bad_answer_into_existing_empty_folder_leaves_it_empty(tmp_path: Path) -> None:
    destination = tmp_path / "empty"
    destination.mkdir()
    result = leanops("new", str(destination), "--defaults", "-d", "project_name=Bad Name")
    assert result.returncode == 1
    assert "invalid answer for project_name" in result.stderr
    assert destination.is_dir()
    assert list(destination.iterdir()) == []


@pytest.mark.parametrize("answer", ["maybe", "{{ 7*7 }}", "2"])
def test_a_switch_takes_yes_or_no_only_through_both_routes(tmp_path: Path, answer: str) -> None:
    destination = tmp_path / "switch"
    result = leanops("new", str(destination), "--defaults", "-d", f"docker={answer}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"leanops: error: invalid answer for docker: {answer!r} is not one of yes, no; "
        "nothing was written"
    )
    assert not destination.exists()
    with pytest.raises(ValueError):  # Copier itself, as `copier copy` runs it: refused too
        copier.run_copy(
            str(REPO),
            str(destination),
            data={"docker": answer},
            defaults=True,
            unsafe=True,
            quiet=True,
            vcs_ref="HEAD",
        )
    assert not destination.exists()


def test_malformed_data_option(tmp_path: Path) -> None:
    result = leanops("new", str(tmp_path / "x"), "--defaults", "-d", "ml_task")
    assert result.returncode == 1
    assert "-d expects key=value, got 'ml_task'" in result.stderr


def test_an_unknown_data_key_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """``-d`` with a key that is no question of copier.yml (a typo) used to be ignored."""
    template = make_tiny_template(tmp_path / "tpl")
    destination = tmp_path / "typo"
    args = ["--defaults", "--template", str(template), "-q", "-d", "nmae=x", "-d", "colour=red"]
    result = leanops("new", str(destination), *args, "-d", "name=ok")
    assert result.returncode == 1
    assert result.stderr == (
        "leanops: error: -d names no question of the template: nmae, colour "
        "(its questions: name, ml_task); nothing was written\n"
    )
    assert not destination.exists()
    destination.mkdir()
    assert leanops("new", str(destination), *args).returncode == 1
    assert list(destination.iterdir()) == []


def test_an_unknown_data_key_lists_the_real_templates_questions(tmp_path: Path) -> None:
    result = leanops("new", str(tmp_path / "x"), "--defaults", "-d", "mltask=regression")
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]  # after Copier's own notes and warnings
    assert line.startswith("leanops: error: -d names no question of the template: mltask (its ")
    questions = yaml.safe_load((REPO / "copier.yml").read_text())
    expected = [
        key
        for key, question in questions.items()
        if not key.startswith("_")
        and not (isinstance(question, dict) and question.get("when") is False)
    ]
    assert "ml_task" in expected and "runtime_rev" not in expected
    assert line.endswith(f"(its questions: {', '.join(expected)}); nothing was written")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "answer", ["runtime_rev=deadbeef", "runtime_git_url=https://attacker.example/x.git"]
)
def test_a_value_the_template_computes_is_no_answer(tmp_path: Path, answer: str) -> None:
    """The runtime's pin comes from where the template is copied: ``-d`` cannot point it at
    another commit or another repository."""
    result = leanops("new", str(tmp_path / "x"), "--defaults", "-q", "-d", answer)
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]
    key = answer.partition("=")[0]
    assert line == (
        f"leanops: error: -d {key}: computed by the template from where it is copied, not a "
        "question (pick the template's version with --vcs-ref); nothing was written"
    )
    assert not (tmp_path / "x").exists()


def test_update_takes_no_answers(capsys: pytest.CaptureFixture[str]) -> None:
    """``update`` has no ``-d``: argparse refuses it (nothing is ignored silently)."""
    with pytest.raises(SystemExit) as exit_info:
        main(["update", ".", "-d", "unknown=1"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: -d unknown=1" in capsys.readouterr().err


def test_unreachable_template_is_one_line(tmp_path: Path) -> None:
    result = leanops("new", str(tmp_path / "x"), "--defaults", "--template", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert result.stderr == (
        f"leanops: error: template {tmp_path / 'nope'} is not a folder (given with --template); "
        "nothing was written\n"
    )
    assert not (tmp_path / "x").exists()


def test_source_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LEANOPS_TEMPLATE", raising=False)
    assert template_source() == str(REPO)  # an editable install runs from this checkout
    monkeypatch.setenv("LEANOPS_TEMPLATE", "gh:acme/ml-template")
    assert template_source() == "gh:acme/ml-template"
    assert template_source(str(tmp_path)) == str(tmp_path.resolve())
    assert absolute_source(PUBLIC_URL) == PUBLIC_URL
    monkeypatch.chdir(tmp_path)
    assert absolute_source("sub/../tpl") == str(tmp_path / "tpl")


def test_an_unreachable_default_source_says_which_and_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An installed (non-editable) leanops has no checkout: its default is the public URL."""
    from generator import source

    monkeypatch.delenv("LEANOPS_TEMPLATE", raising=False)
    monkeypatch.setattr(source, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setattr(source, "PUBLIC_URL", "file:///nonexistent/leanops.git")
    assert main(["new", str(tmp_path / "x"), "--defaults"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        "leanops: error: template source file:///nonexistent/leanops.git is unreachable: "
        "'/nonexistent/leanops.git' does not appear to be a git repository"
    )
    assert "the default source; choose another with --template or $LEANOPS_TEMPLATE" in err
    assert not (tmp_path / "x").exists()


def test_a_local_template_path_warns_about_the_scheduled_workflow(tmp_path: Path) -> None:
    template = make_tiny_template(tmp_path / "tpl")
    result = leanops("new", str(tmp_path / "p"), "--defaults", "--template", str(template), "-q")
    assert result.returncode == 0, result.stderr
    assert (
        f"leanops: warning: the project records the local template path {template} as "
        "_src_path" in result.stderr
    )
    assert "scheduled template-update workflow" in result.stderr
    assert "run `leanops source <URL>` in the project and commit" in result.stderr


def test_the_next_steps_run_as_printed_after_the_cd(tmp_path: Path) -> None:
    """Every step after ``cd <project>`` is run from inside the project: none may name the
    project's path again; the cd itself survives a space in the path."""
    template = make_tiny_template(tmp_path / "tpl")
    destination = tmp_path / "our projects" / "demo"
    result = leanops("new", str(destination), "--defaults", "--template", str(template), "-q")
    assert result.returncode == 0, result.stderr
    steps = [line.strip() for line in result.stdout.split("Next steps:\n")[1].splitlines()]
    assert steps[0] == f"cd {shlex.quote(str(destination))}"
    landed = subprocess.run(
        ["sh", "-c", f"{steps[0]} && pwd -P"], capture_output=True, text=True, check=True
    )
    assert landed.stdout.strip() == str(destination.resolve())
    assert "# later: leanops update .  (pull template improvements)" in steps
    assert not [step for step in steps[1:] if "demo" in step or str(tmp_path) in step]


@pytest.mark.parametrize("command", [[], ["new"], ["update"], ["diff"], ["check"]])
def test_help_texts_show_no_restructuredtext_markup(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert "usage: leanops" in out
    assert "``" not in out


def test_a_missing_jinja_extension_is_named_in_the_one_line_error(tmp_path: Path) -> None:
    template = tmp_path / "third-party"
    template.mkdir()
    (template / "copier.yml").write_text(
        "_jinja_extensions: [leanops_absent_extension.Extension]\nname:\n  default: x\n"
    )
    (template / "README.md.jinja").write_text("{{ name }}\n")
    destination = tmp_path / "made"
    result = leanops("new", str(destination), "--defaults", "--template", str(template), "-q")
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("leanops: error: ") and "leanops_absent_extension" in line, line
    assert not destination.exists()
