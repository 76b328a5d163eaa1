"""``drift``: compare a batch with the model's training data, without stopping anything."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from pathlib import Path

from ..errors import EXIT_REFUSED
from .common import output_path, project_root, root_option, settings_of
from .registry import open_registry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .common import Subparsers

log = logging.getLogger(__name__)


def _drift(args: argparse.Namespace) -> int:
    from .. import drift
    from ..files import write_atomic
    from ..predict import REPORTS_DIR, read_batch

    settings = settings_of(args)
    registry = open_registry(args)
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
    default = project_root(args) / REPORTS_DIR / f"drift-{Path(args.input).stem}.json"
    out = output_path(args, Path(args.report or default), inputs=(args.input,))
    write_atomic(out, (json.dumps(report, indent=2) + "\n").encode("utf-8"))
    print(f"drift of {args.input} ({report['rows']} rows) against model v{entry['version']}:")
    print(drift.table(report))
    log.info("report: %s", out)
    status = report["status"]
    if status == drift.INSUFFICIENT:
        log.warning("fewer than %s rows: insufficient data, no verdict", report["min_rows"])
        return 0
    for level in ("alert", "warn"):
        names = drift.flagged(report, level)
        if names:
            log.warning("drift %s on %d feature(s): %s", level, len(names), ", ".join(names))
            break
    if args.fail_on != "never" and drift.flagged(report, args.fail_on):
        return EXIT_REFUSED
    return 0


def register(subparsers: Subparsers) -> None:
    """Add ``drift``."""
    parser = subparsers.add_parser(
        "drift",
        parents=[root_option()],
        help="compare a batch with the model's training data (PSI and KS per feature)",
        description="Warns on drift without failing (exit 0) unless --fail-on is given.",
    )
    parser.add_argument("input", type=Path, help="CSV or Parquet file")
    parser.add_argument("--version", help="reference of this version (default: production)")
    parser.add_argument(
        "--fail-on",
        choices=("never", "warn", "alert"),
        default="never",
        help="exit 1 when a feature reaches this level (default: never)",
    )
    parser.add_argument(
        "--report", type=Path, help="JSON report path (default: reports/drift-<input>.json)"
    )
    parser.set_defaults(handler=_drift)
