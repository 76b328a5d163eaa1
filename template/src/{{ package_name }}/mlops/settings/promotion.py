"""``promotion``: the gate a candidate passes before it becomes the production model."""

from __future__ import annotations

from pydantic import Field

from .base import Section


class PromotionSettings(Section):
    """The promotion gate: absolute floors and ceilings per metric, and the allowed regression.

    ``tolerance`` is relative: the candidate may be at most that fraction worse than the
    production model on each metric both report (0.01 = 1%), on the same evaluation data.
    """

    min: dict[str, float] = Field(default_factory=dict)
    max: dict[str, float] = Field(default_factory=dict)
    tolerance: float = Field(default=0.01, ge=0.0, lt=1.0)
