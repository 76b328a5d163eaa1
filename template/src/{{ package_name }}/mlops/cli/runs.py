"""``runs``: read the tracking store — list, show, compare and export runs (plain-text tables)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .. import tables, tracking

log = logging.getLogger(__name__)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from .common import Subparsers

SHORT_ID = 8
DIFF_MARK = "*"
SHOW_FIELDS = (
    "id",
    "name",
    "status",
    "user",
    "host",
    "git_commit",
    "git_dirty",
    "python",
    "platform",
    "lock_sha256",
    "error",
)


def _time(epoch: float | None) -> str:
    """A timestamp as UTC text, to the second."""
    if epoch is None:
        return "-"
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _duration(run: dict[str, Any]) -> str:
    if run["end_time"] is None:
        return "-"
    return f"{run['end_time'] - run['start_time']:.1f}s"


def _list(args: argparse.Namespace) -> int:
    if not tracking.store_path(args.db).is_file():
        log.info("no runs tracked yet (store: %s)", tracking.store_path(args.db))
        return 0
    runs = tracking.list_runs(status=args.status, name=args.name, tag=args.tag, db=args.db)
    if not runs:
        log.info("no runs match")
        return 0
    rows = [
        (
            run["id"][:SHORT_ID],
            run["name"],
            run["status"],
            _time(run["start_time"]),
            _duration(run),
            (run["git_commit"] or "-")[:SHORT_ID] + ("+dirty" if run["git_dirty"] else ""),
        )
        for run in runs
    ]
    print(tables.render(["id", "name", "status", "started (UTC)", "duration", "commit"], rows))
    return 0


def _show(args: argparse.Namespace) -> int:
    run = tracking.get_run(args.run_id, db=args.db)
    pairs = [(field, run[field]) for field in SHOW_FIELDS]
    pairs += [
        ("started", f"{_time(run['start_time'])} UTC"),
        ("ended", f"{_time(run['end_time'])} UTC"),
    ]
    print(tables.key_values(pairs))
    sections: list[tuple[str, list[str], list[Sequence[Any]]]] = [
        ("params", ["key", "value"], sorted(run["params"].items())),
        ("metrics (latest step)", ["key", "value"], sorted(run["metrics"].items())),
        ("tags", ["key", "value"], sorted(run["tags"].items())),
        (
            "datasets",
            ["name", "sha256", "rows", "columns", "contract"],
            [
                (d["name"], d["sha256"], d["rows"], d["columns"], d["contract_version"])
                for d in run["datasets"]
            ],
        ),
        (
            "feature steps",
            ["name", "class", "params"],
            [(s["name"], s["class"], s["params"]) for s in run["feature_steps"]],
        ),
        (
            "artifacts",
            ["path", "size", "sha256"],
            [(a["path"], a["size"], a["sha256"]) for a in run["artifacts"]],
        ),
    ]
    for title, headers, rows in sections:
        if rows:
            print(f"\n{title}:")
            print(tables.render(headers, rows))
    return 0


def _compare(args: argparse.Namespace) -> int:
    result = tracking.compare(args.run_ids, db=args.db)
    headers = ["", "key", *(run_id[:SHORT_ID] for run_id in result["runs"])]
    rows = []
    for section in ("params", "metrics"):
        differ = set(result[f"{section}_differ"])
        for key, values in result[section].items():
            rows.append((DIFF_MARK if key in differ else "", f"{section[:-1]}.{key}", *values))
    print(tables.render(headers, rows))
    print(f"\n{DIFF_MARK} = differs between runs")
    return 0


def _flat_runs(db: str | None) -> list[dict[str, Any]]:
    """Every run with its params and latest metrics, for export."""
    return [tracking.get_run(run["id"], db=db) for run in tracking.list_runs(db=db)]


def _export(args: argparse.Namespace) -> int:
    if args.mlflow:
        from ..tracking_mlflow import export_runs

        exported, skipped = export_runs(args.mlflow, db=args.db)
        log.info("exported %d run(s) to %s (%d already there)", exported, args.mlflow, skipped)
        return 0
    runs = _flat_runs(args.db)
    write = _write_json if args.format == "json" else _write_csv
    if not args.output:
        write(runs, sys.stdout)
        return 0
    from ..files import guard_output

    store = tracking.store_path(args.db).parent
    target = guard_output(args.output, root=Path.cwd(), keep=(store,))
    with target.open("w", encoding="utf-8", newline="") as out:
        write(runs, out)
    log.info("wrote %d run(s) to %s", len(runs), args.output)
    return 0


def _write_json(runs: list[dict[str, Any]], out: Any) -> None:
    import json

    json.dump(runs, out, indent=2, default=str)
    out.write("\n")


def _write_csv(runs: list[dict[str, Any]], out: Any) -> None:
    """One row per run: the run's fields, then ``param.<key>`` and ``metric.<key>`` columns."""
    import csv

    base = [
        "id",
        "name",
        "status",
        "start_time",
        "end_time",
        "user",
        "host",
        "git_commit",
        "git_dirty",
        "python",
        "lock_sha256",
    ]
    params = sorted({k for run in runs for k in run["params"]})
    metrics = sorted({k for run in runs for k in run["metrics"]})
    writer = csv.writer(out)
    writer.writerow([*base, *(f"param.{k}" for k in params), *(f"metric.{k}" for k in metrics)])
    for run in runs:
        writer.writerow(
            [
                *(run[k] for k in base),
                *(tables.cell(run["params"].get(k)) for k in params),
                *(run["metrics"].get(k) for k in metrics),
            ]
        )


def register(subparsers: Subparsers) -> None:
    """Add the ``runs`` command and its sub-commands."""
    parser = subparsers.add_parser("runs", help="list, show, compare and export tracked runs")
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument(
        "--db", default=None, help=f"tracking store (default: ${tracking.ENV_DB} or .leanops/)"
    )
    actions = parser.add_subparsers(title="sub-commands", metavar="ACTION", required=True)

    listing = actions.add_parser("list", parents=[store], help="runs, newest first")
    listing.add_argument("--status", choices=tracking.STATUSES)
    listing.add_argument("--name", help="only runs with this name")
    listing.add_argument("--tag", help="only runs with this tag (KEY or KEY=VALUE)")
    listing.set_defaults(handler=_list)

    show = actions.add_parser("show", parents=[store], help="everything recorded about one run")
    show.add_argument("run_id", metavar="ID", help="run id (a unique prefix is enough)")
    show.set_defaults(handler=_show)

    comparing = actions.add_parser(
        "compare", parents=[store], help="params and metrics side by side"
    )
    comparing.add_argument("run_ids", metavar="ID", nargs="+", help="two or more run ids")
    comparing.set_defaults(handler=_compare)

    export = actions.add_parser(
        "export", parents=[store], help="write runs as JSON/CSV, or copy them to MLflow"
    )
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    export.add_argument("--mlflow", metavar="URI", help="copy runs into this MLflow store")
    export.set_defaults(handler=_export)
