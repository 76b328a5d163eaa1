"""Pipeline commands: ``ingest``, ``contract check|infer``, ``train``, ``evaluate``, ``pipeline``.

Bad data (a contract violation) logs every failure (the first 20; all of them in the JSON report)
and exits 1; other expected failures are one line and exit 2 (see ``app``).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from .app import global_options, output_path, project_root, root_option, settings_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..contract import Contract
    from ..contract.inference import Sample
    from ..pipeline import PipelineResult
    from ..registry import State
    from ..settings import Settings
    from .app import Subparsers

log = logging.getLogger(__name__)


def cmd_ingest(args: argparse.Namespace) -> int:
    from ..data import ingest

    result = ingest(settings_of(args).data.dataset, project_root(args), source=args.file)
    log.info("ingested %d rows from %s -> %s", len(result.frame), result.source, result.output)
    return 0


def contract_for(args: argparse.Namespace) -> Contract:
    """The contract to check against: ``--contract``; else ``contracts/<FILE's name>.yaml``
    when it exists; else the contract of params.yaml's dataset."""
    from ..contract import contract_path, load_contract

    root = project_root(args)
    if args.contract is not None:
        return load_contract("", path=args.contract)
    if args.file is not None:
        own = contract_path(Path(args.file).stem, root)
        if own.is_file():
            return load_contract(own.stem, root)
    return load_contract(settings_of(args).data.dataset, root)


def check_report(contract: Contract, root: Path, file: Path | None) -> Path | None:
    """Where ``contract check`` writes: the dataset's own report for its own data, else
    ``reports/contract_<dataset>_<file name>.json`` as ``predict`` writes for a batch, so
    checking a new batch never replaces the training data's result that ``report`` shows."""
    from ..contract import report_path
    from ..data import RAW_DIR, RAW_SUFFIXES

    if file is None:
        return None
    own = file.stem == contract.name and file.suffix in RAW_SUFFIXES
    if own and file.resolve().parent == (root / RAW_DIR).resolve():
        return None  # one of the dataset's own raw files (either, when both are there)
    return report_path(contract.name, root, f"_{file.stem}")


def loader_named(given: Path | None) -> str | None:
    """The loader of ``datasets.py`` a FILE argument names: a plain name (no folder, no suffix)
    where no such file is; ``UserError`` when ``datasets.py`` has no loader of that name."""
    from ..errors import UserError
    from ..team import datasets

    if given is None or given.name != str(given) or given.suffix or given.is_file():
        return None
    loaders = datasets()
    if given.name not in loaders:
        known = ", ".join(sorted(loaders))
        raise UserError(
            f"{given.name}: no such file, nor a loader of that name in datasets.py ({known})"
        )
    return given.name


def cmd_contract_check(args: argparse.Namespace) -> int:
    from ..data import checked
    from ..errors import UserError

    contract = contract_for(args)
    root = project_root(args)
    file = args.file
    if (loader := loader_named(file)) is not None:  # its table is the dataset of that name
        if contract.name != loader:
            raise UserError(
                f"{loader}: no contracts/{loader}.yaml for the table of that loader (write one "
                f"with `contract infer {loader} --target COLUMN -o contracts/{loader}.yaml`)"
            )
        file = None
    frame, source, report, dropped = checked(
        contract,
        root,
        file,
        batch=file is not None,
        report=check_report(contract, root, file),
    )
    kept = f" ({dropped} without a target dropped)" if dropped else ""
    log.info(
        "%s: %d rows%s meet contract %s v%s (%s)",
        source,
        len(frame),
        kept,
        contract.name,
        contract.version,
        report,
    )
    return 0


