"""Feature shaping: target encoders are told the task, never left to guess it; the team's
transformer is used as ``build_features`` returned it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _package import lib, load
from sklearn.linear_model import Ridge

machinery = lib("features")


def _encoders() -> tuple[object, object, object]:
    """A ColumnTransformer with a target encoder nested in a pipeline, as a team may write."""
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler, TargetEncoder

    auto, fixed = TargetEncoder(), TargetEncoder(target_type="multiclass")
    features = make_column_transformer(
        (make_pipeline(auto, StandardScaler()), ["code"]), (fixed, ["other"])
    )
    return features, auto, fixed


@pytest.mark.parametrize(
    ("task", "target", "expected"),
    [
        ("regression", [100, 200, 300, 400] * 50, "continuous"),  # whole numbers: a quantity
        ("classification", ["no", "yes"] * 100, "binary"),
        ("classification", [0, 1, 2, 3] * 50, "multiclass"),
    ],
)
def test_target_encoders_take_the_tasks_type(task: str, target: list, expected: str) -> None:
    features, auto, fixed = _encoders()
    fit = machinery.FitContext(task, machinery.target_type(task, pd.Series(target)), Ridge())
    assert machinery.shape_for(features, fit) is features
    assert auto.target_type == expected
    assert fixed.target_type == "multiclass", "a type set by hand is kept"


def test_a_whole_number_regression_target_gives_one_column_per_code() -> None:
    rng = np.random.default_rng(0)
    rows = 1000
    frame = pd.DataFrame(
        {
            "code": rng.choice([f"Z{i:04d}" for i in range(300)], rows),
            "other": rng.choice(["a", "b"], rows),
        }
    )
    price = pd.Series(rng.integers(500, 5000, rows) * 100)  # 450 distinct whole numbers
    features, _, fixed = _encoders()
    fixed.set_params(target_type="auto")
    machinery.shape_for(features, machinery.FitContext("regression", "continuous", Ridge()))
    assert features.fit_transform(frame, price).shape == (rows, 2)


def _team_columns(contract: object) -> object:
    """A team's own transformer: one-hot categories (sparse), nothing else."""
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder

    return make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), contract.columns("feature_categorical")),
        sparse_threshold=0.9,
    )


