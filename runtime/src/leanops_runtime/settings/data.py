"""``data``: which dataset the pipeline uses and how its rows are split."""

from __future__ import annotations

from pydantic import Field

from .base import Section


class DataSettings(Section):
    """Which dataset to use and how to split it."""

    dataset: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    test_size: float = Field(default=0.2, gt=0.0, lt=1.0)
