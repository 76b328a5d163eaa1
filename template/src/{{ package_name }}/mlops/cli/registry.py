"""Registry commands: ``models``, ``promote`` and ``rollback``.

Exit codes: 0 done, 1 refused by the promotion gate, 2 a usage error (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import logging

from .. import tables
from ..errors import EXIT_REFUSED
from .common import project_root, root_option, settings_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..registry import Registry
    from .common import Subparsers

log = logging.getLogger(__name__)


def open_registry(args: argparse.Namespace) -> Registry:
    """The registry of the project at ``--root`` (``models_dir`` from its settings)."""
    from ..registry import Registry

    return Registry(settings_of(args).models_dir)


def _models(args: argparse.Namespace) -> int:
    registry = open_registry(args)
    if args.audit:
        for record in registry.audit()[-args.audit :]:
            print(json.dumps(record, sort_keys=True))
        return 0
    state = registry.read()
    if not state["versions"]:
        log.info("no models registered yet (run the pipeline)")
        return 0
    aliases: dict[int, list[str]] = {}
    for name, number in state["aliases"].items():
        if number is not None:
            aliases.setdefault(number, []).append(name)
    rows = []
    for entry in state["versions"]:
        metrics = " ".join(f"{k}={v:.4g}" for k, v in sorted(entry["metrics"].items()))
        rows.append(
            (
                f"v{entry['version']}",
                ",".join(aliases.get(entry["version"], [])) or None,
                entry["created_at"][:19].replace("T", " "),
                entry["created_by"],
                (entry.get("run_id") or "-")[:12],
                metrics or None,
                entry["sha256"][:12],
            )
        )
    headers = ["version", "aliases", "created", "by", "run", "metrics", "sha256"]
    print(tables.render(headers, rows))
    return 0


def _promote(args: argparse.Namespace) -> int:
    from ..gate import comparison_table
    from ..lifecycle import held_out_evaluator
    from ..promotion import PromotionError, promote

    if args.force and not (args.reason and args.reason.strip()):
        raise PromotionError("--force needs --reason: say why the gate is overridden")
    settings = settings_of(args)
    registry = open_registry(args)
    evaluate = held_out_evaluator(settings, project_root(args))
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
        log.error("refused: v%s stays candidate: %s", result.candidate, "; ".join(result.reasons))
        from ..alerts import notify  # F11: alert a webhook; never raises

        why = "; ".join(result.reasons)
        notify("promotion", f"v{result.candidate} refused: {why}", settings=settings.alerts)
        return EXIT_REFUSED
    if record["forced"]:
        log.warning("gate overridden (%s)", "; ".join(result.reasons))
    previous = f"v{record['from']}" if record["from"] else "none"
    log.info("promoted: v%s is production (was %s)", record["to"], previous)
    return 0


def _rollback(args: argparse.Namespace) -> int:
    record = open_registry(args).rollback(args.to, reason=args.reason)
    log.info("rolled back: v%s is production (was v%s)", record["to"], record["from"])
    return 0


def register(subparsers: Subparsers) -> None:
    """Add ``models``, ``promote`` and ``rollback``."""
    root = root_option()
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
