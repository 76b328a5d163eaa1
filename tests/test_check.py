"""``leanops check``: each conformance check passes, fails (with a fix) or skips when it should."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from template_repo import git

from generator.check import final_stage_user, run_checks
from generator.cli import main
from generator.status import left_over

ANSWERS = "_commit: v0.1.0\n_src_path: /somewhere/leanops\nproject_name: demo\n"


def results(root: Path) -> dict[str, object]:
    """Check id -> repo-review result, the lock-sync check skipped (it needs the index)."""
    return {r.name: r for r in run_checks(root, skip=frozenset({"LO202"}))}


def outcome(root: Path, check: str) -> bool | None:
    return results(root)[check].result


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder that passes every check (except the lock-sync one, skipped)."""
    root = tmp_path / "demo"
    (root / "contracts").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".copier-answers.yml").write_text(ANSWERS)
    (root / "params.yaml").write_text("seed: 1\ndata:\n  dataset: iris\n")
    (root / "contracts" / "iris.yaml").write_text("columns: {}\n")
    (root / "tests" / "test_x.py").write_text("def test_x():\n    assert True\n")
    (root / ".github" / "workflows" / "ci.yml").write_text("on: push\n")
    (root / ".pre-commit-config.yaml").write_text("repos: []\n")
    (root / "uv.lock").write_text("version = 1\n")
    (root / "Dockerfile").write_text("FROM python:3.11-slim\nRUN useradd app\nUSER app\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


def test_a_conforming_project_passes_everything(project: Path) -> None:
    found = results(project)
    assert {name: r.result for name, r in found.items()} == {
        "LO101": True,
        "LO102": True,
        "LO201": True,
        "LO203": None,  # no requirements.lock here (the template's task exports one)
        "LO204": None,  # no pyproject.toml depending on the runtime: made before 0.4.0
        "LO301": True,
        "LO401": True,
        "LO402": True,
        "LO501": True,
        "LO601": True,
        "LO701": True,
        "LO801": None,  # no `[tool.leanops] machinery` here: made before 0.3.0
        "LO802": True,
    }


def test_machinery_a_0_3_0_update_kept_is_named_until_it_goes(project: Path) -> None:
    kept = project / "src" / "demo" / "mlops" / "predict.py"
    kept.parent.mkdir(parents=True)
    kept.write_text('PROBABILITY_PREFIX = "proba_"\n')
    (project / "tests" / "mlops").mkdir()
    (project / "tests" / "mlops" / "test_predict.py").write_text("import _models\n")
    (project / "tests" / "mlops" / "reference").mkdir()
    (project / "tests" / "mlops" / "reference" / "params.yaml").write_text("seed: 42\n")
    assert outcome(project, "LO802") is True  # at 0.1.0 still: the machinery is its own
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("v0.1.0", "v0.4.0"))
    git(project, "commit", "-qam", "Update template from v0.1.0 to v0.4.0")
    found = results(project)["LO802"]
    assert found.result is False
    listed = "`src/demo/mlops/predict.py`, `tests/mlops/reference/params.yaml`, `tests/mlops/test"
    assert listed in found.err_msg
    assert listed in left_over(project)  # leanops status says it beside "up to date"
    assert left_over(project).endswith("(`leanops check` LO802)")
    kept.unlink()
    shutil.rmtree(project / "tests" / "mlops")
    assert outcome(project, "LO802") is True
    assert left_over(project) == ""


def test_0_2_0_machinery_an_update_kept_in_the_package_is_named(project: Path) -> None:
    """0.2.0 vendored its machinery flat in the package (``src/<package>/predict.py``): a file
    of it kept on an update from before 0.3.0 is named; a module of the team's there is not."""
    (project / "src" / "demo").mkdir(parents=True, exist_ok=True)
    (project / "src" / "demo" / "predict.py").write_text('PROBABILITY_PREFIX = "proba_"\n')
    (project / "src" / "demo" / "helpers.py").write_text("def ratio(a, b): ...\n")
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("v0.1.0", "v0.4.0"))
    git(project, "add", "-A")
    git(project, "commit", "-qm", "Update template from v0.1.0 to v0.4.0")
    found = results(project)["LO802"]
    assert found.result is False
    assert "`src/demo/predict.py`" in found.err_msg
    assert "helpers.py" not in found.err_msg
    (project / "src" / "demo" / "predict.py").unlink()
    assert outcome(project, "LO802") is True


