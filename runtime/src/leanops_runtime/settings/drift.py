"""``drift``: when a batch is reported as drifted from the model's training data.

A feature warns when its change is statistically significant across the whole batch (Holm-adjusted
p-value below ``alpha``: at most 5% of same-distribution batches warn), and alerts when that
change is also large (PSI >= ``psi_alert`` or KS D >= ``ks_alert``). The fixed warning bands of
template 0.2 (``psi_warn``, ``ks_warn``) are refused as unknown settings; the migration to 0.4.0
removes them from params.yaml.
"""

from __future__ import annotations

from pydantic import Field

from .base import Section


class DriftLimits(Section):
    """One feature's own alert thresholds; an unset value keeps the global one."""

    psi_alert: float | None = Field(default=None, gt=0.0)
    ks_alert: float | None = Field(default=None, gt=0.0, le=1.0)


class DriftSettings(Section):
    """Significance level, alert thresholds and the smallest batch worth a verdict."""

    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    psi_alert: float = Field(default=0.25, gt=0.0)
    ks_alert: float = Field(default=0.2, gt=0.0, le=1.0)
    min_rows: int = Field(default=100, ge=1)
    features: dict[str, DriftLimits] = Field(default_factory=dict)
