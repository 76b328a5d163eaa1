"""The promotion gate's rules: is a candidate good enough, and no worse than production?

Two rules, both from the ``promotion`` section of params.yaml:

1. absolute: every ``min`` metric at or above its floor, every ``max`` metric at or below its
   ceiling (e.g. ROC AUC >= 0.9, RMSE <= 70);
2. no regression: on every metric both models report, the candidate is at most ``tolerance``
   (relative) worse than the current production model, both scored on the same held-out data.

Pure functions of metrics: ``promotion`` loads and scores the models, then asks this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Metrics where smaller is better; every other metric is read as larger-is-better.
LOWER_IS_BETTER = frozenset({"rmse", "mae", "mse", "mape", "log_loss", "brier"})

Evaluate = Callable[[Any], Mapping[str, float]]


@dataclass
class GateResult:
    """The verdict with one row per metric and the reasons for a refusal."""

    candidate: int
    production: int | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no rule failed."""
        return not self.reasons


def _worse_limit(metric: str, production: float, tolerance: float) -> tuple[str, float]:
    """The worst candidate value that is not a regression, and its comparison sign."""
    slack = tolerance * abs(production)
    if metric in LOWER_IS_BETTER:
        return "<=", production + slack
    return ">=", production - slack


def _ok(sign: str, value: float, limit: float) -> bool:
    if math.isnan(value):
        return False
    return value >= limit if sign == ">=" else value <= limit


def evaluate_gate(
    candidate: Mapping[str, float],
    production: Mapping[str, float] | None,
    settings: Any,
    *,
    versions: tuple[int, int | None] = (0, None),
) -> GateResult:
    """Apply both rules to the candidate's and production's metrics (same evaluation data)."""
    result = GateResult(candidate=versions[0], production=versions[1])
    bounds = {name: (">=", float(v)) for name, v in settings.min.items()}
    bounds |= {name: ("<=", float(v)) for name, v in settings.max.items()}
    for metric in sorted(set(candidate) | set(bounds)):
        value = candidate.get(metric)
        row: dict[str, Any] = {"metric": metric, "candidate": value, "production": None}
        checks, before = [], len(result.reasons)
        if metric in bounds:
            sign, limit = bounds[metric]
            checks.append(f"{sign} {limit:g}")
            if value is None:
                result.reasons.append(f"{metric}: not computed by the evaluation")
            elif not _ok(sign, value, limit):
                result.reasons.append(f"{metric} = {value:.4f}, required {sign} {limit:g}")
        if production is not None and metric in production and value is not None:
            prod = float(production[metric])
            row["production"] = prod
            sign, limit = _worse_limit(metric, prod, settings.tolerance)
            checks.append(f"{sign} {limit:.4f} (prod ± {settings.tolerance:.0%})")
            if not _ok(sign, value, limit):
                result.reasons.append(
                    f"{metric} regresses: {value:.4f} vs production {prod:.4f}"
                    f" (allowed {sign} {limit:.4f})"
                )
        row["rule"] = "; ".join(checks) or "-"
        row["ok"] = len(result.reasons) == before
        result.rows.append(row)
    return result


def comparison_table(result: GateResult) -> str:
    """The gate's rows as an aligned table: metric, candidate, production, delta, rule, verdict."""
    from .tables import render

    cand = f"candidate v{result.candidate}"
    prod = f"production v{result.production}" if result.production else "production (none)"
    rows = []
    for row in result.rows:
        value, other = row["candidate"], row["production"]
        rows.append(
            (
                row["metric"],
                None if value is None else f"{value:.4f}",
                None if other is None else f"{other:.4f}",
                None if value is None or other is None else f"{value - other:+.4f}",
                row["rule"],
                "yes" if row["ok"] else "NO",
            )
        )
    return render(("metric", cand, prod, "delta", "rule", "ok"), rows)
