"""The whole pipeline, in order: ingest (validate first) -> train (fits once, scores the held-out
rows in memory, registers the candidate) -> the metrics file, as one tracked run named
``pipeline`` (tags ``stage=pipeline``, ``dataset=<name>``). The contract ingest validated by is
the one train uses; nothing is read back from the registry to be scored again.

Ingest and train skip themselves when nothing they read changed since their last run. Each
stage names its inputs as digests (the data's bytes, the contract as parsed, the settings it reads,
the code of the team's package, the runtime's own code and the key packages' versions); after it
runs, its inputs and what it produced are kept in ``.leanops/stages.json``, and the next
pipeline says, for each stage, why it ran (which inputs changed) or that it was skipped (since
which run). The last run of each stage of each dataset is kept, and the ``EARLIER`` runs
before it of other inputs: a setting tried and put back reuses what the run before it made, while
it is still there; ``pipeline --force`` runs every stage. A skipped ingest reuses its
validated table (the data version, checked against its fingerprint), a skipped train the model
version it registered. The run is still recorded, tagged ``reused_run``, with the reused
version's metrics. Every pipeline run is tagged ``skipped``: the stages it skipped, or ``none``.

Each stage returns what it produced; the run records the parameters, the dataset's fingerprint
and contract version, the fitted feature steps, the metrics, the files written and the model
version with its SHA-256 (the same hash as in the registry and its audit log), so any result
can be traced back to its data, code and environment. On an MLflow server the processed table
is recorded by its hash, not uploaded, unless ``mlflow.upload_data`` says so. A contract
violation in ingest raises before train runs: no model is trained or registered, and the run is
recorded as failed. The processed file is replaced only once a model trained on the new data: a
table train refuses (one class, a target that is no class) leaves the previous one in place.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .files import sha256_of, write_atomic

if TYPE_CHECKING:
    import pandas as pd

    from .contract import Contract
    from .data_versions import DataVersions
    from .registry import ModelVersion, Registry, State
    from .settings import Settings
    from .tracking.api import DatasetRecord
    from .train import TrainResult

__all__ = ["PipelineResult", "run_pipeline"]

log = logging.getLogger(__name__)

RECORDS_FILE = Path(".leanops") / "stages.json"
# A re-run names at most this many of the inputs that changed (a new params.yaml changes many).
SHOWN_CHANGES = 4
# Earlier runs of a stage, of other inputs, whose outputs it may reuse (a setting put back).
EARLIER = 5
SHRUNK = 0.75  # a validated table under this share of the last one's rows is warned about

Inputs = dict[str, str]
Outputs = dict[str, str | int]


def digest_value(value: object) -> str:
    """The SHA-256 of a JSON-able value, as canonical JSON."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest_file(path: Path) -> str:
    """The SHA-256 of a file's bytes ('missing' when there is none)."""
    return sha256_of(path) if path.is_file() else "missing"


def digest_tree(folder: Path) -> str:
    """The SHA-256 of every ``.py`` file below ``folder``, with its relative path."""
    return digest_files(folder, (p for p in folder.rglob("*.py") if "__pycache__" not in p.parts))


def digest_files(folder: Path, paths: Iterable[Path]) -> str:
    """The SHA-256 of the files ``paths`` below ``folder``: each one's relative path and
    SHA-256 (read in chunks: a package may hold a large data file)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(sha256_of(path).encode("ascii") + b"\0")
    return digest.hexdigest()


@cache
def runtime_digest() -> str:
    """The runtime's own code and the versions of the packages a result depends on."""
    from .tracking.environment import package_versions

    return digest_value([digest_tree(Path(__file__).parent), package_versions()])


# The team's modules training calls (``team``); with what they import of the package, its code.
TRAINING_MODULES = ("features", "estimators", "datasets")


def team_digest() -> str:
    """The code of the team's package that training runs: ``features``, ``estimators`` and
    ``datasets``, the modules of the package ``ESTIMATORS`` names, the package's ``__init__``,
    and every module of the package they import, as their source says (a stage of the team's
    own, which training never imports, retrains nothing); and the package's data files."""
    import importlib

    from . import package
    from .team import estimators

    name = package()
    folder = Path(str(importlib.import_module(name).__file__)).parent
    # ESTIMATORS names its classes' modules as text, imported when chosen: the package's count.
    modules = [
        str(where[0])
        for by_name in estimators().values()
        if isinstance(by_name, Mapping)
        for where in by_name.values()
        if isinstance(where, tuple | list) and where
    ]
    named = {module.removeprefix(f"{name}.") for module in modules if module.startswith(f"{name}.")}
    code = imported_modules(folder, name, (*TRAINING_MODULES, *named))
    return digest_files(folder, code | package_data(folder))


