"""Registry commands: ``models``, ``promote`` and ``rollback`` (either backend, same commands).

Exit codes: 0 done, 1 refused by the promotion gate (or ``models --types`` found types missing
from trusted-types.txt), 2 a usage error (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from .. import tables
from ..errors import EXIT_REFUSED, UserError
from ..registry.local import LocalRegistry
from ..registry.records import ALIASES, ModelVersion, RegistryError, State, shown
from .app import global_options, project_root, registry_of, root_option, settings_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from ..registry import Registry
    from .app import Subparsers

log = logging.getLogger(__name__)


def _models(args: argparse.Namespace) -> int:
    from ..metrics import split_baseline

    registry = registry_of(args)
    if args.carry_from_local:
        return _carry(registry, settings_of(args).models_dir)
    if not isinstance(registry, LocalRegistry):
        _left_behind(registry, settings_of(args).models_dir)
    if args.set_aside:
        return _set_aside(registry)
    if args.types:
        return _types(registry, args.types)
    state = registry.state()
    for line in registry.tampering(state):
        log.warning("%s", line)
    if args.audit:
        _audit(state, args.audit, as_json=args.json)
        return 0
    if not state.versions:
        log.info(
            "no models registered yet for dataset %s in %s (run the pipeline)",
            registry.dataset,
            registry.where(),
        )
        return 0
    rows = []
    for number, entry in sorted(state.versions.items()):
        aliases = [name for name in ALIASES if state.alias(name) == number]
        aliases += [mark for mark, kept in _unserved(state).items() if number in kept]
        own, _ = split_baseline(dict(entry["metrics"]))  # the baseline's: in `evaluate`, `report`
        metrics = " ".join(f"{k}={v:.4g}" for k, v in sorted(own.items()))
        rows.append(
            (
                f"v{number}",
                ",".join(aliases) or None,
                entry["created_at"][:19].replace("T", " "),
                entry["created_by"],
                entry["estimator"],
                (entry["run_id"] or "-")[:12],
                metrics or None,
                entry["sha256"][:12],
            )
        )
    headers = ["version", "aliases", "created", "by", "estimator", "run", "metrics", "sha256"]
    print(tables.render(headers, rows))
    log.info("model line of dataset %s: %s", registry.dataset, registry.where())
    if isinstance(registry, LocalRegistry):
        for folder in registry.unregistered():
            log.warning(
                "%s/ is not in the audit log (an interrupted registration?): kept; "
                "'models --set-aside' moves it aside",
                folder.name,
            )
    # A listing hashes the files where they are local; on a server, `report` and each read do.
    registry.require_production_files(state, contents=isinstance(registry, LocalRegistry))
    return 0


def _unserved(state: State) -> dict[str, set[int]]:
    """The versions no longer served, by why: files pruned here, or deleted on the server."""
    return {"files pruned": state.pruned, "withdrawn": state.withdrawn}


def _left_behind(registry: Registry, models_dir: Path) -> None:
    """Warn when the embedded registry of this dataset holds versions: a project switched to
    the server starts an empty model line there, and nothing moves by itself."""
    local = LocalRegistry(models_dir, registry.dataset, allowlist=registry.allowlist)
    if not local.audit_path.is_file():
        return
    state = local.state()
    if state.versions:
        carry = (
            "`models --carry-from-local` carries them and their production history there"
            if not registry.state().versions
            else "they stay there, the server's model line is its own"
        )
        log.warning(
            "%s holds %d version(s) of the embedded registry (production %s): %s; runs move "
            "with `runs export --mlflow URI`",
            local.dir,
            len(state.versions),
            shown(state.production),
            carry,
        )


def at_least_one(text: str) -> int:
    """``--audit N``: a whole number of records, 1 or more."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of records, 1 or more")
    return int(text)


