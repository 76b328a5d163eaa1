"""What happened to each project: the record behind the summary table, ``--json`` and the exit
code. One place, so every command reports every project the same way."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .errors import EXIT_BEHIND, EXIT_CONFLICTS, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK

UP_TO_DATE = "up to date"
BEHIND = "behind"
UPDATED = "updated"
CONFLICTS = "conflicts"
FAILED = "failed"
WOULD_UPDATE = "would update"
INTERRUPTED = "interrupted"
NOT_STARTED = "not started"


@dataclass
class Result:
    """What happened to one project; also the ``--json`` record."""

    project: str
    template: str = ""
    current: str = ""
    target: str = ""
    status: str = FAILED
    branch: str = ""
    worktree: str = ""  # where conflicts wait to be resolved
    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited here, removed upstream: kept
    held_back: list[str] = field(default_factory=list)  # new template files at ignored paths
    notes: list[str] = field(default_factory=list)  # follow-ups from migrations
    message: str = ""
    diff: str = ""

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (the diff only when there is one)."""
        data = asdict(self)
        if not self.diff:
            data.pop("diff")
        return data


def exit_code(results: list[Result], *, check: bool) -> int:
    """130 when interrupted; errors (1); conflicts (3); ``--check``: 1 when any project is
    behind or needs attention, 0 only when every project is up to date."""
    statuses = {result.status for result in results}
    if statuses & {INTERRUPTED, NOT_STARTED}:
        return EXIT_INTERRUPTED
    if FAILED in statuses:
        return EXIT_FAILURE
    if check:
        return EXIT_BEHIND if statuses - {UP_TO_DATE} else EXIT_OK
    if CONFLICTS in statuses:
        return EXIT_CONFLICTS
    return EXIT_OK
