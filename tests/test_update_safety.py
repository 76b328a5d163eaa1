"""``leanops update`` in real repositories: monorepos, ignored files, half-done updates,
tagless templates, ``gh:`` sources, relative sources, detached HEADs and Ctrl-C.

Every test uses real git repositories and the real Copier, with a one-question template (see
``template_repo.make_tiny_template``) so that each update costs a fraction of the real
template's render.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import copier
import pytest
import yaml
from conftest import REPO
from template_repo import GIT, git, make_tiny_template, release, tiny_project

from generator.cli import main
from generator.errors import EXIT_CONFLICTS, EXIT_FAILURE, EXIT_INTERRUPTED
from generator.source import expand_url, resolve_source
from generator.status import update_branch

PARAMS = "name: {{ name }}\nseed: 42\nsplit: 0.2\nfolds: 5\nC: 1.0\n"
V2_FILES = {"params.yaml.jinja": "lr: 0.1\n" + PARAMS, "NEW.md": "new\n"}
V3_FILES = {"params.yaml.jinja": "lr: 0.1\n" + PARAMS.replace("seed: 42", "seed: 1234")}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v1 -> v2 (a new line far from the edited one, a new file) -> v3 (the seed changes)."""
    template = make_tiny_template(tmp_path_factory.mktemp("safety") / "tpl")
    release(template, "v2", V2_FILES)
    release(template, "v3", V3_FILES)
    return template


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, dict]]:
    """``leanops update ... --json`` in-process: exit code and results by project folder name."""
    code = main(["update", *args, "--json"])
    out = capsys.readouterr().out
    return code, {Path(p["project"]).name: p for p in json.loads(out)["projects"]}


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def snapshot(repo: Path) -> dict[str, object]:
    """Everything of the user's a run could touch: HEAD, branch, refs, worktrees, status and
    every file's bytes (ignored ones included)."""
    files = {
        str(path.relative_to(repo)): path.read_bytes()
        for path in sorted(repo.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(repo).parts
    }
    return {
        "head": git(repo, "rev-parse", "HEAD"),
        "branch": git(repo, "branch", "--show-current"),
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "worktrees": git(repo, "worktree", "list", "--porcelain"),
        "status": git(repo, "status", "--porcelain", "--ignored"),
        "files": files,
    }


def without_update_refs(state: dict[str, object]) -> dict[str, object]:
    """A snapshot minus the template-update branches and worktrees a run adds."""
    refs = str(state["refs"]).splitlines()
    return {
        **state,
        "refs": [ref for ref in refs if "refs/heads/template-update/" not in ref],
        "worktrees": str(state["worktrees"]).split("\n\n")[0],
    }


def show(repo: Path, spec: str) -> str | None:
    args = [*GIT, "-C", str(repo), "show", spec]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else None


# --- 1. monorepos -----------------------------------------------------------------------------


def monorepo(template: Path, root: Path, names: tuple[str, ...]) -> Path:
    """One git repository holding a project per name, each with a committed local edit."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("# Our monorepo\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "monorepo")
    for index, name in enumerate(names):
        project = tiny_project(template, root / name, name=name)
        edit(project / "params.yaml", "C: 1.0", f"C: {index + 2}.0")
    git(root, "commit", "-q", "-am", "local edits")
    return root


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_monorepo_projects_land_on_one_branch_and_the_checkout_never_moves(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    repo = monorepo(template, tmp_path / "mono", ("a", "b", "c"))
    before = snapshot(repo)
    code, results = run(capsys, str(repo), "--to", "v2", "--jobs", jobs)
    assert code == 0, results
    assert {name: r["status"] for name, r in results.items()} == dict.fromkeys("abc", "updated")
    assert {r["branch"] for r in results.values()} == {"template-update/v2"}
    # The checkout: same branch, same commit, same files; only the new branch was added.
    after = snapshot(repo)
    assert without_update_refs(after) == without_update_refs(before)
    assert str(after["worktrees"]).count("worktree ") == 1
    # One commit per project on the branch, each touching only its own folder.
    log = git(repo, "log", "--format=%s", "main..template-update/v2").splitlines()
    assert sorted(log) == [f"Update template from v1 to v2 in {name}" for name in "abc"]
    for name in "abc":
        rev = git(repo, "log", "--format=%H", "--grep", f" in {name}$", "template-update/v2")
        touched = git(repo, "show", "--name-only", "--format=", rev.strip()).split()
        assert all(path.startswith(f"{name}/") for path in touched), touched
        params = show(repo, f"template-update/v2:{name}/params.yaml")
        assert "lr: 0.1" in params  # the template's change
        assert f"C: {'abc'.index(name) + 2}.0" in params  # the local edit


def test_a_dirty_project_of_a_monorepo_names_its_files_as_under_its_folder(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = monorepo(template, tmp_path / "mono", ("a", "b"))
    edit(repo / "b" / "params.yaml", "C: 3.0", "C: 4.0")
    code, results = run(capsys, str(repo), "--to", "v2")
    assert code == 1
    assert results["a"]["status"] == "updated"
    assert results["b"]["status"] == "failed"
    assert "uncommitted changes (params.yaml);" in results["b"]["message"]

    # b's edit committed: the branch holds a's update, and the way on keeps it.
    git(repo, "commit", "-q", "-am", "b's edit")
    code, results = run(capsys, str(repo), "--to", "v2")
    message = results["b"]["message"]
    assert "the updates of the other projects an earlier run made): merge it, then run" in message
    assert "git branch -D" not in message
    git(repo, "merge", "-q", "--no-edit", "template-update/v2")
    code, results = run(capsys, str(repo), "--to", "v2")
    assert code == 0, results
    assert results["b"]["status"] == "updated"
    assert "lr: 0.1" in show(repo, "template-update/v2:b/params.yaml")


def test_a_lone_project_in_a_subfolder_keeps_the_advice_to_delete_a_branch_of_its_own(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = monorepo(template, tmp_path / "mono", ("a",))
    run(capsys, str(repo), "--to", "v2")
    git(repo, "checkout", "-q", "template-update/v2")
    edit(repo / "a" / ".copier-answers.yml", "_commit: v2", "_commit: v1")  # not this update's
    git(repo, "commit", "-q", "-am", "someone's commit on the branch")
    git(repo, "checkout", "-q", "main")
    code, results = run(capsys, str(repo), "--to", "v2")
    assert code == 1
    message = results["a"]["message"]
    assert "with commits of its own, an earlier update" in message
    assert "git branch -D template-update/v2" in message


def test_monorepo_conflict_waits_in_one_worktree_with_the_clean_updates(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = monorepo(template, tmp_path / "mono", ("a", "b", "c"))
    for name in ("a", "c"):
        edit(repo / name / "params.yaml", "seed: 42", "seed: 7")  # v3 changes the seed too
    git(repo, "commit", "-q", "-am", "seeds")
    before = snapshot(repo)
    code, results = run(capsys, str(repo), "--jobs", "2")
    assert code == EXIT_CONFLICTS
    assert results["a"]["status"] == results["c"]["status"] == "conflicts"
    assert results["b"]["status"] == "updated"
    work = Path(results["a"]["worktree"])
    assert results["c"]["worktree"] == str(work)
    assert git(work, "branch", "--show-current").strip() == "template-update/v3"
    status = git(work, "status", "--porcelain")
    assert "UU a/params.yaml" in status and "UU c/params.yaml" in status
    assert "<<<<<<< before updating" in (work / "a" / "params.yaml").read_text()
    assert "seed: 1234" in (work / "b" / "params.yaml").read_text()  # b's commit is there
    assert without_update_refs(snapshot(repo)) == without_update_refs(before)
    # b alone, while a's and c's conflicts wait: the conflicts are named as the others'.
    code, again = run(capsys, str(repo / "b"))
    assert code == EXIT_FAILURE  # nothing done for b; none of the conflicts are b's
    assert (again["b"]["status"], again["b"]["conflicts"]) == ("failed", [])
    message = again["b"]["message"]
    assert message.startswith(f"nothing was changed here: the repository's update waits in {work}")
    assert "conflicts of another project (a/params.yaml, c/params.yaml)" in message
    assert main(["update", str(repo / "b"), "--jobs", "1"]) == EXIT_FAILURE
    assert "conflict: a/params.yaml" not in capsys.readouterr().out  # the table a person reads
    assert [update_branch(repo / name)[1] for name in "abc"] == [
        "conflicts",
        "waiting",
        "conflicts",
    ]

    # The printed way to abandon works and leaves the repository as it was.
    abandon = results["a"]["message"].split("Or abandon: ")[1]
    subprocess.run(["sh", "-c", abandon], cwd=repo, check=True)
    assert snapshot(repo) == before


# --- 2. ignored files ------------------------------------------------------------------------


@pytest.mark.parametrize("ignored_by", ["old-gitignore-rule", "self-ignoring-folder"])
def test_a_new_template_file_never_overwrites_an_ignored_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ignored_by: str
) -> None:
    """v2 stops ignoring reports/README.md and adds it; the user has notes there, ignored by the
    old rule or by an untracked ``reports/.gitignore`` holding ``*``. Merging a branch that adds
    the file would replace the notes without a word (git treats ignored files as expendable)."""
    template = make_tiny_template(tmp_path / "tpl")
    project = tiny_project(template, tmp_path / "notes")
    reports = project / "reports"
    reports.mkdir()
    (reports / "README.md").write_text("my own notes\n")
    if ignored_by == "self-ignoring-folder":
        (reports / ".gitignore").write_text("*\n")
    release(template, "v2", {".gitignore": "*.db\n.env\n", "reports/README.md": "# Reports\n"})
    before = snapshot(project)

    code = main(["update", str(project), "--dry-run", "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "held back: reports/README.md" in out
    assert "b/reports/README.md" not in out  # not in the diff either

    code, results = run(capsys, str(project), "--jobs", "1")
    assert code == 0
    assert results["notes"]["held_back"] == ["reports/README.md"]
    assert without_update_refs(snapshot(project)) == without_update_refs(before)
    assert show(project, "template-update/v2:reports/README.md") is None
    assert "Held back" in git(project, "log", "-1", "--format=%b", "template-update/v2")
    git(project, "merge", "-q", "template-update/v2")
    assert (reports / "README.md").read_text() == "my own notes\n"  # merging cannot touch it


@pytest.mark.parametrize("local_copy", [False, True])
def test_a_new_template_file_at_a_path_the_project_ignores_is_taken_or_held_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], local_copy: bool
) -> None:
    """v2 adds allowed_signers; the team's .gitignore ignores that name. With no such file in
    the checkout, the branch takes the template's all the same, and says so; with the team's
    own local file there, merging would replace it: held back."""
    template = make_tiny_template(tmp_path / "tpl")
    project = tiny_project(template, tmp_path / "signers")
    with (project / ".gitignore").open("a") as ignore:
        ignore.write("allowed_signers\n")
    git(project, "commit", "-qam", "our keys stay local")
    if local_copy:
        (project / "allowed_signers").write_text("alice my-local-key\n")
    release(template, "v2", {"allowed_signers": "# the team's keys\n"})

    code, results = run(capsys, str(project), "--jobs", "1")

    assert code == 0
    result = results["signers"]
    assert result["status"] == "updated"
    on_branch = show(project, "template-update/v2:allowed_signers")
    if local_copy:
        assert result["held_back"] == ["allowed_signers"]
        assert on_branch is None
        git(project, "merge", "-q", "template-update/v2")
        assert (project / "allowed_signers").read_text() == "alice my-local-key\n"
    else:
        (note,) = [n for n in result["notes"] if n.startswith("allowed_signers: ")]
        assert "committed on the update branch all the same" in note
        assert on_branch == "# the team's keys\n"


FEATURES_V1 = '"""Features."""\n\n\ndef build_features(contract):\n    return contract\n'
RUNTIME_MIGRATION = """_migrations:
  - version: "v2"
    when: "{{ _stage == 'after' }}"
    command:
      - "{{ _copier_python }}"
      - "{{ _copier_conf.src_path }}/hooks/v0_4_0_runtime.py"
      - "--package=pkg"
"""


def test_a_conflict_the_touching_merge_settles_leaves_no_note_saying_it_is_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 0.4.0 migration says "features.py is in conflict" before leanops merges the team's
    edit beside the template's change: that note goes with the conflict."""
    import shutil

    template = make_tiny_template(tmp_path / "tpl")
    with (template / "copier.yml").open("a") as yml:
        yml.write(RUNTIME_MIGRATION)
    (template / "hooks").mkdir()
    shutil.copy(REPO / "hooks" / "migrations" / "v0_4_0_runtime.py", template / "hooks")
    release(template, "v1b", {"src/pkg/features.py": FEATURES_V1})
    project = tiny_project(template, tmp_path / "p", ref="v1b")
    features = project / "src" / "pkg" / "features.py"
    features.write_text(FEATURES_V1.replace("return contract", "return contract  # ours"))
    git(project, "commit", "-qam", "our edit on the line beside the signature")
    release(
        template,
        "v2",
        {"src/pkg/features.py": FEATURES_V1.replace("(contract)", "(contract, fit)")},
    )

    code, results = run(capsys, str(project), "--jobs", "1")

    assert code == 0
    assert results["p"]["status"] == "updated"
    assert not [note for note in results["p"]["notes"] if "is in conflict" in note]
    merged = show(project, "template-update/v2:src/pkg/features.py")
    assert merged is not None and "(contract, fit):\n    return contract  # ours" in merged


# --- 3. half-done updates --------------------------------------------------------------------


def plain_copier_conflict(template: Path, project: Path) -> None:
    """What a plain ``copier update`` leaves: markers, unmerged paths, a bumped answers file."""
    edit(project / "params.yaml", "seed: 42", "seed: 7")
    git(project, "commit", "-q", "-am", "seed")
    copier.run_update(project, defaults=True, overwrite=True, vcs_ref="v3", quiet=True)
    assert "_commit: v3" in (project / ".copier-answers.yml").read_text()


def test_conflicts_left_in_the_tree_are_never_up_to_date(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tiny_project(template, tmp_path / "half")
    plain_copier_conflict(template, project)
    before = snapshot(project)
    for args, expected in ((("--check",), 1), ((), EXIT_CONFLICTS)):
        code, results = run(capsys, str(project), *args)
        assert code == expected
        assert results["half"]["status"] == "conflicts"
        assert results["half"]["conflicts"] == ["params.yaml"]
        assert "unresolved conflicts in your checkout" in results["half"]["message"]
    assert snapshot(project) == before


def test_committed_markers_and_a_bumped_answers_file_are_reported(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    committed = tiny_project(template, tmp_path / "committed")
    plain_copier_conflict(template, committed)
    git(committed, "add", "-A")
    git(committed, "commit", "-q", "-m", "oops, markers")
    code, results = run(capsys, str(committed), "--check")
    assert code == 1
    assert results["committed"]["status"] == "conflicts"

    bumped = tiny_project(template, tmp_path / "bumped")
    edit(bumped / ".copier-answers.yml", "_commit: v1", "_commit: v3")
    code, results = run(capsys, str(bumped), "--check")
    assert code == 1
    assert results["bumped"]["status"] == "failed"
    assert ".copier-answers.yml differs from the last commit" in results["bumped"]["message"]


# --- 4. tagless templates and --to -----------------------------------------------------------


@pytest.fixture(scope="module")
def tagless(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A template without tags: a project made at its first commit; HEAD moved on since."""
    root = tmp_path_factory.mktemp("tagless")
    template = make_tiny_template(root / "tpl", tag=None)
    first = git(template, "rev-parse", "HEAD").strip()
    second = release(template, None, V2_FILES)
    return template, first, second


def test_a_tagless_template_updates_to_head_like_copier(
    tagless: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template, first, second = tagless
    project = tiny_project(template, tmp_path / "p", ref=first)
    code, results = run(capsys, str(project), "--check")
    assert code == 1
    assert results["p"]["status"] == "behind"
    assert results["p"]["target"] == second[:12]

    assert main(["diff", str(project), "--jobs", "1"]) == 0
    assert "+lr: 0.1" in capsys.readouterr().out

    code, results = run(capsys, str(project), "--jobs", "1")
    assert code == 0
    assert results["p"]["status"] == "updated"
    git(project, "merge", "-q", f"template-update/{second[:12]}")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert second.startswith(answers["_commit"])
    code, results = run(capsys, str(project), "--check")
    assert (code, results["p"]["status"]) == (0, "up to date")


@pytest.mark.parametrize("ref", ["current-hash", "main", "HEAD"])
def test_to_the_current_commit_is_up_to_date(
    tagless: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], ref: str
) -> None:
    template, _, second = tagless
    project = tiny_project(template, tmp_path / "p", ref=second)
    wanted = second if ref == "current-hash" else ref
    for args in (("--check",), ("--jobs", "1")):
        code, results = run(capsys, str(project), "--to", wanted, *args)
        assert (code, results["p"]["status"]) == (0, "up to date"), results
    assert git(project, "branch", "--list", "template-update/*") == ""


def test_to_a_branch_tag_or_hash_of_a_tagged_template(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v2 = git(template, "rev-parse", "v2^{commit}").strip()
    for wanted, branch in (("v2", "v2"), ("2.0", "v2"), (v2, v2[:12]), ("main", None)):
        project = tiny_project(template, tmp_path / f"p{wanted}")
        code, results = run(capsys, str(project), "--to", wanted, "--jobs", "1")
        (result,) = results.values()
        assert (code, result["status"]) == (0, "updated"), result
        main_sha = git(template, "rev-parse", "main").strip()
        assert result["branch"] == f"template-update/{branch or main_sha[:12]}"
    code, results = run(capsys, str(project), "--to", "no-such-ref", "--jobs", "1")
    assert code == EXIT_FAILURE
    (result,) = results.values()
    assert result["message"].startswith("--to no-such-ref: no such tag, version, branch or commit")


# --- 5. gh:/gl: sources ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "gh:org/tpl",
        "gh:/org/tpl",
        "gh:org/tpl.git",
        "gl:group/sub/tpl",
        "git+https://example.com/tpl",
        "https://github.com/org/tpl",
        "https://example.com/tpl.git",
        "git@github.com:org/tpl.git",
    ],
)
def test_shortcuts_expand_exactly_as_copier_does(source: str) -> None:
    from copier._vcs import get_repo  # Copier's own function, the reference

    assert expand_url(source) == get_repo(source)
    assert resolve_source(source, Path("/anywhere")).location == get_repo(source)


def test_a_gh_source_is_reached_at_its_expanded_url(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """git rewrites https://github.com/ to a local folder here, so no network is used: the
    update only works if leanops and Copier both expand gh:acme/tpl to that URL."""
    from plumbum import local

    project = tiny_project(template, tmp_path / "gh")
    edit(project / ".copier-answers.yml", f"_src_path: {template}", "_src_path: gh:acme/tpl")
    git(project, "commit", "-q", "-am", "template on GitHub")
    mirror = tmp_path / "github" / "acme" / "tpl.git"
    mirror.parent.mkdir(parents=True)
    git(tmp_path, "clone", "-q", "--bare", str(template), str(mirror))
    rewrite = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{tmp_path / 'github'}/.insteadOf",
        "GIT_CONFIG_VALUE_0": "https://github.com/",
        "COPIER_CACHE_DIR": str(tmp_path / "copier-cache"),
    }
    for key, value in rewrite.items():
        monkeypatch.setenv(key, value)
    with local.env(**rewrite):
        code, results = run(capsys, str(project), "--jobs", "1")
    assert (code, results["gh"]["status"]) == (0, "updated"), results
    answers = show(project, "template-update/v3:.copier-answers.yml")
    assert "_src_path: gh:acme/tpl" in answers  # recorded as it was


# --- 6. relative sources ---------------------------------------------------------------------


def test_a_relative_source_is_taken_from_the_project_folder(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    project = tiny_project(template, template.parent / "sibling")
    edit(
        project / ".copier-answers.yml", f"_src_path: {template}", f"_src_path: ../{template.name}"
    )
    git(project, "commit", "-q", "-am", "relative source")
    monkeypatch.chdir(tmp_path)  # far from the project: ../tpl means nothing here
    code, results = run(capsys, str(project), "--jobs", "1")
    assert (code, results["sibling"]["status"]) == (0, "updated"), results
    assert f"_src_path: ../{template.name}" in show(
        project, "template-update/v3:.copier-answers.yml"
    )

    edit(project / ".copier-answers.yml", f"../{template.name}", "../gone")
    git(project, "commit", "-q", "-am", "lost")
    code, results = run(capsys, str(project), "--check")
    assert code == EXIT_FAILURE
    assert results["sibling"]["message"].startswith(
        f"template source ../gone (a relative path, taken from the project folder: "
        f"{template.parent / 'gone'}) is unreachable"
    )


# --- 7. detached HEAD ------------------------------------------------------------------------


def test_detached_head_with_conflicts_keeps_the_checkout_detached(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tiny_project(template, tmp_path / "detached")
    edit(project / "params.yaml", "seed: 42", "seed: 7")
    git(project, "commit", "-q", "-am", "seed")
    git(project, "switch", "-q", "--detach", "HEAD")
    before = snapshot(project)
    code, results = run(capsys, str(project), "--jobs", "1")
    assert code == EXIT_CONFLICTS
    assert without_update_refs(snapshot(project)) == without_update_refs(before)
    assert git(project, "branch", "--show-current") == ""  # still detached, same commit
    abandon = results["detached"]["message"].split("Or abandon: ")[1]
    subprocess.run(["sh", "-c", abandon], cwd=project, check=True)
    assert snapshot(project) == before


# --- 8. Ctrl-C -------------------------------------------------------------------------------

SLEEP = (
    "import os, pathlib, time; "
    "pathlib.Path(os.environ['LEANOPS_TEST_MARKS'], str(os.getpid())).touch(); time.sleep(120)"
)
SLOW_MIGRATION = f"""\
_migrations:
  - version: v2
    command: [python3, -c, "{SLEEP}"]
"""


# Starts its arguments as a terminal starts a foreground job, Ctrl-C neither ignored nor
# blocked: a test process may have inherited either (both survive exec), and leanops would then
# never see the signal.
AS_FOREGROUND_JOB = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_starts_nothing_new_and_reports_every_project(tmp_path: Path, jobs: str) -> None:
    template = make_tiny_template(tmp_path / "tpl")
    with (template / "copier.yml").open("a") as config:
        config.write(SLOW_MIGRATION)
    release(template, "v2", V2_FILES)
    fleet = tmp_path / "fleet"
    projects = [tiny_project(template, fleet / f"p{i}") for i in range(4)]
    before = {project.name: snapshot(project) for project in projects}
    marks = tmp_path / "marks"
    marks.mkdir()
    update = [sys.executable, "-m", "generator", "update", str(fleet), "--jobs", jobs, "--json"]
    leanops = subprocess.Popen(
        [sys.executable, "-c", AS_FOREGROUND_JOB, *update],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LEANOPS_TEST_MARKS": str(marks)},
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + 60
    while len(list(marks.iterdir())) < int(jobs) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(list(marks.iterdir())) == int(jobs), "the migrations never started"
    os.killpg(leanops.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    out, err = leanops.communicate(timeout=60)
    assert leanops.returncode == EXIT_INTERRUPTED, err
    statuses = {Path(p["project"]).name: p["status"] for p in json.loads(out)["projects"]}
    assert sorted(statuses) == ["p0", "p1", "p2", "p3"]
    assert list(statuses.values()).count("interrupted") == int(jobs)
    assert list(statuses.values()).count("not started") == 4 - int(jobs)
    assert len(list(marks.iterdir())) == int(jobs)  # no queued project ever started
    for project in projects:
        assert snapshot(project) == before[project.name]


def test_every_run_takes_one_lock_per_repository_even_inside_its_scratch_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs render in private scratch folders (they move Python's temporary folder); the lock
    of a repository's refs and worktrees must not move with it, or two runs would not exclude
    each other."""
    from generator import gitutil, scratch

    (tmp_path / "scratch").mkdir()
    monkeypatch.setenv(scratch.ENV_VAR, str(tmp_path / "scratch"))
    held: list[str] = []
    monkeypatch.setattr(gitutil.fcntl, "flock", lambda handle, _: held.append(handle.name))
    common = tmp_path / "repo" / ".git"
    common.mkdir(parents=True)
    with gitutil.repo_lock(common):
        pass
    with scratch.renders_in_scratch(), gitutil.repo_lock(common):
        pass
    assert len(set(held)) == 1, held
    assert Path(held[0]).parent == scratch.DISK


def test_the_leftovers_of_a_killed_run_are_removed_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed mid-update leaves its worktree (registered in the repository, perhaps
    locked) and its scratch folder; the next run removes both, and nothing a live run owns."""
    from generator import gitutil, scratch, worktree

    repo_dir = tmp_path / "repo"
    repo_dir.mkdir()
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "first"]):
        subprocess.run(["git", *args], cwd=repo_dir, check=True, capture_output=True)
    repo = gitutil.find_repo(repo_dir)
    assert repo is not None
    monkeypatch.setattr(scratch, "DISK", tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    (tmp_path / "scratch").mkdir()
    monkeypatch.setenv(scratch.ENV_VAR, str(tmp_path / "scratch"))
    dead = subprocess.Popen(["true"])  # a process that has ended: its id names nobody
    dead.wait()

    def leftover(root: Path, prefix: str, pid: int) -> Path:
        folder = root / f"{prefix}{pid}"
        folder.mkdir()
        (folder / scratch.OWNER_FILE).write_text(str(pid))
        return folder

    killed = leftover(tmp_path / "tmp", worktree.HOLDER_PREFIX, dead.pid)
    gitutil.git(repo.top, "worktree", "add", "-q", "--detach", "--lock", str(killed / "work"))
    alive = leftover(tmp_path / "tmp", worktree.HOLDER_PREFIX, os.getpid())
    old_scratch = leftover(tmp_path / "scratch", "leanops-scratch-", dead.pid)

    made = worktree.add_detached(repo, repo.head)
    assert made.is_dir()
    assert not killed.exists() and alive.exists()
    listed = gitutil.git(repo.top, "worktree", "list", "--porcelain")
    assert str(killed) not in listed and str(made) in listed
    with scratch.renders_in_scratch():
        assert not old_scratch.exists()
    worktree.remove(repo, made)


def test_a_preview_names_removed_files_without_their_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 0.3.0 project's preview removed 16,962 lines of machinery, 103 files: named, not shown."""
    template = make_tiny_template(tmp_path / "tpl")
    project = tiny_project(template, tmp_path / "gone")
    release(template, "v2", {"README.md": None, "params.yaml.jinja": "name: {{ name }}\nseed: 7\n"})

    assert main(["diff", str(project), "--jobs", "1"]) == 0

    out = capsys.readouterr().out
    assert "deleted file mode" in out and "README.md" in out
    assert "-A project." not in out  # the removed file's lines
    assert "+seed: 7" in out  # a change is shown whole


def test_an_update_waiting_in_conflict_is_reported_whole_and_blocks_a_second_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run again, the waiting update names its worktree and files; a newer release is not
    made into a second conflicted worktree beside it."""
    template = make_tiny_template(tmp_path / "tpl")
    project = tiny_project(template, tmp_path / "waits")
    (project / "params.yaml").write_text(
        (project / "params.yaml").read_text().replace("seed: 42", "seed: 7")
    )
    git(project, "commit", "-qam", "our seed")
    release(template, "v2", {"params.yaml.jinja": "name: {{ name }}\nseed: 1234\nsplit: 0.2\n"})
    code, first = run(capsys, str(project), "--jobs", "1")
    assert code == EXIT_CONFLICTS

    code, again = run(capsys, str(project), "--jobs", "1")
    assert again["waits"]["status"] == "conflicts"
    assert again["waits"]["worktree"] == first["waits"]["worktree"] != ""
    assert again["waits"]["conflicts"] == ["params.yaml"]

    release(template, "v3", {"README.md": "# Demo\n\nA project, v3.\n"})
    code, newer = run(capsys, str(project), "--jobs", "1")
    assert code == EXIT_FAILURE
    assert newer["waits"]["status"] == "failed"
    assert "an earlier update waits in " in newer["waits"]["message"]
    assert "on branch template-update/v2" in newer["waits"]["message"]
    assert "template-update/v3" not in git(project, "branch", "--list")
    assert main(["diff", str(project), "--jobs", "1"]) == EXIT_CONFLICTS  # a preview: made
    assert "+A project, v3." in capsys.readouterr().out