# Files of a package that are not its data: Python's own and its caches.
NOT_DATA = frozenset({".py", ".pyc", ".pyo", ".pyi"})


def package_data(folder: Path) -> set[Path]:
    """The files of the package in ``folder`` that are not code (a mapping its features read, a
    vocabulary): which module reads one cannot be told from the source, so each is an input of
    training, whoever reads it. In a git checkout, those git would commit (tracked, or new and
    not ignored: a cache the code writes there, ignored, retrains nothing); hidden files and
    caches never count."""
    import subprocess

    listed = subprocess.run(
        ["git", "-C", str(folder), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=False,
    )
    if listed.returncode == 0:
        names = [name for name in listed.stdout.decode("utf-8", "replace").split("\0") if name]
        found = [folder / name for name in names]
    else:  # not a git checkout: every file
        found = list(folder.rglob("*"))
    return {
        path
        for path in found
        if path.is_file()
        and path.suffix not in NOT_DATA
        and not any(
            part.startswith(".") or part == "__pycache__" for part in path.relative_to(folder).parts
        )
    }


def imported_modules(folder: Path, package: str, roots: tuple[str, ...]) -> set[Path]:
    """The files of package ``package`` (in ``folder``) that modules ``roots`` are, and that
    they import from it, directly or not: absolute imports (``package.x``) and relative ones
    (``from .x import y``, ``from . import x``); the package's ``__init__`` too."""
    import ast

    def file_of(dotted: str) -> Path | None:
        if dotted != package and not dotted.startswith(f"{package}."):
            return None  # another package's module: the runtime and libraries have digests
        parts = [part for part in dotted[len(package) :].split(".") if part]
        candidates = [folder.joinpath(*parts, "__init__.py")]  # a package wins, as in Python
        candidates += [folder.joinpath(*parts).with_suffix(".py")] if parts else []
        return next((path for path in candidates if path.is_file()), None)

    def with_parents(dotted: str) -> list[str]:
        """``a.b.c`` and the packages Python runs to import it: ``a``, ``a.b``."""
        parts = dotted.split(".")
        return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]

    found: set[Path] = set()
    waiting = [name for root in roots for name in with_parents(f"{package}.{root}")]
    while waiting:
        dotted = waiting.pop()
        path = file_of(dotted)
        if path is None or path in found:
            continue
        found.add(path)
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):  # the file counts; what it imports cannot be read
            continue
        here = dotted if path.name == "__init__.py" else dotted.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                waiting += [name for alias in node.names for name in with_parents(alias.name)]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's package, up level - 1 packages
                    parts = here.split(".")
                    anchor = parts[: len(parts) - (node.level - 1)]
                    base = ".".join([*anchor, base]) if base else ".".join(anchor)
                waiting += [*with_parents(base), *(f"{base}.{alias.name}" for alias in node.names)]
    return found


@dataclass(frozen=True)
class Decision:
    """Whether a stage runs, and why (or, when skipped, what it reuses)."""

    stage: str
    run: bool
    reason: str
    reused: Outputs = field(default_factory=dict)  # what a skipped stage's last run produced
    since: str = ""  # the id of that run
    read: str = ""  # what a stage that ran read, when it has a choice (a file, or a loader)

    def line(self) -> str:
        done = f"{self.stage}: {'ran' if self.run else 'skipped'} ({self.reason})"
        return f"{done}, read {self.read}" if self.read else done


