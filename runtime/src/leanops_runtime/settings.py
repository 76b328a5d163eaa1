"""Typed settings: ``params.yaml``, overridden by a local ``.env``, overridden by the environment.

pydantic-settings merges the three sources. Overrides are variables named
``<PREFIX>_<SECTION>__<KEY>`` (``ML_PROJECT_TRAIN__ESTIMATOR=ridge`` sets ``train.estimator``);
MLflow's own variables (``MLFLOW_TRACKING_URI``...) set the ``mlflow`` section; other keys of
``.env`` belong to other tools and are ignored; a prefixed name that is a section path or a
near miss of a setting but names none (``ML_PROJECT_TRAN__ESTIMATOR``) is refused. A
hyperparameter override without an estimator's name (``..._TRAIN__HYPERPARAMETERS__C=0.5``)
goes to the estimator that will be fitted, and is matched to its parameter names regardless of
case. Invalid values fail early with one line naming the setting, instead of a traceback deep
inside training. Credentials and other secrets are refused in params.yaml, which is committed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from . import package
from .errors import UserError
from .files import read_yaml

PARAMS_FILE = "params.yaml"
ENV_FILE = ".env"

Raw = dict[str, JsonValue]
Hyperparameters = dict[str, JsonValue]
Backend = Literal["local", "mlflow"]
# MLflow's own variable (environment or .env) -> the ``mlflow`` section's field.
MLFLOW_VARIABLES = {
    "MLFLOW_TRACKING_URI": "tracking_uri",
    "MLFLOW_TRACKING_USERNAME": "username",
    "MLFLOW_TRACKING_PASSWORD": "password",  # pragma: allowlist secret (a field name)
    "MLFLOW_EXPERIMENT_NAME": "experiment",
}
# MLflow's own variables spelt much like those above, which are not misspellings of them.
MLFLOW_NEIGHBOURS = frozenset(
    {"MLFLOW_TRACKING_AUTH", "MLFLOW_TRACKING_DIR", "MLFLOW_TRACKING_TOKEN", "MLFLOW_EXPERIMENT_ID"}
)
SECRET_FIELDS = frozenset({"username", "password"})
# Setting names that hold secrets (whole words of the key): refused in params.yaml with a value.
SECRET_NAME = re.compile(
    r"(^|_)(password|passwd|secret|token|api_?key|access_?key|private_?key|credentials?|"
    r"webhook_?url)($|_)",
    re.IGNORECASE,
)


def env_prefix() -> str:
    """The prefix of the project's setting variables: ``ML_PROJECT_`` for ``ml_project``."""
    return f"{package().upper()}_"


def __getattr__(name: str) -> str:
    if name == "ENV_PREFIX":  # read at use: the project's package is bound at start-up
        return env_prefix()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ConfigError(UserError):
    """Settings are missing or invalid; the message is one line meant for the user."""


class Section(BaseModel):
    """A section of params.yaml; unknown keys are refused with the key's name (no silent typo)."""

    model_config = ConfigDict(extra="forbid")


class DataSettings(Section):
    """Which dataset the pipeline uses and how its rows are split."""

    dataset: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    test_size: float = Field(default=0.2, gt=0.0, lt=1.0)
    # Where the team shares data versions (``data push|pull|restore``): a folder, relative to
    # the project or absolute, or an fsspec URL such as s3://bucket/data. Empty: this clone only.
    remote: str = ""


