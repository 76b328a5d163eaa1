"""Every command the generated README shows is run by a test, as written.

Who runs what (checked by the first test, so a new README command cannot go untested):

- the install commands (``uv sync``, ``uv run nox -s tests``, the pip route, ...):
  ``test_isolated_install.py``, in a locked environment of its own;
- the "Bring your own data" walkthrough: ``test_byod.py``;
- the command that starts the team's MLflow server: ``test_team_mode.py``;
- ``docker ...``: nothing here can (no Docker engine on these machines); the Dockerfile is
  linted by hadolint and its paths and user are tested in ``test_template_ci.py``;
- everything else — the pipeline, contracts, runs, models, promote, predict, drift, report,
  rollback, the template update: ``test_the_readme_walkthrough_runs_as_written`` below, in README
  order in one rendered project, each ``uv run <project> ...`` as ``<project> ...`` in this
  environment. Where the README assumes a state (a batch file, a run id, an earlier production
  version), the test makes it first, as a reader would have.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest
from changelog import releases
from conftest import REPO, Render, run_in
from readme import Command, commands, project_docs, split_command
from template_repo import make_template_repo
from test_byod import SECTION as BYOD_SECTION
from test_isolated_install import runs_here as installs

PROJECT, PACKAGE = "ml-project", "ml_project"
NOT_RUNNABLE_HERE = "docker "  # no Docker engine: see the module docstring


def starts_server(command: Command) -> bool:
    return " mlflow server " in command.text


def runs_elsewhere(command: Command) -> bool:
    """Run by another test (or, for docker, by nothing that can run here)."""
    return (
        installs(command)
        or command.section == BYOD_SECTION.removeprefix("## ")
        or starts_server(command)
        or command.text.startswith(NOT_RUNNABLE_HERE)
    )


# Runs as a child process in the rendered project: each README step in one interpreter (the
# project's CLI is imported once), shell commands (git, copier) through bash.
DRIVER = """
import contextlib, io, json, os, subprocess, sys
from leanops_runtime.cli import main

results = []
for step in json.loads(sys.argv[1]):
    saved = dict(os.environ)
    os.environ.update(step["env"])
    out, err = io.StringIO(), io.StringIO()
    try:
        if step["cli"] is not None:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(step["cli"])
                except SystemExit as stop:
                    code = stop.code
        else:
            done = subprocess.run(["bash", "-c", step["shell"]], capture_output=True, text=True)
            code, out, err = done.returncode, io.StringIO(done.stdout), io.StringIO(done.stderr)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    results.append({"code": code, "out": out.getvalue(), "err": err.getvalue()})
    if code != 0:
        break
