"""Typed settings: ``params.yaml`` overridden by environment variables (and a local ``.env``).

Environment variables are prefixed with the package name and use ``__`` for nesting, so
``ML_PROJECT_TRAIN__ESTIMATOR=ridge`` overrides ``train.estimator``. Invalid values fail early with
one readable line instead of a traceback deep inside training.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PACKAGE = __name__.rpartition(".")[0]
ENV_PREFIX = f"{PACKAGE.upper()}_"
PARAMS_FILE = "params.yaml"


class ConfigError(ValueError):
    """Settings are missing or invalid; the message is one line meant for the user."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataSettings(_Section):
    """Which dataset to use and how to split it."""

    dataset: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    test_size: float = Field(default=0.2, gt=0.0, lt=1.0)


class TrainSettings(_Section):
    """Which estimator to fit, and its hyperparameters (passed to the estimator as is)."""

    estimator: str = Field(min_length=1)
    hyperparameters: dict[str, Any] = Field(default_factory=dict)


class PromotionSettings(_Section):
    """The promotion gate: absolute floors and ceilings per metric, and the allowed regression.

    ``tolerance`` is relative: the candidate may be at most that fraction worse than the
    production model on each metric both report (0.01 = 1%), on the same evaluation data.
    """

    min: dict[str, float] = Field(default_factory=dict)
    max: dict[str, float] = Field(default_factory=dict)
    tolerance: float = Field(default=0.01, ge=0.0, lt=1.0)


class DriftLimits(_Section):
    """One feature's own drift thresholds; an unset value keeps the global one."""

    psi_warn: float | None = Field(default=None, gt=0.0)
    psi_alert: float | None = Field(default=None, gt=0.0)
    ks_warn: float | None = Field(default=None, gt=0.0, le=1.0)
    ks_alert: float | None = Field(default=None, gt=0.0, le=1.0)


class DriftSettings(_Section):
    """Drift bands: PSI 0.1 / 0.25 and KS D 0.1 / 0.2 by default; fewer rows than ``min_rows``
    are reported as insufficient data."""

    psi_warn: float = Field(default=0.1, gt=0.0)
    psi_alert: float = Field(default=0.25, gt=0.0)
    ks_warn: float = Field(default=0.1, gt=0.0, le=1.0)
    ks_alert: float = Field(default=0.2, gt=0.0, le=1.0)
    min_rows: int = Field(default=100, ge=1)
    features: dict[str, DriftLimits] = Field(default_factory=dict)


class Settings(BaseSettings):
    """Everything the pipeline reads from configuration."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
    )

    seed: int = 42
    task: Literal["classification", "regression"]
    data: DataSettings
    train: TrainSettings
    promotion: PromotionSettings = Field(default_factory=PromotionSettings)
    drift: DriftSettings = Field(default_factory=DriftSettings)
    tracking_db: Path = Path(".leanops/tracking.db")
    # The model registry (registry.json, audit.jsonl, one folder per version); see registry.py.
    models_dir: Path = Path("models")
    # Read without pydantic by tracking.backend_choice too (params.yaml line or the env variable).
    tracking_backend: Literal["local", "mlflow"] = "local"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment first, then ``.env``, then ``params.yaml`` (passed in as init values)."""
        return env_settings, dotenv_settings, init_settings


def read_params(path: Path) -> dict[str, Any]:
    """Read a params file as a mapping; a clear ConfigError when it is missing or malformed."""
    if not path.is_file():
        raise ConfigError(f"params file not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(f"{path} is not valid YAML{where}") from error
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping of settings, not {type(raw).__name__}")
    return raw


def load_settings(root: Path | str = ".") -> Settings:
    """Load settings for the project at ``root`` (``params.yaml`` and ``.env`` live there)."""
    root = Path(root)
    params = read_params(root / PARAMS_FILE)
    try:
        settings = Settings(_env_file=root / ".env", **params)
    except ValidationError as error:
        raise ConfigError(_one_line(error)) from error
    if not settings.tracking_db.is_absolute():
        settings.tracking_db = root / settings.tracking_db
    if not settings.models_dir.is_absolute():
        settings.models_dir = root / settings.models_dir
    return settings


def _one_line(error: ValidationError) -> str:
    """Summarise a pydantic error as ``invalid setting train.test_size: <reason>`` (first error)."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "settings"
    more = error.error_count() - 1
    suffix = f" (and {more} more)" if more else ""
    return f"invalid setting {location}: {first['msg']}{suffix}"
