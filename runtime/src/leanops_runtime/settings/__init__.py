"""Typed settings: ``params.yaml``, overridden by a local ``.env``, overridden by the environment.

Overrides are variables named ``<PREFIX>_<SECTION>__<KEY>`` (``ML_PROJECT_TRAIN__ESTIMATOR=ridge``
sets ``train.estimator``); values are read as JSON when they parse (``1000`` is a number, ``true``
a boolean), else as text. Hyperparameter names keep their case (``..._HYPERPARAMETERS__C``); a
hyperparameter override applies to the chosen estimator. Keys of ``.env`` without the prefix are
ignored (they belong to other tools), except MLflow's own variables (see ``tracking``). Invalid
values fail early with one line naming the setting, instead of a traceback deep inside training.
``train.estimator`` follows ``task`` unless it names one of the task's (see ``settings.train``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, model_validator

from .. import package
from ..errors import UserError
from .alerts import AlertSettings
from .data import DataSettings
from .drift import DriftLimits, DriftSettings
from .promotion import PromotionSettings
from .tracking import MLFLOW_VARIABLES, SECRET_FIELDS, Backend, MlflowSettings
from .train import TrainSettings, estimator_for

__all__ = [
    "AlertSettings",
    "ConfigError",
    "DataSettings",
    "DriftLimits",
    "DriftSettings",
    "MlflowSettings",
    "PromotionSettings",
    "Settings",
    "TrainSettings",
    "load_settings",
]

PARAMS_FILE = "params.yaml"
ENV_FILE = ".env"
NESTING = "__"

Raw = dict[str, JsonValue]


def env_prefix() -> str:
    """The prefix of the project's setting variables: ``ML_PROJECT_`` for ``ml_project``."""
    return f"{package().upper()}_"


def __getattr__(name: str) -> str:
    if name == "ENV_PREFIX":  # read at use: the project's package is bound at start-up
        return env_prefix()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ConfigError(UserError):
    """Settings are missing or invalid; the message is one line meant for the user."""


class Settings(BaseModel):
    """Everything the project reads from configuration."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 42
    task: Literal["classification", "regression"]
    data: DataSettings
    train: TrainSettings = Field(default_factory=TrainSettings)
    promotion: PromotionSettings = Field(default_factory=PromotionSettings)
    drift: DriftSettings = Field(default_factory=DriftSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    # Where runs AND the model registry live: ``local`` (the embedded store and models_dir) or
    # ``mlflow`` (the team's MLflow server, see ``mlflow`` and the README's "Working as a team").
    tracking_backend: Backend = "local"
    mlflow: MlflowSettings = Field(default_factory=MlflowSettings)
    # Relative paths are resolved against the project folder by ``load_settings``.
    tracking_db: Path = Path(".leanops/tracking.db")
    # The local registry: one folder per dataset (audit.jsonl, v<N>/); see the registry package.
    models_dir: Path = Path("models")

    @model_validator(mode="after")
    def _estimator_of_the_task(self) -> Settings:
        """``train.estimator`` left out, or of the other task: the task's default."""
        self.train.settle(self.task)
        return self


def read_params(path: Path) -> Raw:
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
    if isinstance(raw.get("mlflow"), dict) and SECRET_FIELDS & set(raw["mlflow"]):
        raise ConfigError(
            f"{path}: MLflow credentials belong in the environment or .env "
            "(MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD), never in params.yaml"
        )
    for keys in _secret_keys(raw):
        variable = f"{env_prefix()}{'__'.join(keys).upper()}"
        raise ConfigError(
            f"{path}: {'.'.join(keys)} looks like a secret, and params.yaml is committed: remove "
            f"it and set {variable} in the environment or .env instead"
        )
    return raw


# Setting names that hold secrets (whole words of the key): refused in params.yaml with a value.
SECRET_NAME = re.compile(
    r"(^|_)(password|passwd|secret|token|api_?key|access_?key|private_?key|credentials?|"
    r"webhook_?url)($|_)",
    re.IGNORECASE,
)


