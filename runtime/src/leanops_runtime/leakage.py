"""The leakage guard: a feature that alone nearly determines the target stops training.

A column computed from the target (a grade assigned from a score, an amount derived from the
price) makes a model look perfect and fail on new rows, where the column is not known yet or
not computed the same way. Before fitting, each numeric or categorical feature is tried alone:
a shallow decision tree on that one column, fitted on two thirds of up to ``SAMPLE`` training
rows and scored on the other third. A column that scores ``NEAR_PERFECT`` or better (accuracy for a
classification that is not one class already; R² for a regression) is named, and training
stops with the contract edit to make: ``role: ignore`` when it is computed from the target, or
``leak_ok: true`` on the column once a person has checked that it is known at prediction time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import RefusedError

if TYPE_CHECKING:
    import pandas as pd

    from .contract import Contract

NEAR_PERFECT = 0.99  # accuracy or R² of one column alone, on rows its tree did not see
SAMPLE = 5_000  # training rows tried, at most (seeded)


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
