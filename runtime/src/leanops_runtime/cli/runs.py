"""``runs``: read the tracked runs — list, show, compare and export (plain-text tables).

The runs are read where the settings' ``tracking_backend`` records them: the embedded store
(``--db`` names another file) or the team's MLflow server, with the same commands and output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .. import tables
from ..tracking.api import STATUSES
from ..tracking.local import env_db
from .app import (
    global_options,
    output_path,
    project_root,
    root_option,
    settings_of,
    wrote_output,
)

if TYPE_CHECKING:
    from ..tables import Cell
    from ..tracking import RunDetails, RunStore, RunSummary
    from .app import Subparsers

log = logging.getLogger(__name__)

SHORT_ID = 8
DIFF_MARK = "*"
CSV_FIELDS = (
    "id",
    "name",
    "dataset",
    "status",
    "start_time",
    "end_time",
    "user",
    "host",
    "git_commit",
    "git_dirty",
    "python",
    "lock_sha256",
)


def iso_time(epoch: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC text (to the millisecond), or None."""
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).isoformat(timespec="milliseconds")


def _time(epoch: float | None) -> str:
    """A timestamp as UTC text, to the second."""
    text = iso_time(epoch)
    return "-" if text is None else text[:19].replace("T", " ")


def _duration(run: RunSummary) -> str:
    if run["end_time"] is None:
        return "-"
    return f"{run['end_time'] - run['start_time']:.1f}s"


def _cost(run: RunSummary, key: str) -> str:
    """One of what a run cost, as ``runs list`` shows it ("-" until its block ended)."""
    value = run["cost"].get(key)
    return "-" if value is None else f"{value:.1f}"


def open_store(args: argparse.Namespace) -> RunStore:
    """The runs of the project at ``--root`` (``--db``: the embedded store in that file)."""
    from ..tracking import run_store

    return run_store(settings_of(args), project_root(args), db=args.db)


def _list(args: argparse.Namespace) -> int:
    store = open_store(args)
    if not store.exists():
        log.info("no runs tracked yet (store: %s)", store.describe())
        return 0
    runs = store.list_runs(status=args.status, name=args.name, tags=args.tag or ())
    if not runs:
        log.info("no runs match")
        return 0
    rows = [
        (
            run["id"][:SHORT_ID],
            run["name"],
            run["dataset"] or "-",
            run["status"],
            _time(run["start_time"]),
            _duration(run),
            *(_cost(run, key) for key in ("cost.cpu_s", "cost.peak_rss_mb", "cost.written_mb")),
            (run["git_commit"] or "-")[:SHORT_ID] + ("+dirty" if run["git_dirty"] else ""),
        )
        for run in runs
    ]
    headers = ["id", "name", "dataset", "status", "started (UTC)", "duration", "CPU s", "peak MB"]
    print(tables.render([*headers, "wrote MB", "commit"], rows))
    return 0


def get_run(store: RunStore, run_id: str) -> RunDetails:
    """The run ``run_id`` names; when there is none, an error that says whether ``prune``
    deleted it, rather than only that it is not here."""
    from ..tracking import TrackingError

    try:
        return store.get_run(run_id)
    except TrackingError as error:
        gone = deleted_by_prune(store, run_id) if str(error).startswith("no run") else None
        if gone is not None:
            raise TrackingError(gone) from error
        raise


def deleted_by_prune(store: RunStore, run_id: str) -> str | None:
    """Why ``run_id`` (an id, or a prefix of ``RUN_PREFIX_MIN`` characters or more) is gone when
    a prune run lists it among what it deleted ("run X was deleted by prune on ..."); else None."""
    from .data import RUN_PREFIX_MIN  # the shortest prefix that names a run

    if len(run_id) < RUN_PREFIX_MIN or not store.exists():
        return None
    for pruning in store.list_runs(name="prune"):
        deleted = store.get_run(pruning["id"])["params"].get("deleted")
        gone = [
            str(item).split()[1]
            for item in (deleted if isinstance(deleted, list) else [])
            if str(item).startswith("run ")
        ]
        if any(run_id.startswith(short) or short.startswith(run_id) for short in gone):
            return (
                f"run {run_id} was deleted by prune on {_time(pruning['start_time'])} UTC "
                f"(run {pruning['id'][:12]}; params.yaml's retention says what is kept)"
            )
    return None


