"""When is a ``template-update/<version>`` branch an update still waiting to be merged?

One rule for ``leanops update`` (its pre-check) and ``leanops status``: a branch is pending when
it is not merged into HEAD, when it is the checked-out branch, or when a worktree holding it has
uncommitted work (conflicts being resolved, resolutions not yet committed). A merged branch the
team did not delete is not pending: ``--check`` does not report it, an update deletes it
(``git branch -d``) and makes it again.

Real repositories, the real Copier, the one-question template of ``template_repo``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from template_repo import git, make_tiny_template, release, tiny_project

from generator.cli import main
from generator.errors import EXIT_CONFLICTS, EXIT_FAILURE

PARAMS = "name: {{ name }}\nseed: 42\nsplit: 0.2\nfolds: 5\nC: 1.0\n"
BRANCH = "template-update/v2"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v1 -> v2: the seed changes (a project that changed it too gets a conflict)."""
    template = make_tiny_template(tmp_path_factory.mktemp("branches") / "tpl")
    release(template, "v2", {"params.yaml.jinja": PARAMS.replace("seed: 42", "seed: 1234")})
    return template


def update(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, dict]]:
    """``leanops update ... --json``: exit code and results by project folder name."""
    code = main(["update", *args, "--jobs", "1", "--json"])
    out = capsys.readouterr().out
    return code, {Path(p["project"]).name: p for p in json.loads(out)["projects"]}


