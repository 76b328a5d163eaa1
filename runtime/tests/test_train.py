"""Training: estimator and hyperparameters come from params.yaml, seeded; bad ones are one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _package import NAME, lib
from sklearn.base import BaseEstimator
from sklearn.linear_model import Ridge

config = lib("settings")
data = lib("data")
train_mod = lib("train")


def _ingested(project: Path):
    settings = config.load_settings(project)
    data.ingest(settings.data.dataset, project)
    return settings


def test_train_registers_one_candidate_version(project: Path) -> None:
    settings = _ingested(project)
    result = train_mod.train(settings, project)
    meta = result.metadata
    assert meta["estimator"] == settings.train.estimator
    assert meta["train_rows"] + meta["test_rows"] == len(data.load_embedded(settings.data.dataset))
    assert result.version["version"] == 1
    assert Path(result.model_path).is_file()
    assert result.version["sha256"] == meta["sha256"]


def test_training_is_seeded(project: Path) -> None:
    settings = _ingested(project)
    first = train_mod.train(settings, project)
    second = train_mod.train(settings, project)
    contract = lib("contract").load_contract(settings.data.dataset, project)
    id_column = contract.ids[0]
    assert list(first.test[id_column]) == list(second.test[id_column])
    assert (first.model.predict(first.test) == second.model.predict(second.test)).all()


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_every_registered_estimator_builds_seeded(task: str) -> None:
    from importlib import import_module

    from _package import NAME

    estimators = import_module(f"{NAME}.estimators").ESTIMATORS
    for name in estimators[task]:
        estimator = train_mod.build_estimator(task, name, {}, seed=7)
        if "random_state" in estimator.get_params():
            assert estimator.get_params()["random_state"] == 7


def test_unknown_estimator_is_one_line(project: Path) -> None:
    settings = config.load_settings(project)
    with pytest.raises(train_mod.TrainError, match="unknown estimator 'xgboost'") as caught:
        train_mod.build_estimator(settings.task, "xgboost", {}, seed=0)
    assert "\n" not in str(caught.value)


def test_unknown_hyperparameter_is_one_line(project: Path) -> None:
    settings = config.load_settings(project)
    with pytest.raises(train_mod.TrainError, match="has no hyperparameter 'bogus'"):
        train_mod.build_estimator(settings.task, settings.train.estimator, {"bogus": 1}, seed=0)
    # A misspelt name gets the one meant, and where to fix it, params.yaml or a variable.
    with pytest.raises(train_mod.TrainError) as caught:
        train_mod.build_estimator("regression", "ridge", {"ALPA": 1}, seed=0)
    message = str(caught.value)
    assert "ridge has no hyperparameter 'ALPA' (did you mean 'alpha'?)" in message
    assert "TRAIN__HYPERPARAMETERS__* variable" in message and "\n" not in message
    # A dict under a misspelt estimator's name reads as one hyperparameter: the block is named.
    with pytest.raises(train_mod.TrainError) as caught:
        train_mod.build_estimator("regression", "ridge", {"random_forrest": {"n": 1}}, seed=0)
    assert "no hyperparameter 'random_forrest' (a misspelt block for estimator" in str(caught.value)


class HiddenC(Ridge):
    """Takes its hyperparameters through ``**kwargs``: scikit-learn's ``get_params`` sees none."""

    def __init__(self, **kwargs: float) -> None:
        super().__init__(**kwargs)


