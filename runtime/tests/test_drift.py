"""Drift checks: shifts in mean, variance, category mix and missing values are flagged; same data
stays quiet; old references and settings still work. The false-warning and detection rates are
proven by simulation in test_drift_simulation.py."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _models import contract_of, open_line, register
from _package import lib

cli = lib("cli")
config = lib("settings")
drift = lib("drift")
stats = lib("drift.stats")
registry_mod = lib("registry")

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


# Batch 4 is a clean draw whose features are all far from significance against batch 0 (raw
# p-values 0.24, 0.50, 0.77), so a test that shifts one feature sees only that one flagged.
@pytest.fixture
def reference() -> dict[str, Any]:
    return drift.reference_stats(batch(0), ["x", "y"], ["colour"])


def statuses(report: Any) -> dict[str, str]:
    return {row.feature: row.status for row in report.features}


def row_of(report: Any, feature: str) -> Any:
    return next(row for row in report.features if row.feature == feature)


def test_identical_distributions_stay_quiet(reference: dict[str, Any]) -> None:
    report = drift.check(reference, batch(4))
    assert statuses(report) == {"x": "ok", "y": "ok", "colour": "ok"}
    assert report.status == "ok"
    assert all(row.psi < 0.05 for row in report.features)
    assert all(row.p_adjusted >= 0.05 for row in report.features)


@pytest.mark.parametrize(
    ("changes", "feature"),
    [
        ({"loc": 0.8}, "x"),  # mean shift of 0.8 standard deviations
        ({"scale": 2.0}, "x"),  # variance x4, same mean
        ({"mix": (["a", "b", "c"], [0.2, 0.3, 0.5])}, "colour"),  # category mix
    ],
)
def test_large_shifts_are_alerts(reference: dict[str, Any], changes: dict, feature: str) -> None:
    report = drift.check(reference, batch(4, **changes))
    flagged = statuses(report)
    assert flagged[feature] == "alert"
    assert {name for name, status in flagged.items() if status != "ok"} == {feature}
    assert drift.flagged(report, "warn") == [feature]
    assert 0 < row_of(report, feature).p_adjusted < 1e-6  # significant digits, never 0.0


def test_a_small_but_real_shift_warns_without_alerting(reference: dict[str, Any]) -> None:
    report = drift.check(reference, batch(4, loc=0.15))  # significant at 4,000 rows, PSI ~0.02
    row = row_of(report, "x")
    assert row.status == "warn"
    assert row.psi < 0.25
    assert row.ks < 0.2
    assert row.mean_shift_sd == pytest.approx(0.15, abs=0.05)


def test_each_feature_reports_what_a_person_reads(reference: dict[str, Any]) -> None:
    report = drift.check(reference, batch(4, loc=0.8))
    x = row_of(report, "x")
    assert x.test == "ks"
    assert x.statistic == x.ks
    assert x.p_value <= x.p_adjusted
    assert x.mean_shift_sd == pytest.approx(0.8, abs=0.05)
    assert len(x.distribution.labels) == len(x.distribution.reference) == 10
    assert sum(x.distribution.reference) == pytest.approx(1.0, abs=1e-3)
    colour = row_of(report, "colour")
    assert colour.test == "chi2"
    assert colour.largest_change["category"] in {"a", "b", "c"}
    data = json.loads(json.dumps(report.to_json()))
    assert {"statistic", "p_value", "p_adjusted", "psi", "status"} <= set(data["features"][0])
    text = drift.table(report)
    assert text.splitlines()[0].split() == [
        "feature", "kind", "rows", "test", "statistic", "p", "(adj.)", "psi", "change", "status",
    ]  # fmt: skip
    assert "mean +0.8" in text


def test_ks_statistic_and_p_value_match_scipy() -> None:
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(3)
    a, b = np.sort(rng.normal(size=700)), np.sort(rng.normal(0.1, 1.05, size=2500))
    expected = ks_2samp(a, b, method="asymp")
    d = drift.ks_statistic(a, b)
    assert d == pytest.approx(expected.statistic)
    assert drift.ks_p_value(d, a.size, b.size) == pytest.approx(expected.pvalue)


@pytest.mark.parametrize(
    ("reference", "batch"),
    [
        ([400, 250, 150, 100, 100], [40, 25, 15, 10, 10]),  # the same mix: statistic 0
        ([400, 250, 150, 100, 100], [20, 25, 15, 30, 10]),
        ([900, 100], [60, 40]),  # two categories: one degree of freedom, no continuity correction
        ([5000, 30, 20, 3, 1, 0], [480, 2, 9, 0, 4, 6]),  # rare ones pooled first
    ],
)
def test_chi_square_matches_scipy_after_pooling(reference: list[int], batch: list[int]) -> None:
    from scipy.stats import chi2_contingency

    counts = np.asarray(reference, dtype=float), np.asarray(batch, dtype=float)
    pooled = np.vstack(stats.pool_rare(*counts))
    expected = chi2_contingency(pooled, correction=False)
    statistic, p_value = stats.chi_square(*counts)
    assert statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


def test_the_sketch_keeps_the_test_conservative() -> None:
    rng = np.random.default_rng(5)
    train = pd.DataFrame({"x": rng.normal(size=50_000)})
    reference = drift.reference_stats(train, ["x"], [])
    assert len(reference["features"]["x"]["sketch"]) == 500
    sample = rng.normal(size=20_000)
    from scipy.stats import ks_2samp

    full = ks_2samp(train["x"], sample, method="asymp").pvalue
    ours = row_of(drift.check(reference, pd.DataFrame({"x": sample})), "x").p_value
    assert ours >= full - 1e-9 or ours == pytest.approx(full, abs=0.02)


def test_holm_matches_the_textbook() -> None:
    # Holm (1979): sorted p 0.01, 0.02, 0.03, 0.04 -> 0.04, 0.06, 0.06, 0.06.
    assert drift.holm([0.03, 0.01, 0.04, 0.02]) == pytest.approx([0.06, 0.04, 0.06, 0.06])
    assert drift.holm([0.5]) == [0.5]


def test_rare_categories_are_pooled_not_alarming() -> None:
    rng = np.random.default_rng(11)
    names = [f"k{i}" for i in range(60)]
    shares = np.array([0.5, 0.2] + [0.3 / 58] * 58)

    def sample(n: int) -> pd.DataFrame:
        return pd.DataFrame({"k": rng.choice(names, p=shares, size=n)})

    reference = drift.reference_stats(sample(20_000), [], ["k"])
    warned = sum(drift.check(reference, sample(150)).status != "ok" for _ in range(100))
    assert warned <= 10  # 5% expected; without pooling about a third of these batches warn


def test_unseen_categories_count_as_drift(reference: dict[str, Any]) -> None:
    report = drift.check(reference, batch(4, mix=(["a", "z"], [0.5, 0.5])))
    assert statuses(report)["colour"] == "alert"
    assert row_of(report, "colour").largest_change["category"] in {"<other>", "b", "c"}


def test_a_few_rows_of_a_value_training_never_saw_are_drift(reference: dict[str, Any]) -> None:
    """10 rows of a new value in 1,000 (1%): in the chi-square's pool of rare values they
    vanished (p 0.69); the most frequent new value, tested on its own, has all 10 of its rows
    in the batch with chance about 1e-6 against the reference's 4,000 rows."""
    frame = batch(4).head(1000).copy()
    frame.loc[:9, "colour"] = "enterprise"
    row = row_of(drift.check(reference, frame), "colour")
    assert row.status != "ok"
    assert row.test == "chi2+unseen"
    assert row.p_value < 1e-5
    # What the warning is about, though another category's share moved further (by chance).
    assert row.largest_change is not None
    assert (row.largest_change["category"], row.largest_change["values"]) == (
        "<other>",
        ["enterprise"],
    )
    clean = row_of(drift.check(reference, batch(4).head(1000)), "colour")
    assert (clean.status, clean.test) == ("ok", "chi2")  # nothing unseen: no second test