def infer_output(args: argparse.Namespace, path: Path) -> Path:
    """Where ``contract infer`` may write: never over a file without ``--force``; under
    ``contracts/`` (kept from every other command's outputs) only a ``.yaml`` contract."""
    from ..contract import CONTRACTS_DIR
    from ..errors import UserError
    from ..files import OutputRefusedError

    if path.is_dir():  # --force replaces a file, never a folder
        raise OutputRefusedError(f"refusing to write output to {path}: it is a folder")
    contracts = (project_root(args) / CONTRACTS_DIR).resolve()
    if path.resolve().is_relative_to(contracts):
        if path.suffix not in {".yaml", ".yml"} or path.resolve().parent != contracts:
            raise UserError(f"{path}: a contract is contracts/<dataset>.yaml")
    else:  # refused whatever --force says: asked first, so --force is never suggested for it
        where = "write it to contracts/<dataset>.yaml, or outside the project"
        output_path(args, path, inputs=(args.file,), where=where)
    if path.exists() and not args.force:
        raise UserError(f"{path} exists: review and edit it, or pass --force to replace it")
    return path


def cmd_contract_infer(args: argparse.Namespace) -> int:
    import re

    from ..contract.inference import infer, infer_sample
    from ..contract.writing import render
    from ..errors import UserError
    from ..files import write_atomic

    name = args.name or Path(args.file).stem
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
        raise UserError(f"dataset name {name!r}: use letters, digits, _ and - (pass --name)")
    output = None if args.output is None else infer_output(args, Path(args.output))
    given = Path(args.file)
    from_loader = loader_named(given) is not None
    if from_loader:
        if name != given.name:
            raise UserError(
                f"--name {name}: the contract of a loader's table is named after the loader "
                f"({given.name}), which the pipeline calls by that name"
            )
        sample = loader_sample(given.name)
        inferred = infer_sample(sample, name, target=args.target, id_column=args.id, task=args.task)
    else:
        inferred = infer(
            given,
            name,
            target=args.target,
            id_column=args.id,
            task=args.task,
            encoding=args.encoding,
            delimiter=args.delimiter,
        )
    text = render(inferred)
    for warning in inferred.warnings:
        log.warning("%s", warning)
    if output is None:
        print(text, end="")
        return 0
    write_atomic(output, text.encode("utf-8"))
    roles: dict[str, int] = {}
    for column in inferred.columns:
        role = str(column.spec["role"])
        roles[role] = roles.get(role, 0) + 1
    from ..contract import contract_path

    read_from = contract_path(name, project_root(args))
    then = f"set data.dataset: {name} and task: {inferred.task} in params.yaml"
    if output.resolve() != read_from.resolve():  # not where the pipeline looks for it
        then = f"data.dataset: {name} reads {read_from}: move it there"
        then += "" if from_loader else ", or pass --name"
    shown = ", ".join(f"{count} {role}" for role, count in roles.items())
    log.info("wrote %s (%s): review it, then %s", output, shown, then)
    if inferred.missing_target:
        log.warning(
            "%d row(s) of %s have no target %r: refused unless the contract says "
            "missing_target: drop",
            inferred.missing_target,
            args.file,
            args.target,
        )
    return 0


def loader_sample(loader: str) -> Sample:
    """The table the ``datasets.py`` loader ``loader`` returns, as ``contract infer`` reads a
    sample: its own dtypes, no reading rules to detect; the source named ``datasets.py:NAME``."""
    from ..contract.inference import Sample
    from ..contract.reading import holds_decimals
    from ..data import load_embedded

    frame = load_embedded(loader)
    numbers = [name for name in frame.columns if holds_decimals(frame[name])]  # SQL NUMERIC
    frame = frame.astype(dict.fromkeys(numbers, "float64")) if numbers else frame
    return Sample(f"datasets.py:{loader}", frame)


def cmd_train(args: argparse.Namespace) -> int:
    from ..train import train

    result = train(settings_of(args), project_root(args))
    meta = result.metadata
    log.info(
        "trained %s on %s rows -> %s", meta["estimator"], meta["train_rows"], result.model_path
    )
    log.info("registered v%s as candidate (next: promote)", result.version["version"])
    return 0


def shown_metrics(metrics: dict[str, float]) -> str:
    """``accuracy=0.9825 (baseline 0.6316), ...``: the model's metrics beside the baseline's,
    in the task's order whether just scored or read back from a registered version."""
    from ..metrics import split_baseline
    from ..settings import TASK_METRICS

    own, baseline = split_baseline(metrics)
    order = [name for names in TASK_METRICS.values() for name in names]
    parts = []
    for name, value in sorted(own.items(), key=lambda item: _rank(order, item[0])):
        base = f" (baseline {baseline[name]:.4f})" if name in baseline else ""
        parts.append(f"{name}={value:.4f}{base}")
    return ", ".join(parts)


