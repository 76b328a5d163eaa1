"""``predict``: batch predictions from a CSV or Parquet file with the production model."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Mapping
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
    from .app import Subparsers

log = logging.getLogger(__name__)


def _predict(args: argparse.Namespace) -> int:
    from .. import predict
    from ..contract import load_contract
    from ..registry import RegistryError

    settings = settings_of(args)
    root = project_root(args)
    output = output_path(
        args, args.output or root / predict.default_output(args.input), inputs=(args.input,)
    )
    registry = registry_of(args)
    state = registry.state()
    model, entry = registry.load("production", state)  # refused: its one line, nothing more
    for line in registry.tampering(state):
        log.warning("%s", line)
    try:  # only to name values training never saw: the model itself is checked above
        reference: Mapping[str, object] | None = registry.reference("production", state)[0]
    except RegistryError as error:
        log.warning("unseen values of codes not named: %s", error)
        reference = None
    contract = load_contract(settings.data.dataset, root)
    result = predict.run(
        args.input,
        output,
        model=model,
        entry=entry,
        contract=contract,
        root=root,
        bad_rows=args.on_bad_rows,
        reference=reference,
        quarantine_to=output_path(
            args, predict.default_quarantine(Path(output)), inputs=(args.input,)
        ),
    )
    wrote_output(args, result.path)
    log.info(
        "wrote %d predictions of model v%s to %s", len(result.frame), entry["version"], result.path
    )
    if result.quarantine is not None:
        wrote_output(args, result.quarantine)
        log.warning(
            "%d row(s) break the contract and were set aside, with their reasons, in %s "
            "(report: %s)%s",
            result.set_aside,
            result.quarantine,
            result.report,
            f"; hint: {result.hint}" if result.hint else "",
        )
        return EXIT_REFUSED
    return 0


def register(subparsers: Subparsers) -> None:
    """Add ``predict``."""
    parser = subparsers.add_parser(
        "predict",
        parents=[root_option()],
        help="batch predictions from a CSV or Parquet file with the production model",
        description="The input is read and checked by the data contract (every column but the "
        "target) like `contract check`, with its report in reports/contract_<dataset>_<input>"
        ".json. Rows that break it are set aside (see --on-bad-rows) and the run exits 1; a "
        "batch whose columns break it writes nothing. Columns with role ignore may be missing. "
        "The output "
        "holds the id (without one: row, 1 for the first data row) and passthrough columns, "
        "prediction, probability_<class> per class for a classifier, and model_version.",
    )
    parser.add_argument(
        "input", type=Path, help="CSV or Parquet file, checked against the data contract"
    )
    parser.add_argument(
        "-o", "--output", type=Path, help="output file (default: reports/predictions-<input name>)"
    )
    parser.add_argument(
        "--on-bad-rows",
        choices=("quarantine", "refuse"),
        default="quarantine",
        help="rows that break the contract: set aside with their reasons in <output>.refused "
        "beside the predictions of the others, exit 1 (default); or refuse the whole batch",
    )
    parser.set_defaults(handler=_predict)