class TrainSettings(Section):
    """Which estimator to fit, and each estimator's hyperparameters (passed to it as is).

    With ``also_try``, ``estimator`` and those estimators are scored by cross-validation on the
    training rows and the best is fitted (``selection``); ``estimator`` wins a tie.
    ``estimator`` may be left out: the task's default (the first of the task's estimators in
    ``estimators.py``) is fitted, as it is for an estimator of the other task only (training
    then warns how to choose). Hyperparameters are kept per estimator, so switching
    ``estimator`` starts from that estimator's own block, or from scikit-learn's defaults.
    """

    estimator: str = ""  # empty: the task's default (``settle``)
    also_try: list[str] = Field(default_factory=list)
    hyperparameters: dict[str, Hyperparameters] = Field(default_factory=dict)
    _replaced: str = PrivateAttr(default="")
    _set_aside: str = PrivateAttr(default="")

    def chosen_hyperparameters(self) -> Hyperparameters:
        """The hyperparameters of the chosen estimator (empty: scikit-learn's defaults)."""
        return self.hyperparameters_of(self.estimator)

    def hyperparameters_of(self, estimator: str) -> Hyperparameters:
        """``estimator``'s own block (empty: scikit-learn's defaults)."""
        return dict(self.hyperparameters.get(estimator, {}))

    def candidates(self) -> list[str]:
        """The estimators training chooses among: ``estimator`` first, then ``also_try``."""
        return list(dict.fromkeys([self.estimator, *self.also_try]))

    def settle(self, task: str) -> None:
        """Make ``estimator`` the one fitted for ``task`` (``estimator_for``), keeping why, and
        the name it replaced (``set_aside``)."""
        named = self.estimator
        chosen, self._replaced = estimator_for(task, named or None)
        self.estimator = chosen or ""
        self._set_aside = named if named and named != self.estimator else ""

    @property
    def set_aside(self) -> str:
        """The estimator named for another task only, whose place the task's default took ('':
        none was)."""
        return self._set_aside

    def switched(self, variable: str, written: str, unused: Hyperparameters) -> None:
        """Say that ``variable`` replaced params.yaml's estimator ``written``, whose
        hyperparameters ``unused`` are therefore not fitted."""
        self._replaced = (
            f"train.estimator is {self.estimator}, set by {variable}: params.yaml's "
            f"hyperparameters ({', '.join(sorted(unused))}), given for {written}, are not used; "
            f"{self.estimator} is fitted with scikit-learn's defaults (give it its own under "
            f"train.hyperparameters.{self.estimator})"
        )

    @property
    def replaced(self) -> str:
        """Why params.yaml's estimator is not the one fitted ('' when it is): for a warning."""
        return self._replaced


def estimator_for(task: str, named: str | None) -> tuple[str | None, str]:
    """(the estimator to fit for ``task``, a warning or ''), from the one params.yaml names.

    ``named`` when it is one of the task's, or unknown (training names the known ones); the
    task's default when it is missing or an estimator of another task only: a params.yaml written
    for classification then trains a regression after ``task: regression`` alone.
    """
    from .team import estimators, tasks_of_estimator

    known = estimators().get(task)
    if not known:  # not a task: validation says so
        return named, ""
    default = next(iter(known))
    if named is None or named in known:
        return named or default, ""
    others = tasks_of_estimator(named)
    if not others:
        return named, ""
    return default, (
        f"train.estimator {named} is a {others[0]} estimator and task is {task}: fitting "
        f"{default}, the {task} default; to choose, set train.estimator in params.yaml to one of "
        f"{', '.join(known)}, with its hyperparameters under train.hyperparameters.<estimator>"
    )


# The metrics evaluation reports for each task (``metrics.score``): the names the gate takes.
TASK_METRICS = {
    "classification": ("accuracy", "f1_macro", "roc_auc", "average_precision", "log_loss"),
    "regression": ("rmse", "mae", "r2"),
}


def reported_metrics(names: Collection[str]) -> None:
    """Refuse a metric no task's evaluation reports when the settings are read: a misspelt
    name would otherwise be found by ``promote`` alone, after training, as a refusal. (One of
    the other task is the gate's to name: params.yaml kept it after ``task`` changed.)"""
    from difflib import get_close_matches

    known = [name for names in TASK_METRICS.values() for name in names]
    for name in names:
        if name not in known:
            near = get_close_matches(name, known, n=1)
            meant = f"did you mean {near[0]!r}? " if near else ""
            raise ValueError(
                f"{name!r} is not a metric evaluation reports ({meant}classification: "
                f"{', '.join(TASK_METRICS['classification'])}; regression: "
                f"{', '.join(TASK_METRICS['regression'])})"
            )