def _rank(order: list[str], name: str) -> tuple[int, str]:
    """Where ``name`` comes in ``order`` (a metric it does not list: after, by name)."""
    return (order.index(name), "") if name in order else (len(order), name)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ..metrics import evaluate

    metrics, path = evaluate(project_root(args), settings=settings_of(args))
    log.info("%s -> %s", shown_metrics(metrics), path)
    return 0


def cmd_pipeline(args: argparse.Namespace) -> int:
    from ..pipeline import run_pipeline
    from ..report.status import pipeline_part, update_status
    from ..settings import PARAMS_FILE

    root = project_root(args)
    started = time.time()
    dataset: str | None = None  # unknown until the settings load
    try:
        settings = settings_of(args)
        dataset = settings.data.dataset
        result = run_pipeline(settings, root, force=args.force)
    except Exception:
        if (root / PARAMS_FILE).is_file():  # a project's run failed, not a stray folder's
            failed = pipeline_part(
                "failed", started_at=started, ended_at=time.time(), run_id=None, model_version=None
            )
            update_status(root, "pipeline", failed, dataset=dataset)
        raise
    finished = pipeline_part(
        "finished",
        started_at=started,
        ended_at=time.time(),
        run_id=result.run_id,
        model_version=result.model_version,
        candidate=(
            result.registry_state.candidate if result.registry_state else result.model_version
        ),
    )
    update_status(root, "pipeline", finished, dataset=dataset)
    shown = shown_metrics(result.metrics)
    log.info("pipeline done: %s -> %s (run %s)", shown, result.metrics_path, result.run_id[:12])
    if result.trained:
        log.info("registered v%s as candidate (next: promote)", result.model_version)
        warn_unusual_cost(settings, root, result)
    else:
        version, note = reused_version(result.registry_state, result.model_version)
        why = result.decisions[-1].reason  # train's: since its last run, or one before
        log.info("reused %s: %s (pipeline --force trains anyway)%s", version, why, note)
    return 0


def reused_version(state: State | None, version: int) -> tuple[str, str]:
    """``v1`` with its alias, and a note when another version is the candidate: ``promote``
    alone refuses to guess which one is meant."""
    if state is None:
        return f"v{version}", ""
    role = state.keeps(version)
    shown = f"v{version} ({role})" if role in ("production", "candidate") else f"v{version}"
    other = state.candidate is not None and state.candidate != version
    note = f"; the candidate is v{state.candidate}, made by another run: promote --version names"
    return shown, f"{note} which to gate" if other else ""


def warn_unusual_cost(settings: Settings, root: Path, result: PipelineResult) -> None:
    """Warn, and alert, when the run cost ``alerts.cost_factor`` times its usual or more; a
    store that cannot say only costs a debug line: the pipeline itself succeeded."""
    from ..alerts import notify
    from ..costs import unusual_cost
    from ..pipeline import RUN_NAME
    from ..tracking import run_store

    run_id = result.run_id
    try:
        found = unusual_cost(
            run_store(settings, root),
            run_id,
            name=RUN_NAME,
            skipped=result.skipped,
            dataset=settings.data.dataset,
            factor=settings.alerts.cost_factor,
        )
    except Exception as error:  # the run is recorded; its comparison is a nicety
        log.debug("could not compare the run's cost: %s", error)
        return
    if found:
        text = f"pipeline run {run_id[:12]} cost more than usual: {'; '.join(found)}"
        log.warning("%s", text)
        notify("cost", text, root=root, settings=settings.alerts)