@dataclass
class StageRecords:
    """The last inputs and outputs of each stage of each dataset, in ``.leanops/stages.json``
    (keyed ``<dataset>/<stage>``): going back to a dataset after another finds its own."""

    root: Path
    dataset: str
    records: dict[str, dict[str, object]] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path, dataset: str) -> StageRecords:
        path = root / RECORDS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (OSError, ValueError):
            data = {}  # unreadable: every stage runs, and the file is written anew
        return cls(root, dataset, data if isinstance(data, dict) else {})

    def decide(self, stage: str, inputs: Inputs, *, force: bool = False) -> Decision:
        """Run ``stage`` unless its last run on this dataset read exactly ``inputs``."""
        if force:
            return Decision(stage, True, "--force")
        last = self.records.get(f"{self.dataset}/{stage}")
        before = last.get("inputs") if isinstance(last, dict) else None
        if not isinstance(last, dict) or not isinstance(before, dict):
            return Decision(stage, True, "no earlier run recorded")
        # Both ways: a parameter removed since (an emptied also_try) is a change too.
        names = {*inputs, *before}
        changed = sorted(name for name in names if before.get(name) != inputs.get(name))
        # An input only read because another is set comes and goes with it: not a change of its
        # own (adding also_try makes the gate's metrics choose; nobody edited them).
        changed = [
            name
            for name in changed
            if not (FOLLOWS.get(name) in changed and (name in before) != (name in inputs))
        ]
        if not changed:
            return reused(stage, last, "nothing it reads changed since run {since}")
        for earlier in earlier_records(last):  # back to the inputs of an earlier run of train
            if earlier.get("inputs") == inputs:
                return reused(stage, earlier, "it read exactly this in run {since}, before")
        named = ", ".join(changed[:SHOWN_CHANGES])
        if len(changed) > SHOWN_CHANGES:
            named += f" and {len(changed) - SHOWN_CHANGES} more"
        return Decision(stage, True, f"changed since the last run: {named}")

    def record(self, stage: str, inputs: Inputs, outputs: Outputs, run_id: str) -> None:
        """Keep what ``stage`` read and produced in run ``run_id``, and the ``EARLIER`` runs
        before it of other inputs (a setting tried and put back reuses what they made)."""
        self.records = {key: kept for key, kept in self.records.items() if "/" in key}
        key = f"{self.dataset}/{stage}"
        last = self.records.get(key)
        earlier: list[dict[str, object]] = []
        # Train's model versions stay in the registry; ingest's table is the processed file,
        # which the last run replaced: only train can go back to an earlier run's outputs.
        if isinstance(last, dict) and stage == "train":
            before = {name: last.get(name) for name in ("inputs", "outputs", "run_id")}
            earlier = [
                record
                for record in [before, *earlier_records(last)]
                if record.get("inputs") != inputs
            ][:EARLIER]
        self.records[key] = {
            "inputs": inputs,
            "outputs": outputs,
            "run_id": run_id,
            "earlier": earlier,
        }
        text = json.dumps(self.records, indent=2, sort_keys=True) + "\n"
        write_atomic(self.root / RECORDS_FILE, text.encode("utf-8"))


def earlier_records(last: Mapping[str, object]) -> list[dict[str, object]]:
    """The earlier runs a stage's record keeps (none in a file of an older runtime)."""
    kept = last.get("earlier")
    return [record for record in kept if isinstance(record, dict)] if isinstance(kept, list) else []


def reused(stage: str, record: Mapping[str, object], why: str) -> Decision:
    """A decision to skip ``stage``, reusing what the run of ``record`` produced; ``why`` names
    that run where it says ``{since}``."""
    outputs = record.get("outputs")
    since = str(record.get("run_id", ""))
    return Decision(
        stage,
        False,
        why.format(since=since[:12]),
        dict(outputs) if isinstance(outputs, dict) else {},
        since,
    )


RUN_NAME = "pipeline"  # the tracked run each pipeline makes


@dataclass
class PipelineResult:
    """What the pipeline produced or reused, and the id of the tracked run that holds its
    lineage."""

    decisions: list[Decision]
    data_version: str  # the fingerprint of the table the model trained on
    model: ModelVersion  # the candidate registered, or the version reused
    train: TrainResult | None  # None when the train stage was skipped
    metrics: dict[str, float]
    metrics_path: Path
    run_id: str
    registry_state: State | None = None  # where the reused version stands (None: trained)

    @property
    def model_version(self) -> int:
        return self.model["version"]

    @property
    def trained(self) -> bool:
        return self.train is not None

    @property
    def skipped(self) -> str:
        """The stages it skipped, as its run is tagged ``skipped`` (``none``: it ran them all)."""
        return skipped_tag(self.decisions)


def skipped_tag(decisions: list[Decision]) -> str:
    """``ingest,train``, ``ingest`` ... or ``none``: the stages that did not run."""
    return ",".join(d.stage for d in decisions if not d.run) or "none"


