"""``reports/status.json``: the project's state for readers outside it (``leanops status``).

A small, stable JSON file, so a fleet tool can read many projects without importing their code:

    {"format": 1, "project": ..., "updated_at": ...,
     "production": {"version", "since", "by", "action"} | null,
     "pipeline": {"status", "at", "run_id", "model_version"} | null,
     "drift": {"status", "at", "input", "model_version"} | null,
     "contract": {"passed", "at", "dataset", "failures"} | null}

``report`` rewrites every part; ``pipeline``, ``promote``, ``rollback`` and ``drift`` update their
own part as they finish, so the file is current without a report (the contract part comes from
the last check's report, read by ``report``). Times are UTC, ISO 8601. Written atomically; a
part that is unknown is null.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

from .collect import REPORTS_DIR, Snapshot, now

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pydantic import JsonValue

STATUS_FILE = "status.json"
FORMAT = 1
Json = dict[str, "JsonValue"]


def status_path(root: Path | str = ".") -> Path:
    """``reports/status.json`` of the project at ``root``."""
    return Path(root) / REPORTS_DIR / STATUS_FILE


def from_snapshot(snapshot: Snapshot) -> Json:
    """The status parts the report knows."""
    card = snapshot.production
    last_run = snapshot.runs[-1] if snapshot.runs else None
    status: Json = {
        "format": FORMAT,
        "project": snapshot.project,
        "updated_at": snapshot.generated_at,
        "production": None
        if card is None
        else {"version": card.version, "since": card.since, "by": card.by, "action": card.action},
        "pipeline": None
        if last_run is None
        else {
            "status": last_run.status,
            "at": dt.datetime.fromtimestamp(last_run.start, tz=dt.UTC).isoformat(
                timespec="seconds"
            ),
            "run_id": last_run.id,
            "model_version": last_run.model_version,
        },
        "drift": None
        if snapshot.drift is None
        else {
            "status": snapshot.drift.status,
            "at": snapshot.drift.created_at,
            "input": snapshot.drift.input,
            "model_version": snapshot.drift.model_version,
        },
        "contract": None
        if snapshot.contract is None
        else {
            "passed": snapshot.contract.passed,
            "at": snapshot.contract.checked_at,
            "dataset": snapshot.contract.dataset,
            "failures": snapshot.contract.failure_count,
        },
    }
    return status


def read_status(root: Path | str = ".") -> Json:
    """The current status file (an empty mapping when there is none or it is unreadable)."""
    try:
        data = json.loads(status_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_status(root: Path | str, status: Json) -> Path:
    """Write ``status`` atomically."""
    from ..files import write_atomic

    text = json.dumps(status, indent=2, sort_keys=True) + "\n"
    return write_atomic(status_path(root), text.encode("utf-8"))


def update_status(root: Path | str, part: str, value: Json) -> Path:
    """Replace one part of the status file, keeping the others."""
    status = read_status(root)
    status.update({"format": FORMAT, "updated_at": now(), part: value})
    return write_status(root, status)


def production_part(record: Mapping[str, object]) -> Json:
    """The ``production`` part from an audit record of a promotion or rollback."""
    return {
        "version": _json(record.get("to")),
        "since": _json(record.get("time")),
        "by": _json(record.get("who")),
        "action": _json(record.get("action")),
    }


def _json(value: object) -> JsonValue:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)