def register(subparsers: Subparsers) -> None:
    """Add the pipeline commands."""
    root = root_option()
    ingest = subparsers.add_parser(
        "ingest",
        parents=[root],
        help="validate the raw data by its contract, then write data/processed/<dataset>.parquet",
        description="Read data/raw/<dataset>.parquet|.csv (else the dataset's loader in "
        "datasets.py), validate it against contracts/<dataset>.yaml and write "
        "data/processed/<dataset>.parquet. Bad data exits 1 with a report in reports/ and "
        "writes nothing else.",
    )
    ingest.add_argument("file", nargs="?", type=Path, help="read this file instead")
    ingest.set_defaults(handler=cmd_ingest)

    contract = subparsers.add_parser(
        "contract",
        parents=[global_options()],
        help="check data against its contract, or infer a starting contract",
    )
    actions = contract.add_subparsers(title="actions", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        parents=[root],
        help="validate FILE (default: the dataset's raw or embedded data); exit 1 on failures",
        description="Lazy validation: print every failure (column, check, value, row), write "
        "them as JSON to reports/contract_<dataset>.json (for a FILE other than the dataset's "
        "own: reports/contract_<dataset>_<FILE's name>.json), exit 1 when any check fails. The "
        "contract: --contract, else contracts/<FILE's name>.yaml if it exists, else the one of "
        "params.yaml's dataset.",
    )
    check.add_argument(
        "file",
        nargs="?",
        type=Path,
        help="a .csv or .parquet file, or the name of a loader in datasets.py (its table)",
    )
    check.add_argument(
        "--contract", type=Path, help="contract file (default: contracts/<dataset>.yaml)"
    )
    check.set_defaults(handler=cmd_contract_check)
    infer = actions.add_parser(
        "infer",
        parents=[root],
        help="write a starting contract from a sample FILE (review it before committing)",
        description="Detect the encoding, delimiter, decimal comma, missing-value markers, row "
        "numbers, ids, dates, high-cardinality codes and constant columns; infer dtypes, widened "
        "ranges, allowed values and roles, each with a comment saying why. Review, commit, then "
        "`contract check`. Never replaces a file without --force.",
    )
    infer.add_argument(
        "file", type=Path, help="a .csv or .parquet sample, or the name of a loader in datasets.py"
    )
    infer.add_argument("--target", required=True, help="the column to predict")
    infer.add_argument("--id", help="the id column (default: detected from its name and values)")
    infer.add_argument(
        "--task",
        choices=("classification", "regression"),
        help="default: guessed from the target (labels or few integers: classification)",
    )
    infer.add_argument("--name", help="dataset name (default: the file's stem)")
    infer.add_argument(
        "--encoding",
        help="the CSV file's encoding, e.g. cp1252 (default: UTF-8, else cp1252, else latin-1)",
    )
    infer.add_argument(
        "--delimiter", help="the CSV file's delimiter, e.g. ';' or tab (default: sniffed)"
    )
    infer.add_argument(
        "-o", "--output", type=Path, help="write here, e.g. contracts/<name>.yaml (default: stdout)"
    )
    infer.add_argument("--force", action="store_true", help="replace an existing output file")
    infer.set_defaults(handler=cmd_contract_infer)

    train = subparsers.add_parser(
        "train",
        parents=[root],
        help="fit params.yaml's estimator on the processed data and register it as the candidate",
        description="Split the processed data (seeded), fit features + estimator, score the "
        "held-out rows and register one model version (model, held-out rows, drift statistics, "
        "each hash-checked) as the candidate.",
    )
    train.set_defaults(handler=cmd_train)

    evaluate = subparsers.add_parser(
        "evaluate",
        parents=[root],
        help="score the candidate on the held-out rows registered with it -> reports/metrics.json",
        description="Classification: accuracy, macro F1, ROC AUC, log loss. Regression: RMSE, "
        "MAE, R². Each beside the trivial baseline on the same rows (baseline_*).",
    )
    evaluate.set_defaults(handler=cmd_evaluate)

    pipeline = subparsers.add_parser(
        "pipeline",
        parents=[root],
        help="ingest, train and evaluate, in order (stops at bad data; skips what did not change)",
        description="Run the stages in order. A stage whose inputs (data, contract, settings, "
        "the team's code, the runtime) did not change since its last run is skipped and its "
        "result reused; each says why it ran or was skipped. A contract violation stops it with "
        "exit 1: no model is trained and no earlier output is overwritten.",
    )
    pipeline.add_argument(
        "--force", action="store_true", help="run every stage, even those nothing changed for"
    )
    pipeline.set_defaults(handler=cmd_pipeline)