class BaselineRule(Section):
    """The candidate must beat the trivial baseline scored on the same held-out rows.

    ``min_skill`` is the share of the way from the baseline to a perfect score that the
    candidate must cover on each metric: ``(candidate - baseline) / (perfect - baseline)``, so
    0.05 asks a ROC AUC of 0.525 over the baseline's 0.5, or an RMSE 5% below the baseline's.
    ``metrics`` None: the default metrics of the task (``gate.BASELINE_METRICS``); [] turns the
    rule off.
    """

    metrics: list[str] | None = None
    min_skill: float = Field(default=0.05, ge=0.0, lt=1.0)

    @field_validator("metrics")
    @classmethod
    def _reported(cls, names: list[str] | None) -> list[str] | None:
        reported_metrics(names or [])
        return names


class Budgets(Section):
    """What a model may cost to serve and to train; an unset budget is not checked (the gate
    still measures and prints each, beside production's)."""

    latency_ms_per_1000: float | None = Field(default=None, gt=0.0)  # median, one batch of 1,000
    size_mb: float | None = Field(default=None, gt=0.0)  # model.skops on disk
    train_s: float | None = Field(default=None, gt=0.0)  # the final fit


class PromotionSettings(Section):
    """The promotion gate: beat the baseline, optional floors and ceilings, no regression, and
    the budgets.

    ``tolerance`` is relative: the candidate may be at most that fraction worse than the
    production model on each metric both report (0.01 = 1%), on the same evaluation data.
    """

    baseline: BaselineRule = Field(default_factory=BaselineRule)
    min: dict[str, float] = Field(default_factory=dict)
    max: dict[str, float] = Field(default_factory=dict)
    tolerance: float = Field(default=0.01, ge=0.0, lt=1.0)
    budgets: Budgets = Field(default_factory=Budgets)

    @field_validator("min", "max")
    @classmethod
    def _reported(cls, limits: dict[str, float]) -> dict[str, float]:
        reported_metrics(limits)
        return limits


class DriftLimits(Section):
    """One feature's own alert thresholds; an unset value keeps the global one."""

    psi_alert: float | None = Field(default=None, gt=0.0)
    ks_alert: float | None = Field(default=None, gt=0.0, le=1.0)


class DriftSettings(Section):
    """When a batch is reported as drifted from the model's training data.

    A feature warns when its change is statistically significant across the whole batch
    (Holm-adjusted p-value below ``alpha``: at most 5% of same-distribution batches warn), and
    alerts when that change is also large (PSI >= ``psi_alert`` or KS D >= ``ks_alert``).
    """

    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    psi_alert: float = Field(default=0.25, gt=0.0)
    ks_alert: float = Field(default=0.2, gt=0.0, le=1.0)
    min_rows: int = Field(default=100, ge=1)
    features: dict[str, DriftLimits] = Field(default_factory=dict)


class AlertSettings(Section):
    """Where a drift alert, a failed contract check or a refused promotion is sent.

    The webhook URL is a secret (anyone holding it can post to the channel): it is set in the
    environment or ``.env`` as ``<PREFIX>_ALERTS__WEBHOOK_URL``. Without it alerts are only logged.
    """

    webhook_url: SecretStr | None = None
    timeout_s: float = Field(default=5.0, gt=0.0, le=60.0)
    retries: int = Field(default=1, ge=0, le=5)
    drift_level: Literal["warn", "alert"] = "alert"
    # A pipeline costing this many times the median of its recent runs alerts (0: never).
    cost_factor: float = Field(default=3.0, ge=0.0)


class RetentionSettings(Section):
    """What ``prune`` keeps. It deletes only what is older than ``keep_days`` AND beyond the
    newest ``keep_runs`` runs (``keep_versions`` versions of each model line); never
    production, the candidate, the latest ``keep_rollbacks`` versions production may roll back
    to, nor the run or data version any kept version came from. Without a bound on rollbacks,
    every version that was ever production would be kept: after a year of weekly promotions,
    all of them."""

    keep_runs: int = Field(default=100, ge=1)
    keep_versions: int = Field(default=10, ge=1)
    keep_days: float = Field(default=30.0, ge=0.0)
    keep_rollbacks: int = Field(default=5, ge=1)


