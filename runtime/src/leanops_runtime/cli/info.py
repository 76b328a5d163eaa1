"""``info``: package versions and the lock file's SHA-256 (also recorded on every tracked run)."""

from __future__ import annotations

import argparse

from .. import tables
from ..tracking.environment import environment_report, package_versions
from .app import global_options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .app import Subparsers


def run(args: argparse.Namespace) -> int:
    """Print the environment report and where runs and models go."""
    report = environment_report(args.root)
    rows = [(key, value) for key, value in report.items() if key != "packages"]
    print(tables.key_values([*rows, ("tracking", tracking_store(args.root))]))
    print("packages:")
    versions = package_versions()
    print(tables.key_values([(f"  {name}", version) for name, version in versions.items()]))
    return 0


def tracking_store(root: str) -> str:
    """Where the settings send runs and models: the embedded store, or an MLflow store."""
    from ..errors import UserError
    from ..settings import load_settings
    from ..tracking.mlflow_client import Connection

    try:
        settings = load_settings(root)
    except UserError as error:
        return f"unknown ({error})"
    if settings.tracking_backend == "mlflow":
        return f"mlflow: {Connection.of(settings, root).where()}"
    return f"local: {settings.tracking_db} (runs), {settings.models_dir} (models)"


def register(subparsers: Subparsers) -> None:
    """Add the ``info`` command."""
    parser = subparsers.add_parser(
        "info", parents=[global_options()], help="show package versions and the lock file hash"
    )
    parser.add_argument("--root", default=".", help="project folder (default: current)")
    parser.set_defaults(handler=run)
