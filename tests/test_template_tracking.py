"""Tracking in generated projects: the backend answer reaches params.yaml and the dependencies.

(The MLflow backend's own tests run in every run of the generated suite, which has mlflow in this
environment: ``test_real_history`` checks that none of them was skipped.)"""

from __future__ import annotations

import re
import tomllib

from conftest import Render, run_in


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


def test_mlflow_project_depends_on_mlflow(render: Render) -> None:
    project = render(tracking_backend="mlflow")
    assert re.search(r"^tracking_backend: mlflow$", (project / "params.yaml").read_text(), re.M)
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert any(dep.startswith("mlflow") for dep in dependencies["dependencies"])
