"""The promotion gate's rules: beat the baseline (any dataset), optional floors, no regression."""

from __future__ import annotations

import pytest
from _package import lib

config = lib("settings")
gate = lib("gate")


def settings(**values: object):
    return config.PromotionSettings(**values)


def test_the_default_gate_asks_to_beat_the_baseline_on_any_scale() -> None:
    rules = settings()
    assert rules.min == {} and rules.max == {}
    # A modest model on a hard dataset: far below the old absolute floors, well above baseline.
    modest = {"roc_auc": 0.71, "f1_macro": 0.62, "baseline_roc_auc": 0.5, "baseline_f1_macro": 0.4}
    assert gate.evaluate_gate(modest, None, rules).passed
    # Regression in any unit: an RMSE of 700 passes when the baseline's is 1000.
    sales = {"rmse": 700.0, "mae": 500.0, "baseline_rmse": 1000.0, "baseline_mae": 800.0}
    assert gate.evaluate_gate(sales, None, rules).passed
    useless = {"roc_auc": 0.51, "f1_macro": 0.41, "baseline_roc_auc": 0.5, "baseline_f1_macro": 0.4}
    refused = gate.evaluate_gate(useless, None, rules)
    assert not refused.passed
    assert any("does not beat the trivial baseline" in r for r in refused.reasons)


def test_skill_is_measured_toward_a_perfect_score() -> None:
    assert gate.baseline_limit("roc_auc", 0.5, 0.1) == pytest.approx(0.55)
    assert gate.baseline_limit("rmse", 10.0, 0.1) == pytest.approx(9.0)
    assert gate.baseline_limit("log_loss", 0.6, 0.5) == pytest.approx(0.3)


def test_floors_ceilings_and_tolerance_stay_options() -> None:
    rules = settings(min={"roc_auc": 0.9}, max={"rmse": 10.0}, tolerance=0.01)
    assert gate.evaluate_gate({"roc_auc": 0.95, "rmse": 5.0}, None, rules).passed
    low = gate.evaluate_gate({"roc_auc": 0.85, "rmse": 11.0}, None, rules)
    assert len(low.reasons) == 2
    production = {"roc_auc": 0.95, "rmse": 5.0}
    assert gate.evaluate_gate({"roc_auc": 0.951, "rmse": 5.04}, production, rules).passed
    worse = gate.evaluate_gate({"roc_auc": 0.94, "rmse": 5.2}, production, rules)
    assert sum("regresses" in r for r in worse.reasons) == 2
    # The table says the rule is one-sided: only the worse direction is bounded.
    shown = {row.metric: row.rules[-1] for row in worse.rows}
    assert shown == {"roc_auc": ">= 0.9405 (prod - 1%)", "rmse": "<= 5.0500 (prod + 1%)"}
    assert gate.evaluate_gate({"accuracy": 0.9, "rmse": 5.0}, None, rules).reasons == [
        "roc_auc: not computed by the evaluation"
    ]


def test_a_metric_production_has_and_the_candidate_lacks_is_a_refusal() -> None:
    """A classifier without predict_proba has no ROC AUC: under the default gate (which judges
    the metrics the candidate has) it passed on accuracy and F1 alone, and production's ROC AUC
    was not even shown. Now it is shown, and the missing metric refuses, once."""
    production = {"roc_auc": 0.9924, "log_loss": 0.08, "accuracy": 0.96, "f1_macro": 0.95}
    svc = {"accuracy": 0.965, "f1_macro": 0.955, "baseline_accuracy": 0.6, "baseline_f1_macro": 0.4}
    refused = gate.evaluate_gate(svc, production, settings())
    assert refused.reasons == [
        "log_loss: production's is 0.0800, the candidate has none (its model has no "
        "predict_proba): nothing says it is not worse",
        "roc_auc: production's is 0.9924, the candidate has none (its model has no "
        "predict_proba): nothing says it is not worse",
    ]
    rows = {row.metric: row for row in refused.rows}
    assert rows["roc_auc"].production == 0.9924 and rows["roc_auc"].candidate is None
    assert not rows["roc_auc"].ok and rows["accuracy"].ok
    # Named in params.yaml, the baseline rule says it first: one reason, production shown.
    named = gate.evaluate_gate(svc, production, settings(baseline={"metrics": ["roc_auc"]}))
    assert [r for r in named.reasons if r.startswith("roc_auc")] == [
        "roc_auc: not computed for the candidate by the evaluation"
    ]
    assert {row.metric: row for row in named.rows}["roc_auc"].production == 0.9924
    # Without production, nothing is missing.
    assert gate.evaluate_gate(svc, None, settings()).passed


def test_a_metric_of_the_other_task_names_the_setting_to_edit() -> None:
    """0.2.0 params.yaml kept classification floors; after ``task: regression`` they cannot hold."""
    floors = settings(min={"roc_auc": 0.9, "accuracy": 0.85}, baseline={"metrics": ["f1_macro"]})
    sales = {"rmse": 700.0, "mae": 500.0, "r2": 0.6}
    reasons = gate.evaluate_gate(sales, None, floors).reasons
    assert reasons == [
        "accuracy: a classification metric and the candidate is a regression model: "
        "remove it from promotion.min in params.yaml",
        "f1_macro: a classification metric and the candidate is a regression model: "
        "remove it from promotion.baseline.metrics in params.yaml",
        "roc_auc: a classification metric and the candidate is a regression model: "
        "remove it from promotion.min in params.yaml",
    ]
    ceiling = settings(max={"rmse": 70.0})
    assert "promotion.max" in gate.evaluate_gate({"roc_auc": 0.9}, None, ceiling).reasons[0]


