"""The report page: every section with its content, self-contained, and a useful empty page."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from _frames import customers, project_for
from _package import CHARTS, NAME, lib, load

cli = lib("cli")
charts = lib("report.charts")
config = lib("settings")
data = lib("data")
html = lib("report.html")
status_file = lib("report.status")

SECTIONS = ("model", "runs", "drift", "contract", "audit")


def section(page: str, ident: str) -> str:
    found = re.search(rf'<section id="{ident}">(.*?)</section>', page, flags=re.DOTALL)
    assert found, f"no section {ident}"
    return found.group(1)


def status_of(project: Path) -> dict[str, Any]:
    return json.loads((project / "reports" / "status.json").read_text(encoding="utf-8"))


def assert_self_contained(page: str) -> None:
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from anywhere
    assert "@import" not in page
    assert len(page.encode()) < 1_000_000


def test_an_empty_project_gets_a_useful_page(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["report"]) == 0
    out = capsys.readouterr().out.strip()
    page = Path(out).read_text(encoding="utf-8")
    assert (project / out).resolve() == (project / "reports" / "report.html").resolve()
    assert_self_contained(page)
    project_name = NAME.replace("_", "-")
    assert f"No production model yet. Run <code>{project_name} pipeline</code>" in page
    dataset = config.load_settings(project).data.dataset
    assert f"No pipeline runs of dataset {dataset} yet" in section(page, "runs")
    assert f"No drift check of dataset {dataset} yet" in section(page, "drift")
    assert "No contract check yet" in section(page, "contract")
    assert "Nothing registered or promoted yet" in section(page, "audit")
    status = status_of(project)
    assert status["dataset"] == dataset
    assert status["production"] is None
    assert status["pipeline"] is None


def test_a_working_project_shows_every_section(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = config.load_settings(project)
    linear = "logistic_regression" if settings.task == "classification" else "ridge"
    monkeypatch.setenv(f"{NAME.upper()}_TRAIN__ALSO_TRY", f'["{linear}"]')
    batch = data.load_embedded(settings.data.dataset).drop(columns=[load("datasets").TARGET])
    column = batch.columns[3]
    batch[column] = batch[column] + 3 * batch[column].std()
    batch.to_csv(project / "shifted.csv", index=False)
    for args in (["pipeline"], ["promote"], ["pipeline"], ["contract", "check"]):
        assert cli.main(args) == 0, args
    assert cli.main(["drift", "shifted.csv"]) == 0
    capsys.readouterr()
    assert cli.main(["report", "-o", "reports/week.html"]) == 0
    page = (project / "reports" / "week.html").read_text(encoding="utf-8")
    assert_self_contained(page)

    model = section(page, "model")
    assert "<strong>v1</strong>" in model
    assert "promote" in model
    assert "contract version" in model
    assert "baseline" in model
    assert "Candidate v2 waits for" in model
    metric = "roc_auc" if settings.task == "classification" else "rmse"
    assert metric in model
    # Which model runs, and with what: the estimator and its hyperparameters from params.yaml.
    fitted = json.loads((project / "reports" / "metrics.json").read_text("utf-8"))["estimator"]
    assert fitted in (settings.train.estimator, linear)
    assert f"<dd>{fitted}</dd>" in model
    given = settings.train.hyperparameters_of(fitted)
    assert all(f"{key}={value}" in model for key, value in given.items()), given

    assert "chosen by" in model and "cross-validation on" in model  # params.yaml's also_try
    assert "What it costs to serve and train" in model  # measured by the gate at promotion
    assert "latency median (ms / 1,000 rows)" in model and "model size (MB)" in model

    runs = section(page, "runs")
    assert runs.count('class="badge finished"') == 2
    assert runs.count(" s wall, ") == 2 and runs.count(" MB peak, ") == 2  # what each cost
    drift = section(page, "drift")
    assert "shifted.csv" in drift
    assert column in drift
    assert 'class="badge alert"' in drift
    contract = section(page, "contract")
    assert settings.data.dataset in contract
    assert 'class="badge ok"' in contract
    audit = section(page, "audit")
    assert audit.count("register") == 2
    assert "promote" in audit
    if charts.available():
        assert runs.count("<svg") == 2  # metrics, and what the runs cost
        assert "peak memory (MB)" in runs
        assert drift.count("<svg") == 1
    else:
        assert "Charts need matplotlib" in page

    status = json.loads((project / "reports" / "status.json").read_text())
    assert status["production"]["version"] == 1
    assert status["pipeline"]["status"] == "finished"
    assert status["drift"]["status"] == "alert"
    assert status["contract"]["passed"] is True


def test_the_report_never_replaces_a_kept_file(project: Path) -> None:
    assert cli.main(["report", "-o", "params.yaml"]) == 2


def test_status_follows_every_command_without_a_report(project: Path) -> None:
    """``leanops status`` reads status.json: pipeline, promote and rollback keep it current."""

    def status() -> dict[str, Any]:
        return json.loads((project / "reports" / "status.json").read_text())

    assert cli.main(["pipeline"]) == 0
    assert status()["pipeline"]["status"] == "finished"
    assert status()["pipeline"]["model_version"] == 1
    assert status().get("production") is None
    assert cli.main(["promote"]) == 0
    assert status()["production"]["version"] == 1
    assert status()["production"]["action"] == "promote"
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote", "--force", "--reason", "the newer data"]) == 0
    assert status()["production"]["version"] == 2
    assert cli.main(["rollback", "--reason", "v2 misbehaves"]) == 0
    moved = status()["production"]
    assert (moved["version"], moved["action"]) == (1, "rollback")
    assert moved["by"]
    assert moved["since"]

    settings = config.load_settings(project)
    lib("contract").contract_path(settings.data.dataset, project).unlink()
    assert cli.main(["pipeline"]) == 2
    assert status()["pipeline"]["status"] == "failed"
    assert status()["production"] == moved

    # Run from a folder inside the project: refused, and no stray status page left there.
    (project / "src").mkdir(exist_ok=True)
    assert cli.main(["pipeline", "--root", str(project / "src")]) == 2
    assert not (project / "src" / "reports").exists()


def shifted_batch(project: Path) -> str:
    """A batch of the project's first dataset with one feature moved three SDs: an alert."""
    settings = config.load_settings(project)
    batch = data.load_embedded(settings.data.dataset).drop(columns=[load("datasets").TARGET])
    column = batch.columns[3]
    batch[column] = batch[column] + 3 * batch[column].std()
    batch.to_csv(project / "shifted.csv", index=False)
    return str(column)