print(json.dumps(results))
"""


def step(text: str) -> dict[str, object]:
    """A README command as the driver runs it: ``uv run <project> ...`` in-process."""
    env, argv = split_command(text)
    if argv[:3] == ["uv", "run", PROJECT]:
        return {"env": env, "cli": argv[3:], "shell": None, "text": text}
    if argv[:2] == ["uvx", "copier"]:  # this environment's copier, not one uvx downloads
        return {"env": {}, "cli": None, "shell": text.removeprefix("uvx "), "text": text}
    return {"env": {}, "cli": None, "shell": text, "text": text}


def drive(project: Path, steps: list[dict[str, object]]) -> list[dict[str, object]]:
    """Run ``steps`` in order in ``project``; every one must exit 0."""
    result = run_in(
        project,
        sys.executable,
        "-c",
        DRIVER,
        json.dumps(steps),
        env={"PYTHONPATH": "src", "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcomes = json.loads(result.stdout)
    for done, asked in zip(outcomes, steps, strict=False):
        assert done["code"] == 0, f"{asked['text']}\n{done['out'][-2000:]}{done['err'][-2000:]}"
    assert len(outcomes) == len(steps)
    return outcomes


def test_every_command_of_the_readme_is_run_by_a_test(render: Render) -> None:
    readme = project_docs(render())
    shown = commands(readme)
    here = [c for c in shown if not runs_elsewhere(c)]
    assert len(here) >= 20, "the walkthrough below should run most of the README"
    assert any(installs(c) for c in shown)
    assert any(starts_server(c) for c in shown)
    assert any(c.section == BYOD_SECTION.removeprefix("## ") for c in shown)
    unknown = [
        c.text
        for c in here
        if (argv := split_command(c.text)[1])[0] not in {"uv", "git"}
        and argv[:2] != ["uvx", "copier"]
    ]
    assert unknown == [], "commands the walkthrough below does not know how to run"


BATCH = """
from ml_project.datasets import TARGET
from leanops_runtime.data import load_embedded
frame = load_embedded("breast_cancer")
frame.drop(columns=[TARGET]).sample(200, random_state=1).to_csv("data/new.csv", index=False)
frame.rename(columns={TARGET: "label"}).head(300).to_csv("data/raw/new.csv", index=False)
"""


@pytest.fixture
def clean_project(tmp_path: Path) -> Path:
    """A project made from a clean, tagged copy of the template, as from the published one (so
    its ``copier update`` finds the version it was made from)."""
    import copier

    template = make_template_repo(tmp_path / "template", tag=releases(REPO / "CHANGELOG.md")[0].tag)
    project = tmp_path / PROJECT
    copier.run_copy(str(template), project, defaults=True, unsafe=True, quiet=True)
    return project


@pytest.mark.slow
def test_the_readme_walkthrough_runs_as_written(clean_project: Path) -> None:
    project = clean_project
    readme = project_docs(project)
    here = [c.text for c in commands(readme) if not runs_elsewhere(c)]
    made = run_in(project, sys.executable, "-c", BATCH, env={"PYTHONPATH": "src"})
    assert made.returncode == 0, made.stderr
    assert run_in(project, "git", "status", "--porcelain").stdout == "", "data/ is ignored"

    # What a reader has done before each command that assumes it.
    before = {
        # "Bad predictions since v4": v2, v3 and v4 were production in turn.
        f'uv run {PROJECT} rollback --reason "bad predictions since v4"': [
            f"uv run {PROJECT} promote --version v2",
            f"uv run {PROJECT} promote --version v3",
            f"uv run {PROJECT} pipeline --force",  # nothing changed: only --force trains again
            f"uv run {PROJECT} promote --version v4",
        ],
    }
    # What a reader has set for a command that needs it: `data push` a team's data.remote.
    settings = {
        f"uv run {PROJECT} data push": {f"{PACKAGE.upper()}_DATA__REMOTE": "../team-data"},
    }
    steps: list[dict[str, object]] = []
    ids: dict[str, list[str]] = {}
    for text in here:
        steps += [step(setup) for setup in before.get(text, [])]
        steps.append(step(text))
        steps[-1]["env"] = {**settings.get(text, {}), **steps[-1]["env"]}  # type: ignore[dict-item]
    # `runs show ID` and `runs compare ID ID`: ids of runs the walkthrough made before them.
    show = f"uv run {PROJECT} runs show"
    upto = next(i for i, item in enumerate(steps) if str(item["text"]).startswith(show))
    outcomes = drive(project, steps[:upto])
    listed = drive(project, [step(f"uv run {PROJECT} runs export --format json")])
    ids["runs"] = [run["id"] for run in json.loads(listed[0]["out"])]
    assert len(ids["runs"]) >= 3
    first, second = ids["runs"][:2]
    rest = [
        step(str(item["text"]).replace("ID ID", f"{first} {second}").replace(" ID", f" {first}"))
        if str(item["text"]).endswith((" ID", " ID ID"))
        else item
        for item in steps[upto:]
    ]
    outcomes += drive(project, rest)

    # What the commands left behind is what the README says they leave.
    assert (project / "contracts" / "new.yaml").is_file()
    assert (project / "reports" / "predictions-new.csv").is_file()
    assert (project / "reports" / "drift-new.json").is_file()
    assert (project / "reports" / "report.html").is_file()
    assert (project / "reports" / "runs.csv").read_text(encoding="utf-8").startswith("id,")
    assert list((project.parent / "team-data").glob("*.parquet")), "data push shared nothing"
    audit = project / "models" / "breast_cancer" / "audit.jsonl"
    actions = [json.loads(line)["action"] for line in audit.read_text().splitlines()]
    assert actions[-2:] == ["rollback", "rollback"]
    # Files the image's user (another uid) and teammates must read: 0644 under the usual umask.
    for path in [*(project / "models").rglob("*"), *(project / "reports").glob("*")]:
        if path.is_file() and not path.name.startswith("."):
            assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044, path