def share_data_version(versions: DataVersions, sha256: str) -> None:
    """Push the kept table to the team's remote, when the project names one; a remote that
    cannot be reached costs a warning, not the trained model."""
    from .errors import first_line

    if versions.remote is None:
        return
    try:
        versions.push()
    except Exception as error:  # an unreachable share must not undo a registered model
        log.warning(
            "data version %s is kept here but not shared (%s): run `data push` once %s is "
            "reachable",
            sha256[:12],
            first_line(error),
            versions.remote.describe(),
        )


def loaded_table(settings: Settings, root: Path) -> pd.DataFrame | None:
    """The table the loader of ``datasets.py`` returns, when no raw file stands in for it (None:
    ingest reads the file). It runs every time: the files, exports or database it reads are
    its own, and only the table tells whether they changed."""
    from .data import loader_table, raw_path

    dataset = settings.data.dataset
    return loader_table(dataset) if raw_path(dataset, root) is None else None


def ingest_inputs(
    settings: Settings, root: Path, contract: Contract, loaded: pd.DataFrame | None
) -> Inputs:
    """What ingest reads: the raw file, or the table its loader returned (``loaded``), as
    ``data``; the contract as parsed (a comment or a blank line edited changes nothing; a value
    or the order of the columns does); the runtime."""
    from .data import raw_path
    from .tracking.lineage import fingerprint

    parsed = json.dumps(contract.raw, separators=(",", ":"), default=str)  # keys in file order
    if loaded is not None:
        try:
            data = fingerprint(loaded)["sha256"]
        except TypeError:  # cells pandas cannot hash (lists, dicts): changed, as far as known
            data = f"unhashable {uuid.uuid4().hex}"
    else:  # loaded_table found the raw file, and left it to be read
        source = raw_path(settings.data.dataset, root)
        assert source is not None  # noqa: S101 (loaded_table returns a table without one)
        data = digest_file(source)
    return {
        "data": data,
        "contract": hashlib.sha256(parsed.encode("utf-8")).hexdigest(),
        "runtime": runtime_digest(),
        "store": store_digest(settings),
    }


def store_digest(settings: Settings) -> str:
    """Where runs and models go: a skipped stage names its last run, and reuses the model it
    registered, only in the same store (switching to the team's server runs them again)."""
    if settings.tracking_backend != "mlflow":
        return digest_value(["local"])
    given = settings.mlflow
    return digest_value(["mlflow", same_server(given.tracking_uri or ""), given.experiment or ""])


# The names of this machine's loopback interface, one server whichever is typed.
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def same_server(uri: str) -> str:
    """``uri`` as it names a server, whatever its spelling: no credentials, and for a server's
    URL the scheme and host in lower case, the port even when it is the scheme's default, this
    machine as ``127.0.0.1``, no trailing slash (``HTTP://LocalHost:5000/`` is
    ``http://127.0.0.1:5000``)."""
    from urllib.parse import urlsplit, urlunsplit

    from .tracking.mlflow_client import without_credentials

    bare = without_credentials(uri)
    parts = urlsplit(bare)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return bare  # a file or a database: its path, as given
    host = parts.hostname or ""  # lower case, without an IPv6 address's brackets
    host = "127.0.0.1" if host in LOOPBACK else f"[{host}]" if ":" in host else host
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:  # not a port: MLflow's own error says so when it connects
        return bare
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, f"{host}:{port}", path, parts.query, ""))


# Inputs read only while another is set (``train_inputs``), by the one they follow.
FOLLOWS = {"params.promotion.baseline.metrics": "params.also_try"}


def train_inputs(settings: Settings, data_version: str, contract_digest: str) -> Inputs:
    """What train reads: the data, the contract, the settings that change a model (those a run
    records, and, with ``also_try``, the metric the estimators are chosen by: the gate's first),
    the team's code, the runtime."""
    metrics = settings.promotion.baseline.metrics
    chosen_by = {"params.promotion.baseline.metrics": digest_value(metrics)}
    return {
        "data": data_version,
        "contract": contract_digest,
        **{f"params.{key}": digest_value(value) for key, value in settings.run_params().items()},
        **(chosen_by if len(settings.train.candidates()) > 1 else {}),
        "code": team_digest(),
        "runtime": runtime_digest(),
        "store": store_digest(settings),
    }