class OpenEnded(Ridge):
    """Takes ``**kwargs`` and keeps them where scikit-learn reads them, as XGBoost's do."""

    def __init__(self, alpha: float = 1.0, **kwargs: object) -> None:
        super().__init__(alpha=alpha)
        self.kwargs = kwargs

    def get_params(self, deep: bool = True) -> dict[str, object]:
        return {**super().get_params(deep), **self.kwargs}


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (("sklearn.linear_model", "Ridgee"), "has no class 'Ridgee' (did you mean 'Ridge'?)"),
        (("sklearn.linear_models", "Ridge"), "no module named 'sklearn.linear_models' (misspelt"),
        ((__name__, "HiddenC"), "HiddenC takes 'alpha' through **kwargs but does not keep it"),
        (("sklearn.preprocessing", "StandardScaler"), "StandardScaler has no predict, so it is no"),
    ],
)
def test_an_estimators_entry_that_cannot_be_built_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, entry: tuple[str, str], expected: str
) -> None:
    """Not an unexpected error of the library's: the line names estimators.py and the entry."""
    listed = lib("team").estimators()["regression"]
    monkeypatch.setitem(listed, "mine", entry)
    with pytest.raises(train_mod.TrainError) as caught:
        train_mod.build_estimator("regression", "mine", {"alpha": 2.0}, seed=0)
    message = str(caught.value)
    assert expected in message and "\n" not in message
    if not message.startswith("mine:"):
        assert message.startswith(f"estimators.py: ESTIMATORS['regression']['mine'] = {entry!r}")


def test_an_entry_whose_package_does_not_load_is_one_line_and_hides_no_other_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package that is installed but does not load (LightGBM without libgomp) is named when
    chosen, and left out of the hint when another estimator is."""
    (tmp_path / "unloadable.py").write_text("raise OSError('libgomp.so.1: cannot open')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    listed = lib("team").estimators()["regression"]
    monkeypatch.setitem(listed, "broken", ("unloadable", "Model"))
    with pytest.raises(train_mod.TrainError) as caught:
        train_mod.build_estimator("regression", "broken", {}, seed=0)
    assert str(caught.value).endswith("unloadable does not import: libgomp.so.1: cannot open")
    with pytest.raises(train_mod.TrainError, match="are hist_gradient_boosting's, not ridge's"):
        train_mod.build_estimator("regression", "ridge", {"learning_rate": 0.1}, seed=0)


class XGBoostLike(BaseEstimator):
    """Shaped as XGBoost's classes are: one named parameter, every other through ``**kwargs``,
    all of them reported by ``get_params``."""

    def __init__(self, *, objective: str = "reg:squarederror", **kwargs: object) -> None:
        self.objective = objective
        self.kwargs = kwargs

    def get_params(self, deep: bool = True) -> dict[str, object]:
        return {"objective": self.objective, "max_depth": None, "random_state": None, **self.kwargs}

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(features))


def test_a_kwargs_class_is_matched_and_seeded_by_what_it_reports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An environment variable's upper-case name finds XGBoost's own, and the seed reaches it."""
    monkeypatch.setitem(lib("team").estimators()["regression"], "mine", (__name__, "XGBoostLike"))
    built = train_mod.build_estimator("regression", "mine", {"MAX_DEPTH": 3}, seed=7)
    assert built.get_params()["max_depth"] == 3 and built.get_params()["random_state"] == 7


def test_a_class_that_keeps_its_kwargs_gets_them_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(lib("team").estimators()["regression"], "mine", (__name__, "OpenEnded"))
    built = train_mod.build_estimator("regression", "mine", {"alpha": 2.0, "depth": 3}, seed=0)
    assert built.get_params()["alpha"] == 2.0 and built.get_params()["depth"] == 3


def test_bad_hyperparameter_value_is_one_line_and_writes_no_model(project: Path) -> None:
    settings = _ingested(project)
    settings.train.estimator = "random_forest"
    settings.train.hyperparameters = {"random_forest": {"n_estimators": -3}}
    with pytest.raises(train_mod.TrainError, match="cannot fit random_forest") as caught:
        train_mod.train(settings, project)
    assert "\n" not in str(caught.value)
    assert not list(project.glob("models/**/model.skops"))

    # The same inside the choice among estimators: the value's estimator is named, not the
    # cross-validation that called it.
    settings.train.also_try = [
        {"classification": "logistic_regression", "regression": "ridge"}[settings.task]
    ]
    with pytest.raises(train_mod.TrainError, match="cannot fit random_forest") as caught:
        train_mod.train(settings, project)
    assert "cross_val_score" not in str(caught.value)


