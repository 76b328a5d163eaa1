"""The report page: every section with its content, self-contained, and a useful empty page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from _package import NAME, load

cli = load("mlops.cli")
charts = load("mlops.report.charts")
config = load("mlops.settings")
data = load("mlops.data")

SECTIONS = ("model", "runs", "drift", "contract", "audit")


def section(page: str, ident: str) -> str:
    found = re.search(rf'<section id="{ident}">(.*?)</section>', page, flags=re.DOTALL)
    assert found, f"no section {ident}"
    return found.group(1)


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
    assert "No pipeline runs yet" in section(page, "runs")
    assert "No drift check yet" in section(page, "drift")
    assert "No contract check yet" in section(page, "contract")
    assert "Nothing registered or promoted yet" in section(page, "audit")
    status = json.loads((project / "reports" / "status.json").read_text())
    assert status["production"] is None
    assert status["pipeline"] is None


def test_a_working_project_shows_every_section(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = config.load_settings(project)
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

    runs = section(page, "runs")
    assert runs.count('class="badge finished"') == 2
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
        assert runs.count("<svg") == 1
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
    load("mlops.contract").contract_path(settings.data.dataset, project).unlink()
    assert cli.main(["pipeline"]) == 2
    assert status()["pipeline"]["status"] == "failed"
    assert status()["production"] == moved