def reusable_frame(
    decision: Decision, versions: DataVersions, processed: Path
) -> pd.DataFrame | None:
    """The validated table a skipped ingest produced, while its outputs are still there."""
    sha256 = str(decision.reused.get("data_version", ""))
    if not versions.path(sha256).is_file() or digest_file(processed) != decision.reused.get(
        "processed"
    ):
        return None
    return versions.load(sha256)


def reusable_model(decision: Decision, registry: Registry) -> tuple[ModelVersion, State] | None:
    """The version a skipped train registered, while it is registered and held with its files,
    and the registry's state it stands in."""
    version = decision.reused.get("model_version")
    state = registry.state()
    if not isinstance(version, int) or version not in state.versions:
        return None
    entry = state.versions[version]
    # The number may name another model now (a registry made again, another models_dir): the
    # version is reused only when it is the very model, from the very data, the run made.
    fingerprint = entry["data_fingerprint"]
    made = (decision.reused.get("model_sha256"), decision.reused.get("data_version"))
    held = (entry["sha256"], fingerprint["sha256"] if fingerprint else None)
    if any(was is not None and was != now for was, now in zip(made, held, strict=True)):
        return None
    if version in state.pruned | state.withdrawn or registry.missing_files(version):
        return None  # its files were pruned, deleted on the server, or lost
    return entry, state


@dataclass
class Stage:
    """What one run of the pipeline's stages got: the decisions and what they produced."""

    ingest: Decision
    frame: pd.DataFrame
    contract: Contract
    train: Decision | None = None
    model: ModelVersion | None = None
    trained: TrainResult | None = None
    registry_state: State | None = None  # read when the model is reused


def ingest_stage(
    settings: Settings,
    root: Path,
    contract: Contract,
    inputs: Inputs,
    *,
    stages: StageRecords,
    versions: DataVersions,
    loaded: pd.DataFrame | None,
    force: bool,
) -> Stage:
    """Validate the data by ``contract`` (the loader's table ``loaded``, or the raw file), or
    reuse the table the last ingest validated from the same ``inputs``."""
    from .data import processed_path, validated

    dataset = settings.data.dataset
    decision = stages.decide("ingest", inputs, force=force)
    if not decision.run:
        frame = reusable_frame(decision, versions, processed_path(dataset, root))
        if frame is not None:
            passed_again(contract, frame, root, loaded is not None)
            return Stage(decision, frame, contract)
        decision = Decision("ingest", True, "its outputs changed or are gone")
    ingested = validated(dataset, root, contract=contract, loaded=loaded)
    warn_fewer_rows(len(ingested.frame), ingested.output)
    read = replace(decision, read=ingested.source)  # a file in data/raw/ wins over the loader
    return Stage(read, ingested.frame, ingested.contract)


def passed_again(contract: Contract, frame: pd.DataFrame, root: Path, from_loader: bool) -> None:
    """A skipped ingest's data passed this very contract: the contract report says so again
    when the last check was of other data that failed (an export put back since), so that the
    report and ``status.json`` show the data the pipeline uses, not a check of data it left."""
    from .contract import report_path, write_report
    from .data import raw_path

    path = report_path(contract.name, root)
    try:
        if json.loads(path.read_text(encoding="utf-8"))["passed"] is True:
            return
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none, or unreadable: written anew
    raw = None if from_loader else raw_path(contract.name, root)
    source = str(raw) if raw is not None else f"datasets.py:{contract.name}"
    write_report(contract, [], source=source, rows=len(frame), path=path, root=root)


def warn_fewer_rows(rows: int, processed: Path) -> None:
    """Say so when the validated table is much smaller than the last one (``SHRUNK``): an
    export or a copy that lost rows still meets its contract, and would train all the same."""
    import pyarrow.parquet as pq

    if not processed.is_file():
        return
    try:
        before = pq.read_metadata(processed).num_rows
    except (OSError, ValueError):  # unreadable: ingest replaces it anyway
        return
    if rows < SHRUNK * before:
        log.warning(
            "the table has %d rows, %.0f%% fewer than the %d of the last one validated (%s): "
            "if an export or a copy lost rows, fix it before promoting this model",
            rows,
            100 * (1 - rows / before),
            before,
            processed,
        )