def test_the_change_names_the_values_training_never_saw(reference: dict[str, Any]) -> None:
    """``<other>`` alone does not say what to look for: the change names the new values, most
    frequent first, and how many more there are."""
    frame = batch(4).head(1000).copy()
    frame.loc[:299, "colour"] = "enterprise"
    frame.loc[300:399, "colour"] = "a very long name of a new customer segment"
    frame.loc[400:419, "colour"] = "trial"
    frame.loc[420:428, "colour"] = [f"new{i}" for i in range(9)]
    row = row_of(drift.check(reference, frame), "colour")
    assert row.largest_change is not None and row.largest_change["category"] == "<other>"
    long = "a very long name of a new customer segment"
    assert row.largest_change["values"] == ["enterprise", long, "trial"]
    assert row.largest_change["more"] == 9
    said = drift.change(dataclasses.asdict(row))
    assert said is not None
    assert said == "<other> (enterprise, a very long name of…, trial and 9 more): 0.0% -> 42.9%"
    assert drift.change({"largest_change": {"category": "b", "reference": 0.1, "batch": 0.3}}) == (
        "b: 10.0% -> 30.0%"
    )


def test_gaps_in_a_category_are_gaps_and_few_new_values_count_none_more(
    reference: dict[str, Any],
) -> None:
    """A batch with gaps where training had none: its missing share says so, and ``<missing>``
    is never named as a value training never saw; one new value counts no "more"."""
    frame = batch(4).head(1000).copy()
    frame.loc[:299, "colour"] = None
    gaps = row_of(drift.check(reference, frame), "colour")
    assert gaps.missing == (0.0, 0.3)
    assert gaps.largest_change is not None
    assert gaps.largest_change["category"] == "<missing>"
    assert "values" not in gaps.largest_change
    frame.loc[:299, "colour"] = "enterprise"
    new = row_of(drift.check(reference, frame), "colour").largest_change
    assert new is not None
    assert (new["category"], new["values"], new["more"]) == ("<other>", ["enterprise"], 0)


