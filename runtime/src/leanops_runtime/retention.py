"""Retention: what ``prune`` deletes under params.yaml's ``retention`` policy, and nothing else.

Something is deleted only when it is older than ``keep_days`` AND beyond the newest
``keep_runs`` runs (``keep_versions`` versions of each model line; prune's own runs are counted
apart, so pruning twice deletes nothing more). Never deleted: production, the candidate, the
latest ``keep_rollbacks`` versions production may roll back to, a running run, and whatever a
kept version came from (its run, its data version) or a kept run read (its data version). A
pruned model version keeps its record in the audit log (an audited ``prune`` record); only its
files go.
The plan is computed first and shown; ``--dry-run`` stops there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UserError

if TYPE_CHECKING:
    from .data_versions import DataVersions
    from .registry import Registry
    from .registry.records import ModelVersion
    from .settings import RetentionSettings, Settings
    from .tracking.api import RunSummary
    from .tracking.local import LocalRunStore

DAY_S = 86_400.0


@dataclass(frozen=True)
class Doomed:
    """One thing the plan deletes: its kind (run, model, data), name, age and size on disk."""

    kind: str
    name: str
    age_days: float
    size: int | None = None


@dataclass
class Plan:
    """What ``prune`` deletes, and how much of each kind it keeps."""

    runs: list[RunSummary] = field(default_factory=list)
    versions: list[tuple[Registry, ModelVersion]] = field(default_factory=list)
    data: list[tuple[str, Path]] = field(default_factory=list)
    items: list[Doomed] = field(default_factory=list)
    kept: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """``3 run(s), 1 model version(s), 2 data version(s) (4.1 MB)``."""
        size = sum(item.size or 0 for item in self.items)
        return (
            f"{len(self.runs)} run(s), {len(self.versions)} model version(s), "
            f"{len(self.data)} data version(s) ({size / 1e6:.1f} MB)"
        )


def model_lines(settings: Settings, root: Path) -> list[Registry]:
    """The registry of every dataset with a model line in ``models_dir``."""
    from .registry import open_registry
    from .registry.local import AUDIT_FILE

    folder = settings.models_dir
    if not folder.is_dir():
        return []
    names = sorted(path.parent.name for path in folder.glob(f"*/{AUDIT_FILE}"))
    return [open_registry(settings, root, dataset=name) for name in names]


def age_days(now: float, then: float) -> float:
    return max(0.0, (now - then) / DAY_S)


def created_s(entry: ModelVersion) -> float:
    return dt.datetime.fromisoformat(entry["created_at"]).timestamp()


def folder_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def plan_pruning(
    policy: RetentionSettings,
    lines: list[Registry],
    store: LocalRunStore,
    versions: DataVersions,
    now: float,
) -> Plan:
    """What the policy deletes now, from the model lines, the run store and the data cache."""
    from .registry.local import LocalRegistry

    plan = Plan()
    keep_runs: set[str] = set()
    keep_data: set[str] = set()
    kept_versions = 0
    for registry in lines:
        state = registry.state()
        alive = [entry for number, entry in state.versions.items() if number not in state.pruned]
        newest = {
            entry["version"] for entry in sorted(alive, key=created_s)[-policy.keep_versions :]
        }
        for entry in alive:
            old = age_days(now, created_s(entry)) >= policy.keep_days
            kept = state.keeps(entry["version"], policy.keep_rollbacks)
            if old and entry["version"] not in newest and not kept:
                size = None
                if isinstance(registry, LocalRegistry):
                    size = folder_size(registry.dir / f"v{entry['version']}")
                plan.versions.append((registry, entry))
                name = f"{registry.dataset} v{entry['version']}"
                plan.items.append(Doomed("model", name, age_days(now, created_s(entry)), size))
                continue
            kept_versions += 1
            if entry["run_id"]:
                keep_runs.add(entry["run_id"])
            if entry["data_fingerprint"]:
                keep_data.add(entry["data_fingerprint"]["sha256"])
    runs = store.list_runs() if store.exists() else []  # newest first
    read = store.data_versions() if store.exists() else {}
    seen = {False: 0, True: 0}  # the newest keep_runs count apart from prune's own runs
    for run in runs:
        own = run["name"] == "prune"
        place = seen[own]
        seen[own] += 1
        age = age_days(now, run["start_time"])
        protected = run["id"] in keep_runs or run["status"] == "running"
        if age >= policy.keep_days and place >= policy.keep_runs and not protected:
            plan.runs.append(run)
            plan.items.append(Doomed("run", run["id"][:12], age))
            continue
        keep_data |= read.get(run["id"], set())
    for sha256, path in versions.local():
        stat = path.stat()
        if sha256 not in keep_data and age_days(now, stat.st_mtime) >= policy.keep_days:
            plan.data.append((sha256, path))
            plan.items.append(
                Doomed("data", sha256[:12], age_days(now, stat.st_mtime), stat.st_size)
            )
    plan.kept = {
        "runs": len(runs) - len(plan.runs),
        "model versions": kept_versions,
        "data versions": sum(1 for _ in versions.local()) - len(plan.data),
    }
    return plan


def carry_out(
    plan: Plan,
    store: LocalRunStore,
    versions: DataVersions,
    *,
    reason: str,
    rollbacks: int | None = None,
) -> None:
    """Delete what ``plan`` lists: model files first (each an audit record), then the runs,
    then the data versions no kept run or version reads. ``rollbacks``: how many versions
    production may roll back to the plan kept."""
    for registry, entry in plan.versions:
        registry.prune(entry["version"], reason=reason, rollbacks=rollbacks)
    if plan.runs:
        store.delete_runs([run["id"] for run in plan.runs])
    for sha256, _ in plan.data:
        versions.remove(sha256)


class PruneError(UserError):
    """``prune`` cannot run here; one line meant for the user."""
