"""This repository's own history as the template: a project made at each earlier release (0.2.0,
which vendored its machinery at the top of the package, and 0.3.0, which vendored it under
``mlops/``), edited the way a team edits it, updated with ``leanops update`` to the newest version
(this working tree, uncommitted changes included), then its own tests and its pipeline run.

Every change to the template is thereby proven updatable from the last release. Tags do not
travel with every copy of the repository, so they are recreated in a clone from CHANGELOG.md's
headings (``## 0.2.0 — commit 6b46e90``). A shallow clone cannot hold that history: skipped,
saying so; any other missing commit is a failure.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from changelog import Release, releases
from conftest import REPO, run_in, run_project_tests
from plumbum import local
from template_repo import git

from generator.cli import main

# Releases a project is updated from: each vendored the machinery its own way.
FROM = ("0.2.0", "0.3.0")
OWN_DATASET = "tumours"  # the team's own table (data.dataset), set as the README says
PACKAGE = "ml_project"
TEAM_MODULE = '''"""Our own feature: the mean of two measurements (team-owned)."""

import pandas as pd


def radius_texture_mean(frame: pd.DataFrame) -> pd.Series:
    return (frame["mean_radius"] + frame["mean_texture"]) / 2
'''
TEAM_TEST = """import pandas as pd

from ml_project.team_features import radius_texture_mean


def test_radius_texture_mean() -> None:
    frame = pd.DataFrame({"mean_radius": [10.0], "mean_texture": [20.0]})
    assert radius_texture_mean(frame).tolist() == [15.0]
"""
# The machinery's paths a team's code imported at each release (a migration rewrites them).
DATA_MODULE = {"0.2.0": "ml_project.data", "0.3.0": "ml_project.mlops.data"}
TEAM_SCRIPT = '''"""Score the embedded data with our feature (imports the project package)."""

from {data} import load_embedded
from ml_project.team_features import radius_texture_mean

frame = load_embedded("breast_cancer")
print(f"rows={len(frame)} mean={radius_texture_mean(frame).mean():.3f}")
'''


# A team module on the tracking API (0.3.0's path), and a team test on the tests' helper.
TEAM_TRACKING = '''"""Record a run of our own (team-owned)."""

from ml_project.mlops.tracking import start_run


def record_rows(rows: int) -> None:
    with start_run("rows-check") as run:
        run.log_metric("rows", rows)
'''
TEAM_TRACKING_TEST = """from _package import load


def test_the_helper_loads_the_embedded_data() -> None:
    assert len(load("mlops.data").load_embedded("breast_cancer")) == 569
"""


def newest_tag(history: list[Release]) -> str:
    """The tag the working tree gets: the top entry's; when that release is already tagged at
    a commit (nothing unreleased yet), a post-release of it, so it is still the newest."""
    top = history[0]
    return top.tag if top.commit is None else f"{top.tag}.post1"


def working_tree_files() -> list[str]:
    """This checkout's files as a commit would take them: tracked and new, ignored ones not."""
    out = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted({path for path in out.split("\0") if path and (REPO / path).is_file()})


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A clone of this repository with the CHANGELOG's tags and the working tree as newest."""
    if git(REPO, "rev-parse", "--is-shallow-repository").strip() == "true":
        pytest.skip("this clone is shallow: the 0.1.0/0.2.0 commits are not in it")
    history = releases(REPO / "CHANGELOG.md")
    clone = tmp_path_factory.mktemp("history") / "leanops"
    git(REPO.parent, "clone", "-q", "--no-checkout", str(REPO), str(clone))
    for release in history:
        if release.commit is None:
            continue
        found = subprocess.run(
            ["git", "-C", str(clone), "cat-file", "-e", f"{release.commit}^{{commit}}"],
            check=False,
        )
        assert found.returncode == 0, f"{release.tag}'s commit {release.commit} is missing"
        git(clone, "tag", "-f", release.tag, release.commit)
    git(clone, "read-tree", "--empty")
    for path in working_tree_files():
        (clone / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / path, clone / path)
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "--allow-empty", "-m", "the working tree")
    newest = newest_tag(history)
    git(clone, "tag", newest)
    return clone, newest