def test_values_going_missing_are_drift(reference: dict[str, Any]) -> None:
    frame = batch(4)
    frame.loc[frame.index[:1200], "y"] = np.nan  # 30% of a column gone
    row = row_of(drift.check(reference, frame), "y")
    assert row.test == "ks+missing"
    assert row.status == "alert"
    assert row.missing == (0.0, 0.3)
    assert row.distribution.labels[-1] == "missing"
    # The change says the gaps first: the mean is of the values still there, and barely moved.
    described = drift.change(dataclasses.asdict(row))
    assert described.startswith("missing 0.0% -> 30.0%; mean ")
    assert "missing" not in drift.change(
        dataclasses.asdict(row_of(drift.check(reference, batch(4)), "y"))
    )


def test_a_column_entirely_missing_is_an_alert_not_insufficient_data(
    reference: dict[str, Any],
) -> None:
    frame = batch(4).assign(y=np.nan)
    assert statuses(drift.check(reference, frame))["y"] == "alert"


def test_small_batches_are_insufficient_data_not_alerts(reference: dict[str, Any]) -> None:
    small = batch(1, loc=5.0).head(50)
    report = drift.check(reference, small, config.DriftSettings(min_rows=100))
    assert set(statuses(report).values()) == {"insufficient data"}
    assert report.status == "insufficient data"
    assert all(row.p_adjusted is None for row in report.features)
    # No effect size either: a 50-row PSI or a mean moved 5 SD is shown as no evidence.
    effects = [(row.psi, row.ks, row.mean_shift_sd, row.largest_change) for row in report.features]
    assert set(effects) == {(None, None, None, None)}


def test_per_feature_thresholds_override_the_global_ones(reference: dict[str, Any]) -> None:
    settings = config.DriftSettings(features={"x": config.DriftLimits(psi_alert=9.0, ks_alert=1.0)})
    report = drift.check(reference, batch(4, loc=0.8), settings)
    assert statuses(report)["x"] == "warn"  # still significant, no longer "large"
    assert row_of(report, "x").thresholds["psi_alert"] == 9.0


def test_a_stricter_alpha_needs_stronger_evidence(reference: dict[str, Any]) -> None:
    shifted = batch(4, loc=0.08)
    loose = drift.check(reference, shifted, config.DriftSettings(alpha=0.5))
    strict = drift.check(reference, shifted, config.DriftSettings(alpha=1e-9))
    assert loose.status == "warn"
    assert strict.status == "ok"