def test_the_report_and_status_are_about_the_current_dataset_only(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = config.load_settings(project).data.dataset
    shifted_batch(project)
    for args in (["pipeline"], ["promote"], ["drift", "shifted.csv"]):
        assert cli.main(args) == 0, args
    params = (project / "params.yaml").read_text(encoding="utf-8")
    # The team switches the project to a second table (with dates), as the README says.
    project_for(project, customers(), "churn", target="churned", task="classification")
    assert cli.main(["pipeline"]) == 0
    status = status_of(project)
    assert (status["dataset"], status["pipeline"]["dataset"]) == ("churn", "churn")
    assert status["production"] is None  # the first dataset's v1 is not churn's
    assert status["drift"] is None  # nor is its drift check

    capsys.readouterr()
    assert cli.main(["report"]) == 0
    page = (project / "reports" / "report.html").read_text(encoding="utf-8")
    assert "Project report for dataset <strong>churn</strong>" in page
    assert "No production model yet" in section(page, "model")
    assert "No drift check of dataset churn yet" in section(page, "drift")
    assert "shifted.csv" not in page
    runs = section(page, "runs")
    assert runs.count('class="badge finished"') == 1
    assert "1 pipeline run(s) of other datasets are not shown" in runs
    assert status_of(project)["drift"] is None

    customers(300, seed=5).drop(columns=["churned"]).to_csv(project / "week.csv", index=False)
    assert cli.main(["drift", "week.csv"]) == 0
    assert cli.main(["report"]) == 0
    drift = section((project / "reports" / "report.html").read_text(encoding="utf-8"), "drift")
    assert "against model v1 of dataset <strong>churn</strong>" in drift
    assert "<td>signup_date</td><td>datetime</td><td>ks+missing</td>" not in drift  # no gaps
    assert "<td>signup_date</td><td>datetime</td><td>ks</td>" in drift  # dates are checked
    assert status_of(project)["drift"]["input"] == "week.csv"

    # Back to the first dataset: its own production model and drift check, as they were.
    (project / "params.yaml").write_text(params, encoding="utf-8")
    assert cli.main(["report"]) == 0
    page = (project / "reports" / "report.html").read_text(encoding="utf-8")
    assert f"Project report for dataset <strong>{first}</strong>" in page
    assert "<strong>v1</strong>" in section(page, "model")
    drift = section(page, "drift")
    assert "shifted.csv" in drift
    assert "week.csv" not in drift
    assert "1 pipeline run(s) of other datasets are not shown" in section(page, "runs")
    status = status_of(project)
    assert status["dataset"] == first
    assert (status["production"]["version"], status["drift"]["input"]) == (1, "shifted.csv")
    assert {status[part]["dataset"] for part in ("production", "pipeline", "drift")} == {first}


def test_the_reports_console_line_names_a_failed_pipeline_and_its_contract(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scheduled job's log shows what the page shows: the last pipeline failed, and why."""
    assert cli.main(["pipeline"]) == 0
    dataset = lib("settings").load_settings(project).data.dataset
    frame = lib("data").load_embedded(dataset)
    column = next(name for name in frame.columns if name != load("datasets").TARGET)
    frame[column] = frame[column].astype(object)
    frame.loc[3, column] = "oops"
    (project / "data" / "raw").mkdir(parents=True, exist_ok=True)
    frame.to_csv(project / "data" / "raw" / f"{dataset}.csv", index=False)
    assert cli.main(["pipeline"]) == 1
    capsys.readouterr()
    assert cli.main(["report"]) == 0
    line = next(line for line in capsys.readouterr().err.splitlines() if "last pipeline" in line)
    assert "production model none; last pipeline: failed; contract: 1 failure(s)" in line


def test_older_drift_reports_that_name_no_dataset_are_not_guessed_at(project: Path) -> None:
    (project / "reports").mkdir()
    old = {"input": "x.csv", "model_version": 1, "status": "alert", "rows": 200, "features": []}
    (project / "reports" / "drift-x.json").write_text(json.dumps(old), encoding="utf-8")
    assert cli.main(["report"]) == 0
    drift = section((project / "reports" / "report.html").read_text(encoding="utf-8"), "drift")
    assert "1 older drift report(s)" in drift
    assert "x.csv" not in drift
    assert status_of(project)["drift"] is None


def test_an_alert_stays_in_sight_after_a_clean_batch_of_the_same_model(project: Path) -> None:
    """The newest check leads; an earlier batch of the same model that alerted is in the tile
    and listed below, so a clean batch does not hide it."""
    import os

    dataset = config.load_settings(project).data.dataset
    (project / "reports").mkdir()
    for age, (name, status) in enumerate((("clean", "ok"), ("shifted", "alert"), ("old", "ok"))):
        checked = {"dataset": dataset, "input": f"{name}.csv", "model_version": 1, "rows": 200}
        path = project / "reports" / f"drift-{name}.json"
        path.write_text(json.dumps({**checked, "status": status, "features": []}), "utf-8")
        os.utime(path, (1_800_000_000 - 60 * age, 1_800_000_000 - 60 * age))
    other = {"dataset": dataset, "input": "v0.csv", "model_version": 0, "status": "alert"}
    (project / "reports" / "drift-v0.json").write_text(json.dumps(other), "utf-8")
    os.utime(project / "reports" / "drift-v0.json", (1_700_000_000, 1_700_000_000))
    assert cli.main(["report"]) == 0
    page = (project / "reports" / "report.html").read_text(encoding="utf-8")
    assert "clean.csv, " in page and "; earlier, shifted.csv alerted" in page  # the tile
    drift = section(page, "drift")
    earlier = drift.split("Earlier checks of model v1, newest first:")[1]
    assert earlier.index("shifted.csv") < earlier.index("old.csv")
    assert "v0.csv" not in drift  # another model's check
    assert status_of(project)["drift"]["input"] == "clean.csv"


def test_runs_show_when_they_ended(project: Path) -> None:
    assert cli.main(["pipeline"]) == 0
    part = status_of(project)["pipeline"]
    assert part["started_at"] <= part["at"]
    # Make the run three minutes long: the page and the status say when it ended.
    db = config.load_settings(project).tracking_db
    with contextlib.closing(sqlite3.connect(project / db)) as conn, conn:
        (start,) = conn.execute("SELECT start_time FROM runs WHERE name = 'pipeline'").fetchone()
        conn.execute("UPDATE runs SET end_time = ?", (start + 180,))
    assert cli.main(["report"]) == 0
    page = (project / "reports" / "report.html").read_text(encoding="utf-8")
    started, ended = html.when(start), html.when(start + 180)
    assert "<th>started</th><th>ended</th>" in section(page, "runs")
    assert f"<td>{started}</td><td>{ended}</td>" in section(page, "runs")
    assert f"ended {ended} (started {started})" in page  # the summary tile
    part = status_of(project)["pipeline"]
    assert (part["started_at"], part["at"]) == (
        status_file.iso(start),
        status_file.iso(start + 180),
    )


def test_a_status_file_never_shows_one_dataset_as_another(project: Path) -> None:
    first = config.load_settings(project).data.dataset
    (project / "reports").mkdir()
    old = {  # format 1: no dataset anywhere, so nobody knows whose these are
        "format": 1,
        "production": {"version": 3, "since": "2026-01-01T00:00:00+00:00"},
        "drift": {"status": "alert", "at": "2026-01-02T00:00:00+00:00"},
    }
    (project / "reports" / "status.json").write_text(json.dumps(old), encoding="utf-8")
    drift = {"status": "ok", "at": "2026-01-03T00:00:00+00:00", "input": "b.csv"}
    status_file.update_status(project, "drift", drift, dataset="houses")
    status = status_of(project)
    assert (status["format"], status["dataset"], status["production"]) == (2, "houses", None)
    assert status["drift"] == {**drift, "dataset": "houses"}
    status_file.update_status(project, "pipeline", {"status": "finished"}, dataset="houses")
    assert status_of(project)["drift"]["input"] == "b.csv"  # same dataset: kept
    status_file.update_status(project, "production", {"version": 1})  # params.yaml's dataset
    status = status_of(project)
    assert status["dataset"] == first
    assert status["production"] == {"version": 1, "dataset": first}
    assert status["drift"] is None
    assert status["pipeline"] is None


def test_every_value_is_shown_as_text_never_as_markup() -> None:
    collect = lib("report.collect")
    hostile = '<img src=x onerror="alert(1)">'
    card = collect.ModelCard(
        version=2,
        since="2026-01-02T03:04:05+00:00",
        by=hostile,
        action="promote",
        reason=hostile,
        created_at=None,
        run_id=hostile,
        estimator=hostile,
        hyperparameters={hostile: hostile},
        data_fingerprint=hostile,
        data_rows=10,
        contract_version=hostile,
        metrics={hostile: 0.5},
        previous_version=None,
        previous_metrics=None,
        baseline_metrics={hostile: 0.25},
        baseline_note=hostile,
    )
    snapshot = collect.Snapshot(
        project=hostile,
        dataset=hostile,
        generated_at=hostile,
        task=hostile,
        backend=hostile,
        production=card,
        runs=[collect.RunPoint(hostile, "pipeline", hostile, 0.0, None, hostile, hostile, {})],
        contract=collect.ContractCheck(
            hostile, hostile, hostile, 3, False, 1, [{"column": hostile, "value": hostile}], hostile
        ),
        drift=collect.DriftCheck(
            "p", hostile, hostile, 2, hostile, 5, hostile, 0.05, [{"feature": hostile}]
        ),
        audit=[{"who": hostile, "action": hostile, "reason": hostile, "to": hostile}],
        notes=[hostile],
    )
    page = html.render(snapshot)
    assert "<img" not in page
    assert page.count("&lt;img src=x onerror=&#34;alert(1)&#34;&gt;") >= 15
    for ident in SECTIONS:
        assert "&lt;img" in section(page, ident), f"the {ident} section lost a value"


@pytest.mark.skipif(not CHARTS, reason="the charts read no task: drawn on classification")
def test_names_that_read_as_mathtext_are_drawn_as_written() -> None:
    pytest.importorskip("matplotlib")
    name = r"$\undefinedcmd{x}$ cost"
    feature = {
        "feature": name,
        "status": "warn",
        "distribution": {"labels": [r"$\frac{", "b"], "reference": [0.5, 0.5], "batch": [0.9, 0.1]},
    }
    svg = charts.drift_chart([feature])
    assert svg is not None and r"\undefinedcmd{x}" in svg
    run = lib("report.collect").RunPoint(
        "r1", "pipeline", "FINISHED", 0.0, 1.0, None, None, {name: 1}
    )
    assert charts.runs_chart([run]) is not None


def test_a_code_with_hundreds_of_values_draws_its_largest_and_one_other_bar() -> None:
    labels = [f"K{i:03d}" for i in range(300)]
    reference = [1 / 300] * 300
    batch = [0.0] * 300
    batch[250] = 0.5  # one code took half the batch
    batch[:250] = [0.5 / 250] * 250
    shown, ref, new = charts.top_categories(labels, reference, batch)
    assert len(shown) == charts.TOP_CATEGORIES + 1
    assert shown[0] == "K250"  # the largest share in either data first
    assert shown[-1] == f"{300 - charts.TOP_CATEGORIES} more"
    assert sum(ref) == pytest.approx(1.0)
    assert sum(new) == pytest.approx(1.0)
    assert charts.top_categories(labels[:5], reference[:5], batch[:5])[0] == labels[:5]


@pytest.mark.skipif(not CHARTS, reason="the charts read no task: drawn on classification")
def test_drift_panels_name_their_bars_and_shares() -> None:
    pytest.importorskip("matplotlib")
    codes = {
        "feature": "region_code",
        "kind": "categorical",
        "status": "alert",
        "distribution": {
            "labels": [f"R{i:03d}" for i in range(120)],
            "reference": [1 / 120] * 120,
            "batch": [1 / 120] * 120,
        },
    }
    numbers = {
        "feature": "monthly_spend",
        "kind": "numeric",
        "status": "ok",
        "distribution": {
            "labels": ["< 10", "10 to 20", "20 to 30", "≥ 30"],
            "reference": [0.25] * 4,
            "batch": [0.1, 0.2, 0.3, 0.4],
        },
    }
    svg = charts.drift_chart([codes, numbers])
    assert svg is not None
    assert "R000" in svg and "R119" not in svg  # the first of equal shares, not all 120
    assert "112 more" in svg
    assert "&lt; 10" in svg and "≥ 30" in svg  # the lowest and highest bins
    assert "%" in svg  # shares on the y axis


def test_a_refused_candidate_is_shown_refused_with_the_gates_reasons(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["pipeline"]) == 0 and cli.main(["promote"]) == 0
    monkeypatch.setenv(f"{NAME.upper()}_DATA__TEST_SIZE", "0.3")  # another split: v2
    monkeypatch.setenv(f"{NAME.upper()}_PROMOTION__BASELINE__MIN_SKILL", "0.999")
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 1
    capsys.readouterr()
    assert cli.main(["report"]) == 0
    page = (project / "reports" / "report.html").read_text(encoding="utf-8")
    model = section(page, "model")
    assert "Candidate v2 was refused by the promotion gate" in model
    assert "does not beat the trivial baseline" in model and "Production stays v1" in model
    assert "waits for" not in model
    assert "v2 refused, v1 stays" in section(page, "audit")
    settings = config.load_settings(project)
    held, _ = lib("registry").open_registry(settings, project).holdout(1)
    assert f"As the promotion gate scored both models, on {len(held):,} held-out rows" in model
    # v2, forced in: production v1 had trained on some of the rows v2 held out.
    assert cli.main(["promote", "--force", "--reason", "trial"]) == 0
    assert cli.main(["report"]) == 0
    record = lib("registry").open_registry(settings, project).audit()[-1]
    scored, held_out = record["scored_rows"], record["held_out_rows"]
    assert 0 < scored < held_out
    model = section((project / "reports" / "report.html").read_text(encoding="utf-8"), "model")
    assert (
        f"on {scored:,} of its {held_out:,} held-out rows (the previous production had trained "
        f"on the other {held_out - scored:,})"
    ) in model