def code_lines(source: str) -> list[str]:
    """A source's lines other than its imports."""
    return [line for line in source.splitlines() if not line.startswith(("from ", "import "))]


# Values a team tunes in params.yaml (the seed, the split, the estimator and its
# hyperparameters, the gate, drift, and its own dataset, as the README's "Bring your own data"
# says): each edit must merge with the template's changes around it, those on the line right
# above or below it too (0.3.0 rewrote the comment above 0.2.0's seed and estimator, 0.4.0 the
# one above 0.3.0's estimator: git alone marks each a conflict).
PARAMS_EDITS = {
    "0.2.0": (
        ("seed: 42", "seed: 7"),
        ("test_size: 0.2", "test_size: 0.25"),
        ("C: 1.0", "C: 0.5"),
    ),
    "0.3.0": (
        ("dataset: breast_cancer", f"dataset: {OWN_DATASET}"),
        ("seed: 42", "seed: 7"),
        ("test_size: 0.2", "test_size: 0.25"),
        ("estimator: logistic_regression", "estimator: random_forest"),
        ("    C: 1.0\n    max_iter: 1000", "    n_estimators: 50\n    max_depth: 6"),
        ("min_skill: 0.05", "min_skill: 0.1"),
        ("tolerance: 0.01", "tolerance: 0.02"),
        ("alpha: 0.05", "alpha: 0.01"),
        ("min_rows: 100", "min_rows: 50"),
        ("retries: 1", "retries: 2"),
    ),
}
# The estimator each release's project fits after the update: the team's choice, where it made one.
ESTIMATOR = {"0.2.0": "logistic_regression", "0.3.0": "random_forest"}


def bring_own_data(project: Path) -> None:
    """The team's own table, as "Bring your own data" says: ``data/raw/tumours.csv`` (ignored
    by git, as data is) and its contract, here the embedded one's under the new name."""
    import re

    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.data.rename(columns=lambda c: re.sub(r"[^0-9a-zA-Z]+", "_", c).strip("_").lower())
    frame["target"] = bunch.target
    frame.insert(0, "sample_id", range(len(frame)))
    frame.to_csv(project / "data" / "raw" / f"{OWN_DATASET}.csv", index=False)
    contracts = project / "contracts"
    shutil.copy2(contracts / "breast_cancer.yaml", contracts / f"{OWN_DATASET}.yaml")


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{file.name} no longer holds {old!r}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module", params=FROM)
def updated(
    template: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory, request: Any
) -> tuple[Path, dict]:
    """The project made at an earlier release, edited, committed, then updated (not merged)."""
    clone, newest = template
    start: str = request.param
    project = tmp_path_factory.mktemp("real") / "ml-project"
    with local.env(LEANOPS_SKIP_LOCK="1"):  # the slow tests lock for real; this one needn't
        copier.run_copy(
            str(clone), project, defaults=True, unsafe=True, vcs_ref=f"v{start}", quiet=True
        )
    for old, new in PARAMS_EDITS[start]:
        edit(project / "params.yaml", old, new)
    if start == "0.3.0":  # 0.3.0 rewrote the comment above 0.2.0's data.dataset: it conflicts
        bring_own_data(project)
    contract = project / "contracts" / "breast_cancer.yaml"
    edit(contract, "max_value: 30.2229", "max_value: 35.0")
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\n## Team notes\n\nWe retrain every Monday.\n")
    (project / "src" / PACKAGE / "team_features.py").write_text(TEAM_MODULE)
    (project / "tests" / "test_team_features.py").write_text(TEAM_TEST)
    (project / "scripts").mkdir()
    (project / "scripts" / "score.py").write_text(TEAM_SCRIPT.replace("{data}", DATA_MODULE[start]))
    if start == "0.3.0":
        (project / "src" / PACKAGE / "team_tracking.py").write_text(TEAM_TRACKING)
        (project / "tests" / "test_team_tracking.py").write_text(TEAM_TRACKING_TEST)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "our edits")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["update", str(project), "--json", "--jobs", "1"])
    (result,) = json.loads(out.getvalue())["projects"]
    return project, {"code": code, "newest": newest, "result": result, "from": start}