def _audit(state: State, last: int, *, as_json: bool) -> None:
    """The last ``last`` audit records: a table to read, or JSON lines with every field; a record
    that does not count says why (``not_applied``)."""
    records = state.records[-last:]
    if as_json:
        for record in records:
            why = state.not_applied.get(record["seq"])
            print(json.dumps({**record, "not_applied": why} if why else record, sort_keys=True))
        return
    rows = []
    for record in records:
        moved = (record.get("from"), record.get("to"))
        # A prune's "from" is production at the time, not a move: it names the version pruned.
        version = (
            f"v{record.get('to')} (files deleted)"
            if record.get("action") == "prune"
            else " -> ".join("-" if number is None else f"v{number}" for number in moved)
        )
        rows.append(
            (
                record.get("seq"),
                str(record.get("time", ""))[:19].replace("T", " ") or None,
                record.get("who"),
                f"{record.get('action')}{' (forced)' if record.get('forced') else ''}",
                record.get("alias"),
                version,
                record.get("reason") or "; ".join(record.get("gate_failures") or []) or None,
                state.not_applied.get(record.get("seq", -1)),
            )
        )
    headers = ["seq", "time (UTC)", "who", "action", "alias", "version", "reason", "not applied"]
    print(tables.render(headers, rows))
    if len(state.records) > len(records):
        total, hidden = len(state.records), len(state.records) - len(records)
        log.info("%d earlier record(s) not shown: --audit %d shows all", hidden, total)


def _carry(registry: Registry, models_dir: Path) -> int:
    """Carry the embedded registry into the server's empty model line (``carry_from_local``)."""
    from ..registry.mlflow_registry import MlflowRegistry, carry_from_local

    if not isinstance(registry, MlflowRegistry):
        raise RegistryError(
            "--carry-from-local carries the embedded registry to the team's server: set "
            "tracking_backend: mlflow first"
        )
    local = LocalRegistry(models_dir, registry.dataset, allowlist=registry.allowlist)
    for line in carry_from_local(local, registry):
        log.info("%s", line)
    log.info(
        "carried to %s; %s stays as it was (delete it once the team has checked the server)",
        registry.describe(),
        local.dir,
    )
    return 0


def _set_aside(registry: Registry) -> int:
    """Move version folders the audit log does not list out of the model line (never delete)."""
    if not isinstance(registry, LocalRegistry):
        raise RegistryError("--set-aside is for the embedded registry: a server keeps no folders")
    moved = registry.set_aside()
    for item in moved:
        log.info("set aside: %s", item)
    if not moved:
        log.info("nothing to set aside: every version folder is in %s", registry.audit_path)
    return 0


def _types(registry: Registry, ref: str) -> int:
    """What a version's model needs from trusted-types.txt, and what the file lacks."""
    entry, needed, missing = registry.needed_types(ref)
    rows = [(name, "MISSING" if name in missing else "listed") for name in needed]
    print(tables.render(["type", "trusted-types.txt"], rows))
    if missing:
        log.error(
            "v%s needs %d type(s) trusted-types.txt does not list: review them, then add them "
            "to it and commit",
            entry["version"],
            len(missing),
        )
        return EXIT_REFUSED
    log.info("v%s needs nothing beyond trusted-types.txt", entry["version"])
    return 0


def refuse_another_candidate(root: Path, dataset: str, state: State) -> None:
    """A one-line error when the last pipeline here reported another version than the candidate
    it left (it reused an older version: a setting tried and put back), and the candidate is
    still that one: ``promote`` alone would gate a model the pipeline did not report, such as
    the experiment the setting made. A candidate ``train`` registered since is promote's."""
    from ..report.status import read_status

    pipeline = read_status(root).get("pipeline")
    if not isinstance(pipeline, dict) or pipeline.get("dataset") != dataset:
        return
    reported, candidate = pipeline.get("model_version"), state.candidate
    if pipeline.get("status") != "finished" or not isinstance(reported, int):
        return
    if candidate in (None, state.production) or reported == candidate:
        return  # no candidate other than production: promote says what there is to do
    if reported not in state.versions or reported in state.pruned:
        return
    if pipeline.get("candidate") != candidate:
        return  # registered since the pipeline ended: the newest model, promote's to gate
    role = " (production)" if reported == state.production else ""
    raise UserError(
        f"the last pipeline reused v{reported}{role}, and the candidate is v{candidate}, made by "
        f"an earlier run: `promote --version {candidate}` gates the candidate"
        + ("" if role else f", `promote --version {reported}` what the pipeline reported")
    )