def test_a_reference_without_its_format_is_refused_in_one_line() -> None:
    """The shares-and-end-points references of template 0.2 lived in its registry.json, which
    is no longer read; a reference without a format is malformed."""
    old = {"rows": 1000, "features": {"colour": {"kind": "categorical", "frequencies": {}}}}
    with pytest.raises(lib("drift.reference").DriftError, match="malformed"):
        drift.check(old, pd.DataFrame({"colour": ["a"] * 200}))


def test_the_warning_bands_of_template_0_2_are_refused_as_unknown_settings(
    project: Path,
) -> None:
    params = (project / "params.yaml").read_text()
    start = params.index("drift:")
    end = params.index("\n\n", start) if "\n\n" in params[start:] else len(params)
    old = "drift:\n  psi_warn: 0.1\n  psi_alert: 0.3\n  ks_warn: 0.1\n  ks_alert: 0.2\n"
    (project / "params.yaml").write_text(params[:start] + old + params[end:])
    with pytest.raises(config.ConfigError, match=r"drift\.psi_warn") as caught:
        config.load_settings(project)
    assert "\n" not in str(caught.value)


def test_reference_json_stays_small() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=100_000) for i in range(10)})
    frame["c"] = rng.choice([f"v{i}" for i in range(500)], size=100_000)
    frame["code"] = [f"k{i}" for i in range(100_000)]  # as many values as rows
    reference = drift.reference_stats(frame, [f"x{i}" for i in range(10)], ["c", "code"])
    assert len(json.dumps(reference)) < 170_000  # 10 numeric features, 500 + 1,000 categories
    assert len(reference["features"]["c"]["counts"]) == 500  # every one
    code = reference["features"]["code"]["counts"]
    assert len(code) == 1001 and code["<other>"] == 99_000  # 1,000 kept and <other>


def test_discrete_values_read_back_from_csv_are_not_drift(tmp_path: Path) -> None:
    # Scaled categories like the diabetes data's "sex" column: exact values, never rounded.
    rng = np.random.default_rng(8)
    values = np.array([-0.044641636506989, 0.0506801187398187])
    train = pd.DataFrame({"sex": rng.choice(values, 4000), "x": rng.normal(size=4000)})
    reference = drift.reference_stats(train, ["sex", "x"], [])
    train.sample(500, random_state=1).to_csv(tmp_path / "batch.csv", index=False)
    report = drift.check(reference, pd.read_csv(tmp_path / "batch.csv"))
    assert statuses(report) == {"sex": "ok", "x": "ok"}
    assert row_of(report, "sex").ks < 0.05


