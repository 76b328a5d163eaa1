"""Pipeline sub-commands: ``ingest``, ``contract check|infer``, ``train``, ``evaluate``,
``pipeline``.

Bad data (a contract violation) prints every failure, names the JSON report and exits 1; other
expected failures are one line and exit 2 (see cli.py). Heavy imports stay inside the handlers
so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_BAD_DATA = 1
SHOWN_FAILURES = 20


def _settings() -> Any:
    from .config import load_settings

    return load_settings(Path.cwd())


def _bad_data(error: Any) -> int:
    """Print a contract violation: the summary line, then each failure (capped)."""
    print(f"error: {error}", file=sys.stderr)
    for failure in error.failures[:SHOWN_FAILURES]:
        row = "" if failure["row"] is None else f" row {failure['row']}"
        print(
            f"  {failure['column']}: {failure['check']} failed for {failure['value']!r}{row}",
            file=sys.stderr,
        )
    hidden = len(error.failures) - SHOWN_FAILURES
    if hidden > 0:
        print(f"  ... and {hidden} more in {error.report}", file=sys.stderr)
    return EXIT_BAD_DATA


def _guarded(run: Any) -> int:
    from .contract import ContractViolation

    try:
        return run()
    except ContractViolation as error:
        return _bad_data(error)


def cmd_ingest(args: argparse.Namespace) -> int:
    from .data import ingest

    def run() -> int:
        result = ingest(_settings().data.dataset, Path.cwd(), source=args.file)
        print(f"ingested {len(result.frame)} rows from {result.source} -> {result.output}")
        return 0

    return _guarded(run)


def cmd_contract_check(args: argparse.Namespace) -> int:
    from .contract import check_frame, load_contract
    from .data import load_source, read_table

    def run() -> int:
        dataset = _settings().data.dataset
        contract = load_contract(dataset, Path.cwd(), path=args.contract)
        if args.file is not None:
            frame, source = read_table(args.file), str(args.file)
        else:
            frame, source = load_source(dataset, Path.cwd())
        _, report = check_frame(contract, frame, source=source, root=Path.cwd())
        print(f"{source}: {len(frame)} rows meet contract {dataset} v{contract.version} ({report})")
        return 0

    return _guarded(run)


def cmd_contract_infer(args: argparse.Namespace) -> int:
    from .contract import dump_contract, infer
    from .data import read_table
    from .files import write_atomic

    name = args.name or Path(args.file).stem
    contract = infer(read_table(args.file), name, target=args.target)
    text = dump_contract(contract)
    if args.output is None:
        print(text, end="")
    else:
        write_atomic(Path(args.output), text.encode("utf-8"))
        print(f"wrote {args.output}: review ranges and allowed values, then commit it")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .train import train

    result = train(_settings(), Path.cwd())
    meta = result.metadata
    print(f"trained {meta['estimator']} on {meta['train_rows']} rows -> {result.model_path}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate

    metrics, path = evaluate(Path.cwd())
    shown = ", ".join(f"{name}={value:.4f}" for name, value in metrics.items())
    print(f"{shown} -> {path}")
    return 0


def cmd_pipeline(args: argparse.Namespace) -> int:
    from .pipeline import run as run_pipeline

    def run() -> int:
        result = run_pipeline(_settings(), Path.cwd())
        shown = ", ".join(f"{name}={value:.4f}" for name, value in result.metrics.items())
        print(f"pipeline done: {shown} -> {result.metrics_path} (run {result.run_id[:12]})")
        print(f"registered v{result.model_version} as candidate (next: promote)")
        return 0

    return _guarded(run)


def register(subparsers: Any) -> None:
    """Add the pipeline commands."""
    ingest = subparsers.add_parser(
        "ingest",
        help="validate the raw data by its contract, then write data/processed/<dataset>.parquet",
        description="Read data/raw/<dataset>.parquet|.csv (else the embedded dataset), validate "
        "it against contracts/<dataset>.yaml and write data/processed/<dataset>.parquet. "
        "Bad data exits 1 with a report in reports/ and writes nothing else.",
    )
    ingest.add_argument("file", nargs="?", type=Path, help="read this file instead")
    ingest.set_defaults(handler=cmd_ingest)

    contract = subparsers.add_parser(
        "contract", help="check data against its contract, or infer a starting contract"
    )
    actions = contract.add_subparsers(title="actions", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
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
        help="fit params.yaml's estimator on the processed data -> models/model.skops",
        description="Split the processed data (seeded), fit features + estimator, save "
        "models/model.skops, models/model.json (sha256, trusted types) and models/holdout.parquet.",
    )
    train.set_defaults(handler=cmd_train)

    evaluate = subparsers.add_parser(
        "evaluate",
        help="score the trained model on its held-out rows -> reports/metrics.json",
        description="Classification: accuracy, f1, roc_auc. Regression: rmse, mae, r2.",
    )
    evaluate.set_defaults(handler=cmd_evaluate)

    pipeline = subparsers.add_parser(
        "pipeline",
        help="ingest, train and evaluate, in order (stops at bad data)",
        description="Run every stage in order. A contract violation stops it with exit 1: no "
        "model is trained and no earlier output is overwritten.",
    )
    pipeline.set_defaults(handler=cmd_pipeline)
