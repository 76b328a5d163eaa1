"""``drift``: when a batch is reported as drifted from the model's training data."""

from __future__ import annotations

from pydantic import Field

from .base import Section


class DriftLimits(Section):
    """One feature's own drift thresholds; an unset value keeps the global one."""

    psi_warn: float | None = Field(default=None, gt=0.0)
    psi_alert: float | None = Field(default=None, gt=0.0)
    ks_warn: float | None = Field(default=None, gt=0.0, le=1.0)
    ks_alert: float | None = Field(default=None, gt=0.0, le=1.0)


class DriftSettings(Section):
    """Drift bands: PSI 0.1 / 0.25 and KS D 0.1 / 0.2 by default; fewer rows than ``min_rows``
    are reported as insufficient data."""

    psi_warn: float = Field(default=0.1, gt=0.0)
    psi_alert: float = Field(default=0.25, gt=0.0)
    ks_warn: float = Field(default=0.1, gt=0.0, le=1.0)
    ks_alert: float = Field(default=0.2, gt=0.0, le=1.0)
    min_rows: int = Field(default=100, ge=1)
    features: dict[str, DriftLimits] = Field(default_factory=dict)