def test_a_fit_failing_in_the_teams_features_blames_features_py_not_params(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from _package import load
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def build_features(contract: object, fit: object) -> object:  # a misspelt column
        return make_column_transformer((StandardScaler(), ["mean_aera"]))

    monkeypatch.setattr(load("features"), "build_features", build_features)
    settings = _ingested(project)
    settings.train.also_try = []
    features_failed = rf"^cannot fit the features {NAME}/features.py built \(for "
    with pytest.raises(train_mod.TrainError, match=features_failed) as caught:
        train_mod.train(settings, project)
    assert "mean_aera" in str(caught.value) and "\n" not in str(caught.value)
    # The same when estimators are chosen among by cross-validation.
    settings.train.also_try = [
        {"classification": "logistic_regression", "regression": "ridge"}[settings.task]
    ]
    with pytest.raises(train_mod.TrainError, match=features_failed):
        train_mod.train(settings, project)

    # A team estimator that is itself a pipeline failing in its own steps is the estimator's.
    monkeypatch.setattr(load("features"), "build_features", lib("features").default_preprocessor)
    settings.train.also_try = []
    broken = make_pipeline(make_column_transformer((StandardScaler(), ["nowhere"])), Ridge())
    monkeypatch.setattr(train_mod, "build_estimator", lambda *args, **kwargs: broken)
    with pytest.raises(train_mod.TrainError, match=r"^cannot fit [a-z_]+: "):
        train_mod.train(settings, project)


def _settings_for(project: Path, task: str, estimator: str):
    settings = config.load_settings(project)
    settings.task = task
    settings.train.estimator = estimator
    settings.train.also_try = []  # this estimator, without the choice
    settings.train.hyperparameters = {}
    return settings


@pytest.mark.parametrize(
    ("task", "target", "message"),
    [
        ("regression", "label", "set task: classification"),
        ("classification", "amount", "set task: regression"),
    ],
)
def test_a_target_that_does_not_fit_the_task_is_one_line(
    project: Path, task: str, target: str, message: str
) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=60),
            "label": rng.choice(["yes", "no"], 60),
            "amount": rng.normal(size=60),
        }
    )
    contract = lib("contract").from_mapping(
        {
            "version": 1,
            "columns": {
                "x": {"role": "feature_numeric", "dtype": "float64"},
                "label": {"role": "target" if target == "label" else "ignore", "dtype": "str"},
                "amount": {
                    "role": "target" if target == "amount" else "ignore",
                    "dtype": "float64",
                },
            },
        },
        "mixed",
    )
    estimator = "ridge" if task == "regression" else "logistic_regression"
    with pytest.raises(train_mod.TrainError, match=message) as caught:
        train_mod.fit(frame, contract, _settings_for(project, task, estimator))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("estimator", ["logistic_regression", "hist_gradient_boosting"])
def test_string_labels_fit_with_sparse_or_dense_features(project: Path, estimator: str) -> None:
    import scipy.sparse as sp
    from _frames import customers, project_for

    features = lib("features")
    project_for(project, customers(), "churn", target="churned", task="classification")
    contract = lib("contract").load_contract("churn", project)
    frame = lib("contract").read_data(project / "data/raw/churn.csv", contract).frame
    settings = _settings_for(project, "classification", estimator)
    settings.train.hyperparameters = {"hist_gradient_boosting": {"max_iter": 20}}
    fitted = train_mod.fit(frame, contract, settings)
    model, test = fitted.model, fitted.test
    assert set(model.classes_) == {"no", "yes"}
    assert set(model.predict(test)) <= {"no", "yes"}
    if estimator == "hist_gradient_boosting":  # dense input, categories handled natively
        assert model[0].sparse_threshold == 0.0
        assert not sp.issparse(model[0].transform(test))
        assert model[-1].categorical_features == [0]  # the one low-cardinality column, first
        assert model[0].transform(test).shape[1] < len(contract.features) + 8
    else:
        assert model[0].sparse_threshold == features.SPARSE_THRESHOLD


