"""Your estimators: the models ``train.estimator`` in params.yaml may name, per task.

**Yours to change.** Add an entry to offer another scikit-learn compatible estimator (any class
whose constructor takes keyword hyperparameters); its hyperparameters go under
``train.hyperparameters.<name>`` in params.yaml. Template updates merge into this file but rarely
touch it; the leanops runtime only reads ``ESTIMATORS``.
"""

from __future__ import annotations

# task -> estimator name -> (module, class), imported only when chosen. The first of each task is
# its default: what params.yaml fits when train.estimator is left out or belongs to the other task.
ESTIMATORS: dict[str, dict[str, tuple[str, str]]] = {
    "classification": {
        "hist_gradient_boosting": ("sklearn.ensemble", "HistGradientBoostingClassifier"),
        "logistic_regression": ("sklearn.linear_model", "LogisticRegression"),
        "random_forest": ("sklearn.ensemble", "RandomForestClassifier"),
    },
    "regression": {
        "hist_gradient_boosting": ("sklearn.ensemble", "HistGradientBoostingRegressor"),
        "ridge": ("sklearn.linear_model", "Ridge"),
        "random_forest": ("sklearn.ensemble", "RandomForestRegressor"),
    },
}
