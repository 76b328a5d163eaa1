"""Gather what the report shows, into typed records: the only module that reads the registry,
the run store and the check reports. Rendering (``html``, ``charts``) never touches them.

Every part is optional: an empty project (nothing trained yet) gives a snapshot with empty parts,
and a part that cannot be read (a corrupt file) is left empty with a note, never an error.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from .. import PACKAGE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from pydantic import JsonValue

    from ..registry import Registry
    from ..settings import Settings

log = logging.getLogger(__name__)

REPORTS_DIR = Path("reports")
RECENT_RUNS = 30
AUDIT_SHOWN = 50
Json = dict[str, "JsonValue"]


@dataclass
class ModelCard:
    """The production model: what it is, where it came from, how it compares."""

    version: int
    since: str | None  # when it became production
    by: str | None
    action: str | None  # promote, force-promote or rollback
    reason: str | None
    created_at: str | None
    run_id: str | None
    data_fingerprint: str | None
    data_rows: int | None
    contract_version: str | None
    metrics: dict[str, float]  # at promotion, on the held-out rows (else at training)
    previous_version: int | None
    previous_metrics: dict[str, float] | None  # the previous production model, same rows
    baseline_metrics: dict[str, float] | None  # a constant prediction, same rows
    baseline_note: str = ""


@dataclass
class RunPoint:
    """One tracked pipeline run."""

    id: str
    name: str
    status: str
    start: float
    user: str | None
    model_version: str | None
    metrics: dict[str, float]


@dataclass
class ContractCheck:
    """The last contract check (``reports/contract_<dataset>.json``)."""

    dataset: str
    contract_version: str | None
    source: str | None
    rows: int | None
    passed: bool
    failure_count: int
    failures: list[Json]
    checked_at: str


@dataclass
class DriftCheck:
    """The last drift check (newest ``reports/drift-*.json``)."""

    path: str
    input: str | None
    model_version: int | None
    created_at: str | None
    rows: int | None
    status: str
    alpha: float | None
    features: list[Json]


@dataclass
class Snapshot:
    """Everything the report and ``reports/status.json`` show."""

    project: str
    generated_at: str
    task: str
    backend: str
    production: ModelCard | None = None
    candidate: int | None = None
    versions: int = 0
    runs: list[RunPoint] = field(default_factory=list)
    contract: ContractCheck | None = None
    drift: DriftCheck | None = None
    audit: list[Json] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _mtime(path: Path) -> str:
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return stamp.isoformat(timespec="seconds")


def _floats(value: object) -> dict[str, float] | None:
    if not isinstance(value, dict):
        return None
    return {str(k): float(v) for k, v in value.items() if isinstance(v, int | float)}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# ----------------------------------------------------------------------------------- registry


def _production(
    registry: Registry, state: Mapping[str, object], audit: list[Json]
) -> ModelCard | None:
    aliases = state.get("aliases")
    version = aliases.get("production") if isinstance(aliases, dict) else None
    if not isinstance(version, int):
        return None
    entry = registry.entry(version)
    moved = next(
        (
            record
            for record in reversed(audit)
            if record.get("alias") == "production" and record.get("to") == version
        ),
        {},
    )
    fingerprint = entry.get("data_fingerprint")
    sha = fingerprint.get("sha256") if isinstance(fingerprint, dict) else fingerprint
    rows = fingerprint.get("rows") if isinstance(fingerprint, dict) else None
    previous = _int(moved.get("from"))
    previous_metrics = _floats(moved.get("production_metrics"))
    if previous_metrics is None and previous is not None:
        try:
            previous_metrics = _floats(registry.entry(previous).get("metrics"))
        except Exception:  # a version that vanished: show what we have
            previous_metrics = None
    return ModelCard(
        version=version,
        since=_text(moved.get("time")),
        by=_text(moved.get("who")),
        action=_text(moved.get("action")),
        reason=_text(moved.get("reason")),
        created_at=_text(entry.get("created_at")),
        run_id=_text(entry.get("run_id")),
        data_fingerprint=_text(sha),
        data_rows=_int(rows),
        contract_version=_text(entry.get("contract_version")),
        metrics=_floats(moved.get("metrics")) or _floats(entry.get("metrics")) or {},
        previous_version=previous,
        previous_metrics=previous_metrics,
        baseline_metrics=_floats(moved.get("baseline_metrics")),
    )


def _baseline(settings: Settings, root: Path) -> tuple[dict[str, float] | None, str]:
    """A constant prediction (the held-out rows' majority class or mean) on the held-out rows."""
    try:
        import pandas as pd
        from sklearn.dummy import DummyClassifier, DummyRegressor

        from ..lifecycle import held_out_evaluator
        from ..train import read_metadata

        meta = read_metadata(settings.models_dir)
        frame = pd.read_parquet(Path(settings.models_dir) / meta["holdout"])
        target = frame[meta["target"]]
        dummy = (
            DummyClassifier(strategy="prior")
            if settings.task == "classification"
            else DummyRegressor(strategy="mean")
        )
        dummy.fit(frame, target)
        metrics = dict(held_out_evaluator(settings, root)(dummy))
    except Exception as error:  # no held-out rows yet, or an unreadable file
        log.debug("no baseline: %s", error)
        return None, ""
    what = "majority class" if settings.task == "classification" else "mean"
    return metrics, f"constant prediction ({what} of the held-out rows)"


def _registry_part(snapshot: Snapshot, settings: Settings, root: Path) -> None:
    from ..registry import Registry

    registry = Registry(settings.models_dir)
    try:
        state = registry.read()
        audit = registry.audit()
    except Exception as error:
        snapshot.notes.append(f"model registry unreadable: {error}")
        return
    versions = state.get("versions")
    snapshot.versions = len(versions) if isinstance(versions, list) else 0
    aliases = state.get("aliases")
    if isinstance(aliases, dict):
        snapshot.candidate = _int(aliases.get("candidate"))
    snapshot.audit = [dict(record) for record in audit[-AUDIT_SHOWN:]][::-1]
    snapshot.production = _production(registry, state, audit)
    card = snapshot.production
    if card is not None and card.baseline_metrics is None:
        card.baseline_metrics, card.baseline_note = _baseline(settings, root)


# --------------------------------------------------------------------------------------- runs


def _runs_part(snapshot: Snapshot, settings: Settings) -> None:
    from .. import tracking

    if settings.tracking_backend != "local":
        snapshot.notes.append("runs are tracked in MLflow: open its UI for their history")
        return
    if not Path(settings.tracking_db).is_file():
        return
    try:
        found = tracking.list_runs(name="pipeline", db=settings.tracking_db, limit=RECENT_RUNS)
        runs = [tracking.get_run(run["id"], db=settings.tracking_db) for run in found]
    except Exception as error:
        snapshot.notes.append(f"run store unreadable: {error}")
        return
    snapshot.runs = [
        RunPoint(
            id=str(run["id"]),
            name=str(run["name"]),
            status=str(run["status"]),
            start=float(run["start_time"]),
            user=_text(run.get("user")),
            model_version=_text(run.get("tags", {}).get("model_version")),
            metrics=_floats(run.get("metrics")) or {},
        )
        for run in reversed(runs)  # oldest first, for the chart
    ]


# ------------------------------------------------------------------------------------ reports


def _read_json(path: Path, snapshot: Snapshot) -> Json | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        snapshot.notes.append(f"{path.name} unreadable: {error}")
        return None
    if not isinstance(data, dict):
        snapshot.notes.append(f"{path.name} is not a JSON object")
        return None
    return data


def _contract_part(snapshot: Snapshot, settings: Settings, root: Path) -> None:
    path = root / REPORTS_DIR / f"contract_{settings.data.dataset}.json"
    if not path.is_file():
        return
    data = _read_json(path, snapshot)
    if data is None:
        return
    failures = data.get("failures")
    snapshot.contract = ContractCheck(
        dataset=str(data.get("dataset", settings.data.dataset)),
        contract_version=_text(data.get("contract_version")),
        source=_text(data.get("source")),
        rows=_int(data.get("rows")),
        passed=bool(data.get("passed")),
        failure_count=_int(data.get("failure_count")) or 0,
        failures=[f for f in failures if isinstance(f, dict)] if isinstance(failures, list) else [],
        checked_at=_mtime(path),
    )


def latest_drift(root: Path) -> Path | None:
    """The newest ``reports/drift-*.json`` (by modification time)."""
    found = sorted((root / REPORTS_DIR).glob("drift-*.json"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _drift_part(snapshot: Snapshot, root: Path) -> None:
    path = latest_drift(root)
    if path is None:
        return
    data = _read_json(path, snapshot)
    if data is None:
        return
    features = data.get("features")
    alpha = data.get("alpha")
    snapshot.drift = DriftCheck(
        path=str(path.relative_to(root)),
        input=_text(data.get("input")),
        model_version=_int(data.get("model_version")),
        created_at=_text(data.get("created_at")) or _mtime(path),
        rows=_int(data.get("rows")),
        status=str(data.get("status", "unknown")),
        alpha=float(alpha) if isinstance(alpha, int | float) else None,
        features=[f for f in features if isinstance(f, dict)] if isinstance(features, list) else [],
    )


def collect(settings: Settings, root: Path | str = ".") -> Snapshot:
    """Everything the report shows, read from the project at ``root``."""
    root = Path(root)
    snapshot = Snapshot(
        project=PACKAGE.replace("_", "-"),
        generated_at=now(),
        task=settings.task,
        backend=settings.tracking_backend,
    )
    _registry_part(snapshot, settings, root)
    _runs_part(snapshot, settings)
    _contract_part(snapshot, settings, root)
    _drift_part(snapshot, root)
    return snapshot
