"""``leanops update`` and ``leanops diff`` against a tagged template repository with three versions.

v0.1.0 is this working tree plus a question ``legacy_flag`` and no migrations. v0.2.0 changes a
line of params.yaml, adds, removes and renames files, drops ``legacy_flag``, adds a question
with a default and brings the real ``_migrations``. v0.3.0 adds one file.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import copier
import pytest
import yaml
from template_repo import GIT, copy_template_parts, git, make_tiny_template, release, tiny_project

from generator import apply, copier_api
from generator.cli import main
from generator.errors import EXIT_CONFLICTS, EXIT_FAILURE, EXIT_OK, LeanopsError

MIGRATIONS_BLOCK = re.compile(r"^_migrations:\n(?:[ ]+.*\n)*", re.MULTILINE)
LEGACY_QUESTION = "\nlegacy_flag:\n  type: bool\n  help: An old question\n  default: false\n"
NEW_QUESTION = "\nteam_channel:\n  type: str\n  help: Team chat channel\n  default: ml-team\n"
V1, V2, V3 = "v0.1.0", "v0.2.0", "v0.3.0"


def build_template(destination: Path) -> Path:
    """The three-version template repository described in the module docstring."""
    copy_template_parts(destination)
    config = destination / "copier.yml"
    real = config.read_text(encoding="utf-8")
    assert MIGRATIONS_BLOCK.search(real), "copier.yml has no _migrations block"
    config.write_text(MIGRATIONS_BLOCK.sub("_migrations: []\n", real) + LEGACY_QUESTION)
    git(destination, "init", "-q", "-b", "main")
    commit_and_tag(destination, V1)

    config.write_text(real + NEW_QUESTION, encoding="utf-8")
    template = destination / "template"
    params = template / "params.yaml.jinja"
    params.write_text(params.read_text().replace("seed: 42", "seed: 1234"), encoding="utf-8")
    (template / "docs" / "UPGRADING.md").write_text("# Upgrading\n", encoding="utf-8")
    shutil.rmtree(template / "docs" / "decisions")
    (template / "docs" / "STYLE.md").rename(template / "docs" / "STYLEGUIDE.md")
    commit_and_tag(destination, V2)

    (template / "docs" / "NEWS.md").write_text("# News\n", encoding="utf-8")
    commit_and_tag(destination, V3)
    return destination


def commit_and_tag(repo: Path, tag: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"template {tag}")
    git(repo, "tag", tag)


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("update") / "template")


def generate(template: Path, destination: Path, version: str = V1) -> Path:
    """A project rendered from ``version`` and committed (by the post-copy hook)."""
    copier.run_copy(
        str(template), destination, defaults=True, unsafe=True, vcs_ref=version, quiet=True
    )
    assert head(destination), "the post-copy hook did not commit the project"
    return destination


def commit_all(project: Path, message: str = "local edit") -> None:
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", message)


def head(project: Path, ref: str = "HEAD") -> str:
    return git(project, "rev-parse", ref).strip()


def branch(project: Path) -> str:
    return git(project, "branch", "--show-current").strip()


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def leanops(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    """Run ``leanops update ... --json`` in-process; return the exit code and parsed JSON."""
    code = main(["update", *args, "--jobs", "1", "--json"])
    out = capsys.readouterr().out
    return code, {Path(p["project"]).name: p for p in json.loads(out)["projects"]}


# --- a clean merge ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def merged(template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict]:
    """A project with non-overlapping edits, updated v0.1.0 -> v0.2.0."""
    project = generate(template, tmp_path_factory.mktemp("merged") / "merged")
    edit(project / "params.yaml", "learning_rate: 0.1", "learning_rate: 0.2")
    edit(project / "docs" / "decisions" / "0001-toolchain.md", "#", "# Edited here.\n#")
    commit_all(project)
    before = head(project)
    code = main(["update", str(project), "--to", V2, "--jobs", "1", "--json"])
    return project, before, {"code": code}


def test_clean_merge_is_committed_on_a_branch_and_the_checkout_is_untouched(
    merged: tuple[Path, str, dict],
) -> None:
    project, before, outcome = merged
    assert outcome["code"] == 0
    assert branch(project) == "main"
    assert head(project) == before
    assert git(project, "status", "--porcelain") == ""
    log = git(project, "log", "-1", "--format=%s", "template-update/v0.2.0")
    assert log.strip() == "Update template from v0.1.0 to v0.2.0"
    assert head(project, "template-update/v0.2.0~1") == before


def test_a_rerun_reports_an_update_an_earlier_run_made_as_updated(
    merged: tuple[Path, str, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    project, before, _ = merged
    capsys.readouterr()
    code, results = leanops(capsys, str(project), "--to", V2)
    assert code == 0
    assert results["merged"]["status"] == "updated"
    assert results["merged"]["message"] == (
        "updated by an earlier run on branch template-update/v0.2.0: merge with: "
        "git merge template-update/v0.2.0"
    )
    assert head(project) == before


def show(project: Path, path: str, ref: str = "template-update/v0.2.0") -> str | None:
    result = subprocess.run(
        [*GIT, "-C", str(project), "show", f"{ref}:{path}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout if result.returncode == 0 else None


def test_non_overlapping_edits_merge(merged: tuple[Path, str, dict]) -> None:
    params = show(merged[0], "params.yaml")
    assert "seed: 1234" in params
    assert "learning_rate: 0.2" in params
    assert "<<<<<<<" not in params


def test_template_adds_removes_and_renames_files(merged: tuple[Path, str, dict]) -> None:
    project = merged[0]
    assert show(project, "docs/UPGRADING.md") == "# Upgrading\n"
    assert show(project, "docs/decisions/0000-template.md") is None  # removed, not edited
    assert show(project, "docs/STYLE.md") is None
    assert show(project, "docs/STYLEGUIDE.md") == show(project, "docs/STYLE.md", "main")


def test_a_kept_files_follow_up_is_the_migrations_note_of_it_and_removed_files_have_none() -> None:
    """A migration's note about a file the update removed is shown only when leanops kept the
    file (it edited here), in place of the generic one."""
    notes = [
        "0.4.0 migration: src/p/mlops/drift/check.py: 0.3.0 machinery, move it to params.yaml",
        "0.4.0 migration: src/p/mlops/data.py: 0.3.0 machinery, move it to datasets.py",
        "0.4.0 migration: scripts/score.py:3: call env_db()",
    ]
    kept = ["sub/src/p/mlops/drift/check.py", "sub/docs/old.md"]
    deleted = [*kept, "sub/src/p/mlops/data.py"]
    assert apply.about_kept(notes, kept, deleted, "sub/") == [
        notes[0],
        notes[2],
        "kept sub/docs/old.md: the template moved or removed it; port your edits to its new home "
        "(see the template's CHANGELOG) and delete it",
    ]


def test_a_file_removed_upstream_but_edited_here_is_kept(merged: tuple[Path, str, dict]) -> None:
    project = merged[0]
    kept = show(project, "docs/decisions/0001-toolchain.md")
    assert kept is not None
    assert kept.startswith("# Edited here.")
    body = git(project, "log", "-1", "--format=%b", "template-update/v0.2.0")
    assert "docs/decisions/0001-toolchain.md" in body


def test_new_question_gets_its_default_and_removed_question_goes(
    merged: tuple[Path, str, dict],
) -> None:
    answers = yaml.safe_load(show(merged[0], ".copier-answers.yml"))
    assert answers["_commit"] == V2
    assert answers["team_channel"] == "ml-team"
    assert "legacy_flag" not in answers
    assert "legacy_flag" in yaml.safe_load(show(merged[0], ".copier-answers.yml", "main"))


def test_summary_lists_kept_and_changed_files(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate(template, tmp_path / "summary")
    edit(project / "docs" / "decisions" / "0001-toolchain.md", "#", "# Mine\n#")
    commit_all(project)
    code = main(["update", str(project), "--to", V2, "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "updated" in out
    assert "v0.1.0 → v0.2.0" in out
    assert "kept: docs/decisions/0001-toolchain.md (edited here, removed upstream)" in out


# --- conflicts --------------------------------------------------------------------------------


def test_same_lines_edited_on_both_sides_is_a_reported_conflict(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate(template, tmp_path / "conflict")
    edit(project / "params.yaml", "seed: 42", "seed: 7")
    commit_all(project)
    before = head(project)
    code, results = leanops(capsys, str(project), "--to", V2)
    result = results["conflict"]
    assert code == EXIT_CONFLICTS
    assert result["status"] == "conflicts"
    assert result["conflicts"] == ["params.yaml"]
    # The conflicts wait in a worktree of their own, on the update branch; nothing committed.
    work = Path(result["worktree"])
    assert work.is_relative_to(project / ".git")
    text = (work / "params.yaml").read_text()
    assert "<<<<<<< before updating\nseed: 7\n=======\nseed: 1234\n>>>>>>> after updating" in text
    assert "UU params.yaml" in git(work, "status", "--porcelain")
    assert branch(work) == "template-update/v0.2.0"
    assert head(work) == before
    # The user's checkout did not move and holds no marker.
    assert branch(project) == "main"
    assert head(project) == before
    assert git(project, "status", "--porcelain") == ""
    assert "seed: 7" in (project / "params.yaml").read_text()
    # Everything but the conflict is staged: the printed steps commit the whole update.
    assert "the rest of the update is staged there" in result["message"]
    waiting = git(work, "status", "--porcelain").splitlines()
    assert [line for line in waiting if line[1] != " "] == ["UU params.yaml"], waiting
    (work / "params.yaml").write_text(
        text.split("<<<<<<<")[0] + "seed: 7\n" + text.split(">>>>>>> after updating\n")[1]
    )
    git(work, "add", "params.yaml")
    git(work, "commit", "-q", "-m", "resolved")
    git(project, "merge", "-q", "template-update/v0.2.0")
    assert "_commit: v0.2.0" in (project / ".copier-answers.yml").read_text()
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "diff", "--stat", f"{before}..HEAD") != ""


# --- refusals and errors ----------------------------------------------------------------------


def test_dirty_tree_is_refused_and_nothing_changes(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate(template, tmp_path / "dirty")
    (project / "scratch.txt").write_text("work in progress\n")
    before = head(project)
    code, results = leanops(capsys, str(project))
    assert code == EXIT_FAILURE
    assert results["dirty"]["status"] == "failed"
    # A file git does not track blocks the update as an edit does (Copier's rule): said so.
    message = results["dirty"]["message"]
    assert "uncommitted changes (scratch.txt (untracked))" in message
    assert "`git stash -u` for untracked files" in message
    assert "nothing was changed" in results["dirty"]["message"]
    assert head(project) == before
    assert branch(project) == "main"
    assert git(project, "branch", "--list", "template-update/*") == ""
    assert (project / "scratch.txt").read_text() == "work in progress\n"


def test_up_to_date_project_is_skipped_without_rendering(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    project = generate(template, tmp_path / "current", V3)

    def no_render(*args: object, **kwargs: object) -> None:
        raise AssertionError("an up-to-date project must not be rendered")

    monkeypatch.setattr(copier_api, "run_copier_update", no_render)
    code, results = leanops(capsys, str(project))
    assert code == 0
    assert results["current"]["status"] == "up to date"
    assert results["current"]["target"] == V3


def test_an_untagged_template_head_is_named_beside_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fix committed to the template but never tagged reaches no project: say so, rather
    than a bare "up to date" a maintainer reads as "has the fix"."""
    template = make_tiny_template(tmp_path / "tpl")
    project = tiny_project(template, tmp_path / "demo")
    code, results = leanops(capsys, str(project))
    assert (code, results["demo"]["status"], results["demo"]["notes"]) == (0, "up to date", [])

    unreleased = release(template, None, {"fix.txt": "the fix\n"})
    code, results = leanops(capsys, str(project))
    assert (code, results["demo"]["status"]) == (0, "up to date")
    (note,) = results["demo"]["notes"]
    assert f"HEAD ({unreleased[:12]}) is not a release (the newest is v1)" in note
    assert main(["status", str(project)]) == 0
    assert f"HEAD ({unreleased[:12]}) is not a release" in capsys.readouterr().out


