"""Features follow the contract's roles, stay narrow on wide codes, and save with skops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from _package import lib, load

contract_mod = lib("contract")
config = lib("settings")
data = lib("data")
features = load("features")
machinery = lib("features")


def _contract(**columns: dict) -> object:
    return contract_mod.from_mapping(
        {"version": 1, "columns": {**columns, "y": {"role": "target", "dtype": "str"}}}, "t"
    )


def test_features_are_the_contract_feature_columns(project: Path) -> None:
    settings = config.load_settings(project)
    contract = contract_mod.load_contract(settings.data.dataset, project)
    frame = data.load_embedded(settings.data.dataset)
    out = features.build_features(contract).fit_transform(frame)
    numeric = contract.columns("feature_numeric")
    assert out.shape == (len(frame), len(numeric))
    assert not set(contract.ids) & set(numeric)
    assert contract.target not in numeric
    assert abs(out.mean()) < 1e-6  # standardised


def test_categories_are_one_hot_and_unknowns_ignored() -> None:
    frame = pd.DataFrame(
        {"size": [1.0, 2.0, None, 4.0], "kind": ["a", "b", "a", None], "y": list("xyxy")}
    )
    contract = _contract(
        size={"role": "feature_numeric", "dtype": "float64", "nullable": True},
        kind={"role": "feature_categorical", "dtype": "str", "nullable": True},
    )
    transformer = features.build_features(contract).fit(frame)
    out = transformer.transform(frame.assign(kind=["z", "a", "b", None]))
    out = out.toarray() if sp.issparse(out) else out
    assert out.shape == (4, 1 + 3)  # size; a, b, missing
    assert out[0, 1:].sum() == 0  # unknown category: all zeros
    assert not np.isnan(out).any()  # nulls imputed


def test_many_codes_stay_narrow_sparse_or_target_encoded() -> None:
    rng = np.random.default_rng(0)
    rows = 3000
    codes = rng.choice([f"Z{i:05d}" for i in range(2000)], rows)
    frame = pd.DataFrame({"code": codes, "other": codes, "y": rng.choice(["p", "q", "r"], rows)})
    contract = _contract(
        code={"role": "feature_categorical", "dtype": "str"},
        other={"role": "feature_categorical", "dtype": "str", "encoding": "target"},
    )
    out = features.build_features(contract).fit_transform(frame, frame["y"])
    onehot_width = machinery.MAX_CATEGORIES
    assert out.shape == (rows, onehot_width + 3)  # one-hot capped; 3 classes target-encoded
    only_onehot = _contract(code={"role": "feature_categorical", "dtype": "str"})
    assert sp.issparse(features.build_features(only_onehot).fit_transform(frame))


def test_dates_become_numbers_and_constant_parts_are_dropped() -> None:
    moments = pd.to_datetime(["2024-01-31", "2024-03-02", None, "2025-07-14"])
    transformer = machinery.DatetimeFeatures().fit(pd.DataFrame({"d": moments}))
    names = list(transformer.get_feature_names_out())
    assert names == ["d_year", "d_month", "d_day", "d_dayofweek", "d_elapsed_days"]  # no hour
    out = transformer.transform(pd.DataFrame({"d": moments}))
    assert out[0].tolist()[:3] == [2024.0, 1.0, 31.0]
    assert np.isnan(out[2]).all()


def test_the_fitted_features_save_and_load_with_skops(tmp_path: Path) -> None:
    import skops.io as sio
    from _frames import customers

    frame = customers()
    contract = _contract(
        tenure_months={"role": "feature_numeric", "dtype": "float64", "nullable": True},
        plan={"role": "feature_categorical", "dtype": "str", "nullable": True},
        region_code={"role": "feature_categorical", "dtype": "str", "encoding": "target"},
        signup_date={"role": "feature_datetime", "dtype": "datetime64[ns]"},
    )
    frame = frame.assign(signup_date=pd.to_datetime(frame["signup_date"]))
    transformer = features.build_features(contract).fit(frame, frame["churned"])
    blob = sio.dumps(transformer)
    untrusted = set(sio.get_untrusted_types(data=blob))
    # Exactly what the reviewed allowlist must hold for these features.
    assert untrusted <= {
        "leanops_runtime.features.DatetimeFeatures",
        "sklearn.model_selection._split.KFold",
        "numpy.dtype",
    }
    loaded = sio.loads(blob, trusted=sorted(untrusted))
    before, after = transformer.transform(frame), loaded.transform(frame)
    np.testing.assert_allclose(_dense(before), _dense(after))


def _dense(values: object) -> np.ndarray:
    return values.toarray() if sp.issparse(values) else np.asarray(values)