def _promote(args: argparse.Namespace) -> int:
    from ..gate import comparison_table
    from ..promotion import PromotionError, promote
    from ..tracking import TrackingError, run_store

    if args.force and not (args.reason and args.reason.strip()):
        raise PromotionError("--force needs --reason: say why the gate is overridden")
    settings = settings_of(args)
    registry = registry_of(args)
    runs = run_store(settings, project_root(args))

    def run_status(run_id: str) -> str | None:
        try:
            return runs.get_record(run_id)["status"]
        except TrackingError:  # not in this store (runs deleted, another backend): unknown
            return None

    from .data import versions_of

    versions = versions_of(args)

    def trained_on(sha256: str) -> pd.DataFrame | None:
        try:
            return versions.load(sha256)
        except (UserError, OSError) as error:  # kept neither here nor at a reachable remote
            log.debug("no data version %s: %s", sha256[:12], error)
            return None

    state = registry.state()
    if args.version is None:
        refuse_another_candidate(project_root(args), registry.dataset, state)
    asked = None if args.version is None else registry.resolve(args.version, state)
    # A quiet week: the pipeline made no new model, and a scheduled `pipeline && promote` goes
    # on. A version named on purpose (`--version`) that is production already is an error
    # (below), unless the server's aliases moved past the log and are put back; one deleted on
    # the server is said so by the gate's own check.
    production = state.production
    quiet = asked is None and production is not None and state.candidate == production
    quiet = quiet and production not in state.withdrawn
    named = asked is not None and asked == production
    repaired = (quiet or named) and registry.mirror(state)
    if quiet or repaired:
        if args.force or args.reason:
            log.warning("--force and --reason ignored: v%s is production already", production)
        if repaired:
            log.info(
                "v%s is the production version; the server's aliases and ledger tag, changed "
                "outside leanops, are where the audit log says again",
                production,
            )
        if quiet:
            log.info(
                "nothing to promote: the candidate v%s is production already (the next train "
                "makes a new candidate)",
                state.candidate,
            )
        return 0
    result, record = promote(
        registry,
        settings.promotion,
        version=args.version,
        force=args.force,
        reason=args.reason,
        run_status=run_status,
        trained_on=trained_on,
        state=state,
    )
    print(comparison_table(result))
    for note in result.notes:
        log.warning("%s", note)
    if record is None:
        why = "; ".join(result.reasons)
        way = f"promote --version {result.candidate} --force --reason '<why>'"
        past = "" if "promote --force" in why else f" (to promote it anyway: {way})"
        # The version gated is the candidate, or one asked for by --version (an older one).
        stays = "stays candidate" if result.candidate == state.candidate else "is not promoted"
        log.error("refused (audited): v%s %s: %s%s", result.candidate, stays, why, past)
        from ..alerts import notify  # a webhook message; never raises

        notify("promotion", f"v{result.candidate} refused: {why}", settings=settings.alerts)
        return EXIT_REFUSED
    if record["forced"]:
        log.warning("gate overridden (%s)", "; ".join(result.reasons))
    log.info("promoted: v%s is production (was %s)", record["to"], shown(record["from"]))
    update_production_status(args, record)
    return 0


def _rollback(args: argparse.Namespace) -> int:
    registry = registry_of(args)
    record = registry.rollback(args.to, reason=args.reason)
    log.info("rolled back: v%s is production (was %s)", record["to"], shown(record["from"]))
    update_production_status(args, record)
    try:  # the rollback is done and audited: what follows only advises, and never fails it
        warn_other_contract(args, registry.entry(int(str(record["to"]))))
    except Exception as error:  # a contract gone or broken, a server out of reach
        log.warning("v%s's contract was not compared with today's: %s", record["to"], error)
    return 0


def warn_other_contract(args: argparse.Namespace, entry: ModelVersion) -> None:
    """Warn when production now is a model trained on another version of the dataset's
    contract: a column it reads may be gone from today's batches, which predict then refuses."""
    from ..contract import load_contract

    trained_on = entry.get("contract_version")
    if trained_on is None:
        return
    contract = load_contract(entry["dataset"], project_root(args))
    if str(trained_on) != str(contract.version):
        log.warning(
            "v%s was trained on contract %s v%s (it is v%s now): predict refuses a batch that "
            "lacks a column it reads; try it on a recent batch",
            entry["version"],
            contract.name,
            trained_on,
            contract.version,
        )


