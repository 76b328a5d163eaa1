"""``reports/status.json``: the project's state for readers outside it (``leanops status``).

A small, stable JSON file, so a fleet tool can read many projects without importing their code.
It describes ONE dataset's model line, the one ``params.yaml`` names (``data.dataset``); every
part says which dataset it is about too:

    {"format": 2, "project": ..., "dataset": ..., "updated_at": ...,
     "production": {"version", "since", "by", "action", "dataset"} | null,
     "pipeline": {"status", "at", "started_at", "run_id", "model_version", "dataset"} | null,
     "drift": {"status", "at", "input", "model_version", "dataset"} | null,
     "contract": {"passed", "at", "dataset", "failures"} | null,
     "warnings": [what the report found wrong: a forged audit record, an alias moved by hand]}

The pipeline's ``at`` is when the run ended (still running: when it started); ``started_at`` when
it started. (Format 1 had no ``dataset`` keys and its pipeline ``at`` was the start.)

``report`` rewrites every part; ``pipeline``, ``promote``, ``rollback`` and ``drift`` update their
own part as they finish, so the file is current without a report (the contract part comes from
the last check's report, read by ``report``). When a command writes for another dataset than the
file's (the project switched), the parts of the other dataset are cleared rather than shown as
this one's; ``report`` fills them again. Times are UTC, ISO 8601. Written atomically; a part that
is unknown is null.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from pathlib import Path

from ..files import REPORTS_DIR

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pydantic import JsonValue

    from .collect import Snapshot

log = logging.getLogger(__name__)

STATUS_FILE = "status.json"
FORMAT = 2
PARTS = ("production", "pipeline", "drift", "contract")
Json = dict[str, "JsonValue"]


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def status_path(root: Path | str = ".") -> Path:
    """``reports/status.json`` of the project at ``root``."""
    return Path(root) / REPORTS_DIR / STATUS_FILE


def iso(stamp: float | None) -> str | None:
    """POSIX seconds as UTC ISO 8601 text, to the second (None stays None)."""
    if stamp is None:
        return None
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC).isoformat(timespec="seconds")


def pipeline_part(
    status: str,
    *,
    started_at: float | None,
    ended_at: float | None,
    run_id: str | None,
    model_version: int | str | None,
    candidate: int | None = None,
) -> Json:
    """The ``pipeline`` part (times in POSIX seconds): ``at`` is when the run ended (when it
    started, while it runs); ``candidate``, the registry's when it ended (another version than
    ``model_version`` when the pipeline reused an older one)."""
    return {
        "status": status,
        "at": iso(ended_at) or iso(started_at),
        "started_at": iso(started_at),
        "run_id": run_id,
        "model_version": model_version,
        "candidate": candidate,
    }


def version_number(tag: str | None) -> int | str | None:
    """A run's ``model_version`` tag (``v3``) as the registry's number (3), as ``pipeline``
    records it; anything else as it is."""
    if tag is not None and tag.startswith("v") and tag[1:].isdigit():
        return int(tag[1:])
    return tag


def from_snapshot(snapshot: Snapshot, before: Json | None = None) -> Json:
    """The status parts the report knows, all of them about the snapshot's dataset; from the
    status file ``before`` it, what only the pipeline knew of its own last run (the candidate
    it left, which ``promote`` reads)."""
    dataset = snapshot.dataset
    card = snapshot.production
    last_run = snapshot.runs[-1] if snapshot.runs else None
    known = (before or {}).get("pipeline")
    same_run = (
        isinstance(known, dict) and last_run is not None and known.get("run_id") == last_run.id
    )
    candidate = known.get("candidate") if same_run and isinstance(known, dict) else None
    status: Json = {
        "format": FORMAT,
        "project": snapshot.project,
        "dataset": dataset,
        "updated_at": snapshot.generated_at,
        "production": None
        if card is None
        else {
            "version": card.version,
            "since": card.since,
            "by": card.by,
            "action": card.action,
            "dataset": dataset,
        },
        "pipeline": None
        if last_run is None
        else {
            **pipeline_part(
                last_run.status,
                started_at=last_run.start,
                ended_at=last_run.end,
                run_id=last_run.id,
                model_version=version_number(last_run.model_version),
                candidate=candidate if isinstance(candidate, int) else None,
            ),
            "dataset": dataset,
        },
        "drift": None
        if snapshot.drift is None
        else {
            "status": snapshot.drift.status,
            "at": snapshot.drift.created_at,
            "input": snapshot.drift.input,
            "model_version": snapshot.drift.model_version,
            "dataset": dataset,
        },
        "contract": None
        if snapshot.contract is None
        else {
            "passed": snapshot.contract.passed,
            "at": snapshot.contract.checked_at,
            "dataset": dataset,  # reports/contract_<dataset>.json
            "failures": snapshot.contract.failure_count,
        },
        "warnings": list(snapshot.notes),
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


def current_dataset(root: Path | str) -> str | None:
    """params.yaml's dataset (None when the settings cannot be read: the caller's error shows)."""
    from ..settings import load_settings

    try:
        return load_settings(Path(root)).data.dataset
    except Exception as error:  # the command that called us reports the real problem
        log.debug("no dataset for the status: %s", error)
        return None


def update_status(
    root: Path | str, part: str, value: Json, *, dataset: str | None = None
) -> Path | None:
    """Replace one part of the status file, keeping the others of the same dataset.

    ``dataset``: the model line ``value`` is about (default: params.yaml's). Parts about another
    dataset, or of a format-1 file that named none, are cleared: the file never shows one
    dataset's drift or production model as another's.

    The file only mirrors what the registry, the runs and the reports hold: when it cannot be
    written (a full disk), the command that changed them has still succeeded, so this warns and
    returns None instead of failing it.
    """
    status = read_status(root)
    dataset = dataset or current_dataset(root)
    if dataset is not None:
        for name in PARTS:
            kept = status.get(name)
            if name != part and (not isinstance(kept, dict) or kept.get("dataset") != dataset):
                status[name] = None
        status["dataset"] = dataset
        value = {**value, "dataset": dataset}
    status.update({"format": FORMAT, "updated_at": now(), part: value})
    try:
        return write_status(root, status)
    except OSError as error:
        log.warning(
            "%s was not updated (%s); what it mirrors is recorded: `report` rewrites it",
            status_path(root),
            error.strerror or error,
        )
        return None


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
