"""Settings come from params.yaml, are overridden by prefixed environment variables and .env."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from _package import NAME, lib

config = lib("settings")


def test_params_file_loads_with_its_values(project: Path) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    settings = config.load_settings(project)
    assert settings.seed == params["seed"]
    assert settings.task == params["task"]
    assert settings.data.dataset == params["data"]["dataset"]
    assert settings.train.estimator == params["train"]["estimator"]
    assert settings.train.chosen_hyperparameters() == params["train"]["hyperparameters"]
    assert settings.train.replaced == ""


def test_environment_overrides_params(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{NAME.upper()}_SEED", "7")
    monkeypatch.setenv(f"{NAME.upper()}_DATA__TEST_SIZE", "0.3")
    settings = config.load_settings(project)
    assert settings.seed == 7
    assert settings.data.test_size == pytest.approx(0.3)


def test_dotenv_file_is_honoured(project: Path) -> None:
    (project / ".env").write_text(f"{NAME.upper()}_SEED=11\n")
    assert config.load_settings(project).seed == 11


def test_environment_beats_dotenv(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".env").write_text(f"{NAME.upper()}_SEED=11\n")
    monkeypatch.setenv(f"{NAME.upper()}_SEED", "5")
    assert config.load_settings(project).seed == 5


def test_a_dotenv_that_is_not_utf8_is_one_line_naming_its_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A .env saved by a Windows editor (cp1252) stops every command with the file and line,
    not a decoding traceback; no command reads its settings past it."""
    dotenv = project / ".env"
    dotenv.write_bytes(f"{NAME.upper()}_SEED=11\n".encode() + b"MY_NOTE=caf\xe9\n")
    with pytest.raises(config.ConfigError) as caught:
        config.load_settings(project)
    assert str(caught.value) == f"{dotenv}: line 2 is not UTF-8 (byte 0xe9); save the file as UTF-8"
    assert lib("cli").main(["runs", "list"]) == 2
    assert capsys.readouterr().err == f"error: {caught.value}\n".replace(f"{project}/", "")


def test_tracking_db_is_resolved_inside_the_project(project: Path) -> None:
    assert config.load_settings(project).tracking_db.is_relative_to(project)


def test_missing_params_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="params file not found") as caught:
        config.load_settings(tmp_path)
    assert "run from the project's folder, or pass --root" in str(caught.value)


def test_a_command_run_from_a_subfolder_is_told_the_projects_folder(project: Path) -> None:
    (project / "src").mkdir(exist_ok=True)
    with pytest.raises(config.ConfigError) as caught:
        config.load_settings(project / "src")
    assert f"this is inside the project {project.resolve()}: run from there, or pass --root" in str(
        caught.value
    )


def test_malformed_yaml_names_the_line(project: Path) -> None:
    (project / "params.yaml").write_text("seed: 1\ndata: [unclosed\n")
    with pytest.raises(config.ConfigError, match=r"not valid YAML \(line 3\)"):
        config.load_settings(project)


@pytest.mark.parametrize(
    ("override", "where"),
    [
        ({"seed": "many"}, "seed"),
        ({"task": "clustering"}, "task"),
        ({"data": {"dataset": "x", "test_size": 1.5}}, "data.test_size"),
        ({"unknown_section": 1}, "unknown_section"),
    ],
)
def test_badly_typed_params_name_the_setting(project: Path, override: dict, where: str) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params.update(override)
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(config.ConfigError, match=f"invalid setting {where}"):
        config.load_settings(project)


@pytest.mark.parametrize(
    ("typo", "message"),
    [
        ({"taks": "regression"}, "invalid setting taks: unknown key (did you mean 'task'?)"),
        (
            {"drift": {"alfa": 0.1}},
            "invalid setting drift.alfa: unknown key (did you mean 'alpha'?)",
        ),
    ],
)
def test_a_misspelt_key_is_named_with_the_one_meant(
    project: Path, typo: dict, message: str
) -> None:
    """``taks`` is an unknown key and leaves ``task`` missing: the typo is what is named."""
    params = yaml.safe_load((project / "params.yaml").read_text())
    if "taks" in typo:
        del params["task"]
    params.update(typo)
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(config.ConfigError) as caught:
        config.load_settings(project)
    assert str(caught.value).startswith(message)
    assert str(caught.value).endswith("(also: task missing)") == ("taks" in typo)  # the typo's cost


