"""``drift``: when a batch is reported as drifted from the model's training data.

A feature warns when its change is statistically significant across the whole batch (Holm-adjusted
p-value below ``alpha``: at most 5% of same-distribution batches warn), and alerts when that
change is also large (PSI >= ``psi_alert`` or KS D >= ``ks_alert``).

``psi_warn`` and ``ks_warn`` (template 0.2) are still accepted but no longer used: fixed warning
bands fired by chance on small batches. Loading them logs a warning saying so.
"""

from __future__ import annotations

import logging

from pydantic import Field, model_validator

from .base import Section

log = logging.getLogger(__name__)

DEPRECATED = ("psi_warn", "ks_warn")
DEPRECATION = (
    "drift.{keys} in params.yaml {verb} no longer used: a feature now warns when a significance "
    "test across the batch says it changed (drift.alpha, default 0.05); remove {them}"
)


_logged: set[str] = set()  # settings load several times per command: say it once


def _warn_deprecated(section: Section, where: str) -> None:
    keys = [key for key in DEPRECATED if getattr(section, key) is not None]
    if keys:
        message = DEPRECATION.format(
            keys="/".join(keys),
            verb="are" if len(keys) > 1 else "is",
            them="them" if len(keys) > 1 else "it",
        )
        message = message.replace("drift.", f"drift.{where}", 1)
        if message not in _logged:
            _logged.add(message)
            log.warning("%s", message)


class DriftLimits(Section):
    """One feature's own alert thresholds; an unset value keeps the global one."""

    psi_alert: float | None = Field(default=None, gt=0.0)
    ks_alert: float | None = Field(default=None, gt=0.0, le=1.0)
    psi_warn: float | None = Field(default=None, gt=0.0, description="deprecated, ignored")
    ks_warn: float | None = Field(default=None, gt=0.0, le=1.0, description="deprecated, ignored")


class DriftSettings(Section):
    """Significance level, alert thresholds and the smallest batch worth a verdict."""

    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    psi_alert: float = Field(default=0.25, gt=0.0)
    ks_alert: float = Field(default=0.2, gt=0.0, le=1.0)
    min_rows: int = Field(default=100, ge=1)
    features: dict[str, DriftLimits] = Field(default_factory=dict)
    psi_warn: float | None = Field(default=None, gt=0.0, description="deprecated, ignored")
    ks_warn: float | None = Field(default=None, gt=0.0, le=1.0, description="deprecated, ignored")

    @model_validator(mode="after")
    def _deprecations(self) -> DriftSettings:
        _warn_deprecated(self, "")
        for name, limits in self.features.items():
            _warn_deprecated(limits, f"features.{name}.")
        return self