class MlflowSettings(Section):
    """How to reach the team's MLflow server (only used with ``tracking_backend: mlflow``), and
    what a pipeline uploads there: always the model's files and the metrics; the processed
    training table only with ``upload_data`` (its fingerprint is recorded either way)."""

    tracking_uri: str | None = None
    experiment: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    upload_data: bool = False


class Settings(BaseSettings):
    """Everything the project reads from configuration."""

    model_config = SettingsConfigDict(
        extra="forbid",
        env_nested_delimiter="__",
        case_sensitive=False,
        env_file_encoding="utf-8",
        dotenv_filtering="only_existing",
    )

    seed: int = 42
    task: Literal["classification", "regression"]
    data: DataSettings
    train: TrainSettings = Field(default_factory=TrainSettings)
    promotion: PromotionSettings = Field(default_factory=PromotionSettings)
    drift: DriftSettings = Field(default_factory=DriftSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    # Where runs AND the model registry live: ``local`` (the embedded store and models_dir) or
    # ``mlflow`` (the team's MLflow server: see ``mlflow``, and "Working as a team" in the
    # project's docs/guide.md).
    tracking_backend: Backend = "local"
    # ``pipeline`` skips a stage whose inputs did not change since its last run;
    # false: every stage runs every time, as with ``pipeline --force``.
    skip_unchanged: bool = True
    mlflow: MlflowSettings = Field(default_factory=MlflowSettings)
    # Relative paths are resolved against the project folder by ``load_settings``.
    tracking_db: Path = Path(".leanops/tracking.db")
    # The local registry: one folder per dataset (audit.jsonl, v<N>/); see the registry package.
    models_dir: Path = Path("models")
    # Your SSH private key, which signs your changes to the registry once allowed_signers lists
    # keys: each teammate's own, so set in .env or the environment (<PREFIX>_SIGNING_KEY).
    signing_key: Path | None = None
    # The variables (environment or .env) that set a setting over params.yaml, upper case:
    # named once by ``load_settings`` (``variable_names``), and recorded on every run from here.
    _from_variables: list[str] | None = PrivateAttr(default=None)

    @property
    def from_variables(self) -> list[str] | None:
        """Names only, never values: a value may be a secret. None for settings that
        ``load_settings`` did not make (they were not told which variables it read)."""
        return None if self._from_variables is None else list(self._from_variables)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment first, then MLflow's own variables, ``.env``, and params.yaml (given
        as the init values) last."""
        import os

        dotenv = (
            dotenv_settings.env_vars if isinstance(dotenv_settings, DotEnvSettingsSource) else {}
        )
        sections = {
            name: set(field.annotation.model_fields)
            for name, field in cls.model_fields.items()
            if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
        }
        refuse_unknown_variables([*os.environ, *dotenv], set(cls.model_fields), sections)
        mlflow = MlflowVariables(settings_cls, dotenv)
        return TypedValues(env_settings), mlflow, TypedValues(dotenv_settings), init_settings

    @model_validator(mode="before")
    @classmethod
    def _overrides_to_their_estimator(cls, raw: object) -> object:
        """A hyperparameter override without an estimator's name joins the block of the
        estimator that will be fitted."""
        return with_blocks(raw) if isinstance(raw, dict) else raw

    @model_validator(mode="after")
    def _estimator_of_the_task(self) -> Settings:
        """``train.estimator`` left out, or of the other task: the task's default."""
        self.train.settle(self.task)
        return self

    def run_params(self) -> dict[str, object]:
        """The parameters a tracked run records: everything here that changes a result.

        ``hp.<key>``: the hyperparameters of ``estimator``; ``hp.<other>.<key>``: those of each
        estimator ``also_try`` names (the run's ``estimator`` tag says which one was fitted).
        """
        train = self.train
        chosen = {f"hp.{key}": value for key, value in train.chosen_hyperparameters().items()}
        for other in train.candidates()[1:]:
            chosen |= {
                f"hp.{other}.{key}": value for key, value in train.hyperparameters_of(other).items()
            }
        tried = {"also_try": ", ".join(train.also_try)} if train.also_try else {}
        return {
            "task": self.task,
            "seed": self.seed,
            "dataset": self.data.dataset,
            "test_size": self.data.test_size,
            "estimator": train.estimator,
            **tried,
            **chosen,
        }