def test_another_templates_project_is_left_alone_and_its_tasks_never_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Copier project of another template, named or found in a tree beside leanops projects:
    not updated, and its template's tasks never run."""
    foreign = tmp_path / "foreign-tpl"
    foreign.mkdir()
    ran = tmp_path / "FOREIGN_TASK_RAN"
    (foreign / "copier.yml").write_text(
        "_subdirectory: template\n_answers_file: .copier-answers.yml\n_templates_suffix: .jinja\n"
        f"_tasks:\n  - touch {ran}\nname:\n  type: str\n  default: other\n",
        encoding="utf-8",
    )
    (foreign / "template").mkdir()
    (foreign / "template" / "{{_copier_conf.answers_file}}.jinja").write_text(
        "{{ _copier_answers|to_nice_yaml }}", encoding="utf-8"
    )
    git(foreign, "init", "-q", "-b", "main")
    release(foreign, "v1")
    tree = tmp_path / "work"
    other = tree / "other"
    copier.run_copy(str(foreign), other, defaults=True, unsafe=True, vcs_ref="v1", quiet=True)
    git(other, "init", "-q", "-b", "main")
    commit_all(other, "another template's project")
    ran.unlink()  # the copy ran it: only an update could run it again
    release(foreign, "v2")
    template = make_tiny_template(tmp_path / "tpl")
    ours = tiny_project(template, tree / "ours")
    release(template, "v2", {"README.md": "# Demo\n\nA better project.\n"})

    code, results = leanops(capsys, str(other))
    assert code == EXIT_FAILURE
    assert results["other"]["message"].startswith("not a leanops project (its ")
    code, results = leanops(capsys, str(tree))
    assert code == EXIT_OK
    assert set(results) == {"ours"}, "found in a tree, another template's project is passed over"
    assert results["ours"]["status"] == "updated"
    assert not ran.exists(), "the other template's task ran"
    assert git(other, "branch", "--list", "template-update/*") == ""
    assert git(ours, "branch", "--list", "template-update/*").strip() != ""

    # A tree of other templates' projects alone is no fleet: said, not an empty success.
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    shutil.move(other, lonely / "other")
    code, results = leanops(capsys, str(lonely))
    assert code == EXIT_FAILURE
    assert results["lonely"]["message"] == (
        "no leanops project here (passed over 1 project(s) of other Copier templates)"
    )
    # A monorepo another template made may hold leanops projects: they are found.
    inner = tiny_project(template, lonely / "other" / "inner", "v1")
    code, results = leanops(capsys, str(lonely / "other"))
    assert (code, set(results)) == (EXIT_OK, {"inner"})
    assert results["inner"]["status"] == "updated"
    assert not ran.exists()
    assert inner.is_dir()


