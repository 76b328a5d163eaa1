"""Rendering the template: defaults and a pairwise matrix of answers, each proven end to end.

For every combination: the exact file set, no Jinja left over, every answer recorded, ruff clean
(mypy, whose input is the same Python for every answer, runs in the pre-commit hooks of
``test_template_ci``). The generated project's own small suite runs where a test needs it anyway:
classification in ``test_real_history`` (a project updated to this template), regression in
``test_isolated_install`` (a locked, installed environment); the runtime's suite runs once, on
each task, in ``runtime/tests``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, Render, run_in, run_project_tests
from expected_files import expected_files
from matrix import MATRIX, matrix_id
from ownership import owners, readme_omits

# `${{ ... }}` is GitHub Actions syntax that must survive rendering; any other `{{`/`{%` is a bug.
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|\.jinja\b")


def project_files(project: Path) -> set[str]:
    """Every file of a rendered project, relative and posix, outside .git."""
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }


def leftovers(project: Path) -> list[str]:
    """Files (or file names) that still hold template syntax."""
    found = []
    for name in project_files(project):
        if LEFTOVER_JINJA.search(name) or LEFTOVER_JINJA.search((project / name).read_text()):
            found.append(name)
    return sorted(found)


def check_rendered_project(project: Path, answers: dict[str, object]) -> None:
    """Every static check of a rendered project (the tests run separately)."""
    files = project_files(project)
    assert files == expected_files(answers)
    assert leftovers(project) == []
    unclear = {name: kinds for name, kinds in owners(project, files).items() if len(kinds) != 1}
    assert unclear == {}, "each file is exactly one of the team's, generated or machinery"
    assert readme_omits(project) == []
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    for key, value in answers.items():
        assert recorded[key] == value, key
    assert Path(recorded["_src_path"]).resolve() == REPO
    train = yaml.safe_load((project / "params.yaml").read_text())["train"]
    linear = "logistic_regression" if recorded["ml_task"] == "classification" else "ridge"
    fitted = linear if recorded["estimator"] == "linear" else "hist_gradient_boosting"
    assert (train["estimator"], train["also_try"]) == (fitted, [])
    for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
        result = run_in(project, *command)
        assert result.returncode == 0, result.stdout + result.stderr


def test_defaults_need_no_answers(tmp_path: Path) -> None:
    """`copier copy --defaults --trust <repo> <dest>` works with no -d at all (the CLI itself)."""
    destination = tmp_path / "x"
    result = subprocess.run(
        [
            *(sys.executable, "-m", "copier", "copy", "--defaults", "--trust", "--vcs-ref=HEAD"),
            *(str(REPO), str(destination)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "ml-project"
    assert answers["package_name"] == "ml_project"
    assert (destination / "src/ml_project/__init__.py").is_file()
    assert answers["estimator"] == "hist_gradient_boosting"  # a first copy: boosting
    assert "estimator: hist_gradient_boosting" in (destination / "params.yaml").read_text()
    log = run_in(destination, "git", "log", "--oneline")
    assert log.returncode == 0, "post-copy hook should have committed the project"
    assert run_in(destination, "git", "status", "--porcelain").stdout == ""


@pytest.mark.parametrize("answers", MATRIX, ids=[matrix_id(row) for row in MATRIX])
def test_matrix_render_is_clean(render: Render, answers: dict[str, object]) -> None:
    check_rendered_project(render(**answers), answers)


def test_custom_names_reach_every_path(render: Render) -> None:
    answers = {"project_name": "churn-model", "package_name": "churn"}
    project = render(**answers)
    check_rendered_project(project, answers)
    pyproject = (project / "pyproject.toml").read_text()
    assert 'churn-model = "churn.__main__:main"' in pyproject
    assert (project / "src/churn/__main__.py").is_file()


def test_text_answers_are_escaped_in_toml(render: Render) -> None:
    """Quotes, backslashes and Jinja-looking text stay data: the TOML still parses."""
    import tomllib

    description = 'Says "hi" \\ and {{ 7*7 }} & <b>'
    project = render(description=description, author_name='O\'Brien "Ops"')
    data = tomllib.loads((project / "pyproject.toml").read_text())
    assert data["project"]["description"] == description
    assert data["project"]["authors"][0]["name"] == 'O\'Brien "Ops"'


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_runtime_is_tested_on_the_configuration_a_project_gets(
    render: Render, task: str
) -> None:
    """runtime/tests/reference/<task> holds what a fresh project of that task renders."""
    project = render(ml_task=task)
    reference = REPO / "runtime" / "tests" / "reference" / task
    kept = sorted(path.relative_to(reference) for path in reference.rglob("*") if path.is_file())
    assert kept
    for path in kept:
        assert (project / path).read_text() == (reference / path).read_text(), path


def test_an_environment_without_the_runtime_says_to_sync(render: Render) -> None:
    """A teammate pulls the update into a checkout whose environment predates the runtime: the
    package says what to run, not a bare ModuleNotFoundError from its first line."""
    project = render()
    importing = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            "import sys; sys.path.insert(0, 'src'); import ml_project",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert importing.returncode == 1
    last = importing.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: the leanops runtime is not installed in this environment")
    assert "run `uv sync`" in last


def test_a_teams_test_on_a_0_3_0_import_path_passes_with_the_warning(render: Render) -> None:
    """Code the update's migration never saw (a teammate's branch merged later) keeps importing
    0.3.0's paths for this version: in the project's own tests too, where every other
    FutureWarning is an error, the warning is shown and the test passes."""
    project = render()
    (project / "tests" / "test_old_path.py").write_text(
        "from _package import load\n"
        "from ml_project.mlops.tracking import start_run\n\n\n"
        "def test_old_path() -> None:\n"
        "    assert callable(start_run)\n"
        '    assert load("mlops.tracking").start_run is start_run\n',
        encoding="utf-8",
    )
    done = run_project_tests(project, "tests/test_old_path.py")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 passed" in done.stdout
    assert "ml_project.mlops.tracking is leanops_runtime.tracking since template 0.4.0" in (
        done.stdout
    )
    assert "load('mlops.tracking') is leanops_runtime.tracking since template 0.4.0" in done.stdout


PUBLIC_API = """
import leanops_runtime.errors
import ml_project