def train_stage(
    settings: Settings,
    root: Path,
    done: Stage,
    *,
    stages: StageRecords,
    versions: DataVersions,
    inputs: Inputs,
    data: DatasetRecord,
    force: bool,
) -> None:
    """Fit and register a candidate, or reuse the version the last train registered from the
    same inputs; fills ``done``'s ``train``, ``model`` and ``trained``."""
    from .registry import open_registry
    from .train import train

    decision = stages.decide("train", inputs, force=force)
    if not decision.run:
        reused = reusable_model(decision, open_registry(settings, root))
        if reused is not None:
            done.model, done.registry_state = reused
            done.train = decision
            return
        decision = Decision("train", True, "the model it registered is gone")
    # Checked before training: a table that cannot be kept exactly stops the pipeline before a
    # model is registered that no one could retrain; kept once a model learnt from it.
    copy = versions.checked_copy(done.frame, data["sha256"])
    done.trained = train(settings, root, frame=done.frame, contract=done.contract, data=data)
    done.model, done.train = done.trained.version, decision
    versions.keep(done.frame, data["sha256"], copy)


def run_pipeline(
    settings: Settings, root: Path | str = ".", *, force: bool = False
) -> PipelineResult:
    """Run ingest, train and evaluate for ``settings``' dataset, as one tracked run; a stage
    whose inputs did not change since its last run is skipped and its result reused (unless
    ``force`` or ``skip_unchanged: false``)."""
    from .contract import load_contract
    from .data import processed_path, write_parquet
    from .data_versions import DataVersions, remote_at
    from .metrics import write_metrics
    from .tracking import start_run
    from .train import check_estimators

    check_estimators(settings)  # a misspelt estimator stops here, before the data is read
    root = Path(root)
    force = force or not settings.skip_unchanged
    dataset = settings.data.dataset
    stages = StageRecords.load(root, dataset)
    versions = DataVersions(root, remote_at(settings.data.remote, root))
    processed = processed_path(dataset, root)
    with start_run(
        RUN_NAME,
        params=settings.run_params(),
        tags={"dataset": dataset, "stage": "pipeline"},
        settings=settings,
        root=root,
    ) as tracked:
        contract = load_contract(dataset, root)
        loaded = loaded_table(settings, root)
        read = ingest_inputs(settings, root, contract, loaded)
        done = ingest_stage(
            settings,
            root,
            contract,
            read,
            stages=stages,
            versions=versions,
            loaded=loaded,
            force=force,
        )
        data = tracked.log_dataset(dataset, done.frame, contract_version=done.contract.version)
        sha256 = data["sha256"]
        fit_inputs = train_inputs(settings, sha256, read["contract"])
        train_stage(
            settings,
            root,
            done,
            stages=stages,
            versions=versions,
            inputs=fit_inputs,
            data=data,
            force=force,
        )
        assert done.train is not None and done.model is not None  # noqa: S101 (set above)
        for decision in (done.ingest, done.train):  # once both stand: a failure is one line
            log.info("%s", decision.line())
        entry, trained = done.model, done.trained
        if done.ingest.run:
            write_parquet(done.frame, processed)  # once a model learnt from it, or reused it
        if trained is not None:
            metrics = trained.metadata["metrics"]  # scored on the held-out rows it registered
            tracked.log_feature_steps(trained.model)
            share_data_version(versions, sha256)
        else:
            metrics = dict(entry["metrics"])
            tracked.set_tag("model_version", f"v{entry['version']}")
            tracked.set_tag("estimator", entry["estimator"])  # as a training run is tagged
            tracked.set_tag("reused_run", done.train.since)
        tracked.set_tag("skipped", skipped_tag([done.ingest, done.train]))
        metrics_path = write_metrics(root, entry, metrics)
        tracked.log_metrics(metrics)
        written = tracked.log_artifact(processed, upload=settings.mlflow.upload_data)
        tracked.log_artifact(metrics_path)
        if trained is not None and trained.model_file is not None:
            tracked.log_artifact(trained.model_file)  # on a server the files are the run's
        if done.ingest.run:
            made: Outputs = {"data_version": sha256, "processed": written["sha256"]}
            stages.record("ingest", read, made, tracked.id)
        if done.train.run:
            made = {
                "model_version": entry["version"],
                "model_sha256": entry["sha256"],
                "data_version": sha256,
            }
            stages.record("train", fit_inputs, made, tracked.id)
    return PipelineResult(
        decisions=[done.ingest, done.train],
        data_version=sha256,
        model=entry,
        train=trained,
        metrics=metrics,
        metrics_path=metrics_path,
        run_id=tracked.id,
        registry_state=done.registry_state,
    )
