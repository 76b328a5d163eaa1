"""Gather what the report shows, into typed records: the only module that reads the registry,
the run store and the check reports. Rendering (``html``, ``charts``) never touches them.

Everything is about ONE dataset, params.yaml's (``data.dataset``): its model line in the
registry, its pipeline runs (tagged ``dataset``), its contract report and the newest drift report
checked against its models. Other datasets' runs are counted in a note, never mixed in, and so
are older drift reports that do not say which dataset they checked.

Every part is optional: an empty project (nothing trained yet) gives a snapshot with empty parts,
and a part that cannot be read (a corrupt file) is left empty with a note, never an error.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import package
from ..files import REPORTS_DIR as REPORTS_DIR  # noqa: PLC0414 (imported from here up to 0.3.0)
from ..tracking.api import COST_PREFIX
from .status import now as now  # noqa: PLC0414 (imported from here up to 0.3.0)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pydantic import JsonValue

    from ..registry import Registry, State
    from ..settings import Settings

log = logging.getLogger(__name__)

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
    estimator: str | None  # as params.yaml names it
    hyperparameters: dict[str, object]  # given in params.yaml (else scikit-learn's defaults)
    data_fingerprint: str | None
    data_rows: int | None
    contract_version: str | None
    metrics: dict[str, float]  # at promotion, on the held-out rows (else at training)
    previous_version: int | None
    previous_metrics: dict[str, float] | None  # the previous production model, same rows
    baseline_metrics: dict[str, float] | None  # a constant prediction, same rows
    baseline_note: str = ""
    selection: str | None = None  # how the estimator was chosen among params.yaml's also_try
    template_commit: str | None = None  # the template version the project was on
    # What serving and training it cost, as the gate measured it at promotion, beside the
    # production model it replaced (``costs.RESOURCES``: name -> [this model, that one]).
    resources: dict[str, list[float | None]] = field(default_factory=dict)
    # The held-out rows the gate scored both models on (its run's metrics cover all of them;
    # fewer here when production had trained on some); None: measured at training.
    scored_rows: int | None = None
    held_out_rows: int | None = None  # all of its held-out rows


@dataclass
class RunPoint:
    """One tracked pipeline run (times are POSIX seconds)."""

    id: str
    name: str
    status: str
    start: float
    end: float | None  # None while it runs
    user: str | None
    model_version: str | None
    metrics: dict[str, float]
    cost: dict[str, float] = field(default_factory=dict)  # ``cost.*``: what the run cost


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
    """The last drift check of the dataset's models (newest ``reports/drift-*.json`` naming it)."""

    path: str
    dataset: str
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
    dataset: str  # params.yaml's: every part below is about it
    generated_at: str
    task: str
    backend: str
    production: ModelCard | None = None
    candidate: int | None = None
    candidate_refused: dict[str, object] | None = None  # the gate's last refusal of it, if any
    versions: int = 0
    runs: list[RunPoint] = field(default_factory=list)  # the dataset's, oldest first
    other_runs: int = 0  # pipeline runs of other datasets, not shown
    contract: ContractCheck | None = None
    drift: DriftCheck | None = None
    # The model's earlier checks, newest first (an alert is not hidden by the clean batch after)
    drift_earlier: list[DriftCheck] = field(default_factory=list)
    drift_unnamed: int = 0  # drift reports that name no dataset (older ones), not shown
    audit: list[dict[str, object]] = field(default_factory=list)  # newest first
    notes: list[str] = field(default_factory=list)
    server_error: str | None = None  # the tracking server could not answer: the page is partial
    # The production version's files are gone or changed: every prediction would be refused.
    production_error: str | None = None


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


def _resources(measured: object, entry: Mapping[str, object]) -> dict[str, list[float | None]]:
    """The gate's measures at promotion (``[this, production's]``); without them (a version
    promoted before 0.4, or by a rollback) its registered size and fit time alone."""
    if isinstance(measured, dict):
        return {
            str(name): [v if isinstance(v, int | float) else None for v in pair]
            for name, pair in measured.items()
            if isinstance(pair, list)
        }
    size, fit = entry.get("size_bytes"), entry.get("fit_s")
    found: dict[str, list[float | None]] = {}
    if isinstance(size, int):
        found["size_mb"] = [round(size / 1e6, 3), None]
    if isinstance(fit, int | float):
        found["train_s"] = [float(fit), None]
    return found


