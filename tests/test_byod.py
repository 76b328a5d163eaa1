"""The generated README's "Bring your own data" walkthrough runs as written, on a messy table.

Every command of the section is extracted from the rendered README and run with the project's
CLI (``uv run <project> ...`` becomes ``python -m <package> ...`` in this environment); every YAML
block headed ``# <file>`` is merged into that file, as the reader is told to do. The messy export
the section describes is built here in code.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import render_template, run_cli
from readme import project_docs

PROJECT = "ml-project"
SECTION = "## Bring your own data"


def churn_export(rows: int, seed: int, *, labels: bool = True) -> pd.DataFrame:
    """The CRM export the section describes: row number, ids, gaps, n/a, codes, dates, labels."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, rows)
    spend = rng.gamma(2.0, 30.0, rows).round(2)
    plan = rng.choice(["basic", "plus", "pro"], rows, p=[0.5, 0.3, 0.2])
    region = rng.choice([f"R{i:04d}" for i in range(300)], rows)
    signup = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 1000, rows), unit="D")
    risk = -0.05 * tenure + 0.02 * spend + (plan == "basic") * 1.0 + rng.normal(0, 0.7, rows)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{seed}{i:05d}" for i in range(rows)],
            "tenure_months": tenure,
            "monthly_spend": spend.astype(object),
            "plan": plan,
            "region": region,
            "signup_date": signup.strftime("%Y-%m-%d"),
            "churned": np.where(risk > np.quantile(risk, 0.6), "yes", "no").astype(object),
        }
    )
    frame.loc[rng.choice(rows, rows // 20, replace=False), "monthly_spend"] = "n/a"
    if labels:
        frame.loc[rng.choice(rows, 3, replace=False), "churned"] = None
    else:
        frame = frame.drop(columns=["churned"])
    return frame


def walkthrough(readme: str) -> list[tuple[str, str]]:
    """The section's fenced blocks, in order: ("bash" | "yaml" | "", body)."""
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    section = readme[start : end if end != -1 else None]
    return [(m[1], m[2]) for m in re.finditer(r"```(\w*)\n(.*?)```", section, re.S)]


def merge_yaml(project: Path, block: str) -> None:
    """Apply a ``# <file>`` YAML block as a person would: each top-level line of the block
    replaces the file's line of that key (comments kept); a nested key replaces the line of
    that key under its parent."""
    target = block.splitlines()[0].removeprefix("#").strip()
    path = project / target
    text = path.read_text(encoding="utf-8")
    for key, value in yaml.safe_load(block).items():
        if isinstance(value, dict):
            for child, inner in value.items():
                pattern = rf"(^{key}:\n(?:[ #].*\n)*?)  {child}: .*$"
                text, count = re.subn(pattern, rf"\g<1>  {child}: {inner}", text, flags=re.M)
                assert count == 1, (key, child)
        else:
            text, count = re.subn(rf"^{key}: .*$", f"{key}: {value}", text, flags=re.M)
            assert count == 1, key
    assert yaml.safe_load(text)
    path.write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_the_bring_your_own_data_section_runs_as_written(tmp_path: Path) -> None:
    project = render_template(tmp_path / "p", project_name=PROJECT)
    raw = project / "data" / "raw" / "churn.csv"
    churn_export(400, 1).to_csv(raw, sep=";")  # the index: a row number without a name
    batch = project / "data" / "new" / "churn-june.csv"
    batch.parent.mkdir(parents=True)
    churn_export(150, 2, labels=False).to_csv(batch, sep=";")

    blocks = walkthrough(project_docs(project))
    kinds = [kind for kind, _ in blocks]
    assert kinds.count("bash") >= 2 and kinds.count("yaml") == 2, kinds
    commands = []
    for kind, body in blocks:
        if kind == "yaml":
            merge_yaml(project, body)
            continue
        if kind != "bash":
            continue
        lines = [words for line in body.splitlines() if (words := shlex.split(line, comments=True))]
        assert all(words[:3] == ["uv", "run", PROJECT] for words in lines), body
        # The block's commands in one interpreter, each as `python -m <package> ...` would run.
        for words, result in zip(lines, run_cli(project, *(w[3:] for w in lines)), strict=True):
            assert result.returncode == 0, f"{shlex.join(words)}\n{result.stderr}"
            assert "Traceback" not in result.stderr
            commands.append((words[3], result))

    assert [name for name, _ in commands] == [
        "contract",
        "contract",
        "pipeline",
        "promote",
        "predict",
        "drift",
    ]
    contract = (project / "contracts" / "churn.yaml").read_text(encoding="utf-8")
    assert "# a row number" in contract and "high cardinality" in contract
    assert "dropped 3 row(s) without a target" in commands[2][1].stderr
    # Written as the contract reads a CSV: ';'-separated, like the batch.
    predictions = pd.read_csv(project / "reports" / "predictions-churn-june.csv", sep=";")
    assert list(predictions.columns) == [
        "customer_id",
        "prediction",
        "probability_no",
        "probability_yes",
        "model_version",
    ]
    assert len(predictions) == 150
    drift = json.loads((project / "reports" / "drift-churn-june.json").read_text("utf-8"))
    assert {row["feature"] for row in drift["features"]} >= {"tenure_months", "region"}
