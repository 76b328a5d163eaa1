"""What the project keeps, and for how long: ``data list|push|pull|restore`` (the tables runs
trained on, by fingerprint) and ``prune`` (the retention policy of params.yaml).

``restore`` takes what a person has at hand: a model version (``production``, ``v3``), a run id
(or its prefix, as ``runs list`` shows it), or a data version's own fingerprint prefix.
"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path

from .. import tables
from ..errors import UserError
from .app import (
    global_options,
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

    from ..data_versions import DataVersions
    from .app import Subparsers

log = logging.getLogger(__name__)

RESTORED_DIR = Path("data") / "restored"
MODEL_REF = re.compile(r"v?\d+|production|candidate")
# A bare number this long is the prefix of a run id or data version (hex), not a model version.
RUN_PREFIX_MIN = 6


def versions_of(args: argparse.Namespace) -> DataVersions:
    """The data versions of the project at ``--root``, with its ``data.remote``."""
    from ..data_versions import DataVersions, remote_at

    root = project_root(args)
    return DataVersions(root, remote_at(settings_of(args).data.remote, root))


def data_version_of(args: argparse.Namespace, ref: str) -> tuple[str, str]:
    """The fingerprint ``ref`` stands for, and what it is (a model version, a run, itself)."""
    from ..tracking import TrackingError, run_store

    if MODEL_REF.fullmatch(ref) and not (ref.isdigit() and len(ref) >= RUN_PREFIX_MIN):
        registry = registry_of(args)
        entry = registry.entry(registry.resolve(ref))
        fingerprint = entry["data_fingerprint"]
        if fingerprint is None:
            raise UserError(f"model v{entry['version']} records no data fingerprint")
        return fingerprint["sha256"], f"model v{entry['version']}"
    store = run_store(settings_of(args), project_root(args))
    try:
        run = store.get_run(ref) if store.exists() else None
    except TrackingError:
        run = None
    if run is not None:
        if not run["datasets"]:
            raise UserError(f"run {run['id'][:12]} read no dataset: nothing to restore")
        return run["datasets"][0]["sha256"], f"run {run['id'][:12]}"
    versions = versions_of(args)
    known = {sha for sha, _ in versions.local()}
    if versions.remote is not None and len(ref) >= 6:
        known |= {name.removesuffix(".parquet") for name in versions.remote.names()}
    matches = sorted(sha for sha in known if len(ref) >= 6 and sha.startswith(ref.lower()))
    if len(matches) == 1:
        return matches[0], f"data version {matches[0][:12]}"
    if len(matches) > 1:
        raise UserError(f"{ref!r} matches {len(matches)} data versions: give more characters")
    from .runs import deleted_by_prune

    if (gone := deleted_by_prune(store, ref)) is not None:
        raise UserError(
            f"{gone}; a data version it read, if kept, goes by its fingerprint (see: data list)"
        )
    raise UserError(
        f"{ref!r} is no model version (production, v3), run id or data version (see: data list)"
    )


def trained_models(args: argparse.Namespace) -> dict[str, tuple[str, list[str]]]:
    """Per data version (fingerprint): the dataset and the model versions trained on it
    (``v5``, or ``v5 (pruned)`` once prune deleted its files), from the registry of every
    dataset in ``models_dir`` (on a server: params.yaml's dataset's), as a data version is
    content-addressed: only its models say what it was."""
    from ..retention import model_lines

    settings = settings_of(args)
    found: dict[str, tuple[str, list[str]]] = {}
    try:
        local = settings.tracking_backend == "local"
        lines = model_lines(settings, project_root(args)) if local else [registry_of(args)]
        states = [line.state() for line in lines]
    except UserError as error:  # a server out of reach: list what is kept all the same
        log.warning("datasets not named: %s", error)
        return {}
    for state in states:
        for version, entry in sorted(state.versions.items()):
            fingerprint = entry["data_fingerprint"]
            if fingerprint is not None:
                label = f"v{version}" + (" (pruned)" if version in state.pruned else "")
                found.setdefault(fingerprint["sha256"], (entry["dataset"], []))[1].append(label)
    return found


def cmd_list(args: argparse.Namespace) -> int:
    import datetime as dt

    import pyarrow.parquet as pq

    versions = versions_of(args)
    remote = set() if versions.remote is None else versions.remote.names()
    models = trained_models(args)
    rows: list[tuple[str, str, str, int | None, int | None, str | None, str]] = []

    def named(sha: str) -> tuple[str, str]:
        dataset, trained = models.get(sha, ("-", []))
        return dataset, ", ".join(trained) or "none"

    when: dict[str, float] = {}  # kept when, to the second's fraction: the listing's order
    for sha, path in versions.local():
        stat = path.stat()
        when[sha[:12]] = stat.st_mtime
        kept = dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC).strftime("%Y-%m-%d %H:%M")
        shared = "-" if versions.remote is None else ("yes" if path.name in remote else "no")
        size = pq.read_metadata(path).num_rows
        rows.append((sha[:12], *named(sha), size, stat.st_size, kept, shared))
    local = {path.name for _, path in versions.local()}
    for name in sorted(remote - local):
        rows.append(
            (name[:12], *named(name.removesuffix(".parquet")), None, None, None, "only there")
        )
    if not rows:
        log.info("no data version kept yet: the pipeline keeps the table each model trains on")
        return 0
    rows.sort(key=lambda row: (row[1], when.get(row[0], float("inf"))))  # by dataset, oldest first
    headers = ["version", "dataset", "models", "rows", "bytes", "kept (UTC)", "shared"]
    print(tables.render(headers, rows))
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    versions = versions_of(args)
    sent = versions.push()
    where = versions.require_remote().describe()
    log.info("pushed %d data version(s) to %s", len(sent), where)
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    versions = versions_of(args)
    wanted = None if args.ref is None else [data_version_of(args, args.ref)[0]]
    received = versions.pull(wanted)
    where = versions.require_remote().describe()
    log.info("pulled %d data version(s) from %s", len(received), where)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from ..data_versions import DataVersionError, encode
    from ..files import write_atomic

    sha, what = data_version_of(args, args.ref)
    try:
        frame = versions_of(args).load(sha)
    except DataVersionError as error:
        raise DataVersionError(f"{error}{pruned_note(args, what)}") from None
    dataset = settings_of(args).data.dataset
    root = project_root(args)
    if args.output is None:
        target = root / RESTORED_DIR / f"{dataset}-{sha[:12]}.parquet"
    else:
        where = "choose a path under data/restored/ or reports/, or outside the project"
        target = output_path(args, Path(args.output), own=RESTORED_DIR, where=where)
    if target.suffix == ".csv":  # as the contract reads one: it checks and trains on it again
        write_atomic(target, as_the_contract_writes(frame, target, dataset, root))
    elif target.suffix == ".parquet":
        write_atomic(target, encode(frame))
    else:
        raise UserError(f"{target}: restore writes a .parquet or a .csv file")
    if args.output is not None:
        wrote_output(args, target)
    log.info(
        "restored the %d rows %s trained on (data version %s, fingerprint checked) -> %s",
        len(frame),
        what,
        sha[:12],
        target,
    )
    return 0


def pruned_note(args: argparse.Namespace, what: str) -> str:
    """`` (model v7 was pruned ...)`` when ``what`` names a model version retention pruned: its
    data version went with it, unless a kept version trained on the same table."""
    number = what.removeprefix("model v")
    if not number.isdigit() or int(number) not in registry_of(args).state().pruned:
        return ""
    return f" (model v{number} was pruned by retention: `models --audit` shows when)"


def as_the_contract_writes(frame: pd.DataFrame, target: Path, dataset: str, root: Path) -> bytes:
    """``frame`` as a CSV the dataset's contract reads (its delimiter, decimal mark, encoding
    and date formats); a plain CSV when the contract is gone."""
    from ..contract import ContractError, load_contract
    from ..predict import encoded

    try:
        contract = load_contract(dataset, root)
    except ContractError:
        return encoded(frame, target)
    return encoded(frame, target, reading=contract.reading, formats=contract.formats)


def cmd_prune(args: argparse.Namespace) -> int:
    import time

    from ..retention import PruneError, carry_out, model_lines, plan_pruning
    from ..tracking import start_run
    from ..tracking.local import LocalRunStore

    settings = settings_of(args)
    if settings.tracking_backend != "local":
        raise PruneError(
            "prune works on the embedded store and registry: on an MLflow server, delete runs "
            "in its UI and purge them with `mlflow gc`"
        )
    root = project_root(args)
    store = LocalRunStore(settings.tracking_db)
    versions = versions_of(args)
    policy = settings.retention
    plan = plan_pruning(policy, model_lines(settings, root), store, versions, time.time())
    rule = (
        f"older than {policy.keep_days:g} days and beyond the newest {policy.keep_runs} runs "
        f"(and {policy.keep_runs} of prune's own) / {policy.keep_versions} versions / "
        f"{policy.keep_rollbacks} rollbacks"
    )
    kept = ", ".join(f"{count} {kind}" for kind, count in plan.kept.items())
    if not plan.items:
        log.info("nothing to prune (%s); kept: %s", rule, kept)
        return 0
    rows = [(item.kind, item.name, f"{item.age_days:.0f}", item.size) for item in plan.items]
    print(tables.render(["kind", "what", "age (days)", "bytes"], rows))
    if args.dry_run:
        log.info("would delete %s (%s); would keep %s", plan.summary(), rule, kept)
        return 0
    reason = args.reason or f"retention: {rule}"
    with start_run(
        "prune",
        params={
            "keep_runs": policy.keep_runs,
            "keep_versions": policy.keep_versions,
            "keep_days": policy.keep_days,
            "keep_rollbacks": policy.keep_rollbacks,
        },
        tags={"stage": "prune"},
        settings=settings,
        root=root,
    ) as run:
        run.log_param("deleted", [f"{item.kind} {item.name}" for item in plan.items])
        carry_out(plan, store, versions, reason=reason, rollbacks=policy.keep_rollbacks)
    log.info("deleted %s (%s); kept %s (run %s)", plan.summary(), rule, kept, run.id[:12])
    return 0


def register(subparsers: Subparsers) -> None:
    """Add ``data`` and its actions, and ``prune``."""
    root = root_option()
    prune = subparsers.add_parser(
        "prune",
        parents=[root],
        help="delete old runs, model files and data versions by params.yaml's retention policy",
        description="Deletes what is older than retention.keep_days AND beyond the newest "
        "keep_runs runs (keep_versions versions of each model line); never production, the "
        "candidate, the latest keep_rollbacks versions production may roll back to, nor the run "
        "or data a kept version came from. A pruned version keeps its audit record. Recorded "
        "as a run named prune.",
    )
    prune.add_argument("--dry-run", action="store_true", help="show what would go; change nothing")
    prune.add_argument("--reason", help="why, for the audit log (default: the policy)")
    prune.set_defaults(handler=cmd_prune)
    parser = subparsers.add_parser(
        "data",
        parents=[global_options()],
        help="data versions: the tables models trained on, kept by fingerprint; restore one",
        description="Every pipeline keeps the validated table it trains on in .leanops/data, "
        "by its fingerprint (the one its run and model version record), and pushes it to "
        "params.yaml's data.remote when set (a shared folder or an fsspec URL).",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        parents=[root],
        help="the data versions kept here and at the remote, with the dataset and the model "
        "versions trained on each (from the registry)",
    )
    listing.set_defaults(handler=cmd_list)
    push = actions.add_parser(
        "push", parents=[root], help="copy to data.remote every data version it lacks"
    )
    push.set_defaults(handler=cmd_push)
    pull = actions.add_parser(
        "pull",
        parents=[root],
        help="copy from data.remote the data versions this clone lacks (each checked)",
    )
    pull.add_argument("ref", nargs="?", help="only this one: a model version, run or version")
    pull.set_defaults(handler=cmd_pull)
    restore = actions.add_parser(
        "restore",
        parents=[root],
        help="write the exact table a model version or run trained on, checked by fingerprint",
        description="REF: production, candidate, v3, a run id (prefix) or a data version "
        "(prefix). Fetched from data.remote when not kept here. Written to "
        "data/restored/<dataset>-<data version, 12 hex digits>.parquet unless -o names a .parquet "
        "or .csv file.",
    )
    restore.add_argument("ref", help="production, v3, a run id or a data version")
    restore.add_argument("-o", "--output", type=Path, help="a .parquet or .csv file to write")
    restore.set_defaults(handler=cmd_restore)
