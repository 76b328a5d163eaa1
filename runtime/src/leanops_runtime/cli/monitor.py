"""``drift`` and ``report``: watch the data and the model without stopping anything.

``drift`` compares a batch with the model's training data; it exits 0 whatever it finds unless
``--fail-on`` is given or rows the contract cannot read were left out, and sends an alert
(``alerts``) when a feature reaches ``alerts.drift_level``. ``report`` writes one HTML page
with the project at a glance.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from pathlib import Path

from ..errors import EXIT_REFUSED
from .app import (
    output_path,
    project_root,
    registry_of,
    root_option,
    settings_of,
    wrote_output,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import pandas as pd

    from ..contract import Contract
    from .app import Subparsers

log = logging.getLogger(__name__)


def _readable_rows(source: Path, contract: Contract, root: Path) -> tuple[pd.DataFrame, int]:
    """The batch read by the contract's rules, its columns and dtypes checked, and how many rows
    were left out: a row with a value the contract cannot read (``#DIV/0!`` in a number column,
    a date that is none) is counted, never measured as missing; a column that breaks it refuses
    the batch. Values out of range are what drift measures: not refused. The check has its own
    report, so the batch's full one (from ``predict`` or ``contract check``) stays."""
    from ..contract import ContractViolation, describe, report_path
    from ..predict import checked_batch, rows_kept

    checked = report_path(contract.name, root, f"_{source.stem}-drift")
    try:
        return checked_batch(source, contract, root, values=False, report=checked)[0], 0
    except ContractViolation as error:
        kept = rows_kept(error, contract)
        if kept is None:
            raise
        shown = "; ".join(describe(failure) for failure in error.failures[:3])
        more = f"; {len(error.failures) - 3} more" if len(error.failures) > 3 else ""
        log.warning(
            "%d row(s) left out of the drift check, values the contract cannot read (%s%s): "
            "fix them at the source (report: %s)",
            len(kept[1]),
            shown,
            more,
            error.report,
        )
        return kept[0], len(kept[1])


def _drift(args: argparse.Namespace) -> int:
    from .. import drift
    from ..alerts import notify
    from ..contract import load_contract
    from ..files import REPORTS_DIR, write_atomic
    from ..report.status import update_status

    settings = settings_of(args)
    root = project_root(args)
    registry = registry_of(args)
    state = registry.state()
    ref = args.version or ("production" if state.production else "candidate")
    reference, entry = registry.reference(ref, state)
    dataset = entry["dataset"]  # the model line checked against (the report is keyed by it)
    contract = load_contract(settings.data.dataset, root)
    frame, left_out = _readable_rows(Path(args.input), contract, root)
    result = drift.check(
        reference, frame, settings.drift, dates=contract.columns("feature_datetime")
    )
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    trained_on = entry["data_fingerprint"]["sha256"] if entry["data_fingerprint"] else None
    report = {
        "input": str(args.input),
        "dataset": dataset,
        "model_version": entry["version"],
        "data_version": trained_on,  # the reference's rows: `data restore <model_version>`
        "created_at": created,
        "rows_left_out": left_out,  # rows the contract cannot read (in the report it names)
        **result.to_json(),
    }
    default = root / REPORTS_DIR / f"drift-{Path(args.input).stem}.json"
    out = output_path(args, Path(args.report or default), inputs=(args.input,))
    write_atomic(out, (json.dumps(report, indent=2) + "\n").encode("utf-8"))
    wrote_output(args, out)
    kept_rows = f"{result.rows} rows" + (f", {left_out} left out" if left_out else "")
    print(
        f"drift of {args.input} ({kept_rows}) against model v{entry['version']} "
        f"of dataset {dataset}"
        + (f" (trained on data version {trained_on[:12]}):" if trained_on else ":")
    )
    print(drift.table(result))
    log.info("report: %s", out)
    unchecked = [row.feature for row in result.features if row.status == drift.NOT_CHECKED]
    if unchecked:
        log.warning(
            "not checked: %s (model v%s was registered before dates were checked; retrain)",
            ", ".join(unchecked),
            entry["version"],
        )
    update_status(
        root,
        "drift",
        {
            "status": result.status,
            "at": created,
            "input": str(args.input),
            "model_version": entry["version"],
        },
        dataset=dataset,
    )
    if result.status == drift.INSUFFICIENT:
        log.warning("fewer than %s rows: insufficient data, no verdict", result.min_rows)
        return EXIT_REFUSED if left_out else 0
    for level, then in DRIFT_NEXT.items():
        names = result.flagged(level)
        if names:
            shown = ", ".join(names)
            log.warning("drift %s on %d feature(s): %s (%s)", level, len(names), shown, then)
            break
    worth = result.flagged(settings.alerts.drift_level)
    if worth:
        notify(
            "drift",
            f"drift {result.status} on {len(worth)} feature(s) of {args.input} against model "
            f"v{entry['version']}: {', '.join(worth)}",
            severity="error" if result.status == "alert" else "warning",
            details={"report": str(out), "features": list(worth), "status": result.status},
            settings=settings.alerts,
        )
    if left_out or (args.fail_on != "never" and result.flagged(args.fail_on)):
        return EXIT_REFUSED  # rows left out exit 1, as predict's rows set aside do
    return 0