for name in ml_project.__all__:
    getattr(ml_project, name)  # each resolves to the runtime's object
assert ml_project.UserError is leanops_runtime.errors.UserError
try:
    ml_project.load_contract("no_such_dataset", ".")
except ml_project.UserError as error:
    print(f"caught: {error}")
"""


def test_the_packages_public_api_resolves_and_its_errors_can_be_caught(render: Render) -> None:
    """A team's script catches the library's one-line errors through the project's package."""
    project = render()
    done = run_in(project, "python", "-c", PUBLIC_API, env={"PYTHONPATH": "src"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("caught: ") and "no_such_dataset" in done.stdout


def test_the_pip_route_of_nox_installs_the_runtime_a_project_pins(render: Render) -> None:
    """Where uv is missing, nox installs with pip: the runtime from the commit the project pins,
    or, once the project pins a published version instead, from the index with the rest (it
    stopped on a KeyError)."""
    import importlib.util

    project = render()
    spec = importlib.util.spec_from_file_location("rendered_noxfile", project / "noxfile.py")
    assert spec is not None and spec.loader is not None
    noxfile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(noxfile)
    pinned = noxfile.runtime_requirement()
    assert pinned.startswith("leanops-runtime @ git+file://")
    assert pinned.endswith("#subdirectory=runtime")
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    source = next(line for line in text.splitlines() if line.startswith("leanops-runtime = {"))
    pyproject.write_text(text.replace(source + "\n", ""), encoding="utf-8")
    assert noxfile.runtime_requirement() is None


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("gh:org/tpl", "https://github.com/org/tpl"),
        ("gl:group/sub/tpl", "https://gitlab.com/group/sub/tpl"),
        ("git@github.com:org/tpl.git", "ssh://git@github.com/org/tpl.git"),
        ("gitea@git.example.com:ml/tpl.git", "ssh://gitea@git.example.com/ml/tpl.git"),
        ("git+https://example.com/tpl.git", "https://example.com/tpl.git"),
        ("/home/ann/leanops", "file:///home/ann/leanops"),
    ],
)
def test_the_runtime_is_pinned_at_the_recorded_sources_git_url(source: str, url: str) -> None:
    """copier.yml's ``runtime_git_url``, rendered as Copier renders it (its Jinja filters), for
    each form of source Copier accepts: an scp-like address of any user is an ssh URL."""
    import jinja2

    questions = yaml.safe_load((REPO / "copier.yml").read_text(encoding="utf-8"))
    env = jinja2.Environment(  # noqa: S701 (a URL, not HTML)
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"]
    )
    rendered = env.from_string(questions["runtime_git_url"]["default"]).render(
        _copier_answers={"_src_path": source}
    )
    assert rendered == url
