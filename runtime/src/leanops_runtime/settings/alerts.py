"""``alerts``: where a drift alert, a failed contract check or a refused promotion is sent.

The webhook URL is a secret (anyone holding a Slack or Teams incoming-webhook URL can post to the
channel): set it in the environment or ``.env`` as ``<PREFIX>_ALERTS__WEBHOOK_URL``, never in
params.yaml. Without it, alerts are only logged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from .base import Section


class AlertSettings(Section):
    """Webhook, timeout and retries; which drift level is worth a message."""

    webhook_url: SecretStr | None = None
    timeout_s: float = Field(default=5.0, gt=0.0, le=60.0)
    retries: int = Field(default=1, ge=0, le=5)
    drift_level: Literal["warn", "alert"] = "alert"
