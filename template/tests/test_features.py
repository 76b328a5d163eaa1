"""The feature pipeline follows the contract's roles: no code change for a new dataset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from _package import load

contract_mod = load("mlops.contract")
config = load("mlops.settings")
data = load("mlops.data")
features = load("features")


def test_features_are_the_contract_feature_columns(project: Path) -> None:
    settings = config.load_settings(project)
    contract = contract_mod.load_contract(settings.data.dataset, project)
    frame = data.load_embedded(settings.data.dataset)
    transformer = features.build_features(contract)
    out = transformer.fit_transform(frame)
    numeric = contract.columns("feature_numeric")
    assert out.shape == (len(frame), len(numeric))
    assert data.ID_COLUMN not in numeric
    assert data.TARGET not in numeric
    assert abs(out.mean()) < 1e-6  # standardised


def test_categorical_columns_are_one_hot_encoded_and_unknowns_ignored() -> None:
    frame = pd.DataFrame(
        {
            "sample_id": [1, 2, 3, 4],
            "size": [1.0, 2.0, None, 4.0],
            "kind": ["a", "b", "a", "c"],
            "target": [0, 1, 0, 1],
        }
    )
    contract = contract_mod.infer(frame, "tiny")
    transformer = features.build_features(contract).fit(frame)
    out = transformer.transform(frame.assign(kind=["z", "a", "b", "c"]))
    assert out.shape == (4, 1 + 3)
    assert out[0, 1:].sum() == 0  # unknown category: all zeros
    assert not pd.isna(out).any()  # nulls imputed