def refuse_unknown_variables(
    names: list[str], fields: set[str], sections: Mapping[str, set[str]]
) -> None:
    """Refuse a variable that is meant as a setting but names none: a section path
    (``<PREFIX>_TRAN__ESTIMATOR``), a section and its key joined by one underscore
    (``<PREFIX>_TRAIN_ESTIMATOR``) or a near miss of a setting (``<PREFIX>_SEDE``).
    pydantic-settings skips such names, so the override would be lost without a word. Other
    ``<PREFIX>_`` names (the team's own variables) are left alone."""
    from difflib import get_close_matches

    prefix = env_prefix().lower()
    for name in names:
        if not name.lower().startswith(prefix):
            continue
        head, nested, rest = name[len(prefix) :].lower().partition("__")
        if head in fields:
            continue
        wrong = f"{name.upper()} names no setting {head!r}"
        joined = [
            f"{s}__{key}" for s, keys in sections.items() for key in keys if head == f"{s}_{key}"
        ]
        if joined:
            meant = prefix + joined[0] + (f"__{rest}" if nested else "")
            raise ConfigError(f"{wrong}: did you mean {meant.upper()}?")
        near = [  # a misspelling, not a longer name of the team's own (``DATA_DIR``)
            field
            for field in get_close_matches(head, sorted(fields), n=1, cutoff=0.75)
            if abs(len(field) - len(head)) <= 2
        ]
        if near:
            meant = prefix + near[0] + (f"__{rest}" if nested else "")
            raise ConfigError(f"{wrong}: did you mean {meant.upper()}?")
        if nested:
            raise ConfigError(f"{wrong}: the settings are {', '.join(sorted(fields))}")


def refuse_misspelt_mlflow_variables(names: list[str]) -> None:
    """Refuse a near miss of the MLflow variables read here (``MLFLOW_TRACKING_URL``): MLflow
    ignores it too, and the runs would go to the project's own store, not the team's server."""
    from difflib import get_close_matches

    for name in (name.upper() for name in names):
        if not name.startswith("MLFLOW_") or name in MLFLOW_VARIABLES or name in MLFLOW_NEIGHBOURS:
            continue
        near = get_close_matches(name, list(MLFLOW_VARIABLES), n=1, cutoff=0.9)
        if near:
            raise ConfigError(f"{name} is no variable MLflow reads: did you mean {near[0]}?")


class WholeSource(PydanticBaseSettingsSource):
    """A source that gives all its values at once (``__call__``), not field by field."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[None, str, bool]:
        return None, field_name, False


class TypedValues(WholeSource):
    """A variables source whose hyperparameter values are JSON when they parse (``1000`` a
    number, ``true`` a boolean), else text: their types are the estimator's, unknown here."""

    def __init__(self, variables: PydanticBaseSettingsSource) -> None:
        super().__init__(variables.settings_cls)
        self.variables = variables

    def __call__(self) -> dict[str, object]:
        found: dict[str, object] = self.variables()
        train = found.get("train")
        if isinstance(train, dict) and isinstance(train.get("hyperparameters"), dict):
            train["hyperparameters"] = _typed(train["hyperparameters"])
        return found


def _typed(value: object) -> object:
    import json

    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class MlflowVariables(WholeSource):
    """MLflow's own variables, from the environment, else ``.env``: the ``mlflow`` section."""

    def __init__(self, settings_cls: type[BaseSettings], dotenv: Mapping[str, str | None]) -> None:
        super().__init__(settings_cls)
        self.dotenv = dotenv  # the names lower case, as pydantic-settings reads them

    def __call__(self) -> dict[str, JsonValue]:
        import os

        found: dict[str, JsonValue] = {}
        for variable, field in MLFLOW_VARIABLES.items():
            value = os.environ.get(variable, self.dotenv.get(variable.lower()))
            if value is not None:
                found[field] = value
        return {"mlflow": found} if found else {}


