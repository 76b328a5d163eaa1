"""The whole flow on the embedded dataset of the project's task, in a scratch folder: pipeline,
promotion, batch prediction, drift, report. It proves the pinned runtime, the settings and the
registry work together here, whatever data the project itself uses (which git does not hold).

The library's default features stand in for ``features.py``, which may name your own columns.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _package import ROOT, load
from leanops_runtime import cli, data, settings
from leanops_runtime.contract import load_contract
from leanops_runtime.features import default_preprocessor

EMBEDDED = {"classification": "breast_cancer", "regression": "diabetes"}


def test_the_whole_flow_runs_on_the_embedded_data(
    scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = settings.load_settings(ROOT).task
    dataset = EMBEDDED[task]
    contract = ROOT / "contracts" / f"{dataset}.yaml"
    if not contract.is_file():
        pytest.skip(f"contracts/{dataset}.yaml (the embedded dataset's contract) was removed")
    for name in ("params.yaml", "trusted-types.txt"):
        shutil.copy(ROOT / name, scratch / name)
    (scratch / "contracts").mkdir()
    shutil.copy(contract, scratch / "contracts" / contract.name)
    monkeypatch.setenv(f"{settings.env_prefix()}DATA__DATASET", dataset)
    monkeypatch.setattr(load("features"), "build_features", default_preprocessor)

    target = load_contract(dataset, scratch).target
    batch = data.load_embedded(dataset).drop(columns=[target]).head(200)
    batch.to_csv(scratch / "batch.csv", index=False)
    for command in (["pipeline"], ["promote"], ["predict", "batch.csv"], ["drift", "batch.csv"]):
        assert cli.main(command) == 0, command
    assert cli.main(["report"]) == 0
    assert (scratch / "reports" / "predictions-batch.csv").is_file()
    assert (scratch / "reports" / "report.html").is_file()