def _show(args: argparse.Namespace) -> int:
    run = get_run(open_store(args), args.run_id)
    pairs: list[tuple[str, Cell]] = [
        ("id", run["id"]),
        ("name", run["name"]),
        ("status", run["status"]),
        ("user", run["user"]),
        ("host", run["host"]),
        ("git_commit", run["git_commit"]),
        ("git_dirty", run["git_dirty"]),
        ("python", run["python"]),
        ("platform", run["platform"]),
        ("lock_sha256", run["lock_sha256"]),
        ("error", run["error"]),
    ]
    pairs += [
        ("started", f"{_time(run['start_time'])} UTC"),
        ("ended", f"{_time(run['end_time'])} UTC"),
    ]
    print(tables.key_values(pairs))
    sections: list[tuple[str, list[str], list[Sequence[Cell]]]] = [
        ("params", ["key", "value"], _pairs(run["params"])),
        ("metrics (latest step)", ["key", "value"], _pairs(run["metrics"])),
        ("tags", ["key", "value"], _pairs(run["tags"])),
        (
            "datasets",
            ["name", "fingerprint (data version)", "rows", "columns", "contract"],
            [
                (d["name"], d["sha256"], d["rows"], d["columns"], d["contract_version"])
                for d in run["datasets"]
            ],
        ),
        (
            "feature steps",
            ["name", "class", "params"],
            [(s.get("name"), s.get("class"), s.get("params")) for s in run["feature_steps"]],
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


def _pairs(mapping: Mapping[str, Cell]) -> list[Sequence[Cell]]:
    return [(key, value) for key, value in sorted(mapping.items())]


def _compare(args: argparse.Namespace) -> int:
    from ..tracking import compare

    store = open_store(args)
    result = compare([get_run(store, run_id) for run_id in args.run_ids])
    headers = ["", "key", *(run_id[:SHORT_ID] for run_id in result["runs"])]
    rows: list[Sequence[Cell]] = []
    sections = (
        ("param", result["params"], set(result["params_differ"])),
        ("tag", result["tags"], set(result["tags_differ"])),
        ("metric", result["metrics"], set(result["metrics_differ"])),
        ("data", result["data"], set(result["data_differ"])),
    )
    for kind, values, differ in sections:
        for key, row in values.items():
            rows.append((DIFF_MARK if key in differ else "", f"{kind}.{key}", *row))
    print(tables.render(headers, rows))
    print(f"\n{DIFF_MARK} = differs between runs")
    return 0


def _export(args: argparse.Namespace) -> int:
    if args.mlflow:
        return _export_to_mlflow(args)
    store = open_store(args)
    runs = [store.get_run(run["id"]) for run in store.list_runs()] if store.exists() else []
    write = _write_json if args.format == "json" else _write_csv
    if not args.output:
        write(runs, sys.stdout)
        return 0
    target = output_path(args, args.output)
    with target.open("w", encoding="utf-8", newline="") as out:
        write(runs, out)
    wrote_output(args, target)
    log.info("wrote %d run(s) to %s", len(runs), args.output)
    return 0


def _export_to_mlflow(args: argparse.Namespace) -> int:
    """Copy the runs of the embedded store (whatever the backend) into the MLflow store given."""
    from ..tracking.local import LocalRunStore
    from ..tracking.mlflow_client import Connection
    from ..tracking.mlflow_export import export_runs

    settings = settings_of(args)
    store = LocalRunStore(args.db if args.db is not None else settings.tracking_db)
    runs = [store.get_run(run["id"]) for run in store.list_runs()] if store.exists() else []
    connection = Connection.of(settings, project_root(args), uri=args.mlflow)
    exported, skipped = export_runs(connection, runs)
    log.info("exported %d run(s) to %s (%d already there)", exported, args.mlflow, skipped)
    return 0


def _write_json(runs: list[RunDetails], out: TextIO) -> None:
    import json

    exported = [
        {**run, "start_time": iso_time(run["start_time"]), "end_time": iso_time(run["end_time"])}
        for run in runs
    ]
    json.dump(exported, out, indent=2, default=str)
    out.write("\n")


def _write_csv(runs: list[RunDetails], out: TextIO) -> None:
    """One row per run: the run's fields (ISO times), then ``param.<key>``, ``metric.<key>``
    and ``tag.<key>`` (the tags a person reads: ``tag.estimator`` is the estimator fitted, which
    ``also_try`` may have chosen over ``param.estimator``; not the stores' own ``leanops.*`` and
    ``mlflow.*``)."""
    import csv

    params = sorted({k for run in runs for k in run["params"]})
    metrics = sorted({k for run in runs for k in run["metrics"]})
    own = ("leanops.", "mlflow.")
    tags = sorted({k for run in runs for k in run["tags"] if not k.startswith(own)})
    writer = csv.writer(out)
    writer.writerow(
        [
            *CSV_FIELDS,
            *(f"param.{k}" for k in params),
            *(f"metric.{k}" for k in metrics),
            *(f"tag.{k}" for k in tags),
        ]
    )
    for run in runs:
        fields: dict[str, object] = {
            **run,
            "start_time": iso_time(run["start_time"]),
            "end_time": iso_time(run["end_time"]),
        }
        writer.writerow(
            [
                *(fields[k] for k in CSV_FIELDS),
                *(tables.cell(run["params"].get(k)) for k in params),
                *(run["metrics"].get(k) for k in metrics),
                *(run["tags"].get(k) for k in tags),
            ]
        )


def register(subparsers: Subparsers) -> None:
    """Add the ``runs`` command and its sub-commands."""
    parser = subparsers.add_parser(
        "runs",
        parents=[global_options()],
        help="list, show, compare and export tracked runs (local store or MLflow)",
    )
    store = argparse.ArgumentParser(add_help=False, parents=[root_option()])
    store.add_argument(
        "--db",
        default=None,
        help=f"read this embedded store instead (default: the settings' backend; ${env_db()})",
    )
    actions = parser.add_subparsers(title="sub-commands", metavar="ACTION", required=True)

    listing = actions.add_parser("list", parents=[store], help="runs, newest first")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--name", help="only runs with this name (pipeline, train)")
    listing.add_argument(
        "--tag", action="append", help="only runs with this tag (KEY or KEY=VALUE; repeatable)"
    )
    listing.set_defaults(handler=_list)

    show = actions.add_parser("show", parents=[store], help="everything recorded about one run")
    show.add_argument("run_id", metavar="ID", help="run id (a unique prefix is enough)")
    show.set_defaults(handler=_show)

    comparing = actions.add_parser(
        "compare", parents=[store], help="params, tags and metrics side by side"
    )
    comparing.add_argument("run_ids", metavar="ID", nargs="+", help="two or more run ids")
    comparing.set_defaults(handler=_compare)

    export = actions.add_parser(
        "export", parents=[store], help="write runs as JSON/CSV, or copy them to MLflow"
    )
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    export.add_argument(
        "--mlflow", metavar="URI", help="copy the local runs into this MLflow store"
    )
    export.set_defaults(handler=_export)