def update_production_status(args: argparse.Namespace, record: Mapping[str, object]) -> None:
    """``reports/status.json`` follows the move at once (``leanops status`` reads it)."""
    from ..report.status import production_part, update_status

    dataset = settings_of(args).data.dataset
    update_status(project_root(args), "production", production_part(record), dataset=dataset)


def _signers_list(args: argparse.Namespace) -> int:
    from ..registry.trust import SIGNERS_FILE, signers_of

    path = project_root(args) / SIGNERS_FILE
    found = signers_of(path)
    if not found:
        log.info("%s lists no key: audit records are not signed (see: signers add)", path)
        return 0
    rows = [(s.principals, s.may(), f"{s.key[:30]}...") for s in found]
    print(tables.render(["name", "may", "key"], rows))
    return 0


def _signers_add(args: argparse.Namespace) -> int:
    from ..files import write_atomic
    from ..registry.trust import SIGNERS_FILE, signer_line, signers_of

    path = project_root(args) / SIGNERS_FILE
    try:
        public_key = args.public_key.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RegistryError(f"cannot read {args.public_key}: {error}") from None
    line = signer_line(args.name, public_key, production=args.production)
    key = " ".join(line.split()[-2:])
    if any(signer.key == key for signer in signers_of(path)):
        raise RegistryError(f"{path.name} lists this key already: edit its line instead")
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    write_atomic(
        path, (text + ("" if text.endswith("\n") or not text else "\n") + line + "\n").encode()
    )
    may = "register models and move production" if args.production else "register models"
    log.info("%s: added %s, who may %s; review it in a pull request", path, line.split()[0], may)
    return 0


def register(subparsers: Subparsers) -> None:
    """Add ``models``, ``promote``, ``rollback`` and ``signers``."""
    root = root_option()
    signers = subparsers.add_parser(
        "signers",
        parents=[global_options()],
        help="whose keys sign the registry's audit records, and what each may sign",
        description="allowed_signers lists each teammate's SSH public key. A key may register "
        "models (pipeline, train) or also move production (promote, rollback, prune): give the "
        "latter to the identity that promotes, such as CI, and to whoever the team trusts.",
    )
    actions = signers.add_subparsers(title="actions", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[root], help="each key and what it may sign")
    listing.set_defaults(handler=_signers_list)
    adding = actions.add_parser(
        "add",
        parents=[root],
        help="list a teammate's key, allowed to register models (least privilege)",
    )
    adding.add_argument("name", help="the teammate's name as MLflow (or git) knows them")
    adding.add_argument("public_key", type=Path, help="their .pub file (ssh-keygen -t ed25519)")
    adding.add_argument(
        "--production", action="store_true", help="also allowed to promote, roll back and prune"
    )
    adding.set_defaults(handler=_signers_add)
    parser = subparsers.add_parser(
        "models", parents=[root], help="list registered model versions and their aliases"
    )
    parser.add_argument(
        "--audit",
        type=at_least_one,
        nargs="?",
        const=20,
        default=0,
        metavar="N",
        help="print the last N audit records instead (default 20); one that does not count "
        "says why (not applied)",
    )
    parser.add_argument(
        "--json", action="store_true", help="with --audit: one JSON object per record, every field"
    )
    parser.add_argument(
        "--types",
        nargs="?",
        const="candidate",
        metavar="VERSION",
        help="list the types a version's model needs and whether trusted-types.txt lists them",
    )
    parser.add_argument(
        "--set-aside",
        action="store_true",
        help="move version folders the audit log does not list (and a cut last line) to "
        "models/<dataset>/set-aside/ (nothing is deleted)",
    )
    parser.add_argument(
        "--carry-from-local",
        action="store_true",
        help="copy the embedded registry's versions and production history to the server's "
        "empty model line (after switching to tracking_backend: mlflow)",
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
        help="point production back to the previous production version (run again: one more)",
        description="Production versions form a stack: each promotion pushes the version it "
        "replaces. rollback pops it: production goes back to the version that was production "
        "before the current one, and rolling back again goes one more version back. --to vN pops "
        "down to an earlier production version vN. A version rolled back from leaves the stack.",
    )
    parser.add_argument("--to", metavar="VERSION", help="roll back to this version (e.g. v2)")
    parser.add_argument("--reason", help="why (recorded in the audit log)")
    parser.set_defaults(handler=_rollback)