def test_named_baseline_metrics_must_be_computed_and_an_empty_list_turns_the_rule_off() -> None:
    named = settings(baseline={"metrics": ["accuracy"], "min_skill": 0.1})
    assert (
        "not computed for the baseline"
        in gate.evaluate_gate({"accuracy": 0.9}, None, named).reasons[0]
    )
    off = settings(baseline={"metrics": []})
    assert gate.evaluate_gate({"roc_auc": 0.4, "baseline_roc_auc": 0.5}, None, off).passed


def test_a_perfect_baseline_is_a_reason_not_a_pass() -> None:
    result = gate.evaluate_gate({"f1_macro": 1.0, "baseline_f1_macro": 1.0}, None, settings())
    assert "already perfect" in result.reasons[0]


def test_baseline_scores_never_count_as_regressions_and_show_in_the_table() -> None:
    candidate = {"roc_auc": 0.8, "baseline_roc_auc": 0.5}
    production = {"roc_auc": 0.79, "baseline_roc_auc": 0.6}
    result = gate.evaluate_gate(candidate, production, settings(), versions=(3, 2))
    assert result.passed
    assert [row.metric for row in result.rows] == ["roc_auc"]
    table = gate.comparison_table(result)
    assert "candidate v3" in table and "production v2" in table and "baseline" in table
    assert "0.5000" in table


def test_a_metric_no_rule_judges_is_shown_unjudged_not_ok() -> None:
    """accuracy below its baseline: no rule covers it, so its row says ``-``, not ``yes``."""
    candidate = {"roc_auc": 0.8, "accuracy": 0.6, "baseline_roc_auc": 0.5, "baseline_accuracy": 0.7}
    result = gate.evaluate_gate(candidate, None, settings(), versions=(1, None))
    assert result.passed
    lines = gate.comparison_table(result).splitlines()
    rows = {line.split()[0]: line.split()[-1] for line in lines}
    assert (rows["accuracy"], rows["roc_auc"]) == ("-", "yes")
    # Below its baseline, it is noted (promote warns), without refusing.
    assert result.notes == [
        "accuracy = 0.6000 is worse than the trivial baseline's 0.7000; no rule judges it "
        "(add it to promotion.baseline.metrics to make it one)"
    ]


def test_a_worse_log_loss_than_the_baseline_is_noted_a_better_one_is_not() -> None:
    candidate = {
        "roc_auc": 0.8,
        "log_loss": 0.9,
        "baseline_roc_auc": 0.5,
        "baseline_log_loss": 0.66,
    }
    result = gate.evaluate_gate(candidate, None, settings())
    assert result.passed and [note.split(" =")[0] for note in result.notes] == ["log_loss"]
    calibrated = gate.evaluate_gate({**candidate, "log_loss": 0.3}, None, settings())
    assert calibrated.notes == []
    few = gate.evaluate_gate({**candidate, "log_loss": 0.3}, None, settings(), scored_rows=39)
    assert few.passed and few.notes[0].startswith("the gate scored on 39 held-out rows")
    assert gate.evaluate_gate(candidate, None, settings(), scored_rows=50).notes == result.notes


def test_a_rare_class_scored_on_few_rows_is_noted_however_many_rows_there_are() -> None:
    """1,317 held-out loans, 18 of them defaults: a 1% tolerance on ROC AUC over 18 positives
    is noise, and the verdict says so."""
    candidate = {"roc_auc": 0.8, "baseline_roc_auc": 0.5}
    rare = gate.evaluate_gate(candidate, None, settings(), scored_rows=1317, rarest=("yes", 18))
    (note,) = rare.notes
    assert note.startswith("the gate scored on 1317 held-out rows, 18 of them of class 'yes'")
    common = gate.evaluate_gate(candidate, None, settings(), scored_rows=114, rarest=("0", 42))
    assert common.notes == []
    few = gate.evaluate_gate(candidate, None, settings(), scored_rows=40, rarest=("yes", 5))
    assert [n.split(":")[0] for n in few.notes] == ["the gate scored on 40 held-out rows"]


def test_gate_settings_are_typed() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        settings(baseline={"min_skill": 2})
    with pytest.raises(ValidationError):
        settings(baseline={"margin": 0.1})


class Stalling:
    """A model whose predictions are instant but for a stall now and then, as on a busy
    machine; it counts its calls."""

    def __init__(self, stall_every: int, stall_s: float) -> None:
        self.calls, self.stall_every, self.stall_s = 0, stall_every, stall_s

    def predict(self, frame: object) -> list[int]:
        import time

        self.calls += 1
        if self.calls % self.stall_every == 0:
            time.sleep(self.stall_s)
        return [0]


def test_latency_is_the_median_so_a_stall_now_and_then_refuses_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pandas as pd

    costs = lib("costs")
    monkeypatch.setattr(costs, "REPEATS", 5)
    rows = pd.DataFrame({"x": range(10)})
    model = Stalling(stall_every=3, stall_s=0.4)  # two of the five timed calls stall
    assert costs.latency_ms_per_1000(model, rows) < 200  # type: ignore[arg-type]
    assert model.calls == 6  # a warm-up, then five timed

    monkeypatch.setattr(costs, "TIMING_BUDGET_S", 0.0)  # a slow model: three timings, no more
    slow = Stalling(stall_every=1, stall_s=0.0)
    costs.latency_ms_per_1000(slow, rows)  # type: ignore[arg-type]
    assert slow.calls == 4


def test_the_remedy_for_few_scored_rows_names_a_real_setting() -> None:
    """The note on a gate scored on few rows tells which setting to raise: one that exists."""
    import re

    (section, name) = re.findall(r"a larger (\w+)\.(\w+)", gate.FIRMER)[0]
    assert name in config.Settings.model_fields[section].annotation.model_fields
