"""Models are saved with skops and loaded only after their hash and allowlist checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from _package import load

config = load("mlops.settings")
contract_mod = load("mlops.contract")
data = load("mlops.data")
model_mod = load("mlops.model")
train_mod = load("mlops.train")


def _fitted(project: Path):
    """The project's own pipeline (contract features + params.yaml estimator) and its test rows."""
    settings = config.load_settings(project)
    contract = contract_mod.load_contract(settings.data.dataset, project)
    frame = data.load_embedded(settings.data.dataset)
    model, _, test = train_mod.fit(frame, contract, settings)
    return model, test


def test_save_then_load_gives_the_same_predictions(project: Path) -> None:
    fitted, test = _fitted(project)
    meta = model_mod.save_model(fitted, project / "m" / "model.skops")
    assert meta["sha256"] == model_mod.sha256_of(project / "m" / "model.skops")
    loaded = model_mod.load_model(meta["path"], meta["sha256"], meta["trusted_types"])
    assert (loaded.predict(test) == fitted.predict(test)).all()


def test_a_changed_file_is_refused(project: Path) -> None:
    meta = model_mod.save_model(_fitted(project)[0], project / "model.skops")
    with (project / "model.skops").open("ab") as handle:
        handle.write(b"x")
    with pytest.raises(model_mod.ModelError, match="SHA-256"):
        model_mod.load_model(meta["path"], meta["sha256"], meta["trusted_types"])


def test_only_the_stored_allowlist_is_trusted(project: Path) -> None:
    meta = model_mod.save_model(_fitted(project)[0], project / "model.skops")
    if not meta["trusted_types"]:
        pytest.skip("this model needs no type outside skops' defaults")
    with pytest.raises(model_mod.ModelError, match="allowlist"):
        model_mod.load_model(meta["path"], meta["sha256"], [])


def test_a_missing_model_says_to_train(project: Path) -> None:
    with pytest.raises(model_mod.ModelError, match="run `train` first"):
        model_mod.load_model(project / "none.skops", "0" * 64, [])