def status_rows(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, dict]:
    """``leanops status PATH --json`` rows by project folder name."""
    assert main(["status", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["projects"]
    return {Path(row["project"]).name: row for row in rows}


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def rev(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", ref).strip()


def branches(repo: Path) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split()


def monorepo(template: Path, root: Path) -> Path:
    """One repository, project ``a`` at v1."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("# Our monorepo\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "monorepo")
    tiny_project(template, root / "a", name="a")
    return root


def merged_update_then_new_project(
    template: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> Path:
    """``a`` updated to v2 on the update branch, the branch merged and kept; then ``b`` joins
    at v1: ``b`` is behind v2, and ``template-update/v2`` exists, already in HEAD."""
    monorepo(template, root)
    code, results = update(capsys, str(root))
    assert code == 0, results
    git(root, "merge", "-q", "--ff-only", BRANCH)
    tiny_project(template, root / "b", name="b")
    assert BRANCH in branches(root)
    return root


# --- a merged branch is not pending ----------------------------------------------------------


def test_check_does_not_report_a_merged_update_branch_as_waiting(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = merged_update_then_new_project(template, tmp_path / "mono", capsys)
    before = rev(root, BRANCH)
    code, results = update(capsys, str(root), "--check")
    assert code == 1
    assert results["a"]["status"] == "up to date"
    assert results["b"]["status"] == "behind"
    assert results["b"]["message"] == ""  # not "an update waits on branch ...: merge it"
    assert rev(root, BRANCH) == before  # --check changes nothing
    assert status_rows(capsys, root)["b"]["update_branch"] == ""


def test_update_deletes_a_merged_update_branch_and_makes_it_again(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = merged_update_then_new_project(template, tmp_path / "mono", capsys)
    head = rev(root, "HEAD")
    code, results = update(capsys, str(root))
    assert code == 0, results
    assert results["b"]["status"] == "updated"
    assert results["b"]["branch"] == BRANCH
    # The branch is made again from HEAD, holding b's update only.
    assert rev(root, f"{BRANCH}~1") == head
    assert git(root, "log", "--format=%s", f"HEAD..{BRANCH}").splitlines() == [
        "Update template from v1 to v2 in b"
    ]
    assert rev(root, "HEAD") == head
    assert git(root, "status", "--porcelain") == ""


def test_a_merged_branch_in_its_clean_leanops_worktree_is_cleared(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Conflicts resolved and committed in leanops' worktree, merged, the worktree left."""
    root = monorepo(template, tmp_path / "mono")
    edit(root / "a" / "params.yaml", "seed: 42", "seed: 7")
    git(root, "commit", "-q", "-am", "seed")
    code, results = update(capsys, str(root))
    assert code == EXIT_CONFLICTS
    work = Path(results["a"]["worktree"])
    (work / "a" / "params.yaml").write_text(PARAMS.replace("{{ name }}", "a").replace("42", "7"))
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "resolved")
    git(root, "merge", "-q", "--ff-only", BRANCH)
    tiny_project(template, root / "b", name="b")

    code, results = update(capsys, str(root), "--check")
    assert (code, results["b"]["status"], results["b"]["message"]) == (1, "behind", "")
    code, results = update(capsys, str(root))
    assert code == 0, results
    assert results["b"]["status"] == "updated"
    assert not work.exists()
    assert len(git(root, "worktree", "list").splitlines()) == 1


def test_a_merged_branch_checked_out_in_a_worktree_of_the_users_is_left_alone(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = merged_update_then_new_project(template, tmp_path / "mono", capsys)
    mine = tmp_path / "my-worktree"
    git(root, "worktree", "add", "-q", str(mine), BRANCH)
    before = rev(root, BRANCH)
    code, results = update(capsys, str(root))
    assert code == EXIT_FAILURE
    message = results["b"]["message"]
    assert message == (
        f"branch {BRANCH} is merged but checked out in {mine}: `git worktree remove {mine}` "
        "(or switch it to another branch) and retry (nothing was changed)"
    )
    assert mine.is_dir()
    assert rev(root, BRANCH) == before


def test_an_unmerged_leftover_branch_still_blocks_the_update(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tiny_project(template, tmp_path / "again")
    git(project, "switch", "-q", "-c", BRANCH)
    git(project, "commit", "-q", "--allow-empty", "-m", "not merged")
    git(project, "switch", "-q", "main")
    before = rev(project, BRANCH)
    code, results = update(capsys, str(project))
    assert code == EXIT_FAILURE
    assert f"git branch -D {BRANCH}" in results["again"]["message"]
    assert rev(project, BRANCH) == before
    assert status_rows(capsys, project)["again"]["update_state"] == "waiting"


# --- a branch at HEAD whose worktree holds work is pending -----------------------------------


@pytest.fixture
def conflicted(template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A project whose update waits in leanops' worktree with a conflict; the branch is at the
    project's HEAD (nothing committed on it yet)."""
    project = tiny_project(template, tmp_path / "busy")
    edit(project / "params.yaml", "seed: 42", "seed: 7")
    git(project, "commit", "-q", "-am", "seed")
    code, results = update(capsys, str(project))
    assert code == EXIT_CONFLICTS
    work = Path(results["busy"]["worktree"])
    assert rev(project, BRANCH) == rev(project, "HEAD")
    return work


def test_status_reports_conflicts_on_a_branch_still_at_head(
    conflicted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = conflicted.parents[3]
    row = status_rows(capsys, project)["busy"]
    assert (row["update_branch"], row["update_state"]) == (BRANCH, "conflicts")


def test_resolutions_not_yet_committed_keep_the_branch_pending(
    conflicted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = conflicted.parents[3]
    (conflicted / "params.yaml").write_text(PARAMS.replace("{{ name }}", "demo"))
    git(conflicted, "add", "-A")  # resolved, not committed: the branch tip is still HEAD
    row = status_rows(capsys, project)["busy"]
    assert (row["update_branch"], row["update_state"]) == (BRANCH, "waiting")
    code, results = update(capsys, str(project), "--check")
    assert code == 1
    assert results["busy"]["message"] == (
        f"an update waits on branch {BRANCH} (checked out in {conflicted}): merge it"
    )
    code, results = update(capsys, str(project))
    assert code == EXIT_FAILURE
    assert f"branch {BRANCH} already exists" in results["busy"]["message"]
    assert conflicted.is_dir()
    assert "M  params.yaml" in git(conflicted, "status", "--porcelain")


def test_a_branch_to_a_version_the_project_has_passed_is_superseded(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An update branch never merged, to a version the project reached since by another
    update, will never need merging: status names it superseded, not waiting forever."""
    project = tiny_project(template, tmp_path / "old", ref="v2")
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v2"
    git(project, "switch", "-q", "-c", "template-update/v1")
    git(project, "commit", "-q", "--allow-empty", "-m", "an update to v1, never merged")
    git(project, "switch", "-q", "main")
    row = status_rows(capsys, project)["old"]
    assert (row["update_branch"], row["update_state"]) == ("template-update/v1", "superseded")
    git(project, "switch", "-q", "-c", "template-update/v3")
    git(project, "commit", "-q", "--allow-empty", "-m", "an update to v3, not merged yet")
    git(project, "switch", "-q", "main")
    row = status_rows(capsys, project)["old"]
    assert (row["update_branch"], row["update_state"]) == ("template-update/v3", "waiting")


# --- an update never merged, superseded by a newer one ----------------------------------------


def superseding(tmp_path: Path, capsys: pytest.CaptureFixture[str], worked_on: bool) -> Path:
    """A project updated to v2 on its branch, never merged (the team committed on that branch
    when ``worked_on``); then v3 is released and the project updated again."""
    template = make_tiny_template(tmp_path / "tpl")
    release(template, "v2", {"params.yaml.jinja": PARAMS.replace("seed: 42", "seed: 1234")})
    project = tiny_project(template, tmp_path / "p")
    code, results = update(capsys, str(project))
    assert code == 0, results
    if worked_on:
        git(project, "switch", "-q", BRANCH)
        edit(project / "params.yaml", "C: 1.0", "C: 0.5")
        git(project, "commit", "-q", "-am", "our tuning, on the update branch")
        git(project, "switch", "-q", "main")
    release(template, "v3", {"params.yaml.jinja": PARAMS.replace("seed: 42", "seed: 99")})
    return project


def test_a_newer_update_deletes_the_older_branch_nobody_worked_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = superseding(tmp_path, capsys, worked_on=False)
    code, results = update(capsys, str(project))
    assert code == 0, results
    assert branches(project) == ["main", "template-update/v3"]
    assert (
        "supersedes, never merged and holding only leanops' update commits: "
        in (results["p"]["message"])
    )
    assert results["p"]["message"].endswith("template-update/v2)")
    assert status_rows(capsys, project)["p"]["update_branch"] == "template-update/v3"


def test_an_older_branch_with_the_teams_commits_is_kept_and_named_superseded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = superseding(tmp_path, capsys, worked_on=True)
    tuned = rev(project, BRANCH)
    code, results = update(capsys, str(project))
    assert code == 0, results
    assert branches(project) == ["main", BRANCH, "template-update/v3"]
    assert rev(project, BRANCH) == tuned
    assert "supersedes" not in results["p"]["message"]
    git(project, "merge", "-q", "template-update/v3")
    row = status_rows(capsys, project)["p"]
    assert (row["update_branch"], row["update_state"]) == (BRANCH, "superseded")