def _secret_keys(raw: Raw, above: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The paths of keys named like a secret that hold a value, at any depth (estimators'
    hyperparameters aside: ``token_pattern`` is a text vectoriser's, not a secret)."""
    for key, value in raw.items():
        keys = (*above, str(key))
        if keys == ("train", "hyperparameters"):
            continue
        if isinstance(value, dict):
            yield from _secret_keys(value, keys)
        elif value not in (None, "") and SECRET_NAME.search(str(key)):
            yield keys


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of a ``.env`` file (python-dotenv's parser); empty when there is none."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {key: value for key, value in dotenv_values(path).items() if value is not None}


def parse_value(text: str) -> JsonValue:
    """An override's value: JSON when it parses (``1000``, ``0.5``, ``true``), else text."""
    import json

    try:
        value: JsonValue = json.loads(text)
    except ValueError:
        return text
    return value


def overrides(variables: Mapping[str, str], params: Raw) -> Raw:
    """The nested settings that prefixed ``variables`` set, plus MLflow's own variables."""
    found: Raw = {}
    for name, text in variables.items():
        if name in MLFLOW_VARIABLES:
            _assign(found, ["mlflow", MLFLOW_VARIABLES[name]], text)
            continue
        prefix = env_prefix()
        if not name.startswith(prefix) or len(name) == len(prefix):
            continue
        path = name[len(prefix) :].split(NESTING)
        keys = _setting_keys(path, found, params)
        _assign(found, keys, parse_value(text))
    return found


def _setting_keys(path: list[str], found: Raw, params: Raw) -> list[str]:
    """Setting names are lower case; hyperparameter names keep theirs and go to one estimator."""
    keys = [part.lower() for part in path]
    if keys[:2] != ["train", "hyperparameters"] or len(path) < 3:
        return keys
    rest = path[2:]
    if len(rest) >= 2 and _is_estimator(rest[0].lower()):  # ..._HYPERPARAMETERS__RIDGE__ALPHA
        return ["train", "hyperparameters", rest[0].lower(), *rest[1:]]
    chosen = _chosen_estimator(found, params)
    return ["train", "hyperparameters", chosen, *rest]


def _is_estimator(name: str) -> bool:
    from ..team import estimators

    return any(name in by_name for by_name in estimators().values())


def _chosen_estimator(found: Raw, params: Raw) -> str:
    """The estimator a hyperparameter override goes to: the one that will be fitted."""
    named = task = None
    for source in (params, found):  # found last: it wins
        train = source.get("train")
        if isinstance(train, dict) and isinstance(train.get("estimator"), str):
            named = str(train["estimator"])
        if isinstance(source.get("task"), str):
            task = str(source["task"])
    chosen = estimator_for(task, named)[0] if task is not None else named
    return chosen or ""


def _assign(target: Raw, keys: list[str], value: JsonValue) -> None:
    node = target
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1]] = value


def merge(base: Raw, override: Raw) -> Raw:
    """``override`` laid over ``base``, mappings merged key by key."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = merge(current, value)
        else:
            merged[key] = value
    return merged


def normalise_hyperparameters(params: Raw) -> Raw:
    """A flat ``train.hyperparameters`` (0.2.0 format) becomes the named estimator's block.

    Without ``train.estimator``, the block is the task's default estimator's.
    """
    train = params.get("train")
    if not isinstance(train, dict):
        return params
    given = train.get("hyperparameters")
    if not isinstance(given, dict) or not given:
        return params
    if all(isinstance(value, dict) for value in given.values()):
        return params
    estimator = train.get("estimator")
    task = params.get("task")
    if estimator is None and isinstance(task, str):
        estimator = estimator_for(task, None)[0]
    block: JsonValue = {str(estimator): given} if isinstance(estimator, str) else given
    return {**params, "train": {**train, "hyperparameters": block}}


def load_settings(root: Path | str = ".", environ: Mapping[str, str] | None = None) -> Settings:
    """Load the settings of the project at ``root`` (``params.yaml`` and ``.env`` live there)."""
    root = Path(root)
    params = normalise_hyperparameters(read_params(root / PARAMS_FILE))
    from_file = overrides(read_env_file(root / ENV_FILE), params)
    from_env = overrides(os.environ if environ is None else environ, merge(params, from_file))
    raw = merge(merge(params, from_file), from_env)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(one_line(error)) from error
    if not settings.tracking_db.is_absolute():
        settings.tracking_db = root / settings.tracking_db
    if not settings.models_dir.is_absolute():
        settings.models_dir = root / settings.models_dir
    return settings


def one_line(error: ValidationError) -> str:
    """Summarise a pydantic error as ``invalid setting train.test_size: <reason>`` (first error)."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "settings"
    more = error.error_count() - 1
    suffix = f" (and {more} more)" if more else ""
    return f"invalid setting {location}: {first['msg']}{suffix}"