def test_a_folder_named_mlops_in_a_project_born_at_0_4_0_is_its_own(project: Path) -> None:
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("v0.1.0", "v0.4.0"))
    git(project, "commit", "-qam", "made at 0.4.0")
    git(project, "checkout", "-q", "--orphan", "fresh")  # no history at 0.1.0
    git(project, "commit", "-qm", "born at 0.4.0")
    (project / "tests" / "mlops").mkdir()
    (project / "tests" / "mlops" / "test_alert_thresholds.py").write_text("def test(): ...\n")
    assert outcome(project, "LO802") is True


def test_answers_file_missing_then_uncommitted(project: Path) -> None:
    git(project, "rm", "-q", "--cached", ".copier-answers.yml")
    assert outcome(project, "LO101") is True
    assert outcome(project, "LO102") is False
    (project / ".copier-answers.yml").unlink()
    found = results(project)
    assert found["LO101"].result is False
    assert "git checkout <commit> -- .copier-answers.yml" in found["LO101"].err_msg
    assert found["LO102"].result is None  # needs LO101


def test_contract_named_after_the_dataset(project: Path) -> None:
    (project / "contracts" / "iris.yaml").unlink()
    found = results(project)["LO402"]
    assert found.result is False
    assert "contracts/iris.yaml" in found.err_msg
    (project / "params.yaml").unlink()
    assert outcome(project, "LO402") is None  # needs params.yaml (LO401)


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        ("FROM python:3.11-slim\nRUN pip install x\n", False),
        ("FROM python:3.11-slim\nUSER root\n", False),
        ("FROM python AS build\nUSER app\nFROM python:3.11-slim\nCOPY . .\n", False),
        ("FROM python AS build\nFROM python:3.11-slim\nUSER 1000:1000\n", True),
        (None, None),
    ],
)
def test_dockerfile_final_stage_user(
    project: Path, dockerfile: str | None, expected: bool | None
) -> None:
    if dockerfile is None:
        (project / "Dockerfile").unlink()
    else:
        (project / "Dockerfile").write_text(dockerfile)
    assert outcome(project, "LO601") is expected


def test_final_stage_user_parsing() -> None:
    assert final_stage_user("FROM a\nUSER app\nFROM b\n") is None
    assert final_stage_user("from a\n  user app:app\n") == "app:app"


def test_missing_pieces_fail_with_a_fix(project: Path) -> None:
    for path in ("uv.lock", ".pre-commit-config.yaml", "tests/test_x.py"):
        (project / path).unlink()
    (project / ".github" / "workflows" / "ci.yml").unlink()
    found = results(project)
    for check in ("LO201", "LO301", "LO501", "LO701"):
        assert found[check].result is False, check
        assert found[check].err_msg, check
    (project / ".gitlab-ci.yml").write_text("stages: [test]\n")
    assert outcome(project, "LO501") is True


def test_no_ci_is_skipped_when_answered_none(project: Path) -> None:
    (project / ".github" / "workflows" / "ci.yml").unlink()
    answers = project / ".copier-answers.yml"
    text = answers.read_text(encoding="utf-8")
    answers.write_text(text + "ci: none\n", encoding="utf-8")
    assert outcome(project, "LO501") is None  # chosen at render time: not a failure
    answers.write_text(text + "ci: github\n", encoding="utf-8")
    assert outcome(project, "LO501") is False  # answered github, and the workflow is gone


def test_requirements_lock_out_of_step_with_uv_lock_fails(tmp_path: Path) -> None:
    """The plain-pip route installs what requirements.lock pins: one uv.lock no longer gives
    fails, with the fix; exported again from uv.lock, it passes."""
    root = tmp_path / "demo"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
    )
    for command in (
        ["uv", "lock", "--offline"],
        ["uv", "export", "--no-dev", "--no-emit-project", "--locked", "--offline", "-o", "x.lock"],
    ):
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    (root / "x.lock").rename(root / "requirements.lock")
    requirements = root / "requirements.lock"
    exported = requirements.read_text(encoding="utf-8")
    assert outcome(root, "LO203") is True
    requirements.write_text(exported + "pandas==3.1.2 \\\n    --hash=sha256:00\n")
    found = results(root)["LO203"]
    assert found.result is False
    assert "uv run nox -s lock" in found.err_msg
    requirements.write_text("pandas==3.1.2\n")  # written by hand: no command to compare with
    assert outcome(root, "LO203") is None
    requirements.write_text(exported + "\n# a comment of the team's\n")
    assert outcome(root, "LO203") is True  # comments and blank lines are not pins


