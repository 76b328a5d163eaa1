"""Feature building blocks: a scikit-learn ``ColumnTransformer`` from the contract's roles.

- ``feature_numeric``: imputed (median), standardised;
- ``feature_categorical``: one-hot, sparse, at most ``MAX_CATEGORIES`` columns per feature (the
  rarest values share one "infrequent" column; unknown values at prediction time go there, or
  nowhere); with ``encoding: target`` (codes with thousands of values), target encoding: one
  column per feature (one per class for multiclass), cross-fitted so a row never sees its own
  target; it takes the target's type from the fit (``FitContext``), never guessing from values;
- ``feature_datetime``: year, month, day, weekday, hour and elapsed days (``DatetimeFeatures``),
  imputed and standardised.

Every other role (id, target, passthrough, ignore) is never a feature, so a new dataset is a
contract change, not a code change. Why this design, with measurements:
``docs/decisions/0003-features-at-scale.md``. The team's ``features.py`` decides what the
pipeline uses; this module is what it builds on. Training calls the team's
``build_features(contract, fit)`` and uses what it returns as it is: shaping the transformer
for the estimator and the task is ``shape_for``'s job, called by ``default_preprocessor`` (or by
the team's own code), never applied behind the team's back. Everything here can be saved by
skops.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer

from .contract import Contract
from .errors import UserError

log = logging.getLogger(__name__)

# One-hot columns per categorical feature at most (the rest share an "infrequent" column).
MAX_CATEGORIES = 30
# Output sparse when under this density (linear models); ``fit`` makes it dense for estimators
# that take no sparse input (hist gradient boosting).
SPARSE_THRESHOLD = 0.3
# Folds of the target encoder's cross fitting, shuffled with a fixed seed (reproducible).
TARGET_ENCODER_FOLDS = 5
DATETIME_PARTS = ("year", "month", "day", "dayofweek", "hour", "elapsed_days")
EPOCH = pd.Timestamp("1970-01-01")


class FeaturesError(UserError, ValueError):
    """The features asked for cannot be built as asked; one line meant for the user."""


@dataclass(frozen=True)
class FitContext:
    """What the features will feed, for ``build_features`` to shape them.

    ``task`` is params.yaml's; ``target_type`` is scikit-learn's name for the training target
    (``continuous``, ``binary`` or ``multiclass``); ``estimator`` is the unfitted estimator
    params.yaml chose, which the features are placed in front of.
    """

    task: str
    target_type: str
    estimator: BaseEstimator


class DatetimeFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Datetime columns -> numbers: year, month, day, weekday, hour, days since 1970.

    Parts that never vary in the training data (the hour of a date-only column) are left out.
    Missing or unparseable dates give NaN, for the imputer that follows.
    """

    def __init__(self, parts: tuple[str, ...] = DATETIME_PARTS) -> None:
        self.parts = parts

    @staticmethod
    def _values(column: pd.Series) -> pd.DataFrame:
        moments = pd.to_datetime(column, errors="coerce")
        if getattr(moments.dtype, "tz", None) is not None:
            moments = moments.dt.tz_convert("UTC").dt.tz_localize(None)
        elapsed = pd.Series((moments - EPOCH) / pd.Timedelta(days=1), index=moments.index)
        parts: dict[str, pd.Series] = {
            "year": moments.dt.year,
            "month": moments.dt.month,
            "day": moments.dt.day,
            "dayofweek": moments.dt.day_of_week,
            "hour": moments.dt.hour,
            "elapsed_days": elapsed,
        }
        return pd.DataFrame({k: v.astype("float64") for k, v in parts.items()})

    def fit(self, X: pd.DataFrame, y: object = None) -> DatetimeFeatures:  # noqa: N803
        """Learn which parts vary per column."""
        frame = pd.DataFrame(X)
        self.columns_ = [str(c) for c in frame.columns]
        self.kept_: list[list[str]] = []
        for column in frame.columns:
            values = self._values(frame[column])
            varying = values.max() > values.min()
            kept = [p for p in self.parts if bool(varying[p])]
            self.kept_.append(kept or ["elapsed_days"])
        self.n_features_in_ = len(self.columns_)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """The kept parts of every column, as floats."""
        frame = pd.DataFrame(X)
        blocks = [
            self._values(frame.iloc[:, i])[kept].to_numpy(dtype="float64")
            for i, kept in enumerate(self.kept_)
        ]
        return np.hstack(blocks) if blocks else np.empty((len(frame), 0))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """``<column>_<part>`` for every output column."""
        pairs = zip(self.columns_, self.kept_, strict=True)
        names = [f"{column}_{part}" for column, kept in pairs for part in kept]
        return np.asarray(names, dtype=object)