def test_a_folder_without_a_project_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty folder, or one whose git history never held an answers file, is no project:
    no advice to restore an answers file it never had."""
    empty = tmp_path / "empty"
    empty.mkdir()
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for folder in (empty, repo / "src"):
        code, results = leanops(capsys, str(folder))
        assert code == EXIT_FAILURE
        message = results[folder.name]["message"]
        assert message.startswith("no leanops project here (no .copier-answers.yml in it or below")
        assert "git log" not in message
    main(["status", str(empty)])
    out = capsys.readouterr().out
    assert f"{empty}: no leanops project here" in out
    assert f"{empty}: {empty}" not in out, "the path is not repeated in its own message"


def test_check_reports_behind_and_changes_nothing(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    behind = generate(template, tmp_path / "fleet" / "behind")
    generate(template, tmp_path / "fleet" / "current", V3)
    before = head(behind)
    code = main(["update", str(tmp_path / "fleet"), "--check", "--json"])
    results = {Path(p["project"]).name: p for p in json.loads(capsys.readouterr().out)["projects"]}
    assert code == 1
    assert results["behind"]["status"] == "behind"
    assert results["current"]["status"] == "up to date"
    assert head(behind) == before
    assert git(behind, "branch", "--list", "template-update/*") == ""


def test_unreachable_template_is_a_clear_error(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate(template, tmp_path / "lost")
    edit(project / ".copier-answers.yml", str(template), str(tmp_path / "gone"))
    commit_all(project)
    code, results = leanops(capsys, str(project))
    message = results["lost"]["message"]
    assert code == EXIT_FAILURE
    assert message.startswith(f"template source {tmp_path / 'gone'} is unreachable")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("delete", "no .copier-answers.yml"),
        ("corrupt", "is unreadable"),
        ("no_commit", "lacks _commit"),
    ],
)
def test_missing_or_corrupt_answers_file_explains_recovery(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str, expected: str
) -> None:
    project = generate(template, tmp_path / "broken")
    answers = project / ".copier-answers.yml"
    if damage == "delete":
        answers.unlink()
    elif damage == "corrupt":
        answers.write_text("_commit: [v0.1.0\n_src_path: {\n")
    else:
        edit(answers, "_commit: v0.1.0\n", "")
    commit_all(project)
    code, results = leanops(capsys, str(project))
    message = results["broken"]["message"]
    assert code == EXIT_FAILURE
    assert expected in message
    assert "git checkout <commit> -- .copier-answers.yml" in message
    assert "copier copy" in message


def test_a_failed_update_leaves_the_project_exactly_as_before(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    project = generate(template, tmp_path / "failing")

    def half_update(project_dir: Path, ref: str, **where: Path) -> None:
        (project_dir / "params.yaml").write_text("half written\n")
        (project_dir / "new_file.txt").write_text("new\n")
        raise LeanopsError("copier update failed: boom")

    monkeypatch.setattr(copier_api, "run_copier_update", half_update)
    before = head(project)
    code, results = leanops(capsys, str(project))
    assert code == EXIT_FAILURE
    assert results["failing"]["message"] == "copier update failed: boom (nothing was changed)"
    assert head(project) == before
    assert branch(project) == "main"
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "branch", "--list", "template-update/*") == ""
    assert len(git(project, "worktree", "list").splitlines()) == 1


def test_a_leftover_update_branch_is_refused(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A branch not merged into HEAD; a merged one is deleted and made again (see
    test_update_branches)."""
    project = generate(template, tmp_path / "again")
    git(project, "switch", "-q", "-c", "template-update/v0.3.0")
    git(project, "commit", "-q", "--allow-empty", "-m", "an earlier update, not merged")
    git(project, "switch", "-q", "main")
    code, results = leanops(capsys, str(project))
    assert code == EXIT_FAILURE
    assert "git branch -D template-update/v0.3.0" in results["again"]["message"]