def _production(registry: Registry, state: State) -> ModelCard | None:
    """The production model's card, from its registered version and the change that made it."""
    from ..metrics import split_baseline

    version = state.production
    if version is None:
        return None
    entry = state.versions[version]
    moved = next(
        (
            record
            for record in reversed(state.applied)
            if record["alias"] == "production"
            and record["to"] == version
            and record["action"] != "refuse"
        ),
        None,
    )
    fingerprint = entry.get("data_fingerprint")
    previous = moved["from"] if moved is not None else None
    at_promotion = _floats(moved.get("metrics")) if moved is not None else None
    own, baseline = split_baseline(at_promotion or dict(entry["metrics"]))
    previous_metrics = _floats(moved.get("production_metrics")) if moved is not None else None
    if previous_metrics is None and previous is not None and previous in state.versions:
        previous_metrics = dict(state.versions[previous]["metrics"])
    if previous_metrics is not None:
        previous_metrics = split_baseline(previous_metrics)[0]
    card = ModelCard(
        version=version,
        since=moved["time"] if moved is not None else None,
        by=moved["who"] if moved is not None else None,
        action=moved["action"] if moved is not None else None,
        reason=moved.get("reason") if moved is not None else None,
        created_at=entry["created_at"],
        run_id=entry.get("run_id"),
        estimator=entry.get("estimator"),
        hyperparameters={},  # from its run, if the run store has it (_runs_part)
        data_fingerprint=fingerprint["sha256"] if fingerprint else None,
        data_rows=fingerprint["rows"] if fingerprint else None,
        contract_version=_text(entry.get("contract_version")),
        metrics=own,
        previous_version=previous,
        previous_metrics=previous_metrics,
        baseline_metrics=baseline or None,
        resources=_resources(moved.get("resources") if moved is not None else None, entry),
        scored_rows=moved.get("scored_rows") if moved is not None and at_promotion else None,
        held_out_rows=moved.get("held_out_rows") if moved is not None else None,
        template_commit=entry.get("template_commit"),
    )
    if baseline:
        what = "most frequent class" if entry["task"] == "classification" else "mean"
        card.baseline_note = f"constant prediction ({what} of the held-out rows)"
    else:
        card.baseline_metrics, card.baseline_note = _baseline(registry, version)
    return card


def _baseline(registry: Registry, version: int) -> tuple[dict[str, float] | None, str]:
    """A constant prediction (majority class or mean) scored on the version's held-out rows, for
    versions registered before the baseline was part of their metrics."""
    try:
        from ..metrics import baseline_scores

        frame, entry = registry.holdout(version)
        baseline = baseline_scores(entry["task"], frame[entry["target"]])
    except Exception as error:  # no held-out rows, or unreadable: the card shows none
        log.debug("no baseline: %s", error)
        return None, ""
    what = "most frequent class" if entry["task"] == "classification" else "mean"
    return baseline or None, f"constant prediction ({what} of the held-out rows)"


def _registry_part(snapshot: Snapshot, settings: Settings, root: Path) -> None:
    from ..registry import RegistryError, open_registry

    try:
        registry = open_registry(settings, root)
        state = registry.state()
    except Exception as error:  # an unreachable server or a damaged log: say so, show the rest
        snapshot.notes.append(f"model registry unreadable: {error}")
        _server_error(snapshot, error)
        return
    snapshot.notes.extend(registry.tampering(state))
    production = state.production
    try:
        if production is not None and production in state.withdrawn:  # nothing is served
            raise registry.withdrawn_error(production, state)
        registry.require_production_files(state)
    except RegistryError as error:
        snapshot.production_error = str(error)
        if str(error) not in snapshot.notes:
            snapshot.notes.append(str(error))
    snapshot.versions = len(state.versions)
    snapshot.candidate = state.candidate
    refusals = [r for r in state.records if r["action"] == "refuse" and r["to"] == state.candidate]
    snapshot.candidate_refused = dict(refusals[-1]) if refusals else None
    snapshot.audit = [dict(record) for record in state.records[-AUDIT_SHOWN:]][::-1]
    snapshot.production = _production(registry, state)


# --------------------------------------------------------------------------------------- runs


