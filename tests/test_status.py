"""``leanops status``: one row per project from its answers, its git branches and the
``reports/status.json`` its report and drift commands write; table, JSON and HTML."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO, render_template, run_in

from generator.cli import main
from generator.status import Row, age, fill

TEMPLATE_CSS = REPO / "runtime" / "src" / "leanops_runtime" / "report" / "style.css"


def git(path: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(path), *args], capture_output=True, text=True, check=True
    ).stdout


FORMAT_1 = {  # template 0.3: no dataset; the pipeline's "at" was its start
    "format": 1,
    "updated_at": "2026-01-01T00:00:00+00:00",
    "production": {"version": 3, "since": "2025-12-29T00:00:00+00:00"},
    "pipeline": {"status": "finished", "at": "2025-12-31T00:00:00+00:00"},
    "drift": {"status": "warn", "at": "2025-12-31T12:00:00+00:00"},
}
FORMAT_2 = {
    "format": 2,
    "dataset": "houses",
    "updated_at": "2026-01-01T00:00:00+00:00",
    "production": {"version": 3, "since": "2025-12-29T00:00:00+00:00", "dataset": "houses"},
    "pipeline": {
        "status": "finished",
        "at": "2025-12-31T00:03:00+00:00",
        "started_at": "2025-12-31T00:00:00+00:00",
        "dataset": "houses",
    },
    "drift": {"status": "warn", "at": "2025-12-31T12:00:00+00:00", "dataset": "houses"},
}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two projects from a tagged template source: one recorded, one behind with an update
    branch waiting."""
    root = tmp_path_factory.mktemp("fleet")
    source = root / "source"
    source.mkdir()
    git(source, "init", "-q")
    for version in ("0.1.0", "0.2.0", "0.3.0"):
        git(source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty",
            "-m", version)  # fmt: skip
        git(source, "tag", f"v{version}")
    for name, commit in (("alpha", "v0.3.0"), ("beta", "v0.1.0")):
        project = render_template(root / "projects" / name)
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
        answers |= {"_src_path": str(source), "_commit": commit}
        (project / ".copier-answers.yml").write_text(yaml.safe_dump(answers))
        run_in(project, "git", "commit", "-qam", "answers")
    alpha = root / "projects" / "alpha"
    (alpha / "reports").mkdir()
    (alpha / "reports" / "status.json").write_text(json.dumps(FORMAT_2))
    beta = root / "projects" / "beta"
    git(beta, "branch", "template-update/v0.3.0")
    git(beta, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m",
        "x")  # fmt: skip
    git(beta, "checkout", "-q", "template-update/v0.3.0")
    git(beta, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m",
        "update")  # fmt: skip
    git(beta, "checkout", "-q", "-")
    return root / "projects"


def test_json_has_one_row_per_project(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", str(fleet), "--json"]) == 0
    rows = {
        Path(row["project"]).name: row for row in json.loads(capsys.readouterr().out)["projects"]
    }
    assert set(rows) == {"alpha", "beta"}
    alpha, beta = rows["alpha"], rows["beta"]
    assert alpha["template"] == "v0.3.0"
    assert alpha["template_status"] == "up to date"
    assert alpha["dataset"] == "houses"
    assert alpha["production"] == 3
    assert alpha["pipeline"] == "finished"
    assert alpha["pipeline_at"] == "2025-12-31T00:03:00+00:00"  # when it ended
    assert alpha["pipeline_started_at"] == "2025-12-31T00:00:00+00:00"
    assert alpha["drift"] == "warn"
    assert beta["template"] == "v0.1.0"
    assert beta["template_status"] == "behind"
    assert beta["behind"] == 2
    assert beta["newest"] == "v0.3.0"
    assert beta["update_branch"] == "template-update/v0.3.0"
    assert beta["update_state"] == "waiting"
    assert beta["dataset"] is None
    assert beta["production"] is None


def test_table_and_html(
    fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # a narrow terminal's width, read from a pipe
    assert main(["status", str(fleet)]) == 0
    out = capsys.readouterr().out
    assert any(  # one line per project, not wrapped to 80 columns
        "v0.1.0 (2 behind v0.3.0)" in line and "template-update/v0.3.0 waiting" in line
        for line in out.splitlines()
    ), out
    assert "houses" in out
    page = tmp_path / "fleet.html"
    assert main(["status", str(fleet), "--html", str(page)]) == 0
    text = page.read_text()
    assert TEMPLATE_CSS.read_text() in text  # the very style of the projects' report
    assert '<span class="badge warn">warn</span>' in text
    assert "<td>houses</td>" in text
    assert '<span class="badge behind">behind</span>' in text
    assert "<script" not in text


def test_a_conflicted_update_is_reported(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    beta = fleet / "beta"
    git(beta, "checkout", "-q", "template-update/v0.3.0")
    readme = beta / "README.md"
    original = readme.read_text()
    try:
        readme.write_text(
            original + "<<<<<<< before updating\na\n=======\nb\n>>>>>>> after updating\n"
        )
        assert main(["status", str(beta), "--json"]) == 0
        (row,) = json.loads(capsys.readouterr().out)["projects"]
        assert row["update_state"] == "conflicts"
    finally:
        readme.write_text(original)
        git(beta, "checkout", "-q", "-")


def test_both_formats_are_read_and_no_part_of_another_dataset_is_shown() -> None:
    old = fill(Row("old"), FORMAT_1)
    assert (old.dataset, old.production, old.pipeline_at, old.drift) == (
        None,
        3,
        "2025-12-31T00:00:00+00:00",
        "warn",
    )
    assert old.pipeline_started_at is None
    mixed = {**FORMAT_2, "drift": {"status": "alert", "at": "2026-01-01T00:00:00+00:00",
                                   "dataset": "events"}}  # fmt: skip
    row = fill(Row("mixed"), mixed)
    assert (row.dataset, row.production, row.drift) == ("houses", 3, None)


def test_the_css_is_shared_not_copied_apart() -> None:
    assert (REPO / "generator" / "report.css").read_bytes() == TEMPLATE_CSS.read_bytes()


def test_ages_read_like_a_person_says_them() -> None:
    import datetime as dt

    now = dt.datetime(2026, 1, 3, tzinfo=dt.UTC)
    assert age("2026-01-01T00:00:00+00:00", now) == "2d"
    assert age("2026-01-02T21:00:00+00:00", now) == "3h"
    assert age(None, now) == "-"


def test_the_html_page_shows_every_value_as_text() -> None:
    from generator.status import Row, render_html

    hostile = "<img src=x onerror=alert(1)>"
    page = render_html([Row(hostile, template_status=hostile, dataset=hostile, drift=hostile)])
    assert "<img" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") == 4  # name, dataset, two badges
