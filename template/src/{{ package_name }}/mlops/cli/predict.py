"""``predict``: batch predictions from a CSV or Parquet file with the production model."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .common import output_path, project_root, root_option, settings_of
from .registry import open_registry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .common import Subparsers

log = logging.getLogger(__name__)


def _predict(args: argparse.Namespace) -> int:
    from .. import predict

    settings = settings_of(args)
    root = project_root(args)
    output = output_path(
        args, args.output or root / predict.default_output(args.input), inputs=(args.input,)
    )
    path, result, entry = predict.run(
        args.input,
        output,
        registry=open_registry(args),
        validate=predict.batch_validator(settings, root),
    )
    log.info("wrote %d predictions of model v%s to %s", len(result), entry["version"], path)
    return 0


def register(subparsers: Subparsers) -> None:
    """Add ``predict``."""
    parser = subparsers.add_parser(
        "predict",
        parents=[root_option()],
        help="batch predictions from a CSV or Parquet file with the production model",
    )
    parser.add_argument(
        "input", type=Path, help="CSV or Parquet file, checked against the data contract"
    )
    parser.add_argument(
        "-o", "--output", type=Path, help="output file (default: reports/predictions-<input name>)"
    )
    parser.set_defaults(handler=_predict)