def test_training_uses_the_teams_transformer_as_returned(
    project: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from _frames import customers, project_for

    project_for(project, customers(), "churn", target="churned", task="classification")
    returned: list[object] = []

    def build_features(contract: object, fit: object) -> object:
        returned.append(_team_columns(contract))
        return returned[-1]

    monkeypatch.setattr(load("features"), "build_features", build_features)
    contract = lib("contract").load_contract("churn", project)
    frame = lib("contract").read_data(project / "data/raw/churn.csv", contract).frame
    settings = lib("settings").load_settings(project)
    settings.train.estimator = "logistic_regression"
    settings.train.also_try = ["hist_gradient_boosting"]
    fitted = lib("train").fit(frame, contract, settings)
    model = fitted.model
    assert len(returned) == 2  # once per candidate estimator, never again for the final fit
    assert (
        model[0]
        is returned[["logistic_regression", "hist_gradient_boosting"].index(fitted.estimator)]
    )
    assert model[0].sparse_threshold == 0.9
    assert type(model[0].transformers_[0][1]).__name__ == "OneHotEncoder"


def test_a_one_parameter_build_features_is_shaped_with_a_warning(
    project: object, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from _frames import customers, project_for

    project_for(project, customers(), "churn", target="churned", task="classification")
    monkeypatch.setattr(load("features"), "build_features", _team_columns)
    contract = lib("contract").load_contract("churn", project)
    fit = machinery.FitContext(
        "classification",
        "binary",
        lib("train").build_estimator("classification", "hist_gradient_boosting", {}, 0),
    )
    with pytest.warns(DeprecationWarning, match="build_features\\(contract\\) is 0.3's"):
        features = lib("team").build_features(contract, fit)
    assert features.sparse_threshold == 0.0, "shaped for an estimator without sparse input"
    assert "take a second parameter, fit" in caplog.text


def test_a_pipeline_of_the_teams_has_its_last_step_shaped() -> None:
    """A step of the team's before the columns (``Pipeline([own, columns])``): the columns are
    shaped as they would be alone, dense and ordinal for hist gradient boosting. A pipeline was
    passed through unshaped, and the model got a sparse one-hot block it cannot fit."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder

    columns = ColumnTransformer(
        [("numeric", "passthrough", ["a", "b"]), ("categorical", OneHotEncoder(), ["c"])],
        sparse_threshold=0.9,
    )
    features = Pipeline([("own", FunctionTransformer()), ("columns", columns)])
    boosting = HistGradientBoostingClassifier()
    fit = machinery.FitContext("classification", "binary", boosting)
    assert machinery.shape_for(features, fit) is features
    assert columns.sparse_threshold == 0.0
    assert isinstance(columns.get_params()["categorical"], OrdinalEncoder)
    assert [name for name, _, _ in columns.transformers] == ["categorical", "numeric"]
    assert boosting.categorical_features == [0]


class SpendPerMonth:
    """A team's step in front of the default columns: a ratio column added to the table."""

    def fit(self, X: pd.DataFrame, y: object = None) -> SpendPerMonth:  # noqa: N803
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        return X.assign(spend_per_month=X["monthly_spend"] / X["tenure_months"])


def _fit_with(project: object, monkeypatch: pytest.MonkeyPatch, **extra: list[str]) -> object:
    """``train.fit`` on the churn table, the team's ratio step in front of the default columns
    (told of the ratio by ``extra``)."""
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.pipeline import Pipeline

    step = type("Step", (SpendPerMonth, TransformerMixin, BaseEstimator), {})()

    def build_features(contract: object, fit: object) -> object:
        columns = machinery.default_preprocessor(contract, fit, **extra)
        return Pipeline([("yours", step), ("columns", columns)])

    monkeypatch.setattr(load("features"), "build_features", build_features)
    contract = lib("contract").load_contract("churn", project)
    frame = lib("contract").read_data(project / "data/raw/churn.csv", contract).frame
    settings = lib("settings").load_settings(project)
    settings.train.also_try = []
    return lib("train").fit(frame, contract, settings).model


def _churn(project: object) -> None:
    from _frames import customers, project_for

    project_for(project, customers(), "churn", target="churned", task="classification")


def test_a_column_a_teams_step_adds_is_a_feature_when_named_and_a_warning_when_not(
    project: object, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The default columns drop what they were not told of: a ratio the team's step adds is
    named in a warning, not lost in silence; given as ``numeric=``, the model reads it."""
    _churn(project)
    dropped = _fit_with(project, monkeypatch)
    assert "the column(s) 'spend_per_month' your step makes reach no transformer" in caplog.text
    assert machinery.unused_columns(dropped[0]) == ["Unnamed: 0", "customer_key", "spend_per_month"]
    caplog.clear()
    kept = _fit_with(project, monkeypatch, numeric=["spend_per_month"])
    assert "reach no transformer" not in caplog.text
    assert "spend_per_month" not in machinery.unused_columns(kept[0])
    assert kept[-1].n_features_in_ == dropped[-1].n_features_in_ + 1


def test_a_step_that_returns_no_table_or_loses_rows_blames_features_py(
    project: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step of the team's that returns one column as a Series (1-D) is a one-line error of
    ``features.py``'s, not an unexpected IndexError; one that loses rows is ``features.py``'s
    too, not the estimator's."""
    _churn(project)

    def one_column(self: object, table: pd.DataFrame) -> pd.Series:
        return table["monthly_spend"] / table["tenure_months"]

    monkeypatch.setattr(SpendPerMonth, "transform", one_column)
    with pytest.raises(lib("train").TrainError) as caught:
        _fit_with(project, monkeypatch)
    message = str(caught.value)
    assert "features.py built" in message, message
    assert "does every step return a 2-D table" in message
    assert "\n" not in message
    # A step that loses a row: the estimator is handed fewer rows than labels.
    monkeypatch.setattr(SpendPerMonth, "transform", lambda self, table: table.iloc[1:])
    with pytest.raises(lib("train").TrainError, match=r"features\.py built .*inconsistent"):
        _fit_with(project, monkeypatch, numeric=[])


def test_a_contract_column_named_as_a_new_one_is_one_line(
    project: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``numeric=["monthly_spend"]``, a column of the contract already: said so, not
    scikit-learn's "Expected unique column names"."""
    _churn(project)
    with pytest.raises(lib("errors").UserError) as caught:
        _fit_with(project, monkeypatch, numeric=["monthly_spend"])
    message = str(caught.value)
    assert "monthly_spend (role feature_numeric): a column of contract churn already" in message
    assert "\n" not in message


def test_categories_are_the_first_columns_whatever_width_the_other_blocks_have(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A numeric block wider than its inputs (missing-value indicators, polynomial terms) moved
    the categories: the model was told columns holding indicators were categories, and read the
    real ones as numbers. The one-hot block now comes first, its options kept."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures

    frame = pd.DataFrame(
        {
            "a": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0],
            "b": [2.0, 1.0, np.nan, 0.0, 1.0, 2.0],
            "plan": ["x", "y", "x", "z", "x", "y"],
            "region": ["n", "s", "s", "n", "e", "n"],
        }
    )
    numeric = make_pipeline(SimpleImputer(add_indicator=True), PolynomialFeatures(2))
    onehot = OneHotEncoder(min_frequency=2, handle_unknown="infrequent_if_exist", drop="first")
    columns = ColumnTransformer(
        [("numeric", numeric, ["a", "b"]), ("categorical", onehot, ["plan", "region"])]
    )
    boosting = HistGradientBoostingClassifier()
    machinery.shape_for(columns, machinery.FitContext("classification", "binary", boosting))

    assert boosting.categorical_features == [0, 1]
    encoded = columns.fit_transform(frame)
    assert encoded.shape[1] > 4, "the numeric block is wider than its two inputs"
    ordinal = columns.named_transformers_["categorical"]
    assert ordinal.min_frequency == 2, "the team's options are kept"
    expected = ordinal.transform(frame[["plan", "region"]])
    np.testing.assert_array_equal(encoded[:, :2], expected)
    assert "drop='first' left out" in caplog.text


def test_a_one_hot_block_without_a_cap_fits_hist_gradient_boosting_on_many_categories() -> None:
    """A team's ``OneHotEncoder()`` has no ``max_categories``: as ordinal columns, a feature of
    more categories than the model's bins stopped the fit ("cardinality <= 255"); the rarest
    now share one category, as the default's cap makes them."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"store": [f"S{i % 300}" for i in range(1200)], "x": rng.normal(size=1200)}
    )
    target = rng.integers(0, 2, size=1200)
    columns = ColumnTransformer(
        [("stores", OneHotEncoder(handle_unknown="ignore"), ["store"]), ("x", "passthrough", ["x"])]
    )
    boosting = HistGradientBoostingClassifier(max_iter=5)
    machinery.shape_for(columns, machinery.FitContext("classification", "binary", boosting))
    make_pipeline(columns, boosting).fit(frame, target)
    assert columns.named_transformers_["stores"].max_categories == 255