# ------------------------------------------------- a regression with whole numbers, as users bring


def houses(rows: int = 4000, seed: int = 0) -> pd.DataFrame:
    """House prices rounded to 100 (whole numbers), a 2,000-value zip code (text), a surface."""
    rng = np.random.default_rng(seed)
    zips = np.array([f"{z:05d}" for z in rng.choice(99999, 2000, replace=False)])
    effect = dict(zip(zips, rng.normal(0, 40_000, len(zips)), strict=True))
    zip_code = rng.choice(zips, rows)
    surface = rng.uniform(30, 250, rows).round(1)
    noise = rng.normal(0, 15_000, rows)
    price = 40_000 + 1_500 * surface + np.array([effect[z] for z in zip_code]) + noise
    return pd.DataFrame(
        {
            "house_id": [f"H{i:06d}" for i in range(rows)],
            "zip": zip_code,
            "surface_m2": surface,
            "price": ((price / 100).round() * 100).astype("int64"),
        }
    )


def _houses_project(project: Path, task: str) -> None:
    """The README's way: the file, ``contract infer``, then task and dataset in params.yaml."""
    from _frames import set_params, write

    cli = lib("cli")
    raw = write(houses(), project / "data" / "raw" / "houses.csv")
    contract = project / "contracts" / "houses.yaml"
    assert cli.main(["contract", "infer", str(raw), "--target", "price", "-o", str(contract)]) == 0
    assert lib("contract").load_contract("houses", project).encodings["zip"] == "target"
    set_params(project, task=task, data={"dataset": "houses"})


@pytest.mark.parametrize("estimator", [None, "logistic_regression"])
def test_whole_number_prices_are_a_regression_with_one_column_per_code(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    estimator: str | None,
) -> None:
    """Left to guess, the target encoder made one column per distinct price (r2 < -1000).

    Only ``task`` and the dataset change in params.yaml: the default estimator serves both
    tasks; a classification-only one gives way to the regression default, with one warning.
    """
    from _frames import set_params
    from _models import open_line

    _houses_project(project, "regression")
    if estimator:  # params.yaml written for classification
        set_params(project, train={"estimator": estimator})
    assert lib("cli").main(["pipeline"]) == 0
    metrics = json.loads((project / "reports" / "metrics.json").read_text("utf-8"))
    assert metrics["estimator"] == "hist_gradient_boosting"
    assert metrics["metrics"]["r2"] > 0.75
    model, _ = open_line(project).load("candidate")
    rows = houses(5, seed=1)
    assert model[0].transform(rows).shape[1] == 2  # the surface and the zip's one column
    err = capsys.readouterr().err.splitlines()
    replaced = [line for line in err if "fitting hist_gradient" in line]
    assert len(replaced) == (1 if estimator else 0)


