"""Small fitted models for the registry, promotion, prediction and drift tests.

Three strengths per task, all fitted on the project's own training split: ``good`` (every
feature), ``weak`` (one or two features: above the promotion floors, clearly worse than ``good``)
and ``bad`` (a constant predictor, below the floors).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from _package import load

WEAK_FEATURES = {
    "classification": ["worst_radius", "worst_texture"],
    "regression": ["s5"],
}


def training_data(settings: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The train and test split of the project's embedded dataset."""
    data = load("mlops.data")
    frame = data.load_embedded(settings.data.dataset)
    return data.split(
        frame,
        test_size=settings.data.test_size,
        seed=settings.seed,
        stratify=settings.task == "classification",
    )


def train_project(settings: Any, root: Any) -> Any:
    """Run the project's own ``train`` stage: writes models/model.json and the holdout rows."""
    frame = load("mlops.data").load_embedded(settings.data.dataset)
    return load("mlops.train").train(settings, root, frame=frame)


def fit(settings: Any, strength: str = "good", *, boosting: bool = False) -> Any:
    """A fitted pipeline that selects its feature columns by name (like the project's own)."""
    from sklearn.compose import make_column_transformer
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load("mlops.data")
    train, _ = training_data(settings)
    classification = settings.task == "classification"
    features = [c for c in train.columns if c not in {data.TARGET, data.ID_COLUMN}]
    if strength == "weak":
        features = WEAK_FEATURES[settings.task]
    if strength == "bad":
        estimator: Any = DummyClassifier() if classification else DummyRegressor()
    elif boosting:
        estimator = (
            HistGradientBoostingClassifier(max_iter=20, random_state=0)
            if classification
            else HistGradientBoostingRegressor(max_iter=20, random_state=0)
        )
    else:
        estimator = LogisticRegression(max_iter=1000) if classification else Ridge()
    model = make_pipeline(make_column_transformer((StandardScaler(), features)), estimator)
    return model.fit(train, train[data.TARGET])
