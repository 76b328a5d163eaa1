"""Where runs and models are kept: the embedded store, or an MLflow server for a team.

MLflow's own variables (``MLFLOW_TRACKING_URI``, ``MLFLOW_TRACKING_USERNAME``,
``MLFLOW_TRACKING_PASSWORD``, ``MLFLOW_EXPERIMENT_NAME``) are read here, from the environment or
``.env``, and nowhere else; credentials are never read from params.yaml.
"""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from .base import Section

Backend = Literal["local", "mlflow"]
# Environment (or .env) variable -> MlflowSettings field.
MLFLOW_VARIABLES = {
    "MLFLOW_TRACKING_URI": "tracking_uri",
    "MLFLOW_TRACKING_USERNAME": "username",
    "MLFLOW_TRACKING_PASSWORD": "password",  # pragma: allowlist secret (a field name)
    "MLFLOW_EXPERIMENT_NAME": "experiment",
}
SECRET_FIELDS = frozenset({"username", "password"})


class MlflowSettings(Section):
    """How to reach the team's MLflow server (only used with ``tracking_backend: mlflow``)."""

    tracking_uri: str | None = None
    experiment: str | None = None
    username: str | None = None
    password: SecretStr | None = None