def hyperparameters_of(estimator: str | None, params: Mapping[str, object]) -> dict[str, object]:
    """The hyperparameters a run recorded for ``estimator``: ``hp.<key>`` when it is the run's
    ``estimator``, else ``hp.<estimator>.<key>`` (one ``also_try`` named)."""
    if estimator is not None and params.get("estimator") != estimator:
        prefix = f"hp.{estimator}."
        return {key.removeprefix(prefix): v for key, v in params.items() if key.startswith(prefix)}
    others = {f"hp.{name}." for name in str(params.get("also_try", "")).split(", ") if name}
    return {
        key.removeprefix("hp."): value
        for key, value in params.items()
        if key.startswith("hp.") and not key.startswith(tuple(others))
    }


def _runs_part(snapshot: Snapshot, settings: Settings, root: Path) -> None:
    from ..tracking import run_store

    try:
        store = run_store(settings, root)
        if not store.exists():
            return
        own = f"dataset={snapshot.dataset}"
        found = store.list_runs(name="pipeline", tags=[own], limit=RECENT_RUNS)
        runs = [store.get_record(run["id"]) for run in found]
        card = snapshot.production
        if card is not None and card.run_id:
            made = next((run for run in runs if run["id"] == card.run_id), None)
            made = made or store.get_record(card.run_id)
            card.hyperparameters = hyperparameters_of(card.estimator, made["params"])
            card.selection = made["tags"].get("selection")
        every = len(store.list_runs(name="pipeline"))
        snapshot.other_runs = every - len(store.list_runs(name="pipeline", tags=[own]))
    except Exception as error:
        snapshot.notes.append(f"run store unreadable: {error}")
        _server_error(snapshot, error)
        return
    snapshot.runs = [
        RunPoint(
            id=run["id"],
            name=run["name"],
            status=run["status"],
            start=float(run["start_time"]),
            end=None if run["end_time"] is None else float(run["end_time"]),
            user=run.get("user"),
            model_version=run["tags"].get("model_version"),
            metrics={
                k: v
                for k, v in run["metrics"].items()
                if not k.startswith(("baseline_", COST_PREFIX))
            },
            cost=run["cost"],
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


def drift_reports(root: Path) -> list[Path]:
    """Every ``reports/drift-*.json``, newest first (by modification time)."""
    found = (root / REPORTS_DIR).glob("drift-*.json")
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


EARLIER_CHECKS = 5  # of the same model, shown under the newest


def _drift_part(snapshot: Snapshot, root: Path) -> None:
    """The newest drift report checked against this dataset's models, and the earlier ones
    against the same model version; reports of other datasets are skipped, and those that name
    none (before reports did) are counted, not guessed at."""
    for path in drift_reports(root):
        data = _read_json(path, snapshot)
        if data is None:
            continue
        dataset = data.get("dataset")
        if dataset is None:
            snapshot.drift_unnamed += 1
        elif dataset != snapshot.dataset:
            continue
        elif snapshot.drift is None:
            snapshot.drift = _drift_check(path, root, data)
        elif len(snapshot.drift_earlier) < EARLIER_CHECKS:
            check = _drift_check(path, root, data)
            if check.model_version == snapshot.drift.model_version:
                snapshot.drift_earlier.append(check)


def _drift_check(path: Path, root: Path, data: Json) -> DriftCheck:
    features = data.get("features")
    alpha = data.get("alpha")
    return DriftCheck(
        path=str(path.relative_to(root)),
        dataset=str(data.get("dataset")),
        input=_text(data.get("input")),
        model_version=_int(data.get("model_version")),
        created_at=_text(data.get("created_at")) or _mtime(path),
        rows=_int(data.get("rows")),
        status=str(data.get("status", "unknown")),
        alpha=float(alpha) if isinstance(alpha, int | float) else None,
        features=[f for f in features if isinstance(f, dict)] if isinstance(features, list) else [],
    )


def _server_error(snapshot: Snapshot, error: Exception) -> None:
    """Keep the first error of the tracking server (unreachable, refusing): the page is then
    partial, and the status file is not rewritten from it."""
    from ..tracking import TrackingError

    if isinstance(error, TrackingError) and snapshot.server_error is None:
        snapshot.server_error = str(error)


def collect(settings: Settings, root: Path | str = ".") -> Snapshot:
    """Everything the report shows, read from the project at ``root``."""
    root = Path(root)
    snapshot = Snapshot(
        project=package().replace("_", "-"),
        dataset=settings.data.dataset,
        generated_at=now(),
        task=settings.task,
        backend=settings.tracking_backend,
    )
    _registry_part(snapshot, settings, root)
    _runs_part(snapshot, settings, root)
    _contract_part(snapshot, settings, root)
    _drift_part(snapshot, root)
    return snapshot