def _target_encoder() -> BaseEstimator:
    """A seeded TargetEncoder (a shuffled KFold where ``cv`` takes one: scikit-learn >= 1.9)."""
    import inspect

    from sklearn.model_selection import KFold
    from sklearn.preprocessing import TargetEncoder

    if inspect.signature(TargetEncoder).parameters["random_state"].default == "deprecated":
        return TargetEncoder(cv=KFold(TARGET_ENCODER_FOLDS, shuffle=True, random_state=0))
    return TargetEncoder(cv=TARGET_ENCODER_FOLDS, shuffle=True, random_state=0)


def default_preprocessor(
    contract: Contract,
    fit: FitContext | None = None,
    *,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
) -> ColumnTransformer:
    """The ``ColumnTransformer`` for ``contract``'s roles (columns selected by name), shaped
    for ``fit`` by ``shape_for`` when given (left general without it, as in a notebook).

    ``numeric`` and ``categorical``: columns a step of the team's own adds in front of it (a
    ratio, a bucket), treated as the contract's columns of that role; a column no transformer
    takes is dropped (``unused_columns`` names them)."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    for role, added in (("feature_numeric", numeric), ("feature_categorical", categorical)):
        taken = sorted(set(added) & set(contract.roles))
        if taken:  # two transformers of one column: scikit-learn's error would not say which
            held = ", ".join(f"{name} (role {contract.roles[name]})" for name in taken)
            raise FeaturesError(
                f"{held}: a column of contract {contract.name} already, not one your step "
                f"adds: name only new columns as {role.removeprefix('feature_')}="
            )
    numeric = [*contract.columns("feature_numeric"), *numeric]
    categorical = [*contract.columns("feature_categorical"), *categorical]
    onehot = [c for c in categorical if contract.encodings.get(c, "onehot") == "onehot"]
    encoded = [c for c in categorical if c not in onehot]
    dates = contract.columns("feature_datetime")
    if not (numeric or categorical or dates):
        raise ValueError(f"contract {contract.name} has no feature columns")
    transformers: list[tuple[str, BaseEstimator, list[str]]] = []
    if numeric:
        steps = make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
        )
        transformers.append(("numeric", steps, numeric))
    if onehot:
        encoder = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            max_categories=MAX_CATEGORIES,
            sparse_output=True,
        )
        transformers.append(("categorical", encoder, onehot))
    if encoded:
        steps = make_pipeline(_target_encoder(), StandardScaler())
        transformers.append(("target_encoded", steps, encoded))
    if dates:
        steps = make_pipeline(
            DatetimeFeatures(),
            SimpleImputer(strategy="median", keep_empty_features=True),
            StandardScaler(),
        )
        transformers.append(("datetime", steps, dates))
    features = ColumnTransformer(transformers, remainder="drop", sparse_threshold=SPARSE_THRESHOLD)
    return features if fit is None else shape_for(features, fit)


def unused_columns(features: BaseEstimator) -> list[str]:
    """The input columns a fitted ``ColumnTransformer`` (``features``, or the last step of a
    ``Pipeline`` of them) drops because no transformer takes them, as named in its input."""
    from sklearn.compose import ColumnTransformer as Columns
    from sklearn.pipeline import Pipeline

    last = features.steps[-1][1] if isinstance(features, Pipeline) else features
    if not isinstance(last, Columns) or not hasattr(last, "transformers_"):
        return []
    names = [str(name) for name in getattr(last, "feature_names_in_", [])]
    dropped: list[str] = []
    for name, step, columns in last.transformers_:
        if name == "remainder" and isinstance(step, str) and step == "drop":
            for column in columns:  # names, or positions in older scikit-learn
                is_position = isinstance(column, int | np.integer) and column < len(names)
                dropped.append(names[int(column)] if is_position else str(column))
    return dropped


def target_type(task: str, target: pd.Series) -> str:
    """The scikit-learn target type of ``task``: continuous, binary or multiclass."""
    if task == "regression":
        return "continuous"
    return "binary" if target.nunique() == 2 else "multiclass"


def accepts_sparse(estimator: BaseEstimator) -> bool:
    """Whether ``estimator`` takes sparse input (its scikit-learn tags say so)."""
    from sklearn.utils import get_tags

    try:
        return bool(get_tags(estimator).input_tags.sparse)
    except (AttributeError, TypeError, ValueError):
        return False


Features = TypeVar("Features", bound=BaseEstimator)


def shape_for(features: Features, fit: FitContext) -> Features:
    """``features`` shaped for ``fit`` (changed in place and returned); call it from your own
    ``build_features`` on a transformer of your own.

    - Target encoders left to guess their target type (``auto``) get ``fit.target_type``: a
      guessing encoder reads a whole-number regression target (prices rounded to 100) as
      multiclass, one column per distinct price, and ruins the model. A type set by hand is kept.
    - An estimator that takes no sparse input gets dense arrays. One that also handles categories
      natively (hist gradient boosting: ``categorical_features``) gets each one-hot block as one
      ordinal column per feature instead, first among the columns (their ``categories``,
      ``max_categories``, ``min_frequency`` and an ``error`` for unknown values kept; unknown and
      missing values as missing), and ``fit.estimator`` is told which columns those are: fewer,
      more telling columns, and much faster. Moving them first is what makes their positions
      known before the fit, whatever width the other blocks turn out to have.

    In a ``Pipeline`` (a step of your own before the columns), its last step is shaped: the one
    whose output the estimator reads.
    """
    from sklearn.compose import ColumnTransformer as Columns
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, TargetEncoder

    for step in (features, *features.get_params(deep=True).values()):
        if isinstance(step, TargetEncoder) and step.target_type == "auto":
            step.set_params(target_type=fit.target_type)
    if isinstance(features, Pipeline):
        last = features.steps[-1][1]
        if isinstance(last, BaseEstimator):
            shape_for(last, fit)
        return features
    estimator = fit.estimator
    if accepts_sparse(estimator) or "sparse_threshold" not in features.get_params(deep=False):
        return features
    features.set_params(sparse_threshold=0.0)
    if not isinstance(features, Columns) or "categorical_features" not in estimator.get_params():
        return features
    onehot = [block for block in features.transformers if isinstance(block[1], OneHotEncoder)]
    if not onehot or not all(isinstance(columns, list | tuple) for _, _, columns in onehot):
        return features  # a column selector's width is known only once fitted: left one-hot
    bins = int(estimator.get_params().get("max_bins") or 255)
    ordinal = [(name, as_ordinal(step, bins), columns) for name, step, columns in onehot]
    others = [block for block in features.transformers if not isinstance(block[1], OneHotEncoder)]
    features.set_params(transformers=[*ordinal, *others])
    width = sum(len(columns) for _, _, columns in onehot)
    estimator.set_params(categorical_features=list(range(width)))
    log.debug("shape_for: one-hot blocks as ordinal columns 0 to %d", width - 1)
    for name, step, _ in onehot:
        if (drop := step.get_params()["drop"]) is not None:
            log.warning(
                "shape_for: block %r's drop=%r left out: %s reads its categories as one ordinal "
                "column each, where no category is dropped",
                name,
                drop,
                type(estimator).__name__,
            )
    return features


def as_ordinal(encoder: BaseEstimator, bins: int) -> BaseEstimator:
    """A one-hot encoder's categories as one ordinal column per feature, its options kept where
    they mean the same (``drop`` and the output's sparsity have no ordinal counterpart), and at
    most ``bins`` categories each: hist gradient boosting refuses a feature of more (its
    ``max_bins``), so the rarest share one, as ``max_categories`` makes them."""
    from sklearn.preprocessing import OrdinalEncoder

    params = encoder.get_params()
    refuse = params["handle_unknown"] == "error"
    return OrdinalEncoder(
        categories=params["categories"],
        handle_unknown="error" if refuse else "use_encoded_value",
        unknown_value=None if refuse else -1,  # negative: missing, for hist gradient boosting
        max_categories=min(params["max_categories"] or bins, bins),
        min_frequency=params["min_frequency"],
    )