PYPROJECT = """[project]
name = "demo"
dependencies = ["leanops-runtime", "pandas>=2"]
[project.optional-dependencies]
mlflow = ["leanops-runtime[mlflow]"]
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///home/ann/leanops", False),
        ("file://../leanops", False),
        ("file://../leanops/runtime", False),
        ("https://git.example.com/ml/leanops.git", True),
        (None, True),  # a version pin from a package index
    ],
)
def test_a_runtime_pinned_to_a_folder_of_this_machine_fails_with_the_move(
    project: Path, url: str | None, expected: bool
) -> None:
    pin = f'leanops-runtime = {{ git = "{url}", rev = "ab12", subdirectory = "runtime" }}\n'
    if url == "file://../leanops/runtime":  # a path source, named as PyPI names compare
        pin = 'leanops_runtime = { path = "../leanops/runtime" }\n'
    text = PYPROJECT + (f"[tool.uv.sources]\n{pin}" if url else "")
    (project / "pyproject.toml").write_text(text)
    found = results(project)["LO204"]
    assert found.result is expected
    if not expected:
        assert "leanops source <its URL> ." in found.err_msg
        assert f"on this machine ({url})" in found.err_msg


def test_cli_table_and_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(project), "--offline"]) == 0
    table = capsys.readouterr().out
    assert "12 of 12 checks pass" in table
    (project / "Dockerfile").unlink()
    assert main(["check", str(project), "--offline"]) == 0
    table = capsys.readouterr().out
    # A skip says why, and to a pipe each row is one line.
    (row,) = [line for line in table.splitlines() if "LO601" in line]
    assert "skip" in row and "skipped: the project has no Dockerfile" in row
    (project / "uv.lock").unlink()
    (project / "params.yaml").unlink()
    assert main(["check", str(project), "--offline", "--json"]) == 1
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["LO201"]["result"] == "fail"
    assert "uv lock" in rows["LO201"]["fix"]
    assert rows["LO601"]["result"] == "skip"
    assert rows["LO601"]["skipped"] == "the project has no Dockerfile"
    assert "skipped" not in rows["LO201"]
    assert rows["LO402"]["skipped"] == "needs LO401 to pass"  # the check it needs failed


def test_edited_machinery_is_listed_and_team_files_are_not(tmp_path: Path) -> None:
    """LO801 renders the template at the project's version and compares the machinery."""
    import copier
    from template_repo import make_template_repo

    template = make_template_repo(tmp_path / "template")
    project = tmp_path / "project"
    copier.run_copy(str(template), project, defaults=True, unsafe=True, quiet=True)
    assert outcome(project, "LO801") is True
    team_file = project / "src" / "ml_project" / "features.py"
    team_file.write_text(team_file.read_text() + "\n# our feature ideas\n")
    machinery = project / "src" / "ml_project" / "__main__.py"
    machinery.write_text(machinery.read_text() + "\n# a local patch\n")
    smoke = project / "tests" / "test_smoke.py"
    smoke.write_text(smoke.read_text() + "\n# a local patch\n")
    found = results(project)["LO801"]
    assert found.result is False
    assert "`src/ml_project/__main__.py`" in found.err_msg
    assert "`tests/test_smoke.py`" in found.err_msg
    assert "features.py" not in found.err_msg


def test_ci_of_a_project_in_a_subfolder_must_live_at_the_root(project: Path) -> None:
    """GitHub runs only the repository root's workflows: a monorepo project's own never run."""
    repo = project.parent
    monorepo_project = repo / "services" / "churn"
    monorepo_project.parent.mkdir()
    shutil.rmtree(project / ".git")
    project.rename(monorepo_project)
    git(repo, "init", "-q")
    found = results(monorepo_project)["LO501"]
    assert found.result is False
    assert "`services/churn/`" in found.err_msg
    assert "never runs" in found.err_msg
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "other.yml").write_text("jobs: {lint: {runs-on: ubuntu-24.04}}\n")
    assert outcome(monorepo_project, "LO501") is False  # a root workflow, not this project's
    (workflows / "churn-ci.yml").write_text(
        "on: push\ndefaults:\n  run:\n    working-directory: services/churn\n"
    )
    assert outcome(monorepo_project, "LO501") is True
