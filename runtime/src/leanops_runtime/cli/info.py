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
    """Print the environment report."""
    report = environment_report(args.root)
    print(tables.key_values([(key, value) for key, value in report.items() if key != "packages"]))
    print("packages:")
    versions = package_versions()
    print(tables.key_values([(f"  {name}", version) for name, version in versions.items()]))
    return 0


def register(subparsers: Subparsers) -> None:
    """Add the ``info`` command."""
    parser = subparsers.add_parser(
        "info", parents=[global_options()], help="show package versions and the lock file hash"
    )
    parser.add_argument("--root", default=".", help="project folder (default: current)")
    parser.set_defaults(handler=run)
