"""``promotion``: the gate a candidate passes before it becomes the production model."""

from __future__ import annotations

from pydantic import Field

from .base import Section


class BaselineRule(Section):
    """The candidate must beat the trivial baseline scored on the same held-out rows.

    ``min_skill`` is the share of the way from the baseline to a perfect score that the
    candidate must cover on each metric: ``(candidate - baseline) / (perfect - baseline)``, so
    0.05 asks a ROC AUC of 0.525 over the baseline's 0.5, or an RMSE 5% below the baseline's.
    ``metrics`` None: the default metrics of the task (``gate.BASELINE_METRICS``); [] turns the
    rule off.
    """

    metrics: list[str] | None = None
    min_skill: float = Field(default=0.05, ge=0.0, lt=1.0)


class PromotionSettings(Section):
    """The promotion gate: beat the baseline, optional floors and ceilings, no regression.

    ``tolerance`` is relative: the candidate may be at most that fraction worse than the
    production model on each metric both report (0.01 = 1%), on the same evaluation data.
    """

    baseline: BaselineRule = Field(default_factory=BaselineRule)
    min: dict[str, float] = Field(default_factory=dict)
    max: dict[str, float] = Field(default_factory=dict)
    tolerance: float = Field(default=0.01, ge=0.0, lt=1.0)
