"""The project report: one self-contained HTML page under ``reports/`` (``report`` command).

``collect`` gathers, for params.yaml's dataset, the production model's card, recent runs, the
last contract and drift checks and the audit trail into a typed ``Snapshot``; ``html`` renders
it (charts by ``charts``); the same snapshot feeds ``reports/status.json`` for readers outside the
project (``status``).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from .collect import Snapshot, collect
from .status import from_snapshot, read_status, write_status

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..settings import Settings

__all__ = ["DEFAULT_OUTPUT", "PartialReportError", "Snapshot", "build", "collect"]

DEFAULT_OUTPUT = Path("reports") / "report.html"


class PartialReportError(UserError):
    """The tracking server did not answer: the page shows only what is local."""


def build(settings: Settings, root: Path | str, output: Path | str) -> tuple[Path, Snapshot]:
    """Write the report page to ``output`` and refresh ``reports/status.json``.

    When the tracking server cannot answer, the page is written with that in its headline, the
    last good status file is kept, and ``PartialReportError`` (one line, exit 2) says so. When
    the production model's files are gone or changed, the page and the status file say so in
    their headline and warnings, and ``RegistryError`` (exit 2) too: a report job fails loudly
    and leaves a page that shows why, never the last clean-looking one.
    """
    from ..files import write_atomic
    from ..registry import RegistryError
    from .html import render

    snapshot = collect(settings, root)
    page = write_atomic(Path(output), render(snapshot).encode("utf-8"))
    if snapshot.server_error is not None:
        raise PartialReportError(
            f"{snapshot.server_error}; {page} shows only what is local, and "
            "reports/status.json was kept as it was"
        )
    write_status(root, from_snapshot(snapshot, read_status(root)))
    if snapshot.production_error is not None:
        raise RegistryError(f"{snapshot.production_error}; {page} shows it")
    return page, snapshot
