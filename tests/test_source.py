"""``leanops source``: a project made from a local checkout moves to the template's git URL (or
to the folder the checkout moved to) as if it had been rendered from there, the team's edits
kept, and later updates merge cleanly."""

from __future__ import annotations

import contextlib
import io
import subprocess
from pathlib import Path

import copier
import pytest
from template_repo import git, make_template_repo, reach_as

from generator.cli import main
from generator.project_facts import answers as read_answers
from generator.project_facts import machinery_edits

URL = "https://git.example.com/team/leanops.git"
SOURCE_LINES = ("Dockerfile", "README.md", "docs/guide.md", "pyproject.toml")


def leanops(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def made_from(template: Path, project: Path, source: str = "") -> Path:
    """A project rendered from the local checkout ``template`` and committed (the post-copy task's
    first commit), as `leanops new` run from a checkout makes it; ``source``: the checkout as
    given instead, from the project folder (`copier copy ../checkout .`), as Copier records it
    when the task does not run (the task refuses a relative source now)."""
    project.mkdir()
    with contextlib.chdir(project):
        copier.run_copy(
            source or str(template), ".", defaults=True, unsafe=True, quiet=True,
            skip_tasks=bool(source),
        )  # fmt: skip
    if source:
        git(project, "init", "-q")
        git(project, "add", "-A")
        git(project, "commit", "-qm", "Generate project")
    assert not git(project, "status", "--porcelain"), "the post-copy task commits the project"
    return project


def serve_at_url(template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The template pushed to a git server at ``URL``: a bare clone git (Copier's and uv's)
    reaches through ``url.<...>.insteadOf``, set for this test only."""
    server = template.parent / "server.git"
    git(template.parent, "clone", "-q", "--bare", str(template), str(server))
    reach_as(URL, server, monkeypatch)


@pytest.mark.slow
def test_a_local_project_moves_to_the_git_url_with_its_edits_and_updates_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = make_template_repo(tmp_path / "checkout")
    project = made_from(template, tmp_path / "project")
    subprocess.run(["uv", "lock", "--quiet"], cwd=project, check=True)
    readme = project / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nOur own note.\n", encoding="utf-8")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "our lock and note")
    serve_at_url(template, monkeypatch)

    code, out, err = leanops("source", URL, str(project))

    assert code == 0, out + err
    direct = tmp_path / "direct"
    copier.run_copy(URL, direct, defaults=True, unsafe=True, quiet=True, skip_tasks=True)
    for name in SOURCE_LINES:
        expected = (direct / name).read_text(encoding="utf-8")
        if name == "README.md":
            expected += "\nOur own note.\n"  # the team's edit stays
        assert (project / name).read_text(encoding="utf-8") == expected, name
    assert "leanops-template" not in (project / "Dockerfile").read_text(encoding="utf-8")
    assert read_answers(project)["_src_path"] == URL  # type: ignore[index]
    assert f'git = "{URL}' in (project / "uv.lock").read_text(encoding="utf-8")
    assert "uv.lock" in out, "the relock is listed with the merged files"
    git(project, "commit", "-qam", "point at the team's server")
    assert machinery_edits(project, read_answers(project)).files == ()  # no edit to report

    # The next template release merges cleanly: no line naming the old folder is left to clash.
    dockerfile = template / "template" / "{% if docker %}Dockerfile{% endif %}.jinja"
    dockerfile.write_text(dockerfile.read_text(encoding="utf-8") + "# a later release\n")
    git(template, "commit", "-qam", "a later release")
    git(template, "push", "-q", str(template.parent / "server.git"), "HEAD:main")
    code, out, err = leanops("update", str(project), "--to", "HEAD", "--jobs", "1")
    assert code == 0, out + err
    assert "updated" in out


@pytest.mark.parametrize("given", ["absolute", "../checkout"])
def test_a_moved_checkout_is_followed_though_its_old_folder_is_gone(
    tmp_path: Path, given: str
) -> None:
    """A source recorded as given (a relative path too) is merged as the project names it: no
    line that names it is a conflict."""
    template = make_template_repo(tmp_path / "checkout")
    project = made_from(template, tmp_path / "project", "" if given == "absolute" else given)
    moved = template.rename(tmp_path / "moved")

    code, out, err = leanops("source", str(moved), str(project))

    assert code == 0, out + err
    assert "conflict" not in out
    changed = git(project, "diff", "--name-only").split()
    assert set(changed) == {".copier-answers.yml", *SOURCE_LINES}, changed
    named = subprocess.run(
        ["git", "grep", "-l", "-F", str(template)],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert not named.stdout, f"the old folder is still named in {named.stdout}"
    assert "../checkout" not in (project / "Dockerfile").read_text(encoding="utf-8")
    assert f"target={moved}" in (project / "Dockerfile").read_text(encoding="utf-8")
    assert read_answers(project)["_src_path"] == str(moved)  # type: ignore[index]


def test_refusals_change_nothing_and_a_clash_with_an_edit_is_a_conflict(tmp_path: Path) -> None:
    template = make_template_repo(tmp_path / "checkout")
    project = made_from(template, tmp_path / "project")
    params = project / "params.yaml"
    params.write_text(params.read_text(encoding="utf-8") + "# tuning\n", encoding="utf-8")
    code, _, err = leanops("source", str(tmp_path / "elsewhere"), str(project))
    assert (code, err.count("\n")) == (1, 1)
    assert "uncommitted changes (params.yaml)" in err
    git(project, "commit", "-qam", "tuning")

    code, _, err = leanops("source", str(tmp_path / "nowhere"), str(project))
    assert (code, err.count("\n")) == (1, 1)
    assert "cannot be rendered" in err
    code, _, err = leanops("source", str(template), str(project))
    assert (code, err.count("\n")) == (1, 1)
    assert "already uses" in err
    assert not git(project, "status", "--porcelain"), "a refusal changes nothing"

    # The team edited the line that names the folder: the merge marks it for them.
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if f"target={template}" in line)
    dockerfile.write_text(text.replace(line, line + "  # ours"), encoding="utf-8")
    git(project, "commit", "-qam", "our Dockerfile line")
    moved = template.rename(tmp_path / "moved")
    code, out, _ = leanops("source", str(moved), str(project))
    assert code == 3
    assert "conflict  Dockerfile" in out
    assert "<<<<<<< yours" in dockerfile.read_text(encoding="utf-8")


def test_a_git_failure_is_told_by_gits_own_reason() -> None:
    """git clone's progress line came first and was taken for the reason: "Cloning into bare
    repository ...", where git had said why (an unknown host, no repository there)."""
    from plumbum.commands.processes import ProcessExecutionError

    from generator.copier_api import explain

    stderr = (
        "Cloning into bare repository '/tmp/x/repo.git'...\n"
        "fatal: '/srv/sever.git' does not appear to be a git repository\n"
        "fatal: Could not read from remote repository.\n"
    )
    error = ProcessExecutionError(["/usr/bin/git", "clone", "--bare"], 128, "", stderr)
    assert explain(error) == (
        "/usr/bin/git clone failed: '/srv/sever.git' does not appear to be a git repository"
    )
