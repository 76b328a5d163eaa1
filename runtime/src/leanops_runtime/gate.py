"""The promotion gate's rules: is a candidate good enough, and no worse than production?

Three rules, from the ``promotion`` section of params.yaml, all on the same held-out rows:

1. beat the baseline (on by default, works on any dataset): on each baseline metric, the
   candidate covers at least ``baseline.min_skill`` of the way from the trivial baseline (most
   frequent class / mean, see ``metrics``) to a perfect score;
2. absolute (optional): every ``min`` metric at or above its floor, every ``max`` metric at or
   below its ceiling (e.g. ROC AUC >= 0.9, RMSE <= 70);
3. no regression: on every metric production reports, the candidate is at most ``tolerance``
   (relative) worse than the current production model, and a metric it does not report at all
   (a classifier without ``predict_proba`` has no ROC AUC) is a refusal, not a pass;
4. budgets (optional): the candidate's median latency per 1,000 rows, model size and training
   time at or below ``budgets`` (measured by ``costs``; each is shown beside production's).

Pure functions of metrics: ``promotion`` loads and scores the models, then asks this module.
The baseline's scores come with the candidate's (``baseline_<metric>``, from
``metrics.score``), or explicitly as ``baseline=``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .metrics import LOWER_IS_BETTER, perfect, split_baseline, task_of
from .model import Model
from .settings import TASK_METRICS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .settings import PromotionSettings

# The metrics the baseline rule uses when params.yaml names none (those the task reports).
BASELINE_METRICS = ("roc_auc", "f1_macro", "rmse", "mae")
# Fewer scored rows than this and the verdict may be chance: one row of 50 moves accuracy by 2
# points.
FEW_ROWS = 50
# Fewer rows of a class than this among the scored ones, and what measures that class (ROC AUC,
# F1, average precision) moves by chance: one case of 30 is 3 points of its recall.
FEW_OF_A_CLASS = 30
FIRMER = "(more data, or a larger data.test_size, makes them firmer)"  # either note's remedy
# Why a classifier's metric can be missing: it scores probabilities the model does not give.
LOST = dict.fromkeys(("roc_auc", "average_precision", "log_loss"), "its model has no predict_proba")

Evaluate = Callable[[Model], Mapping[str, float]]


@dataclass
class GateRow:
    """One metric: both models' values, the baseline's, the rules applied and the verdict."""

    metric: str
    candidate: float | None
    production: float | None = None
    baseline: float | None = None
    rules: list[str] = field(default_factory=list)
    ok: bool = True


@dataclass
class GateResult:
    """The verdict with one row per metric and the reasons for a refusal."""

    candidate: int
    production: int | None
    rows: list[GateRow] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth a look, but no rule refuses them

    @property
    def passed(self) -> bool:
        """True when no rule failed."""
        return not self.reasons


def _sign(metric: str) -> str:
    return "<=" if metric in LOWER_IS_BETTER else ">="


def _ok(sign: str, value: float, limit: float) -> bool:
    if math.isnan(value):
        return False
    return value >= limit if sign == ">=" else value <= limit


def _worse_limit(metric: str, production: float, tolerance: float) -> float:
    """The worst candidate value that is not a regression."""
    slack = tolerance * abs(production)
    return production + slack if metric in LOWER_IS_BETTER else production - slack


def other_tasks(metric: str, own: Mapping[str, float], setting: str) -> str:
    """'' unless ``metric`` is the other task's (params.yaml kept it after ``task`` changed):
    then the reason, naming the setting to edit."""
    task = task_of(own)
    for other, names in TASK_METRICS.items():
        if task is not None and other != task and metric in names:
            return (
                f"{metric}: a {other} metric and the candidate is a {task} model: "
                f"remove it from {setting} in params.yaml"
            )
    return ""


def baseline_limit(metric: str, baseline: float, min_skill: float) -> float:
    """The value that covers ``min_skill`` of the way from ``baseline`` to a perfect score."""
    return baseline + min_skill * (perfect(metric) - baseline)


def _baseline_metrics(
    settings: PromotionSettings, candidate: Mapping[str, float], baseline: Mapping[str, float]
) -> tuple[list[str], bool]:
    """The metrics of the baseline rule, and whether params.yaml named them."""
    named = settings.baseline.metrics
    if named is not None:
        return list(named), True
    return [m for m in BASELINE_METRICS if m in candidate and m in baseline], False


def evaluate_gate(
    candidate: Mapping[str, float],
    production: Mapping[str, float] | None,
    settings: PromotionSettings,
    *,
    versions: tuple[int, int | None] = (0, None),
    baseline: Mapping[str, float] | None = None,
    resources: Mapping[str, tuple[float | None, float | None]] | None = None,
    scored_rows: int | None = None,
    rarest: tuple[str, int] | None = None,
) -> GateResult:
    """Apply the rules to the candidate's and production's metrics (same evaluation data).

    ``baseline``: the trivial baseline's metrics; by default the ``baseline_*`` entries of
    ``candidate``. ``resources``: each of ``costs.RESOURCES`` as (candidate, production).
    ``scored_rows``: how many rows the metrics come from; under ``FEW_ROWS`` it is noted, as is
    a classification's ``rarest`` class (label, rows) under ``FEW_OF_A_CLASS`` among more rows.
    """
    own, carried = split_baseline(dict(candidate))
    base = dict(baseline) if baseline is not None else carried
    prod = split_baseline(dict(production))[0] if production is not None else None
    result = GateResult(candidate=versions[0], production=versions[1])
    bounds = {name: (">=", float(v)) for name, v in settings.min.items()}
    bounds |= {name: ("<=", float(v)) for name, v in settings.max.items()}
    beat, named = _baseline_metrics(settings, own, base)
    for metric in sorted(set(own) | set(prod or {}) | set(bounds) | set(beat)):
        value = own.get(metric)
        row = GateRow(metric=metric, candidate=value, baseline=base.get(metric))
        before = len(result.reasons)
        if metric in beat:
            _baseline_rule(result, row, settings.baseline.min_skill, named=named, own=own)
        if metric in bounds:
            _bound_rule(result, row, *bounds[metric], own=own)
        if prod is not None and metric in prod:
            row.production = float(prod[metric])
        if row.production is not None and value is None:
            row.rules.append("computed, as for production")
            if len(result.reasons) == before:  # not said already by a rule that names it
                result.reasons.append(
                    f"{metric}: production's is {row.production:.4f}, the candidate has none "
                    f"({LOST.get(metric, 'the evaluation did not compute it')}): nothing says "
                    "it is not worse"
                )
        elif row.production is not None and value is not None:
            limit = _worse_limit(metric, row.production, settings.tolerance)
            sign = _sign(metric)
            worse = "+" if metric in LOWER_IS_BETTER else "-"  # one-sided: only worse is held
            row.rules.append(f"{sign} {limit:.4f} (prod {worse} {settings.tolerance:.0%})")
            if not _ok(sign, value, limit):
                result.reasons.append(
                    f"{metric} regresses: {value:.4f} vs production {row.production:.4f}"
                    f" (allowed {sign} {limit:.4f})"
                )
        row.ok = len(result.reasons) == before
        result.rows.append(row)
        _unjudged_below_baseline(result, row)
    if scored_rows is not None and scored_rows < FEW_ROWS:
        result.notes.append(
            f"the gate scored on {scored_rows} held-out rows: differences of a few points may "
            f"be chance {FIRMER}"
        )
    elif rarest is not None and rarest[1] < FEW_OF_A_CLASS:
        label, rows = rarest
        result.notes.append(
            f"the gate scored on {scored_rows} held-out rows, {rows} of them of class {label!r}: "
            "differences of a few points in what measures that class (ROC AUC, F1, average "
            f"precision) may be chance {FIRMER}"
        )
    for name, (value, production_value) in (resources or {}).items():
        _budget_rule(
            result, GateRow(name, value, production_value), getattr(settings.budgets, name)
        )
    return result


def _unjudged_below_baseline(result: GateResult, row: GateRow) -> None:
    """A note when a metric no rule judges is worse than the trivial baseline's: a classifier
    whose log loss is worse than predicting the class shares has probabilities not to trust."""
    value, base = row.candidate, row.baseline
    if row.rules or value is None or base is None or _ok(_sign(row.metric), value, base):
        return
    result.notes.append(
        f"{row.metric} = {value:.4f} is worse than the trivial baseline's {base:.4f}; no rule "
        f"judges it (add it to promotion.baseline.metrics to make it one)"
    )


def _budget_rule(result: GateResult, row: GateRow, budget: float | None) -> None:
    before = len(result.reasons)
    if budget is not None:
        row.rules.append(f"<= {budget:g} (budget)")
        if row.candidate is None:
            result.reasons.append(
                f"{row.metric}: not recorded for v{result.candidate} (registered before 0.4): "
                "retrain it, or promote --force --reason ..."
            )
        elif row.candidate > budget:
            production = "-" if row.production is None else f"{row.production:g}"
            result.reasons.append(
                f"{row.metric} = {row.candidate:g} is over its budget {budget:g} "
                f"(production: {production})"
            )
    row.ok = len(result.reasons) == before
    result.rows.append(row)


def _bound_rule(
    result: GateResult, row: GateRow, sign: str, limit: float, *, own: Mapping[str, float]
) -> None:
    metric, value = row.metric, row.candidate
    row.rules.append(f"{sign} {limit:g}")
    if value is None:
        where = "promotion.min" if sign == ">=" else "promotion.max"
        wrong = other_tasks(metric, own, where)
        result.reasons.append(wrong or f"{metric}: not computed by the evaluation")
    elif not _ok(sign, value, limit):
        result.reasons.append(f"{metric} = {value:.4f}, required {sign} {limit:g}")


def _baseline_rule(
    result: GateResult,
    row: GateRow,
    min_skill: float,
    *,
    named: bool,
    own: Mapping[str, float],
) -> None:
    metric, value, base = row.metric, row.candidate, row.baseline
    if value is None or base is None:
        if named:
            what = "the candidate" if value is None else "the baseline"
            wrong = other_tasks(metric, own, "promotion.baseline.metrics")
            reason = f"{metric}: not computed for {what} by the evaluation"
            result.reasons.append(wrong or reason)
        return
    sign = _sign(metric)
    limit = baseline_limit(metric, base, min_skill)
    row.rules.append(f"{sign} {limit:.4f} (baseline + {min_skill:.0%} skill)")
    if base == perfect(metric):
        result.reasons.append(
            f"{metric}: the trivial baseline is already perfect on the held-out rows "
            f"({base:.4f}): too few rows or classes to judge a model"
        )
    elif not _ok(sign, value, limit):
        result.reasons.append(
            f"{metric} = {value:.4f} does not beat the trivial baseline {base:.4f} "
            f"by {min_skill:.0%} skill (required {sign} {limit:.4f})"
        )


def verdict(row: GateRow) -> str:
    """``NO`` when a rule failed, ``yes`` when rules applied and passed, ``-`` when no rule
    judged the metric (shown for information: never a pass it did not earn)."""
    if not row.ok:
        return "NO"
    return "yes" if row.rules else "-"


def comparison_table(result: GateResult) -> str:
    """The gate's rows as an aligned table: metric, candidate, production, baseline, rules."""
    from .tables import render

    cand = f"candidate v{result.candidate}"
    prod = f"production v{result.production}" if result.production else "production (none)"

    def shown(value: float | None) -> str | None:
        return None if value is None else f"{value:.4f}"

    rows = [
        (
            row.metric,
            shown(row.candidate),
            shown(row.production),
            None
            if row.candidate is None or row.production is None
            else f"{row.candidate - row.production:+.4f}",
            shown(row.baseline),
            "; ".join(row.rules) or "-",
            verdict(row),
        )
        for row in result.rows
    ]
    return render((("metric", cand, prod, "delta", "baseline", "rule", "ok")), rows)