@pytest.mark.slow
def test_the_update_keeps_every_local_edit_and_the_project_passes_and_runs(
    updated: tuple[Path, dict],
) -> None:
    """One test per release: its update is made once (xdist would make it once per test)."""
    merges_cleanly_and_keeps_every_local_edit(*updated)
    passes_its_tests_and_runs_its_pipeline(*updated)


def merges_cleanly_and_keeps_every_local_edit(project: Path, outcome: dict) -> None:
    result = outcome["result"]
    assert outcome["code"] == 0, json.dumps(result, indent=1)
    assert result["status"] == "updated", result
    assert result["conflicts"] == []
    merged_beside = "params.yaml: your edit and the template's change to the line beside it"
    assert any(note.startswith(merged_beside) for note in result["notes"]), result["notes"]
    git(project, "merge", "-q", "--no-edit", result["branch"])
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == outcome["newest"]
    assert git(project, "status", "--porcelain") == ""
    params = (project / "params.yaml").read_text()
    assert all(new in params for _, new in PARAMS_EDITS[outcome["from"]]), params
    # The model the team tuned stays theirs: a new project's default is boosting, not an update's.
    assert answers["estimator"] == "linear"
    assert f"estimator: {ESTIMATOR[outcome['from']]}" in params and "also_try: []" in params
    assert "max_value: 35.0" in (project / "contracts" / "breast_cancer.yaml").read_text()
    assert "We retrain every Monday." in (project / "README.md").read_text()
    assert (project / "src" / PACKAGE / "team_features.py").read_text() == TEAM_MODULE
    assert (project / "tests" / "test_team_features.py").read_text() == TEAM_TEST
    # A migration may point the script's imports at moved modules; nothing else.
    script = (project / "scripts" / "score.py").read_text()
    assert code_lines(script) == code_lines(TEAM_SCRIPT)
    assert "from leanops_runtime.data import load_embedded" in script
    # The vendored machinery is gone, the runtime pinned in its place.
    assert not (project / "src" / PACKAGE / "mlops").exists()
    assert not (project / "tests" / "mlops").exists()
    assert 'leanops-runtime = { git = "' in (project / "pyproject.toml").read_text()
    if outcome["from"] == "0.3.0":
        tracking = (project / "src" / PACKAGE / "team_tracking.py").read_text()
        assert "from leanops_runtime.tracking import start_run" in tracking
        assert code_lines(tracking) == code_lines(TEAM_TRACKING)


def passes_its_tests_and_runs_its_pipeline(project: Path, outcome: dict) -> None:
    tests = run_project_tests(project, "-rs")
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert " skipped" not in tests.stdout.strip().splitlines()[-1], tests.stdout[-3000:]
    env = {"PYTHONPATH": str(project / "src")}
    pipeline = run_in(project, sys.executable, "-m", PACKAGE, "pipeline", env=env)
    assert pipeline.returncode == 0, pipeline.stdout[-3000:] + pipeline.stderr[-2000:]
    if outcome["from"] == "0.3.0":  # the team's own dataset, from the team's own file
        assert (project / "models" / OWN_DATASET / "v1" / "model.skops").is_file()
    script = run_in(project, sys.executable, "scripts/score.py", env=env)
    assert script.returncode == 0, script.stderr[-2000:]
    assert script.stdout.startswith("rows=569 ")


def test_the_changelog_convention(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(
        "# Changelog\n\n## 0.3.0 — unreleased\n\n- x\n\n## 0.2.0 — commit 6b46e90\n\n"
        "## 0.1.0 — commit 561ff1e\n"
    )
    history = releases(changelog)
    assert history == [
        Release("0.3.0", None),
        Release("0.2.0", "6b46e90"),
        Release("0.1.0", "561ff1e"),
    ]
    assert newest_tag(history) == "v0.3.0"
    assert newest_tag(history[1:]) == "v0.2.0.post1"
    changelog.write_text("## 0.4.0\n")
    with pytest.raises(ValueError, match="without a commit or 'unreleased'"):
        releases(changelog)
    assert [r.tag for r in releases(REPO / "CHANGELOG.md") if r.commit][-2:] == [
        "v0.2.0",
        "v0.1.0",
    ]
