"""The shipped contract, its YAML round trip, inference, and the fast path agreeing with pandera."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from _package import load

contract_mod = load("mlops.contract")
config = load("mlops.settings")
data = load("mlops.data")


def _contract_and_data(project: Path):
    settings = config.load_settings(project)
    dataset = settings.data.dataset
    return contract_mod.load_contract(dataset, project), data.load_embedded(dataset)


def test_shipped_contract_accepts_the_embedded_data(project: Path) -> None:
    contract, frame = _contract_and_data(project)
    assert contract.version >= 1
    assert contract.target == data.TARGET
    assert contract.columns("id") == [data.ID_COLUMN]
    assert contract_mod.validate(contract, frame) == []


def test_round_trip_keeps_every_rule_and_still_rejects_values(project: Path) -> None:
    contract, frame = _contract_and_data(project)
    column = contract.columns("feature_numeric")[0]
    raw = contract_mod.to_mapping(contract)
    raw["columns"][column]["isin"] = sorted({float(v) for v in frame[column].head(3)})
    with_isin = contract_mod.from_mapping(raw, contract.name)
    text = contract_mod.dump_contract(with_isin)
    again = contract_mod.from_mapping(yaml.safe_load(text), contract.name)
    assert contract_mod.to_mapping(again) == contract_mod.to_mapping(with_isin)
    assert again.roles == with_isin.roles
    assert again.version == with_isin.version
    failures = contract_mod.validate(again, frame)
    assert failures
    assert {f["check"].split("(")[0] for f in failures} == {"isin"}


def test_categorical_dtype_is_refused(project: Path) -> None:
    contract, _ = _contract_and_data(project)
    raw = contract_mod.to_mapping(contract)
    column = contract.columns("feature_numeric")[0]
    raw["columns"][column]["dtype"] = "category"
    with pytest.raises(contract_mod.ContractError, match="categorical dtype; use an isin check"):
        contract_mod.from_mapping(raw, contract.name)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw.pop("version"), "needs an integer 'version'"),
        (lambda raw: raw["columns"][next(iter(raw["columns"]))].pop("role"), "needs a role"),
    ],
)
def test_malformed_contract_is_one_line(project: Path, change, message: str) -> None:
    contract, _ = _contract_and_data(project)
    raw = contract_mod.to_mapping(contract)
    change(raw)
    with pytest.raises(contract_mod.ContractError, match=message):
        contract_mod.from_mapping(raw, contract.name)


def test_missing_contract_file_names_the_fix(project: Path) -> None:
    with pytest.raises(contract_mod.ContractError, match="contract infer"):
        contract_mod.load_contract("nothing_here", project)


def test_infer_makes_a_contract_the_sample_meets(project: Path) -> None:
    _, frame = _contract_and_data(project)
    inferred = contract_mod.infer(frame, "sample")
    assert inferred.roles[data.TARGET] == "target"
    assert inferred.roles[data.ID_COLUMN] == "id"
    assert contract_mod.validate(inferred, frame) == []
    reloaded = contract_mod.from_mapping(
        yaml.safe_load(contract_mod.dump_contract(inferred)), "sample"
    )
    assert contract_mod.validate(reloaded, frame) == []


def test_infer_gives_text_columns_allowed_values_and_nonnegative_ranges() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "sample_id": [1, 2, 3],
            "size": [1.0, 2.0, 5.0],
            "kind": ["a", "b", "a"],
            "target": [0, 1, 0],
        }
    )
    inferred = contract_mod.infer(frame, "tiny")
    raw = contract_mod.to_mapping(inferred)
    assert raw["columns"]["kind"]["isin"] == ["a", "b"]
    assert inferred.roles["kind"] == "feature_categorical"
    assert raw["columns"]["size"]["in_range"]["min_value"] >= 0
    assert raw["columns"]["target"]["isin"] == [0, 1]


def test_fast_path_never_passes_what_pandera_rejects(project: Path) -> None:
    contract, frame = _contract_and_data(project)
    column = contract.columns("feature_numeric")[0]
    broken = [
        frame.drop(columns=[column]),
        frame.assign(extra=1),
        frame.assign(**{column: frame[column].where(frame.index != 3)}),
        frame.assign(**{column: frame[column] + 1e9}),
        frame.assign(**{data.ID_COLUMN: 0}),
    ]
    assert contract_mod.passes(contract, frame)
    for bad in broken:
        assert not contract_mod.passes(contract, bad)
        assert contract_mod.validate(contract, bad)