@pytest.mark.parametrize(
    ("setting", "value", "shown"),
    [
        ("PROMOTION__BASELINE__METRICS", '["pr_auc"]', "'pr_auc'"),
        ("PROMOTION__MIN", '{"recall": 0.3}', "'recall'"),
        (
            "PROMOTION__MAX",
            '{"rmsee": 70}',
            "'rmsee' is not a metric evaluation reports (did you mean 'rmse'?",
        ),
    ],
)
def test_a_gate_metric_no_evaluation_reports_is_refused_when_the_settings_are_read(
    project: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: str, shown: str
) -> None:
    """Found by ``promote`` alone, it was a refusal written to the audit log, after training."""
    monkeypatch.setenv(f"{config.ENV_PREFIX}{setting}", value)
    with pytest.raises(config.ConfigError) as caught:
        config.load_settings(project)
    message = str(caught.value)
    assert message.startswith(f"invalid setting {setting.lower().replace('__', '.')} (set by ")
    assert shown in message and "is not a metric evaluation reports" in message
    assert (
        "classification: accuracy, f1_macro, roc_auc, average_precision, log_loss; regression: "
        "rmse, mae, r2" in message
    )


# ------------------------------------------------------- overrides as the README shows them


def test_switching_the_estimator_starts_from_its_own_hyperparameters(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's example: ``<PREFIX>_TRAIN__ESTIMATOR=random_forest ... train``."""
    train = lib("train")
    monkeypatch.setenv(f"{NAME.upper()}_TRAIN__ESTIMATOR", "random_forest")
    settings = config.load_settings(project)
    assert settings.train.estimator == "random_forest"
    assert settings.train.chosen_hyperparameters() == {}
    estimator = train.build_estimator(
        settings.task, settings.train.estimator, settings.train.chosen_hyperparameters(), seed=3
    )
    assert type(estimator).__name__.startswith("RandomForest")


def test_switching_the_estimator_by_a_variable_says_whose_hyperparameters_stay_behind(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """params.yaml's flat block belongs to the estimator written there; the one a variable
    switches to is fitted without it, and training warns so (params.yaml's own switch would
    hand the block to the new estimator, which refuses keys it lacks)."""
    params = yaml.safe_load((project / "params.yaml").read_text())
    written = params["train"]["estimator"]
    params["train"]["hyperparameters"] = {"max_iter": 50}
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    assert config.load_settings(project).train.replaced == ""
    monkeypatch.setenv(f"{NAME.upper()}_TRAIN__ESTIMATOR", "random_forest")
    settings = config.load_settings(project)
    assert settings.train.chosen_hyperparameters() == {}
    assert settings.train.replaced == (
        f"train.estimator is random_forest, set by {NAME.upper()}_TRAIN__ESTIMATOR: params.yaml's "
        f"hyperparameters (max_iter), given for {written}, are not used; random_forest is fitted "
        "with scikit-learn's defaults (give it its own under train.hyperparameters.random_forest)"
    )


def test_a_variable_naming_the_other_tasks_estimator_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """params.yaml's estimator of the other task gives way to the task's default (a file written
    for one task still trains after ``task`` alone changed); one named on purpose by a variable
    for this run trained the default instead, with a warning, and registered it."""
    task = config.load_settings(project).task
    other = {"classification": "ridge", "regression": "logistic_regression"}[task]
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["train"]["estimator"] = other
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    assert config.load_settings(project).train.set_aside == other  # replaced, with a warning
    params["train"]["estimator"] = "random_forest"
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.setenv(f"{NAME.upper()}_TRAIN__ESTIMATOR", other)
    with pytest.raises(config.ConfigError) as caught:
        config.load_settings(project)
    assert str(caught.value).startswith(
        f"invalid setting train.estimator (set by {NAME.upper()}_TRAIN__ESTIMATOR): {other} is "
        f"not a {task} estimator; {task} takes: "
    )


def test_per_estimator_blocks_follow_the_chosen_estimator(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["train"]["hyperparameters"] = {
        params["train"]["estimator"]: {"max_iter": 50},
        "random_forest": {"n_estimators": 7},
    }
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    assert config.load_settings(project).train.chosen_hyperparameters() == {"max_iter": 50}
    monkeypatch.setenv(f"{NAME.upper()}_TRAIN__ESTIMATOR", "random_forest")
    assert config.load_settings(project).train.chosen_hyperparameters() == {"n_estimators": 7}


def test_hyperparameter_overrides_take_the_estimators_spelling_and_a_type(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scikit-learn mixes cases (``C``); environment variables arrive upper case."""
    train = lib("train")
    params = yaml.safe_load((project / "params.yaml").read_text())
    linear = {"classification": ("logistic_regression", "C"), "regression": ("ridge", "alpha")}
    name, spelled = linear[params["task"]]
    params["train"]["estimator"] = name
    params["train"]["hyperparameters"] = {spelled: 1.0, "max_iter": 100}
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    settings = config.load_settings(project)
    key = "C" if settings.task == "classification" else "ALPHA"
    monkeypatch.setenv(f"{NAME.upper()}_TRAIN__HYPERPARAMETERS__{key}", "0.5")
    monkeypatch.setenv(f"{NAME.upper()}_TRAIN__HYPERPARAMETERS__MAX_ITER", "1000")
    chosen = config.load_settings(project).train.chosen_hyperparameters()
    assert chosen["C" if key == "C" else "alpha"] == 0.5  # params.yaml's key, the new value
    assert chosen["max_iter"] == 1000  # a number, not the text '1000'
    assert len(chosen) == len({name.lower() for name in chosen})  # no key twice
    estimator = train.build_estimator(settings.task, name, chosen, seed=0)
    params = estimator.get_params()
    assert params["C" if key == "C" else "alpha"] == 0.5  # matched to the estimator's own name
    assert params["max_iter"] == 1000


def test_an_override_for_a_named_estimator_goes_to_its_block(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{NAME.upper()}_TRAIN__HYPERPARAMETERS__RANDOM_FOREST__N_ESTIMATORS", "9")
    settings = config.load_settings(project)
    assert settings.train.hyperparameters["random_forest"] == {"n_estimators": 9}


def test_values_that_are_not_json_stay_text(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{NAME.upper()}_DATA__DATASET", "breast_cancer")
    assert config.load_settings(project).data.dataset == "breast_cancer"


def test_foreign_keys_in_dotenv_are_ignored(project: Path) -> None:
    """``.env`` is shared with other tools: keys without our prefix are theirs."""
    (project / ".env").write_text(
        "AWS_PROFILE=dev\nSOME_TOOL_SETTING=1\n"
        f"{NAME.upper()}_SEED=13\nMLFLOW_TRACKING_URI=http://127.0.0.1:5000\n"
    )
    settings = config.load_settings(project)
    assert settings.seed == 13
    assert settings.mlflow.tracking_uri == "http://127.0.0.1:5000"


def test_environment_beats_dotenv_for_mlflow_variables(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".env").write_text("MLFLOW_TRACKING_URI=http://from-dotenv:5000\n")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://from-env:5000")
    assert config.load_settings(project).mlflow.tracking_uri == "http://from-env:5000"


def test_an_unknown_prefixed_variable_names_the_setting(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{NAME.upper()}_TRAIN__ESTIMATR", "ridge")
    with pytest.raises(config.ConfigError, match=r"invalid setting train\.estimatr") as caught:
        config.load_settings(project)
    assert f"(set by {NAME.upper()}_TRAIN__ESTIMATR): unknown key" in str(caught.value)
    assert "did you mean 'estimator'?" in str(caught.value)
    monkeypatch.delenv(f"{NAME.upper()}_TRAIN__ESTIMATR")
    (project / ".env").write_text(f"export {NAME.upper()}_DATA__TEST_SIZE=2\n", "utf-8")
    with pytest.raises(config.ConfigError, match=r"invalid setting data\.test_size") as caught:
        config.load_settings(project)
    assert f"(set by {NAME.upper()}_DATA__TEST_SIZE)" in str(caught.value)  # from .env


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        ("TRAN__ESTIMATOR", "no setting 'tran': did you mean {P}_TRAIN__ESTIMATOR?"),
        ("SEDE", "no setting 'sede': did you mean {P}_SEED?"),
        ("TRAIN_ESTIMATOR", "no setting 'train_estimator': did you mean {P}_TRAIN__ESTIMATOR?"),
        ("NOPE__X", "no setting 'nope': the settings are alerts, data,"),
    ],
)
def test_a_variable_naming_no_section_is_refused_not_ignored(
    project: Path, monkeypatch: pytest.MonkeyPatch, variable: str, message: str
) -> None:
    """pydantic-settings skips a prefixed name that matches no field: the override would be
    lost without a word, in the environment and in ``.env`` alike."""
    prefix = NAME.upper()
    monkeypatch.setenv(f"{prefix}_{variable}", "1")
    with pytest.raises(config.ConfigError, match=message.format(P=prefix).replace("?", r"\?")):
        config.load_settings(project)
    monkeypatch.delenv(f"{prefix}_{variable}")
    (project / ".env").write_text(f"{prefix}_{variable}=1\n")
    with pytest.raises(config.ConfigError, match=f"{prefix}_{variable} names no setting"):
        config.load_settings(project)


def test_the_teams_own_prefixed_variables_are_left_alone(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{NAME.upper()}_OWN_BUCKET", "s3://team")
    monkeypatch.setenv(f"{NAME.upper()}_DATA_DIR", "/mnt/team")  # data has no key 'dir'
    assert config.load_settings(project).seed == 42


def test_credentials_in_params_are_refused(project: Path) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["mlflow"] = {"password": "hunter2"}  # pragma: allowlist secret
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(config.ConfigError, match=r"never in params\.yaml") as caught:
        config.load_settings(project)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("section", "key"),
    [("alerts", "webhook_url"), ("data", "api_key"), ("tracking", "access_token")],
)
def test_secret_looking_settings_in_params_are_refused(
    project: Path, section: str, key: str
) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params.setdefault(section, {})[key] = "https://hooks.example/T0/B0/xyz"
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(
        config.ConfigError, match=rf"{section}\.{key} looks like a secret"
    ) as caught:
        config.load_settings(project)
    assert f"{NAME.upper()}_{section.upper()}__{key.upper()}" in str(caught.value)
    assert "hooks.example" not in str(caught.value)


def test_empty_secret_names_and_hyperparameters_named_like_one_are_accepted(
    project: Path,
) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params.setdefault("alerts", {})["webhook_url"] = None
    estimator = config.load_settings(project).train.estimator
    params["train"]["hyperparameters"] = {estimator: {"token_pattern": "x"}}
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    assert config.read_params(project / "params.yaml")["train"]["hyperparameters"]


def test_a_flat_block_of_0_2_0_belongs_to_the_named_estimator(project: Path) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["train"]["hyperparameters"] = {"max_iter": 77}
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    settings = config.load_settings(project)
    assert settings.train.hyperparameters == {settings.train.estimator: {"max_iter": 77}}


# ------------------------------------------------------------- the estimator follows the task

OTHER = {"classification": "regression", "regression": "classification"}
DEFAULT = {"classification": "hist_gradient_boosting", "regression": "hist_gradient_boosting"}
# train sections as 0.2.0 projects wrote them, per task (0.3.0 adds comments only).
OLD_TRAIN = {
    "classification": {
        "estimator": "logistic_regression",
        "hyperparameters": {"C": 1.0, "max_iter": 1000},
    },
    "regression": {"estimator": "ridge", "hyperparameters": {"alpha": 1.0}},
}


def _write(project: Path, **changes: object) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params.update(changes)
    (project / "params.yaml").write_text(yaml.safe_dump(params))


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_changing_the_task_alone_fits_that_tasks_default(project: Path, task: str) -> None:
    """The README's two lines (task, dataset) on a params.yaml written for the other task."""
    _write(project, task=OTHER[task], train=OLD_TRAIN[task])
    settings = config.load_settings(project)
    assert settings.train.estimator == DEFAULT[OTHER[task]]
    assert settings.train.chosen_hyperparameters() == {}  # the old block is the other's
    note = settings.train.replaced
    named = OLD_TRAIN[task]["estimator"]
    assert note.startswith(f"train.estimator {named} is a {task} estimator")
    assert f"fitting {DEFAULT[OTHER[task]]}" in note
    assert "set train.estimator in params.yaml" in note
    assert "\n" not in note
    train = lib("train")
    train.build_estimator(settings.task, settings.train.estimator, {}, seed=0)


def test_an_estimator_of_both_tasks_or_unknown_is_kept(project: Path) -> None:
    _write(project, task="regression", train={"estimator": "hist_gradient_boosting"})
    assert config.load_settings(project).train.estimator == "hist_gradient_boosting"
    _write(project, train={"estimator": "xgboost"})  # training names the known ones
    settings = config.load_settings(project)
    assert (settings.train.estimator, settings.train.replaced) == ("xgboost", "")


def test_a_hyperparameter_override_goes_to_the_estimator_fitted(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(project, task="regression", train=OLD_TRAIN["classification"])
    monkeypatch.setenv(f"{NAME.upper()}_TRAIN__HYPERPARAMETERS__MAX_DEPTH", "4")
    settings = config.load_settings(project)
    assert settings.train.estimator == "hist_gradient_boosting"
    assert settings.train.chosen_hyperparameters() == {"max_depth": 4}


def test_without_an_estimator_or_a_train_section_the_tasks_default_is_fitted(
    project: Path,
) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    del params["train"]
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    settings = config.load_settings(project)
    assert settings.train.estimator == DEFAULT[settings.task]
    assert (settings.train.chosen_hyperparameters(), settings.train.replaced) == ({}, "")
    _write(project, train={"hyperparameters": {"max_iter": 77}})  # flat: the default's
    settings = config.load_settings(project)
    assert settings.train.hyperparameters == {DEFAULT[settings.task]: {"max_iter": 77}}


def test_a_misspelt_mlflow_variable_is_refused_only_where_mlflow_is_used(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded store reads no MLflow variable: another tool's spelling is its own."""
    monkeypatch.setenv("MLFLOW_TRACKING_URL", "http://127.0.0.1:5000")
    assert config.load_settings(project).tracking_backend == "local"
    monkeypatch.setenv(f"{NAME.upper()}_TRACKING_BACKEND", "mlflow")
    with pytest.raises(config.ConfigError, match="did you mean MLFLOW_TRACKING_URI"):
        config.load_settings(project)
