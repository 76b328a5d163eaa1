"""Alerts that reach someone without stopping anything: a JSON message to a webhook.

Sent on a drift alert (``drift``), a failed contract check (``contract check``, ``ingest``,
``pipeline``) and a refused promotion (``promote``), when ``<PREFIX>_ALERTS__WEBHOOK_URL`` is set
(environment or ``.env``). The message has a ``text`` field, which Slack's and Teams' incoming
webhooks show as is, plus ``event``, ``severity``, ``project``, ``time``, ``host`` and ``details``
for a machine receiver.

Delivery never changes what the command does: a timeout per attempt (``alerts.timeout_s``), a retry
after a connection error, a timeout, HTTP 429 or a 5xx (``alerts.retries``), then a warning in
the log, and the command goes on with the exit code it would have had. The URL is never logged.
Only the standard library is used (``urllib``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from . import package

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pydantic import JsonValue

    from .settings import AlertSettings

log = logging.getLogger(__name__)

Event = Literal["drift", "contract", "promotion", "cost"]
Severity = Literal["warning", "error"]
BACKOFF_S = 0.5
SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class Alert:
    """What happened, in one line for people and as fields for machines."""

    event: Event
    text: str
    severity: Severity = "warning"
    details: Mapping[str, JsonValue] = field(default_factory=dict)

    def payload(self) -> dict[str, JsonValue]:
        """The JSON body: ``text`` (shown by Slack and Teams) and structured fields."""
        project = package().replace("_", "-")
        return {
            "text": f"[{project}] {self.text}",
            "event": self.event,
            "severity": self.severity,
            "project": project,
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "host": socket.gethostname(),
            "details": dict(self.details),
        }


def _retryable(error: Exception) -> bool:
    if isinstance(error, urllib.error.HTTPError):
        return error.code == 429 or error.code >= 500
    return isinstance(error, urllib.error.URLError | TimeoutError | OSError)


def _reason(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError):
        return f"{error.reason}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def deliver(url: str, body: bytes, *, timeout: float, retries: int) -> tuple[bool, str]:
    """POST ``body`` to ``url``; ``(delivered, reason of the last failure)``. Never raises."""
    if not url.lower().startswith(SCHEMES):
        return False, "the webhook URL must start with http:// or https://"
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    reason = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(BACKOFF_S * attempt)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                response.read(1024)
            return True, ""
        except Exception as error:  # any failure of the webhook: report it, never raise
            reason = _reason(error)
            if not _retryable(error):
                break
    return False, reason


def send(alert: Alert, settings: AlertSettings) -> bool:
    """Send ``alert`` to the configured webhook; False (and a warning) when it did not arrive."""
    if settings.webhook_url is None:
        log.debug("alert not sent (no alerts.webhook_url): %s", alert.text)
        return False
    try:
        body = json.dumps(alert.payload(), default=str).encode("utf-8")
        delivered, reason = deliver(
            settings.webhook_url.get_secret_value(),
            body,
            timeout=settings.timeout_s,
            retries=settings.retries,
        )
    except Exception as error:  # never let an alert break the command that raised it
        delivered, reason = False, _reason(error)
    if delivered:
        log.info("alert sent (%s)", alert.event)
    else:
        log.warning("alert not delivered (%s): %s", reason, alert.text)
    return delivered


def notify(
    event: Event,
    text: str,
    *,
    root: Path | str = ".",
    severity: Severity = "warning",
    details: Mapping[str, JsonValue] | None = None,
    settings: AlertSettings | None = None,
) -> bool:
    """Send an alert with the settings of the project at ``root`` (or ``settings``).

    The one call the commands make; it never raises, whatever the settings or the webhook do.
    """
    try:
        if settings is None:
            from .settings import load_settings

            settings = load_settings(root).alerts
        return send(Alert(event, text, severity, dict(details or {})), settings)
    except Exception as error:  # unreadable settings included: the command goes on
        log.warning("alert not sent (%s): %s", _reason(error), text)
        return False
