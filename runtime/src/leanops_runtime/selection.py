"""Choosing the estimator: each candidate scored by k-fold cross-validation on the training rows.

The held-out rows stay unseen until the chosen model is scored on them, so the choice cannot
flatter the reported metrics. Each candidate is the whole pipeline (the team's features, then
the estimator), so target encoding is fitted inside each fold as it is in training. On a large
table the choice is made on a seeded sample of ``SAMPLE_ROWS`` training rows (stratified by
class): the final fit, on every training row, is the one that costs.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import first_line
from .metrics import LOWER_IS_BETTER

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

log = logging.getLogger(__name__)

FOLDS = 3
SAMPLE_ROWS = 10_000
# The project's metric names, as scikit-learn's scorers call them (errors negated: larger is
# better for every scorer).
SCORERS = {
    "roc_auc": "roc_auc_ovr",
    "f1_macro": "f1_macro",
    "accuracy": "accuracy",
    "log_loss": "neg_log_loss",
    "rmse": "neg_root_mean_squared_error",
    "mae": "neg_mean_absolute_error",
    "r2": "r2",
}
DEFAULT_METRIC = {"classification": "roc_auc", "regression": "rmse"}


@dataclass(frozen=True)
class Selection:
    """Which estimator won, on what, and every candidate's mean score (in the metric's units)."""

    chosen: str
    metric: str
    scores: dict[str, float]  # estimator -> mean cross-validated score; nan: it failed
    rows: int  # training rows the folds were cut from
    folds: int

    def summary(self) -> str:
        """``hist_gradient_boosting (roc_auc 0.9312) over logistic_regression (0.9018), by 3-fold
        cross-validation on 455 training rows``."""
        sign = -1.0 if self.metric in LOWER_IS_BETTER else 1.0
        ranked = sorted(  # best first; a failed candidate (nan) last
            (name for name in self.scores if name != self.chosen),
            key=lambda name: (math.isnan(self.scores[name]), -sign * self.scores[name]),
        )
        others = ", ".join(f"{name} ({self.scores[name]:.4f})" for name in ranked)
        won = f"{self.chosen} ({self.metric} {self.scores[self.chosen]:.4f})"
        how = f"by {self.folds}-fold cross-validation on {self.rows} training rows"
        return f"{won} over {others}, {how}" if others else f"{won}, {how}"


def selection_metric(task: str, gate_metrics: Sequence[str] | None) -> str:
    """The metric the choice is made on: the gate's first (when scikit-learn can score it)."""
    for metric in gate_metrics or ():
        if metric in SCORERS:
            return metric
    return DEFAULT_METRIC[task]


def choose(
    candidates: Mapping[str, Pipeline],
    train: pd.DataFrame,
    target: str,
    *,
    task: str,
    metric: str,
    seed: int,
) -> Selection:
    """The name of the candidate pipeline (unfitted; each fold fits a clone) with the best
    mean score over ``FOLDS`` folds; the first wins a tie.

    A hyperparameter value the estimator rejects is the user's error (``TrainError``, as in a
    plain fit), and so is any failure of the first candidate, ``train.estimator``: the team
    asked for that one, and never gets another in its place without a word. An ``also_try``
    candidate whose folds fail otherwise (an estimator without probabilities scored on ROC AUC)
    is left out with a warning naming why.
    """
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.utils._param_validation import InvalidParameterError

    from .train import fit_failed

    rows = sample(train, target, task, seed)
    splitter: KFold | StratifiedKFold
    if task == "classification" and int(rows[target].value_counts().min()) >= FOLDS:
        splitter = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    else:
        splitter = KFold(FOLDS, shuffle=True, random_state=seed)
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    scores: dict[str, float] = {}
    for name, pipeline in candidates.items():
        try:
            folds = cross_val_score(
                pipeline,
                rows.drop(columns=[target]),
                rows[target],
                cv=splitter,
                scoring=SCORERS[metric],
                error_score="raise",
            )
            scores[name] = sign * float(folds.mean())
        except InvalidParameterError as error:  # named by scikit-learn after the outer call
            raise fit_failed(name, error) from error
        except Exception as error:  # the estimator's own refusal, whatever its type
            if not scores:  # train.estimator itself
                raise fit_failed(name, error, chosen=True) from error
            log.warning("left %s out of the choice: %s", name, first_line(error))
            scores[name] = math.nan
    order = list(candidates)
    scored = [name for name in order if not math.isnan(scores[name])]
    chosen = order[0]
    if scored:
        chosen = max(scored, key=lambda name: (sign * scores[name], -order.index(name)))
    return Selection(chosen=chosen, metric=metric, scores=scores, rows=len(rows), folds=FOLDS)


def sample(train: pd.DataFrame, target: str, task: str, seed: int) -> pd.DataFrame:
    """At most ``SAMPLE_ROWS`` of ``train``, seeded, stratified by class when every class can be."""
    from sklearn.model_selection import train_test_split

    if len(train) <= SAMPLE_ROWS:
        return train
    labels = None
    if task == "classification" and int(train[target].value_counts().min()) >= 2:
        labels = train[target]
    kept: pd.DataFrame = train_test_split(
        train, train_size=SAMPLE_ROWS, random_state=seed, stratify=labels
    )[0]
    return kept
