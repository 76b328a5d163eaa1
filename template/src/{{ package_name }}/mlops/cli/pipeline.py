"""Pipeline commands: ``ingest``, ``contract check|infer``, ``train``, ``evaluate``, ``pipeline``.

Bad data (a contract violation) logs every failure (the first 20; all of them in the JSON report)
and exits 1; other expected failures are one line and exit 2 (see ``app``).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .common import project_root, root_option, settings_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .common import Subparsers

log = logging.getLogger(__name__)


def cmd_ingest(args: argparse.Namespace) -> int:
    from ..data import ingest

    result = ingest(settings_of(args).data.dataset, project_root(args), source=args.file)
    log.info("ingested %d rows from %s -> %s", len(result.frame), result.source, result.output)
    return 0


def cmd_contract_check(args: argparse.Namespace) -> int:
    from ..contract import check_frame, load_contract
    from ..data import load_source, read_table

    root = project_root(args)
    dataset = settings_of(args).data.dataset
    contract = load_contract(dataset, root, path=args.contract)
    if args.file is not None:
        frame, source = read_table(args.file), str(args.file)
    else:
        frame, source = load_source(dataset, root)
    _, report = check_frame(contract, frame, source=source, root=root)
    log.info(
        "%s: %d rows meet contract %s v%s (%s)",
        source,
        len(frame),
        contract.name,
        contract.version,
        report,
    )
    return 0


def cmd_contract_infer(args: argparse.Namespace) -> int:
    from ..contract import dump_contract, infer
    from ..data import read_table
    from ..files import write_atomic

    name = args.name or Path(args.file).stem
    contract = infer(read_table(args.file), name, target=args.target)
    text = dump_contract(contract)
    if args.output is None:
        print(text, end="")
    else:
        write_atomic(Path(args.output), text.encode("utf-8"))
        log.info("wrote %s: review ranges and allowed values, then commit it", args.output)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from ..train import train

    result = train(settings_of(args), project_root(args))
    meta = result.metadata
    log.info(
        "trained %s on %s rows -> %s", meta["estimator"], meta["train_rows"], result.model_path
    )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ..evaluate import evaluate

    metrics, path = evaluate(project_root(args), settings_of(args).models_dir)
    shown = ", ".join(f"{name}={value:.4f}" for name, value in metrics.items())
    log.info("%s -> %s", shown, path)
    return 0


def cmd_pipeline(args: argparse.Namespace) -> int:
    from ..pipeline import run_pipeline

    result = run_pipeline(settings_of(args), project_root(args))
    shown = ", ".join(f"{name}={value:.4f}" for name, value in result.metrics.items())
    log.info("pipeline done: %s -> %s (run %s)", shown, result.metrics_path, result.run_id[:12])
    log.info("registered v%s as candidate (next: promote)", result.model_version)
    return 0


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
        "contract", help="check data against its contract, or infer a starting contract"
    )
    actions = contract.add_subparsers(title="actions", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        parents=[root],
        help="validate FILE (default: the dataset's raw or embedded data); exit 1 on failures",
        description="Lazy validation: print every failure (column, check, value, row), write "
        "them as JSON to reports/contract_<dataset>.json, exit 1 when any check fails.",
    )
    check.add_argument("file", nargs="?", type=Path, help="a .csv or .parquet file")
    check.add_argument(
        "--contract", type=Path, help="contract file (default: contracts/<dataset>.yaml)"
    )
    check.set_defaults(handler=cmd_contract_check)
    infer = actions.add_parser(
        "infer",
        parents=[root],
        help="write a starting contract from a sample FILE (review it before committing)",
        description="Infer dtypes, nullability, widened ranges, allowed values and roles from a "
        "sample. Review, commit, then `contract check`.",
    )
    infer.add_argument("file", type=Path, help="a .csv or .parquet sample")
    infer.add_argument("-o", "--output", type=Path, help="write here (default: stdout)")
    infer.add_argument("--name", help="dataset name (default: the file's stem)")
    infer.add_argument("--target", default="target", help="the target column (default: target)")
    infer.set_defaults(handler=cmd_contract_infer)

    train = subparsers.add_parser(
        "train",
        parents=[root],
        help="fit params.yaml's estimator on the processed data -> models/model.skops",
        description="Split the processed data (seeded), fit features + estimator, save "
        "models/model.skops, models/model.json (sha256, trusted types) and models/holdout.parquet.",
    )
    train.set_defaults(handler=cmd_train)

    evaluate = subparsers.add_parser(
        "evaluate",
        parents=[root],
        help="score the trained model on its held-out rows -> reports/metrics.json",
        description="Classification: accuracy, f1, roc_auc. Regression: rmse, mae, r2.",
    )
    evaluate.set_defaults(handler=cmd_evaluate)

    pipeline = subparsers.add_parser(
        "pipeline",
        parents=[root],
        help="ingest, train and evaluate, in order (stops at bad data)",
        description="Run every stage in order. A contract violation stops it with exit 1: no "
        "model is trained and no earlier output is overwritten.",
    )
    pipeline.set_defaults(handler=cmd_pipeline)