# --- previews ---------------------------------------------------------------------------------


def test_diff_shows_the_real_update_and_touches_nothing(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate(template, tmp_path / "preview")
    edit(project / "params.yaml", "seed: 42", "seed: 7")
    commit_all(project)
    before = head(project)
    code = main(["diff", str(project), "--to", V2, "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == EXIT_CONFLICTS
    assert "+<<<<<<< before updating" in out
    assert "+seed: 1234" in out
    assert "diff --git a/docs/UPGRADING.md b/docs/UPGRADING.md" in out
    assert head(project) == before
    assert branch(project) == "main"
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "branch", "--list", "template-update/*") == ""


def test_diff_of_a_dirty_tree_says_it_previews_the_last_commit(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate(template, tmp_path / "dirty")
    edit(project / "params.yaml", "seed: 42", "seed: 7")  # not committed
    code = main(["diff", str(project), "--to", V2, "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == EXIT_OK  # the last commit updates cleanly; the edit is not in the preview
    assert "previewed from the last commit: your uncommitted changes (params.yaml)" in out
    assert "seed: 7" in (project / "params.yaml").read_text(encoding="utf-8")  # untouched


# --- fleets -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_fleet_updates_in_parallel(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = tmp_path / "fleet"
    for name in ("a", "b", "c"):
        project = generate(template, fleet / name)
        edit(project / "params.yaml", "learning_rate: 0.1", "learning_rate: 0.3")
        commit_all(project)
    generate(template, fleet / "d", V3)
    (fleet / "a" / ".venv").mkdir()  # not searched
    code = main(["update", str(fleet), "--jobs", "2", "--json"])
    results = {Path(p["project"]).name: p for p in json.loads(capsys.readouterr().out)["projects"]}
    assert code == 0
    assert sorted(results) == ["a", "b", "c", "d"]
    assert [results[name]["status"] for name in "abc"] == ["updated"] * 3
    assert results["d"]["status"] == "up to date"
    for name in "abc":
        assert "learning_rate: 0.3" in show(fleet / name, "params.yaml", "template-update/v0.3.0")


def test_a_deleted_file_is_never_hidden_as_a_rename(tmp_path: Path) -> None:
    """An update removing a file while adding another alike (0.3.0's test reference
    params.yaml, the conflicted params.yaml's old version): git would pair them as a rename,
    and the deletion would not be carried over to the update branch."""
    from generator.gitutil import status

    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "reference.yaml").write_text("seed: 42\ntask: classification\n" * 20)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    (repo / "reference.yaml").unlink()
    (repo / "params.yaml").write_text("seed: 42\ntask: classification\n" * 20)
    git(repo, "add", "-A")
    found = status(repo)
    assert found.deleted == ["reference.yaml"]
    assert found.added == ["params.yaml"]


def test_another_templates_answers_without_a_commit_are_foreign_not_broken(tmp_path: Path) -> None:
    """A project of another template rendered from a folder outside git has no ``_commit``:
    it is another template's, not a leanops project whose answers file needs restoring."""
    from generator.fleet import ForeignProjectError, read_project

    (tmp_path / ".copier-answers.yml").write_text("_src_path: /tmp/tpl\nname: x\n")
    with pytest.raises(ForeignProjectError, match="not a leanops project"):
        read_project(tmp_path)