def with_blocks(raw: Mapping[str, object], *, fitted: bool = True) -> dict[str, object]:
    """Settings whose hyperparameters given without an estimator's name are in one estimator's
    block: the one fitted (an override), or, ``fitted`` False, the one named (params.yaml's
    flat block belongs to the estimator written above it, the task's default if none is)."""
    train = raw.get("train")
    given = train.get("hyperparameters") if isinstance(train, dict) else None
    if not isinstance(train, dict) or not isinstance(given, dict):
        return dict(raw)
    task, named = raw.get("task"), train.get("estimator")
    settled = named if named and not fitted else None
    chosen = settled or (estimator_for(task, named)[0] if isinstance(task, str) else named)
    blocks: dict[str, object] = {}
    loose: dict[str, object] = {}
    for key, value in given.items():
        named_block = isinstance(value, dict) and _is_estimator(key)
        (blocks if named_block or not isinstance(chosen, str) else loose)[key] = value
    if loose:
        blocks[str(chosen)] = _laid_over(blocks.get(str(chosen)), loose)
    return {**raw, "train": {**train, "hyperparameters": blocks}}


def _is_estimator(name: str) -> bool:
    from .team import tasks_of_estimator

    return bool(tasks_of_estimator(name))


def _laid_over(block: object, loose: dict[str, object]) -> dict[str, object]:
    """``loose`` laid over an estimator's ``block``; a key differing only in case (``c`` from
    the environment, ``C`` in params.yaml) replaces the block's, keeping the block's spelling."""
    merged = dict(block) if isinstance(block, dict) else {}
    for key, value in loose.items():
        same = [name for name in merged if name.lower() == key.lower()]
        merged[same[0] if same else key] = value
    return merged


def read_params(path: Path) -> Raw:
    """Read a params file as a mapping; a clear ConfigError when it is missing or malformed, or
    when it holds a secret."""
    if not path.is_file():
        folder = path.parent.resolve()
        above = next((p for p in folder.parents if (p / path.name).is_file()), None)
        where = (
            f"this is inside the project {above}: run from there, or pass --root {above}"
            if above is not None
            else "run from the project's folder, or pass --root <project folder>"
        )
        raise ConfigError(f"params file not found: {path} ({where})")
    try:
        raw = read_yaml(path)
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


def load_settings(root: Path | str = ".") -> Settings:
    """Load the settings of the project at ``root`` (``params.yaml`` and ``.env`` live there)."""
    root = Path(root)
    names = variable_names(root)  # first: a .env that is not UTF-8 is one line, not a traceback
    overrides = setting_variables(names)
    params: dict[str, Any] = with_blocks(read_params(root / PARAMS_FILE), fitted=False)
    try:
        # params.yaml is the init source, the lowest (``settings_customise_sources``).
        options: dict[str, Any] = {"_env_prefix": env_prefix(), "_env_file": root / ENV_FILE}
        settings = Settings(**params, **options)
    except ValidationError as error:
        raise ConfigError(one_line(error, overrides)) from error
    if settings.tracking_backend == "mlflow":  # where a misspelt name would lose the runs
        refuse_misspelt_mlflow_variables(names)
    settings._from_variables = overrides
    refuse_other_tasks_estimator(settings, overrides)
    _note_switched_estimator(params, settings)
    if not settings.tracking_db.is_absolute():
        settings.tracking_db = root / settings.tracking_db
    if not settings.models_dir.is_absolute():
        settings.models_dir = root / settings.models_dir
    return settings


def refuse_other_tasks_estimator(settings: Settings, overrides: Collection[str]) -> None:
    """An estimator of the other task chosen by a variable is a mistake to say, not a choice to
    replace: params.yaml's is replaced by the task's default (a file written for one task still
    trains after ``task`` alone changed), a name given on purpose for this run is not."""
    variable = f"{env_prefix()}TRAIN__ESTIMATOR"
    if variable not in overrides or not settings.train.set_aside:
        return
    from .team import estimators

    named, task = settings.train.set_aside, settings.task
    raise ConfigError(
        f"invalid setting train.estimator (set by {variable}): {named} is not a {task} "
        f"estimator; {task} takes: {', '.join(estimators().get(task, {}))}"
    )


