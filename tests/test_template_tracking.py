"""Tracking in generated projects: the backend answer reaches params.yaml and the dependencies.

(The MLflow backend's own tests run in the runtime's suite, which has mlflow in this
environment.)"""

from __future__ import annotations

import re
import tomllib

from conftest import Render, run_in


def test_default_project_tracks_locally(render: Render) -> None:
    project = render()
    assert re.search(r"^tracking_backend: local$", (project / "params.yaml").read_text(), re.M)
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert "leanops-runtime" in dependencies["dependencies"]  # without its mlflow extra
    result = run_in(
        project, "python", "-m", "ml_project", "runs", "list", env={"PYTHONPATH": "src"}
    )
    assert result.returncode == 0, result.stderr
    assert "no runs tracked yet" in result.stderr


def test_mlflow_project_depends_on_mlflow(render: Render) -> None:
    project = render(tracking_backend="mlflow")
    assert re.search(r"^tracking_backend: mlflow$", (project / "params.yaml").read_text(), re.M)
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert "leanops-runtime[mlflow]" in dependencies["dependencies"]
