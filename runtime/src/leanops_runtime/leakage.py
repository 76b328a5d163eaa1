"""The leakage guard: a feature that alone nearly determines the target stops training.

A column computed from the target (a grade assigned from a score, an amount derived from the
price) makes a model look perfect and fail on new rows, where the column is not known yet or
not computed the same way. Before fitting, each numeric or categorical feature is tried alone:
a shallow decision tree on that one column, fitted on two thirds of up to ``SAMPLE`` training
rows and scored on the other third. A column that scores ``NEAR_PERFECT`` or better (accuracy for a
classification that is not one class already; R² for a regression) is named, and training
stops with the contract edit to make: ``role: ignore`` when it is computed from the target, or
``leak_ok: true`` on the column once a person has checked that it is known at prediction time.

Columns that leak only together (a target computed from two of them) pass that test; the
fitted model then scores too well on its held-out rows. ``check_held_out`` stops such a model
before it is registered, naming the features it leans on most (scikit-learn's permutation
importance on those rows), unless a person marked them ``leak_ok``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import RefusedError

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from .contract import Contract

NEAR_PERFECT = 0.99  # accuracy or R² of one column alone, on rows its tree did not see
SAMPLE = 5_000  # training rows tried, at most (seeded)
# A held-out accuracy or R² at least this high, on at least MIN_HELD_OUT rows, is too good to be
# true of real data; on fewer rows a perfect score can be luck.
TOO_GOOD = 0.999
MIN_HELD_OUT = 200
LEANED_ON = 3  # features named, at most


class LeakageError(RefusedError):
    """Features that alone nearly determine the target; the message names them and the fix."""


def suspects(train: pd.DataFrame, contract: Contract, task: str, seed: int) -> dict[str, float]:
    """The features not marked ``leak_ok`` that alone score ``NEAR_PERFECT`` or better on rows
    their tree did not see, with that score."""
    import numpy as np
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import OrdinalEncoder
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    target = contract.target
    rows = train.sample(min(len(train), SAMPLE), random_state=seed)
    labels = rows[target]
    classification = task == "classification"
    if classification and labels.value_counts(normalize=True).iloc[0] >= NEAR_PERFECT:
        return {}  # one class already: any column "predicts" it
    try:
        halves = train_test_split(
            np.arange(len(rows)),
            test_size=1 / 3,
            random_state=seed,
            stratify=labels if classification else None,
        )
    except ValueError:  # a class too small to be in both parts: no verdict
        return {}
    seen, unseen = halves
    found: dict[str, float] = {}
    numeric, categorical = (
        contract.columns("feature_numeric"),
        contract.columns("feature_categorical"),
    )
    for column in [*numeric, *categorical]:
        if column in contract.reviewed or column not in rows:
            continue
        values: np.ndarray
        if column in categorical:
            codes = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
            values = codes.fit_transform(rows[[column]].astype("string").fillna(""))
        else:
            numbers = rows[[column]].astype(float)
            values = numbers.fillna(numbers.median()).to_numpy()
        tree = (
            DecisionTreeClassifier(max_depth=6, min_samples_leaf=5, random_state=seed)
            if classification
            else DecisionTreeRegressor(max_depth=8, min_samples_leaf=5, random_state=seed)
        )
        tree.fit(values[seen], labels.iloc[seen])
        score = float(tree.score(values[unseen], labels.iloc[unseen]))
        if score >= NEAR_PERFECT:
            found[column] = score
    return found


def guard(train: pd.DataFrame, contract: Contract, task: str, seed: int) -> None:
    """Stop before fitting when a feature alone nearly determines the target (``suspects``)."""
    found = suspects(train, contract, task, seed)
    if not found:
        return
    metric = "accuracy" if task == "classification" else "R²"
    named = ", ".join(f"{column} ({metric} {score:.3f} alone)" for column, score in found.items())
    where = contract.path or f"contracts/{contract.name}.yaml"
    raise LeakageError(
        f"leakage? {named} nearly determine(s) the target {contract.target}: if computed from "
        f"it, set role: ignore in {where}; if known when predicting, set leak_ok: true on the "
        "column there"
    )


def check_held_out(
    model: Pipeline,
    test: pd.DataFrame,
    contract: Contract,
    *,
    task: str,
    metrics: dict[str, float],
    seed: int,
) -> None:
    """Stop when the held-out score is too good to be true (``TOO_GOOD`` on ``MIN_HELD_OUT``
    rows or more), naming the features whose shuffling costs the most (up to ``LEANED_ON``, each
    costing at least a tenth of the first), unless a person marked each of them ``leak_ok``."""
    from sklearn.inspection import permutation_importance

    metric, shown = ("accuracy", "accuracy") if task == "classification" else ("r2", "R²")
    score = metrics.get(metric)
    if score is None or score < TOO_GOOD or len(test) < MIN_HELD_OUT:
        return
    features = [column for column in contract.features if column in test]
    found = permutation_importance(
        model, test, test[contract.target], n_repeats=3, random_state=seed, n_jobs=1
    )
    costs = dict(zip(test.columns, found.importances_mean, strict=True))
    ranked = sorted(features, key=lambda column: -costs[column])[:LEANED_ON]
    largest = costs[ranked[0]] if ranked else 0.0
    leaned_on = [column for column in ranked if costs[column] > 0.1 * largest > 0]
    if not leaned_on or all(column in contract.reviewed for column in leaned_on):
        return
    named = ", ".join(f"{column} ({shown} -{costs[column]:.2f} shuffled)" for column in leaned_on)
    where = contract.path or f"contracts/{contract.name}.yaml"
    raise LeakageError(
        f"leakage? held-out {shown} {score:.4f} on {len(test)} rows is too good to be true; the "
        f"model leans on {named}: if computed from the target, set role: ignore in {where}; if "
        "known when predicting, set leak_ok: true on each there"
    )
