"""The promotion gate: promote, refuse (floors and regressions), force with a reason, roll back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _models import fit, open_line
from _models import register as register_model
from _package import lib

cli = lib("cli")
config = lib("settings")
gate = lib("gate")
promotion = lib("promotion")
registry_mod = lib("registry")


@pytest.fixture
def settings(project: Path) -> Any:
    return config.load_settings(project)


@pytest.fixture
def registry(project: Path) -> Any:
    return open_line(project)


def register(registry: Any, settings: Any, strength: str) -> int:
    """Register a model of ``strength`` with the project's held-out rows; its version."""
    return register_model(registry, settings, fit(settings, strength))["version"]


def gate_settings(**values: Any) -> Any:
    return config.PromotionSettings(**values)


def test_gate_applies_floors_ceilings_and_tolerance() -> None:
    settings = gate_settings(min={"roc_auc": 0.9}, max={"rmse": 10.0}, tolerance=0.01)
    good = gate.evaluate_gate({"roc_auc": 0.95, "rmse": 5.0}, None, settings)
    assert good.passed
    low = gate.evaluate_gate({"roc_auc": 0.85, "rmse": 11.0}, None, settings)
    assert [reason.split()[0] for reason in low.reasons] == ["rmse", "roc_auc"]
    # Within 1% of production passes; beyond it is a regression, in each metric's direction.
    production = {"roc_auc": 0.96, "rmse": 5.0}
    assert gate.evaluate_gate({"roc_auc": 0.951, "rmse": 5.04}, production, settings).passed
    worse = gate.evaluate_gate({"roc_auc": 0.94, "rmse": 5.2}, production, settings)
    assert len(worse.reasons) == 2
    assert all("regresses" in reason for reason in worse.reasons)
    missing = gate.evaluate_gate({"accuracy": 0.9, "rmse": 5.0}, None, settings)
    assert missing.reasons == ["roc_auc: not computed by the evaluation"]


def test_comparison_table_names_both_versions() -> None:
    settings = gate_settings(min={"accuracy": 0.9})
    result = gate.evaluate_gate({"accuracy": 0.8}, {"accuracy": 0.95}, settings, versions=(3, 2))
    text = gate.comparison_table(result)
    assert "candidate v3" in text
    assert "production v2" in text
    assert "-0.1500" in text
    assert text.splitlines()[-1].endswith("NO")