def test_a_forgotten_regression_task_is_refused_before_training(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _houses_project(project, "classification")
    assert lib("cli").main(["pipeline"]) == 2
    (line,) = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert "holds" in line
    assert "set task: regression in params.yaml" in line
    assert not list(project.glob("models/**/model.skops"))


@pytest.mark.parametrize(
    ("values", "refused"),
    [
        (list(range(10)) * 40, False),  # integer class codes
        ([1.0, 2.0, 3.0] * 100, False),  # whole floats
        (["a", "b"] * 200 + [f"rare{i}" for i in range(80)], False),  # text labels, any number
        (list(range(60)) * 5, True),  # 60 numbers in 300 rows: a quantity
        ([0.5, 1.0] * 50, True),  # decimals
    ],
)
def test_a_classification_target_that_looks_continuous_is_refused(
    values: list[object], refused: bool
) -> None:
    frame = pd.DataFrame({"y": values})
    if not refused:
        train_mod.check_target(frame, "y", "classification")
        return
    with pytest.raises(train_mod.TrainError, match="set task: regression") as caught:
        train_mod.check_target(frame, "y", "classification")
    assert "\n" not in str(caught.value)


def test_the_target_never_reaches_the_teams_transformer(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transformer that passes through the columns it does not name (a common idiom) is
    fitted without the target: the label is no input, and a batch without it is predicted."""
    from _package import load
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import StandardScaler

    settings = _ingested(project)
    contract = lib("contract").load_contract(settings.data.dataset, project)
    numeric = contract.columns("feature_numeric")

    def passthrough(contract: object, fit: object) -> ColumnTransformer:
        return ColumnTransformer(
            [("scaled", StandardScaler(), numeric[:2])], remainder="passthrough"
        )

    monkeypatch.setattr(load("features"), "build_features", passthrough)
    frame = data.load_embedded(settings.data.dataset)
    fitted = train_mod.fit(frame, contract, settings)
    assert contract.target not in fitted.model.feature_names_in_
    assert len(fitted.model.predict(fitted.test.drop(columns=[contract.target]))) == len(
        fitted.test
    )


def test_a_transformer_of_every_column_it_is_given_is_scored_timed_and_promoted(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team's transformer that takes each column it is handed (a scaler for a table of numbers
    only) is fitted without the label, and is scored, checked for leakage, timed and compared on
    the held-out rows without it too: given the label as a column it saw no such column at fit,
    and scikit-learn refuses."""
    from _package import load
    from sklearn.preprocessing import StandardScaler

    monkeypatch.setattr(load("features"), "build_features", lambda contract, fit: StandardScaler())
    cli = lib("cli")
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["evaluate"]) == 0
    assert cli.main(["promote"]) == 0
    assert cli.main(["pipeline"]) == 0  # a second version, compared with production
    assert cli.main(["promote", "--force", "--reason", "the same model, trained again"]) == 0
    metrics = json.loads((project / "reports" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["model_version"] == 2
    assert all(np.isfinite(value) for value in metrics["metrics"].values())
    audit = project / "models" / config.load_settings(project).data.dataset / "audit.jsonl"
    promoted = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    resources = promoted[-1]["resources"]
    assert resources["latency_ms_per_1000"][0] > 0 and resources["latency_ms_per_1000"][1] > 0


def test_switching_estimator_in_params_yaml_names_whose_block_it_is(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first edit a team makes: ``estimator: random_forest`` above the rendered block of
    hist gradient boosting. The line says whose block it is and where to move it."""
    from _frames import set_params

    set_params(
        project,
        train={"estimator": "random_forest", "hyperparameters": {"learning_rate": 0.1}},
    )
    assert lib("cli").main(["pipeline"]) == 2
    prefix = config.env_prefix()
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: train.hyperparameters (learning_rate) are hist_gradient_boosting's, not "
        "random_forest's: to keep them, move them under "
        "train.hyperparameters.hist_gradient_boosting in params.yaml (or "
        f"{prefix}TRAIN__HYPERPARAMETERS__HIST_GRADIENT_BOOSTING__* when a variable set them), "
        "and give random_forest a block of its own (none: scikit-learn's defaults)"
    )


def test_a_classifier_without_probabilities_is_named_when_trained(
    project: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A team's LinearSVC scores no ROC AUC and predicts no probabilities: training says so,
    and that the gate will refuse it against a production model that has them."""
    from _package import TASK, load

    if TASK != "classification":
        pytest.skip("a classifier's probabilities: classification only")
    listed = load("estimators").ESTIMATORS
    svc = {"linear_svc": ("sklearn.svm", "LinearSVC")}
    monkeypatch.setattr(load("estimators"), "ESTIMATORS", {**listed, TASK: {**listed[TASK], **svc}})
    settings = _ingested(project)
    settings.train.estimator, settings.train.also_try = "linear_svc", []
    settings.train.hyperparameters = {}
    metrics = train_mod.train(settings, project).metadata["metrics"]
    assert "roc_auc" not in metrics and "accuracy" in metrics
    assert "linear_svc has no predict_proba: no roc_auc" in caplog.text
