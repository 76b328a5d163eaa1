"""Registry commands: ``models``, ``promote``, ``rollback``, ``predict`` and ``drift``.

Heavy libraries (pandas, scikit-learn, skops) are imported inside the handlers so ``--help``
stays fast. Exit codes: 0 done, 1 refused (promotion gate, or drift with ``--fail-on``), 2 a
usage error (one line on stderr).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

EXIT_REFUSED = 1


def _registry(args: argparse.Namespace) -> Any:
    from .registry import Registry

    return Registry(_settings(args).models_dir)


def _settings(args: argparse.Namespace) -> Any:
    from .config import load_settings

    return load_settings(args.root)


# ------------------------------------------------------------------------------------ models


def _models(args: argparse.Namespace) -> int:
    registry = _registry(args)
    if args.audit:
        for record in registry.audit()[-args.audit :]:
            print(json.dumps(record, sort_keys=True))
        return 0
    state = registry.read()
    if not state["versions"]:
        print("no models registered yet (run the pipeline)")
        return 0
    aliases: dict[int, list[str]] = {}
    for name, number in state["aliases"].items():
        if number is not None:
            aliases.setdefault(number, []).append(name)
    rows = [("version", "aliases", "created", "by", "run", "metrics", "sha256")]
    for entry in state["versions"]:
        metrics = " ".join(f"{k}={v:.4g}" for k, v in sorted(entry["metrics"].items()))
        rows.append(
            (
                f"v{entry['version']}",
                ",".join(aliases.get(entry["version"], [])) or "-",
                entry["created_at"][:19].replace("T", " "),
                entry["created_by"],
                (entry.get("run_id") or "-")[:12],
                metrics or "-",
                entry["sha256"][:12],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


# ------------------------------------------------------------------------------------ promote


def held_out_evaluator(settings: Any, root: Path) -> Any:
    """``evaluate(model) -> metrics`` on the current held-out split (the pipeline's own split)."""
    from .lifecycle import held_out_evaluator as build

    return build(settings, root)


def _promote(args: argparse.Namespace) -> int:
    from .promotion import comparison_table, promote

    if args.force and not (args.reason and args.reason.strip()):
        from .promotion import PromotionError

        raise PromotionError("--force needs --reason: say why the gate is overridden")
    settings = _settings(args)
    registry = _registry(args)
    evaluate = held_out_evaluator(settings, Path(args.root))
    result, record = promote(
        registry,
        settings.promotion,
        evaluate,
        version=args.version,
        force=args.force,
        reason=args.reason,
    )
    print(comparison_table(result))
    if record is None:
        print(f"refused: v{result.candidate} stays candidate", file=sys.stderr)
        for reason in result.reasons:
            print(f"  - {reason}", file=sys.stderr)
        return EXIT_REFUSED
    if record["forced"]:
        print(f"warning: gate overridden ({'; '.join(result.reasons)})", file=sys.stderr)
    previous = f"v{record['from']}" if record["from"] else "none"
    print(f"promoted: v{record['to']} is production (was {previous})")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    record = _registry(args).rollback(args.to, reason=args.reason)
    print(f"rolled back: v{record['to']} is production (was v{record['from']})")
    return 0


# ------------------------------------------------------------------------------------ predict


def _predict(args: argparse.Namespace) -> int:
    from . import predict
    from .lifecycle import batch_validator

    settings = _settings(args)
    path, result, entry = predict.run(
        args.input,
        args.output or Path(args.root) / predict.default_output(args.input),
        registry=_registry(args),
        validate=batch_validator(settings, Path(args.root)),
    )
    print(f"wrote {len(result)} predictions of model v{entry['version']} to {path}")
    return 0


# ------------------------------------------------------------------------------------ drift


def _drift(args: argparse.Namespace) -> int:
    from . import drift
    from .files import write_atomic
    from .predict import REPORTS_DIR, read_batch

    settings = _settings(args)
    registry = _registry(args)
    ref = args.version or ("production" if registry.alias("production") else "candidate")
    reference, entry = registry.reference(ref)
    frame = read_batch(args.input)
    report = drift.check(reference, frame, settings.drift)
    report = {
        "input": str(args.input),
        "model_version": entry["version"],
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **report,
    }
    out = Path(args.report or Path(args.root) / REPORTS_DIR / f"drift-{Path(args.input).stem}.json")
    write_atomic(out, (json.dumps(report, indent=2) + "\n").encode("utf-8"))
    print(f"drift of {args.input} ({report['rows']} rows) against model v{entry['version']}:")
    print(drift.table(report))
    print(f"report: {out}")
    status = report["status"]
    if status == drift.INSUFFICIENT:
        print(
            f"note: fewer than {report['min_rows']} rows: insufficient data, no verdict",
            file=sys.stderr,
        )
        return 0
    for level in ("alert", "warn"):
        names = drift.flagged(report, level)
        if names:
            print(
                f"warning: drift {level} on {len(names)} feature(s): {', '.join(names)}",
                file=sys.stderr,
            )
            break
    if args.fail_on != "never" and drift.flagged(report, args.fail_on):
        return EXIT_REFUSED
    return 0


# ------------------------------------------------------------------------------------ register


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``models``, ``promote``, ``rollback``, ``predict`` and ``drift``."""
    root = argparse.ArgumentParser(add_help=False)
    root.add_argument("--root", default=".", help="project folder (default: current)")

    parser = subparsers.add_parser(
        "models", parents=[root], help="list registered model versions and their aliases"
    )
    parser.add_argument(
        "--audit",
        type=int,
        nargs="?",
        const=20,
        default=0,
        metavar="N",
        help="print the last N audit records instead (default 20)",
    )
    parser.set_defaults(handler=_models)

    parser = subparsers.add_parser(
        "promote",
        parents=[root],
        help="make the candidate the production model if it passes the gate",
        description="Evaluate the candidate and the production model on the same held-out data;"
        " promote only if the candidate meets params.yaml's promotion thresholds and does not"
        " regress beyond the tolerance. Exit 1 when refused.",
    )
    parser.add_argument("--version", help="promote this version instead of the candidate")
    parser.add_argument("--force", action="store_true", help="override a failed gate (audited)")
    parser.add_argument("--reason", help="why (required with --force; recorded in the audit log)")
    parser.set_defaults(handler=_promote)

    parser = subparsers.add_parser(
        "rollback",
        parents=[root],
        help="point production back to the previous (or a given) version",
    )
    parser.add_argument("--to", metavar="VERSION", help="roll back to this version (e.g. v2)")
    parser.add_argument("--reason", help="why (recorded in the audit log)")
    parser.set_defaults(handler=_rollback)

    parser = subparsers.add_parser(
        "predict",
        parents=[root],
        help="batch predictions from a CSV or Parquet file with the production model",
    )
    parser.add_argument("input", help="CSV or Parquet file, checked against the data contract")
    parser.add_argument(
        "-o", "--output", help="output file (default: reports/predictions-<input name>)"
    )
    parser.set_defaults(handler=_predict)

    parser = subparsers.add_parser(
        "drift",
        parents=[root],
        help="compare a batch with the model's training data (PSI and KS per feature)",
        description="Warns on drift without failing (exit 0) unless --fail-on is given.",
    )
    parser.add_argument("input", help="CSV or Parquet file")
    parser.add_argument("--version", help="reference of this version (default: production)")
    parser.add_argument(
        "--fail-on",
        choices=("never", "warn", "alert"),
        default="never",
        help="exit 1 when a feature reaches this level (default: never)",
    )
    parser.add_argument("--report", help="JSON report path (default: reports/drift-<input>.json)")
    parser.set_defaults(handler=_drift)
