"""The report as a person sees it: a generated project's page opened in headless Chromium.

The project is rendered once; its pipeline, promotion, contract and drift checks run for real; the
page is screenshot by Debian's ``chromium`` and the picture must be a page, not a blank: many
colours, mostly not white, the dark header band and the charts' blue bars in it. The empty
project's page is opened too. Without Chromium they fail under CI (``CI`` set: .ci/run installs
it, so a missing browser is a broken CI machine, not a pass) and are skipped, with the reason,
elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import NESTED_TIMEOUT, render_template, run_cli, run_in


@pytest.fixture(scope="module")
def chromium(system_packages: None) -> str:
    """The browser's path, once .ci/run's install (if any) is done; missing: a failure under
    CI, a skip elsewhere."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt install chromium)")
    return found


# Flags that work in a sandbox without a network or a display (see the machine notes).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
HEADER = (17, 24, 39)  # --ink, the header band
BLUE = (37, 99, 235)  # the batch bars and run lines

SHIFT = """
from ml_project.datasets import TARGET
from leanops_runtime.data import load_embedded
frame = load_embedded("breast_cancer").drop(columns=[TARGET])
frame["mean_texture"] = frame["mean_texture"] + 3 * frame["mean_texture"].std()
frame.to_csv("shifted.csv", index=False)
"""


def cli(project: Path, *args: str) -> str:
    result = run_in(project, sys.executable, "-m", "ml_project", *args, env={"PYTHONPATH": "src"})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def screenshot(browser: str, page: Path, out: Path, profile: Path, height: int = 2400) -> Path:
    """The browser's screenshot of ``page`` (1280 px wide) as a PNG file."""
    result = subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size=1280,{height}",
            f"--screenshot={out}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=NESTED_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0 and out.is_file(), result.stderr[-2000:]
    return out


def pixels(png: Path) -> list[tuple[int, int, int]]:
    from PIL import Image

    with Image.open(png) as image:
        data = image.convert("RGB").tobytes()
    return [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)]


def near(colour: tuple[int, int, int], target: tuple[int, int, int], slack: int = 12) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(colour, target, strict=True))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_template(tmp_path_factory.mktemp("report") / "ml-project")


def test_an_empty_project_page_is_drawn(chromium: str, tmp_path: Path) -> None:
    """On a project of its own: the module's project gets runs and models in the other test,
    whichever order the two run in."""
    project = render_template(tmp_path / "empty-project")
    page = project / cli(project, "report", "-o", "reports/empty.html").strip()
    html = page.read_text(encoding="utf-8")
    assert "No production model yet" in html
    png = screenshot(chromium, page, tmp_path / "empty.png", tmp_path / "chrome", 900)
    colours = Counter(pixels(png))
    assert sum(count for colour, count in colours.items() if near(colour, HEADER)) > 20_000
    assert len(colours) > 20  # text, tiles, badges: not a blank page


@pytest.mark.slow
def test_a_working_project_page_shows_model_runs_drift_contract_and_audit(
    chromium: str, project: Path, tmp_path: Path
) -> None:
    made = run_in(project, sys.executable, "-c", SHIFT, env={"PYTHONPATH": "src"})
    assert made.returncode == 0, made.stderr
    steps = [["pipeline"], ["promote"], ["pipeline"], ["contract", "check"]]
    steps += [["drift", "shifted.csv"], ["report"]]
    results = run_cli(project, *steps)  # in one interpreter
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
    page = project / results[-1].stdout.strip()
    html = page.read_text(encoding="utf-8")

    # Every section with its content, and nothing fetched from anywhere.
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert len(html.encode()) < 600_000
    for ident, expected in [
        ("model", "<strong>v1</strong>"),
        ("runs", 'class="badge finished"'),
        ("drift", "mean_texture · alert"),
        ("contract", "breast_cancer"),
        ("audit", "promote"),
    ]:
        found = re.search(rf'<section id="{ident}">(.*?)</section>', html, flags=re.DOTALL)
        assert found and expected in found.group(1), ident
    assert html.count("<svg") == 3  # the runs' metrics, what they cost, the drift

    png = screenshot(chromium, page, tmp_path / "report.png", tmp_path / "chrome")
    colours = Counter(pixels(png))
    total = sum(colours.values())
    white = sum(count for colour, count in colours.items() if min(colour) >= 245)
    assert len(colours) > 200, "too few colours: a blank or unstyled page"
    assert white / total < 0.9
    assert sum(count for colour, count in colours.items() if near(colour, HEADER)) > 20_000
    assert sum(count for colour, count in colours.items() if near(colour, BLUE)) > 2_000
