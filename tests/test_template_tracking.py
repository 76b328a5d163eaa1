"""Tracking in generated projects: the backend answer reaches params.yaml, and the mlflow backend's
project passes its own tracking tests (MLflow tests included: mlflow is in this environment)."""

from __future__ import annotations

import re
import tomllib

from conftest import Render, run_in, run_project_tests


def test_default_project_tracks_locally(render: Render) -> None:
    project = render()
    assert re.search(r"^tracking_backend: local$", (project / "params.yaml").read_text(), re.M)
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert not any(dep.startswith("mlflow") for dep in dependencies["dependencies"])
    result = run_in(
        project, "python", "-m", "ml_project", "runs", "list", env={"PYTHONPATH": "src"}
    )
    assert result.returncode == 0, result.stderr
    assert "no runs tracked yet" in result.stderr


def test_mlflow_project_passes_its_tracking_tests(render: Render) -> None:
    project = render(tracking_backend="mlflow")
    assert re.search(r"^tracking_backend: mlflow$", (project / "params.yaml").read_text(), re.M)
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert any(dep.startswith("mlflow") for dep in dependencies["dependencies"])

    result = run_project_tests(project, "-k", "tracking or runs", "-rs")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert "passed" in summary
    assert "skipped" not in summary, result.stdout  # the MLflow backend tests really ran