def test_an_older_version_refused_is_not_said_to_stay_candidate(
    project: Path, registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    register(registry, settings, "good")
    assert cli.main(["promote"]) == 0
    register(registry, settings, "weak")
    register(registry, settings, "good")
    capsys.readouterr()
    assert cli.main(["promote", "--version", "v2"]) == 1
    assert "refused (audited): v2 is not promoted: " in capsys.readouterr().err
    assert registry.alias("candidate") == 3


def test_promote_then_refuse_a_regression_then_force(
    project: Path, registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    register(registry, settings, "good")
    assert cli.main(["promote"]) == 0
    assert "promoted: v1 is production (was none)" in capsys.readouterr().err
    register(registry, settings, "weak")
    assert cli.main(["promote"]) == 1
    captured = capsys.readouterr()
    assert "regresses" in captured.err
    way = "(to promote it anyway: promote --version 2 --force --reason '<why>')"
    assert captured.err.rstrip().endswith(way)
    assert "candidate v2" in captured.out
    assert "production v1" in captured.out
    assert "refused (audited): v2 stays candidate: " in captured.err
    assert registry.alias("production") == 1
    assert registry.alias("candidate") == 2
    refusal = registry.audit()[-1]  # the refusal is audited, and moves nothing
    assert (refusal["action"], refusal["from"], refusal["to"]) == ("refuse", 1, 2)
    assert any("regresses" in failure for failure in refusal["gate_failures"])
    assert registry.state().last_change("production")["action"] == "promote"
    assert cli.main(["models", "--audit", "1"]) == 0  # the table says why, not "-"
    assert "regresses" in capsys.readouterr().out
    assert cli.main(["promote", "--force"]) == 2
    assert "--force needs --reason" in capsys.readouterr().err
    assert registry.alias("production") == 1
    assert cli.main(["promote", "--force", "--reason", "hotfix for a bad feature"]) == 0
    assert "warning: gate overridden" in capsys.readouterr().err
    assert registry.alias("production") == 2
    forced = registry.audit()[-1]
    assert forced["action"] == "force-promote"
    assert forced["forced"] is True
    assert forced["reason"] == "hotfix for a bad feature"
    assert (forced["from"], forced["to"]) == (1, 2)
    assert any("regresses" in failure for failure in forced["gate_failures"])
    # The recovery path: back to v1 in one command, audited.
    assert cli.main(["rollback", "--reason", "forced model misbehaves"]) == 0
    assert "v1 is production (was v2)" in capsys.readouterr().err
    assert registry.alias("production") == 1
    assert registry.audit()[-1]["action"] == "rollback"


def test_a_rolled_back_version_is_not_promoted_again_unless_forced(
    registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """v2 stays candidate after the rollback away from it: a plain promote (a teammate's, who
    never saw the rollback) is refused naming it, however good v2 scores."""
    register(registry, settings, "weak")
    assert cli.main(["promote"]) == 0
    register(registry, settings, "good")
    assert cli.main(["promote"]) == 0
    assert cli.main(["rollback", "--reason", "wrong prices in production"]) == 0
    assert (registry.alias("production"), registry.alias("candidate")) == (1, 2)
    capsys.readouterr()
    assert cli.main(["promote"]) == 1
    err = capsys.readouterr().err
    assert "v2 was rolled back by" in err
    assert "wrong prices in production" in err
    assert "promote --force --reason" in err
    assert registry.alias("production") == 1
    assert registry.audit()[-1]["action"] == "refuse"
    assert cli.main(["promote", "--force", "--reason", "prices fixed upstream"]) == 0
    assert registry.alias("production") == 2
    assert registry.audit()[-1]["action"] == "force-promote"
    # Production again since: the rollback no longer holds it back.
    assert registry.state().rolled_back(2) is None


def test_a_candidate_below_the_floors_is_refused_without_production(
    registry: Any, settings: Any
) -> None:
    register(registry, settings, "bad")
    result, record = promotion.promote(registry, settings.promotion)
    assert record is None
    assert not result.passed
    assert any("required" in reason for reason in result.reasons)
    assert registry.alias("production") is None
    assert [r["action"] for r in registry.audit()] == ["register", "refuse"]  # audited


def test_the_gate_scores_the_candidates_registered_holdout(
    registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rows the gate scores travel with the version (hash-checked), not a side file."""
    register(registry, settings, "good")
    (registry.models_dir / "holdout.parquet").write_bytes(b"ignored")
    assert cli.main(["promote"]) == 0
    record = registry.audit()[-1]
    holdout, _ = registry.holdout(1)
    metrics = lib("metrics").score(settings.task, registry.load(1)[0], holdout, "target")
    assert record["metrics"] == metrics


def test_both_models_are_scored_on_the_same_data(registry: Any, settings: Any) -> None:
    register(registry, settings, "good")
    register(registry, settings, "weak")
    registry.set_production(1)
    scored: list[int] = []

    def evaluate(model: Any) -> dict[str, float]:
        scored.append(id(model))
        return {"score": 1.0}

    result, record = promotion.promote(registry, gate_settings(), evaluate, version=2)
    assert len(scored) == 2
    assert result.passed
    assert record is not None
    assert record["to"] == 2


def test_promoting_the_production_version_is_an_error(registry: Any, settings: Any) -> None:
    register(registry, settings, "good")
    registry.set_production(1)
    with pytest.raises(registry_mod.RegistryError, match="already the production"):
        promotion.promote(registry, gate_settings(), lambda model: {})


def test_a_tampered_production_model_blocks_promotion_until_forced(
    registry: Any, settings: Any
) -> None:
    entry = register(registry, settings, "good")
    registry.set_production(entry)
    register(registry, settings, "good")
    (registry.dir / "v1" / "model.skops").write_bytes(b"not a model")
    result, record = promotion.promote(registry, settings.promotion)
    assert record is None
    assert any("SHA-256" in reason for reason in result.reasons)
    result, record = promotion.promote(
        registry, settings.promotion, force=True, reason="v1 artifact corrupted"
    )
    assert record is not None
    assert record["forced"] is True
    assert registry.alias("production") == 2


def test_production_moved_during_the_gate_is_refused(registry: Any, settings: Any) -> None:
    for _ in range(3):
        register(registry, settings, "good")
    registry.set_production(1)

    def evaluate(model: Any) -> dict[str, float]:
        if registry.alias("production") == 1:
            registry.set_production(2)  # another person promotes while this gate runs
        return {"score": 1.0}

    with pytest.raises(registry_mod.RegistryError, match="production changed") as error:
        promotion.promote(registry, gate_settings(), evaluate, version=3)
    assert registry.alias("production") == 2
    assert "(now v2, by " in str(error.value), "the message says who moved it"


def test_a_candidate_of_another_task_is_refused_in_one_line_until_forced(
    registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A forgotten ``task`` trains the other kind of model: no metric of one scores the other."""
    registry.set_production(register(registry, settings, "good"))
    other = "regression" if settings.task == "classification" else "classification"
    mistaken = settings.model_copy(update={"task": other})
    register_model(registry, mistaken, fit(mistaken, "bad"))
    assert cli.main(["promote"]) == 1
    err = capsys.readouterr().err
    assert f"production v1 is a {settings.task} model and candidate v2 a {other} one" in err
    assert "unexpected" not in err
    assert len([line for line in err.splitlines() if "cannot be compared" in line]) == 1
    assert err.count("promote --force") == 1  # the reason's own way past the gate, once
    assert registry.alias("production") == 1
    assert cli.main(["promote", "--force", "--reason", "task fixed"]) == 0
    assert registry.alias("production") == 2


def test_a_production_model_that_cannot_score_the_rows_is_a_refusal(
    registry: Any, settings: Any
) -> None:
    """The candidate's rows lack a column production needs: a reason, not an unexpected error."""
    from _models import WEAK_FEATURES, names, training_data

    _, test = training_data(settings)
    good = fit(settings, "good")
    scored = lib("metrics").score(settings.task, good, test, names(settings)[1])
    registry.set_production(
        register_model(registry, settings, good, metrics=dict(scored))["version"]
    )
    kept = [*names(settings), *WEAK_FEATURES[settings.task]]
    weak = fit(settings, "weak")
    register_model(registry, settings, weak, holdout=test[kept], run_id="run-of-v2")
    result, record = promotion.promote(registry, settings.promotion)
    assert record is None
    (reason,) = [r for r in result.reasons if r.startswith("production v1 cannot be scored")]
    assert reason.startswith("production v1 cannot be scored on v2's held-out rows: ")
    assert "\n" not in reason
    # What is left to weigh --force with: production's scores as registered, beside v2's.
    recorded = registry.entry(1)["metrics"]
    metric = next(name for name in sorted(recorded) if not name.startswith("baseline_"))
    assert "; production v1 / v2, each on its own held-out rows as registered and here: " in reason
    assert f"{metric} {recorded[metric]:.4f} / " in reason
    # Every other rule held: forcing skips only this comparison, and the reason says so.
    assert result.reasons == [reason]
    assert reason.endswith("(v2 passes the gate's other rules; only this comparison is missing)")
    # Its run died: forcing would skip that too, and the reason no longer says it is alone.
    died = promotion.promote(registry, settings.promotion, run_status=lambda run: "failed")[0]
    assert len(died.reasons) == 2 and "only this comparison" not in died.reasons[0]


def test_a_version_whose_run_died_is_refused_until_forced(
    project: Path, registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pipeline killed between registering its version and finishing its run leaves that
    version the candidate: promote refuses it, naming the run, which reads as crashed."""
    import sqlite3
    import subprocess
    import sys

    tracking = lib("tracking")
    run = tracking.start_run("pipeline", root=project, settings=settings)  # never ended
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    with sqlite3.connect(settings.tracking_db) as db:  # the pipeline's process, killed
        db.execute("UPDATE runs SET pid = ? WHERE id = ?", (int(gone.stdout), run.id))
    version = register_model(registry, settings, fit(settings, "good"), run_id=run.id)["version"]
    assert cli.main(["promote"]) == 1
    err = capsys.readouterr().err
    assert f"v{version} was registered by run {run.id[:12]}, which ended crashed" in err
    assert registry.alias("production") is None
    assert registry.audit()[-1]["action"] == "refuse"
    assert cli.main(["promote", "--force", "--reason", "checked the model by hand"]) == 0
    assert registry.alias("production") == version


def test_budgets_are_measured_beside_production_and_a_breach_is_refused(
    registry: Any, settings: Any, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    budget = f"{config.ENV_PREFIX}PROMOTION__BUDGETS__"
    register(registry, settings, "good")
    assert cli.main(["promote"]) == 0
    measured = registry.audit()[-1]["resources"]
    latency, production_latency = measured["latency_ms_per_1000"]
    assert latency > 0 and production_latency is None  # no production to time yet
    size = registry.file_path(1, "model.skops").stat().st_size
    assert measured["size_mb"] == [pytest.approx(size / 1e6, abs=1e-3), None]

    register(registry, settings, "good")  # v2: as good, so only a budget can refuse it
    monkeypatch.setenv(f"{budget}SIZE_MB", "1e-9")
    capsys.readouterr()
    assert cli.main(["promote"]) == 1
    captured = capsys.readouterr()
    assert "size_mb = " in captured.err and "is over its budget 1e-09 (production: " in captured.err
    assert "latency_ms_per_1000" in captured.out and "<= 1e-09 (budget)" in captured.out
    refusal = registry.audit()[-1]
    assert refusal["action"] == "refuse"
    assert all(None not in refusal["resources"][name][:1] for name in ("latency_ms_per_1000",))
    assert refusal["resources"]["latency_ms_per_1000"][1] > 0  # production timed beside it

    monkeypatch.setenv(f"{budget}SIZE_MB", "1000")
    monkeypatch.setenv(f"{budget}LATENCY_MS_PER_1000", "1e-9")
    assert cli.main(["promote"]) == 1
    assert "latency_ms_per_1000 = " in capsys.readouterr().err
    monkeypatch.delenv(f"{budget}LATENCY_MS_PER_1000")
    monkeypatch.setenv(f"{budget}TRAIN_S", "3600")  # v2 was registered without its fit time
    assert cli.main(["promote"]) == 1
    assert "train_s: not recorded for v2" in capsys.readouterr().err
    monkeypatch.delenv(f"{budget}TRAIN_S")
    assert cli.main(["promote"]) == 0  # size under 1 GB, no other budget: promoted


def test_a_trained_version_records_its_size_and_fit_time(project: Path) -> None:
    assert cli.main(["pipeline"]) == 0
    entry = open_line(project).entry(1)
    size = open_line(project).file_path(1, "model.skops").stat().st_size
    assert entry["size_bytes"] == size
    assert entry["fit_s"] > 0


def pipeline_on(project: Path, rows: slice) -> None:
    """The pipeline on a slice of the embedded data, exported as the project's raw file."""
    dataset = config.load_settings(project).data.dataset
    raw = project / "data" / "raw" / f"{dataset}.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    lib("data").load_embedded(dataset).iloc[rows].to_csv(raw, index=False)
    assert cli.main(["pipeline"]) == 0


def test_production_is_compared_only_on_rows_it_did_not_train_on(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """New data since production: some of the candidate's held-out rows were production's
    training rows, where it would look better than it is."""
    pipeline_on(project, slice(0, 300))
    assert cli.main(["promote"]) == 0  # v1, trained on 240 of the first 300 rows
    pipeline_on(project, slice(0, None))  # every row: v2 holds out 20% of them, anew
    line = open_line(project)
    rows, _ = line.holdout("v2")
    held_v1, v1 = line.holdout("v1")
    table = lib("data_versions").DataVersions(project).load(v1["data_fingerprint"]["sha256"])
    unseen = promotion.unseen_by(rows, held_v1, table)
    assert 0 < int((~unseen).sum()) < len(rows)  # some seen by v1, not all
    capsys.readouterr()
    cli.main(["promote"])
    err = capsys.readouterr().err
    seen = int((~unseen).sum())
    assert f"production v1 trained on {seen} of the {len(rows)} held-out rows" in err
    assert f"both are compared on the other {len(rows) - seen}" in err
    record = line.audit()[-1]
    model, _ = line.load("v1")
    settings = config.load_settings(project)
    compared, target = rows[unseen], v1["target"]
    if settings.task == "classification":  # each class in its share of all the held-out rows
        compared = promotion.in_class_mix(compared, rows[target], target)
        shares = rows[target].value_counts(normalize=True)
        assert compared[target].value_counts(normalize=True).to_dict() == pytest.approx(
            shares.to_dict(), abs=2 / len(compared)
        )
    fair = lib("metrics").score(settings.task, model, compared, target)
    assert record["production_metrics"] == pytest.approx(dict(fair))


def test_the_rows_compared_keep_each_classs_share_of_the_held_out_rows() -> None:
    """Rows production never saw, with 4 of their 100 positive where 10 of every 100 held-out
    rows are: the first 4 positives and the first 36 negatives are compared (1 in 10)."""
    import pandas as pd

    held = pd.Series(["yes"] * 10 + ["no"] * 90, name="churned")
    unseen = pd.DataFrame({"churned": ["no"] * 60 + ["yes"] * 4 + ["no"] * 36, "x": range(100)})
    compared = promotion.in_class_mix(unseen, held, "churned")
    assert compared["churned"].value_counts().to_dict() == {"no": 36, "yes": 4}
    assert compared["x"].tolist() == [*range(36), 60, 61, 62, 63]  # the first of each, in order
    # A class with no row left is compared without: the others keep their shares among
    # themselves (every row here), rather than nothing being compared.
    only_no = unseen[unseen["churned"] == "no"]
    assert promotion.in_class_mix(only_no, held, "churned")["x"].tolist() == only_no["x"].tolist()


def test_too_few_unseen_rows_is_a_refusal_unless_forced(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline_on(project, slice(0, None))
    assert cli.main(["promote"]) == 0  # v1 trained on 80% of every row
    pipeline_on(project, slice(0, 100))  # v2 holds out 20 of rows v1 mostly trained on
    capsys.readouterr()
    assert cli.main(["promote"]) == 1
    assert "too few left to compare fairly" in capsys.readouterr().err
    assert cli.main(["promote", "--force", "--reason", "new labels"]) == 0


def test_a_rollback_to_a_model_of_another_contract_version_warns(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Back to a model trained on the contract before its last change: the rollback is done
    (it is the way back), and says that model may not read today's batches."""
    cli = lib("cli")
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0
    dataset = lib("settings").load_settings(project).data.dataset
    contract = project / "contracts" / f"{dataset}.yaml"
    text = contract.read_text(encoding="utf-8")
    assert "\nversion: 1\n" in text
    contract.write_text(text.replace("\nversion: 1\n", "\nversion: 2\n"), encoding="utf-8")
    assert cli.main(["pipeline"]) == 0  # v2, on contract v2
    assert cli.main(["promote", "--force", "--reason", "contract v2"]) == 0
    capsys.readouterr()
    assert cli.main(["rollback", "--reason", "back"]) == 0
    err = capsys.readouterr().err
    assert "v1 is production (was v2)" in err
    assert f"v1 was trained on contract {dataset} v1 (it is v2 now): predict refuses" in err
    # The rollback is audited before the advice: a contract that cannot be read fails neither.
    assert cli.main(["promote", "--version", "2", "--force", "--reason", "again"]) == 0
    contract.unlink()
    capsys.readouterr()
    assert cli.main(["rollback", "--reason", "back again"]) == 0
    assert "v1's contract was not compared with today's: " in capsys.readouterr().err
