"""Tables a team brings, built in code: every kind of mess ``contract infer`` and the pipeline meet.

``customers`` is a small, learnable churn table with a row-number column, an id with its own
name, numbers with gaps, a few plans, dates, high-cardinality codes and a free choice of label
type; ``iris`` is a three-class table from scikit-learn (species names as labels). ``project_for``
turns one of them into a project's dataset the way the README says: file in ``data/raw/``,
``contract infer`` into ``contracts/``, ``params.yaml`` edited.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from _package import lib

LABELS = {
    "strings": ("no", "yes"),
    "bool": (False, True),
    "ints": (0, 1),
}


def customers(rows: int = 240, *, labels: str = "strings", seed: int = 0) -> pd.DataFrame:
    """A churn table: row number, id, numbers with gaps, categories, dates, codes, a label."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, rows)
    spend = rng.gamma(2.0, 30.0, rows).round(2)
    plan = rng.choice(["basic", "plus", "pro"], rows, p=[0.5, 0.3, 0.2])
    region = rng.choice([f"R{i:03d}" for i in range(60)], rows)
    days = rng.integers(0, 3 * 365, rows)
    signup = (pd.Timestamp("2021-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    risk = -0.05 * tenure + 0.02 * spend + (plan == "basic") * 1.0 + rng.normal(0, 0.7, rows)
    churned = risk > np.quantile(risk, 0.6)
    negative, positive = LABELS[labels]
    frame = pd.DataFrame(
        {
            "Unnamed: 0": np.arange(rows),
            "customer_key": [f"C{i:05d}" for i in rng.permutation(rows)],
            "tenure_months": tenure.astype(float),
            "monthly_spend": spend,
            "plan": plan,
            "region_code": region,
            "signup_date": signup,
            "churned": np.where(churned, positive, negative),
        }
    )
    frame.loc[rng.choice(rows, rows // 12, replace=False), "tenure_months"] = np.nan
    frame.loc[rng.choice(rows, rows // 15, replace=False), "plan"] = None
    if labels == "bool":
        frame["churned"] = frame["churned"].astype(bool)
    return frame


def spend_regression(rows: int = 240, seed: int = 1) -> pd.DataFrame:
    """Regression with categoricals: monthly spend from plan, region and tenure."""
    frame = customers(rows, seed=seed).drop(columns=["churned"])
    rng = np.random.default_rng(seed)
    bonus = frame["plan"].map({"basic": 0.0, "plus": 25.0, "pro": 60.0}).fillna(10.0)
    frame["monthly_spend"] = (
        20 + bonus + 0.5 * frame["tenure_months"].fillna(30) + rng.normal(0, 5, rows)
    ).round(2)
    return frame


def iris() -> pd.DataFrame:
    """Three classes with names as labels (scikit-learn's iris), and an id column."""
    from sklearn.datasets import load_iris

    bunch = load_iris(as_frame=True)
    frame = bunch.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame["species"] = bunch.target_names[bunch.target]
    frame.insert(0, "flower_id", [f"F{i:03d}" for i in range(len(frame))])
    return frame.drop(columns=["target"])


def write(frame: pd.DataFrame, path: Path, **options: object) -> Path:
    """Write ``frame`` as CSV (any ``to_csv`` options) or Parquet, by suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, **options)  # type: ignore[arg-type]
    return path


def set_params(project: Path, **sections: dict[str, object]) -> None:
    """Merge ``sections`` into the project's params.yaml (``task`` as a plain key)."""
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(params.get(key), dict):
            params[key].update(value)
        else:
            params[key] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def project_for(
    project: Path,
    frame: pd.DataFrame,
    name: str,
    *,
    target: str,
    task: str,
    suffix: str = ".csv",
    infer_args: tuple[str, ...] = (),
    estimator: str | None = None,
) -> Path:
    """Make ``frame`` the project's dataset as the README says: raw file, infer, params.yaml."""
    cli = lib("cli")
    raw = write(frame, project / "data" / "raw" / f"{name}{suffix}")
    contract = project / "contracts" / f"{name}.yaml"
    args = ["contract", "infer", str(raw), "--target", target, "-o", str(contract)]
    assert cli.main([*args, *infer_args]) == 0
    default = {"classification": "logistic_regression", "regression": "ridge"}[task]
    chosen = estimator or default
    # As a person does when switching estimator: params.yaml's block of hyperparameters belongs
    # to the estimator it names, so the new one starts from its own defaults.
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    hyperparameters = params["train"]["hyperparameters"]
    if chosen != params["train"]["estimator"]:
        hyperparameters = {}
    train = {"estimator": chosen, "hyperparameters": hyperparameters}
    set_params(project, task=task, data={"dataset": name}, train=train)
    return raw