def _note_switched_estimator(params: Mapping[str, object], settings: Settings) -> None:
    """When a variable switched the estimator away from params.yaml's, whose hyperparameters
    stay with it, training says so (the estimator switched to has none of its own)."""
    variable = f"{env_prefix()}TRAIN__ESTIMATOR"
    train = params.get("train")
    if not isinstance(train, dict) or variable not in (settings.from_variables or ()):
        return
    blocks = train.get("hyperparameters")
    blocks = blocks if isinstance(blocks, dict) else {}
    written = str(train.get("estimator") or estimator_for(settings.task, None)[0])
    unused = blocks.get(written)
    fitted = settings.train.estimator
    if fitted == written or not isinstance(unused, dict) or not unused or blocks.get(fitted):
        return
    if _is_estimator(fitted):  # an unknown one: training refuses it, and says so alone
        settings.train.switched(variable, written, unused)


def one_line(error: ValidationError, overrides: Collection[str] = ()) -> str:
    """Summarise a pydantic error as ``invalid setting data.test_size: <reason>``: an unknown
    key first, with the setting it is closest to (``taks`` is also a missing ``task``), the
    variable it came from when one of ``overrides`` (``setting_variables``) set it, and the
    others named."""
    from difflib import get_close_matches

    errors = error.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    location = ".".join(str(part) for part in first["loc"]) or "settings"
    how = {"missing": "missing", "extra_forbidden": "unknown"}
    others = [
        f"{'.'.join(str(part) for part in e['loc'])} {how.get(e['type'], 'invalid')}"
        for e in errors
        if e is not first
    ]
    suffix = (
        f" (also: {', '.join(others[:3])}{', ...' if len(others) > 3 else ''})" if others else ""
    )
    reason = first["msg"]
    if first["type"] == "value_error":  # a validator's own message, without pydantic's prefix
        reason = str(first.get("ctx", {}).get("error", reason))
    if first["type"] == "extra_forbidden":
        near = get_close_matches(str(first["loc"][-1]), _keys(first["loc"][:-1]), n=1)
        reason = "unknown key" + (f" (did you mean {near[0]!r}?)" if near else "")
    variable = env_prefix() + "__".join(str(part) for part in first["loc"]).upper()
    source = f" (set by {variable})" if variable in overrides else ""
    return f"invalid setting {location}{source}: {reason}{suffix}"


def setting_variables(names: list[str]) -> list[str]:
    """Those of ``names`` (``variable_names``) that set a setting over params.yaml
    (``ML_PROJECT_TRAIN__ESTIMATOR``), upper case: a run records them, so its params are not
    read as params.yaml's, and an invalid setting names the one that set it."""
    prefix = env_prefix()
    return sorted(
        {
            name.upper()
            for name in names
            if name.upper().startswith(prefix)
            and name[len(prefix) :].lower().partition("__")[0] in Settings.model_fields
        }
    )


def variable_names(root: Path | str | None = ".") -> list[str]:
    """The names of the environment's variables and of those the ``.env`` of the project at
    ``root`` assigns (None: the environment alone), read as pydantic-settings reads the file."""
    import os

    if root is None:
        return list(os.environ)
    path = Path(root) / ENV_FILE
    try:
        source = DotEnvSettingsSource(
            Settings, env_file=path, env_file_encoding="utf-8", case_sensitive=True
        )
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: line {line} is not UTF-8 (byte {error.object[error.start]:#04x}); "
            "save the file as UTF-8"
        ) from error
    return [*os.environ, *source.env_vars]


def _keys(location: tuple[int | str, ...]) -> list[str]:
    """The keys a section of the settings takes, for the section at ``location``."""
    model: type[BaseModel] = Settings
    for part in location:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return sorted(model.model_fields)
