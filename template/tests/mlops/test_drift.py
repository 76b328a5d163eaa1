"""Drift checks: shifts in mean, variance and category mix are flagged; same data stays quiet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _models import open_line, register
from _package import load

cli = load("mlops.cli")
config = load("mlops.settings")
drift = load("mlops.drift")

ROWS = 4000
MIX = (["a", "b", "c"], [0.5, 0.3, 0.2])


def batch(seed: int, *, loc: float = 0.0, scale: float = 1.0, mix: Any = MIX) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(loc, scale, ROWS),
            "y": rng.exponential(2.0, ROWS),
            "colour": rng.choice(mix[0], p=mix[1], size=ROWS),
        }
    )


@pytest.fixture
def reference() -> dict[str, Any]:
    return drift.reference_stats(batch(0), ["x", "y"], ["colour"])


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {row["feature"]: row["status"] for row in report["features"]}


def test_identical_distributions_stay_quiet(reference: dict[str, Any]) -> None:
    report = drift.check(reference, batch(1))
    assert statuses(report) == {"x": "ok", "y": "ok", "colour": "ok"}
    assert report["status"] == "ok"
    assert all(row["psi"] < 0.05 for row in report["features"])


@pytest.mark.parametrize(
    ("changes", "feature"),
    [
        ({"loc": 0.8}, "x"),  # mean shift of 0.8 standard deviations
        ({"scale": 2.0}, "x"),  # variance x4, same mean
        ({"mix": (["a", "b", "c"], [0.2, 0.3, 0.5])}, "colour"),  # category mix
    ],
)
def test_shifts_are_flagged(reference: dict[str, Any], changes: dict, feature: str) -> None:
    report = drift.check(reference, batch(1, **changes))
    flagged = statuses(report)
    assert flagged[feature] == "alert"
    assert {name for name, status in flagged.items() if status != "ok"} == {feature}
    assert drift.flagged(report, "warn") == [feature]


def test_ks_matches_scipy() -> None:
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(3)
    a, b = np.sort(rng.normal(size=700)), np.sort(rng.normal(0.2, 1.1, size=2500))
    assert drift.ks_statistic(a, b) == pytest.approx(ks_2samp(a, b).statistic)


def test_unseen_categories_count_as_drift(reference: dict[str, Any]) -> None:
    report = drift.check(reference, batch(1, mix=(["a", "z"], [0.5, 0.5])))
    assert statuses(report)["colour"] == "alert"


def test_small_batches_are_insufficient_data_not_alerts(reference: dict[str, Any]) -> None:
    small = batch(1, loc=5.0).head(50)
    report = drift.check(reference, small, config.DriftSettings(min_rows=100))
    assert set(statuses(report).values()) == {"insufficient data"}
    assert report["status"] == "insufficient data"


def test_per_feature_thresholds_override_the_global_ones(reference: dict[str, Any]) -> None:
    settings = config.DriftSettings(
        features={"x": config.DriftLimits(psi_warn=5.0, psi_alert=9.0, ks_warn=0.9, ks_alert=1.0)}
    )
    report = drift.check(reference, batch(1, loc=0.8), settings)
    assert statuses(report)["x"] == "ok"
    row = next(row for row in report["features"] if row["feature"] == "x")
    assert row["thresholds"]["psi_alert"] == 9.0


def test_missing_feature_is_a_one_line_error(reference: dict[str, Any]) -> None:
    with pytest.raises(drift.DriftError, match="lacks feature column"):
        drift.check(reference, batch(1).drop(columns=["y"]))


def test_drift_command_warns_but_exits_zero_unless_asked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sklearn.dummy import DummyRegressor

    reference = drift.reference_stats(batch(0), ["x", "y"], ["colour"])
    model = DummyRegressor().fit(batch(0)[["x"]], np.zeros(ROWS))
    settings = load("mlops.settings").load_settings(project)
    register(open_line(project), settings, model, reference=reference, holdout=batch(0))
    batch(1).to_csv(project / "same.csv", index=False)
    batch(1, loc=0.8).to_parquet(project / "shifted.parquet")

    assert cli.main(["drift", "same.csv", "--fail-on", "warn"]) == 0
    captured = capsys.readouterr()
    assert "warning" not in captured.err
    report = json.loads((project / "reports" / "drift-same.json").read_text())
    assert report["status"] == "ok"
    assert report["model_version"] == 1

    assert cli.main(["drift", "shifted.parquet"]) == 0
    captured = capsys.readouterr()
    assert "warning: drift alert on 1 feature(s): x" in captured.err
    assert "alert" in captured.out
    assert cli.main(["drift", "shifted.parquet", "--fail-on", "alert"]) == 1
    assert cli.main(["drift", "missing.csv"]) == 2