# What a person does next, by the batch's level (the guide's "Drift", docs/guide.md, says the same).
DRIFT_NEXT = {
    "alert": "a large shift: check the upstream data; if real, retrain (pipeline, promote), or "
    "rollback if predictions hurt",
    "warn": "look at the feature: a new source, a unit, a season?",
}


def _report(args: argparse.Namespace) -> int:
    from ..report import DEFAULT_OUTPUT, build

    root = project_root(args)
    out = output_path(args, Path(args.output or root / DEFAULT_OUTPUT))
    page, snapshot = build(settings_of(args), root, out)
    wrote_output(args, page)
    for note in snapshot.notes:  # a forged record, an alias moved by hand: not only in the page
        log.warning("%s", note)
    production = f"v{snapshot.production.version}" if snapshot.production else "none"
    last = snapshot.runs[-1].status if snapshot.runs else "none yet"
    checked = "not checked"
    if snapshot.contract is not None:
        failures = snapshot.contract.failure_count
        checked = "passed" if snapshot.contract.passed else f"{failures} failure(s)"
    drift = snapshot.drift.status if snapshot.drift else "not checked"
    log.info(
        "dataset %s: production model %s; last pipeline: %s; contract: %s; drift: %s; %d run(s)",
        snapshot.dataset,
        production,
        last,
        checked,
        drift,
        len(snapshot.runs),
    )
    print(page)
    return 0


def register(subparsers: Subparsers) -> None:
    """Add ``drift`` and ``report``."""
    parser = subparsers.add_parser(
        "drift",
        parents=[root_option()],
        help="compare a batch with the model's training data (a test per feature, Holm-corrected)",
        description="Kolmogorov-Smirnov (numbers, dates) and chi-square (categories) tests per "
        "feature, corrected across features so a same-distribution batch warns at most "
        "drift.alpha (5%) of the time; PSI and mean shifts as effect sizes. Warns without failing "
        "(exit 0) unless --fail-on is given or rows are left out. The report names the dataset "
        "whose model it checked. Rows with a value the contract cannot read are left out and "
        "counted (their check: reports/contract_<dataset>_<input>-drift.json); a missing "
        "column refuses the batch.",
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

    parser = subparsers.add_parser(
        "report",
        parents=[root_option()],
        help="write the project at a glance as one HTML page (reports/report.html)",
        description="For params.yaml's dataset: the production model and how it compares, "
        "recent runs, the last contract and drift checks, and the audit trail, in one "
        "self-contained HTML file (no server, no script, opens offline). Also refreshes "
        "reports/status.json for `leanops status`.",
    )
    parser.add_argument(
        "-o", "--output", type=Path, help="HTML file (default: reports/report.html)"
    )
    parser.set_defaults(handler=_report)