def dated(
    seed: int, rows: int = ROWS, *, days: float = 0.0, zone: str | None = None
) -> pd.DataFrame:
    """A number and two dates: a timestamp over one year and a day (many ties), ``days`` later."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01", tz=zone)
    seen = start + pd.to_timedelta(rng.uniform(0, 365, rows) + days, unit="D")
    signup = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, rows), unit="D")
    frame = pd.DataFrame({"x": rng.normal(size=rows), "seen": seen, "signup": signup})
    frame.loc[frame.index[: rows // 20], "signup"] = pd.NaT
    return frame


def test_dates_are_checked_in_days_and_shown_as_dates() -> None:
    reference = drift.reference_stats(dated(0), ["x"], [], ["seen", "signup"])
    assert reference["features"]["seen"]["kind"] == "datetime"
    same = drift.check(reference, dated(4))
    assert statuses(same) == {"x": "ok", "seen": "ok", "signup": "ok"}
    later = drift.check(reference, dated(4, days=60))
    assert statuses(later) == {"x": "ok", "seen": "alert", "signup": "ok"}
    seen = row_of(later, "seen")
    assert (seen.kind, seen.test) == ("datetime", "ks")
    assert seen.mean_shift_days == pytest.approx(60, abs=6)
    assert seen.distribution.labels[0].startswith("< 2024-02-")  # the first decile's edge
    assert re.search(r"mean \+\d+\.\d days", drift.table(later))  # days, not standard deviations
    signup = row_of(later, "signup")
    assert signup.test == "ks+missing"
    assert signup.distribution.labels[-1] == "missing"


def test_zoned_dates_are_compared_in_utc() -> None:
    reference = drift.reference_stats(dated(0, zone="UTC"), [], [], ["seen"])
    batch_in_paris = dated(4, zone="UTC").assign(
        seen=lambda f: f["seen"].dt.tz_convert("Europe/Paris")
    )
    assert statuses(drift.check(reference, batch_in_paris))["seen"] == "ok"


def test_dates_of_an_older_reference_are_listed_as_not_checked() -> None:
    reference = drift.reference_stats(dated(0), ["x"], [])
    reference["format"] = 2  # registered before references kept dates
    report = drift.check(reference, dated(4, days=60), dates=["seen", "signup"])
    assert statuses(report) == {"x": "ok", "seen": "not checked", "signup": "not checked"}
    assert report.status == "ok"  # nothing checked found anything
    assert row_of(report, "seen").p_adjusted is None
    assert "retrain" in row_of(report, "seen").note
    assert "not checked" in drift.table(report)
    # A newer reference without a date column: it was no feature of that model; nothing to say.
    newer = drift.reference_stats(dated(0), ["x"], [])
    assert statuses(drift.check(newer, dated(4), dates=["seen"])) == {"x": "ok"}


def test_missing_feature_is_a_one_line_error(reference: dict[str, Any]) -> None:
    with pytest.raises(drift.DriftError, match="lacks feature column"):
        drift.check(reference, batch(4).drop(columns=["y"]))


def test_drift_command_warns_but_exits_zero_unless_asked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sklearn.dummy import DummyRegressor

    reference = drift.reference_stats(batch(0), ["x", "y"], ["colour"])
    model = DummyRegressor().fit(batch(0)[["x"]], np.zeros(ROWS))
    settings = lib("settings").load_settings(project)
    register(open_line(project), settings, model, reference=reference, holdout=batch(0))
    batch(1).to_csv(project / "same.csv", index=False)
    batch(1, loc=0.8).to_parquet(project / "shifted.parquet")
    contract_of(project, batch(0))

    assert cli.main(["drift", "same.csv", "--fail-on", "warn"]) == 0
    captured = capsys.readouterr()
    assert "warning" not in captured.err
    report = json.loads((project / "reports" / "drift-same.json").read_text())
    assert report["status"] == "ok"
    assert report["model_version"] == 1
    assert report["alpha"] == 0.05
    status = json.loads((project / "reports" / "status.json").read_text())
    assert status["drift"]["status"] == "ok"

    assert cli.main(["drift", "shifted.parquet"]) == 0
    captured = capsys.readouterr()
    assert "warning: drift alert on 1 feature(s): x (a large shift: check the upstream" in (
        captured.err
    )
    assert "alert" in captured.out
    status = json.loads((project / "reports" / "status.json").read_text())
    dataset = settings.data.dataset
    assert status["drift"] == {
        "status": "alert",
        "at": status["drift"]["at"],
        "input": "shifted.parquet",
        "model_version": 1,
        "dataset": dataset,
    }
    assert status["dataset"] == dataset
    assert (
        json.loads((project / "reports" / "drift-shifted.json").read_text())["dataset"] == dataset
    )
    assert f"against model v1 of dataset {dataset}" in captured.out
    assert cli.main(["drift", "shifted.parquet", "--fail-on", "alert"]) == 1
    assert cli.main(["drift", "missing.csv"]) == 2


def test_gaps_go_to_the_pool_of_an_older_reference_that_pooled_them() -> None:
    """An older reference pooled its rare values, gaps among them, and names no gaps: a batch's
    few gaps join that pool rather than make a cell of their own the reference never had."""
    counts = {f"v{i}": 200.0 for i in range(20)} | {"<other>": 40.0}
    reference = {"format": 3, "features": {"code": {"kind": "categorical", "counts": counts}}}
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"code": rng.choice([f"v{i}" for i in range(20)], 2000)})
    frame.loc[:9, "code"] = None
    row = row_of(drift.check(reference, frame), "code")
    assert row.missing == (0.0, 0.0)
    assert row.status == "ok"
