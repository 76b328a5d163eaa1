"""What every settings section shares: unknown keys are errors (a typo never passes silently)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A section of params.yaml; unknown keys are refused with the key's name."""

    model_config = ConfigDict(extra="forbid")
