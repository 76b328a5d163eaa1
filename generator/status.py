"""``leanops status PATH...``: the fleet at a glance, one row per generated project.

Per project: its template version and how far behind the newest tag it is (the same pre-check
``leanops update --check`` runs), an update branch waiting to be merged or left in conflict, and
what the project itself records in ``reports/status.json`` (written by its ``report`` command,
updated by ``pipeline``, ``promote``, ``rollback`` and ``drift``): the dataset it describes, the
production model and its age, the last pipeline run (its age from when it ended), the last drift
check. Both formats are read: 1 names no dataset (its pipeline ``at`` is the start), 2 names the
file's dataset and each part's; a part about another dataset than the file's is not shown.
Nothing is rendered or imported from the projects: a fleet is read in well under a second
plus one ``git ls-remote`` per template source.

Output: a table, ``--json``, or ``--html FILE`` with the look of the projects' own report (the
same ``report.css``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from .errors import EXIT_OK, LeanopsError
from .fleet import Project, discover
from .tables import table_console

STATUS_FILE = Path("reports") / "status.json"


@dataclass
class Row:
    """One project's line; also its ``--json`` record."""

    project: str
    template: str = ""  # the version it was generated from or last updated to
    newest: str = ""
    behind: int | None = None  # versions between the project's and the newest
    template_status: str = ""  # up to date, behind, failed ...
    update_branch: str = ""
    update_state: str = ""  # waiting, conflicts
    dataset: str | None = None  # the dataset status.json describes (format 2)
    production: int | None = None
    production_since: str | None = None
    pipeline: str | None = None
    pipeline_at: str | None = None  # when the last run ended (format 1: when it started)
    pipeline_started_at: str | None = None
    drift: str | None = None
    drift_at: str | None = None
    recorded_at: str | None = None
    message: str = ""


# --- the template side: the only place that uses leanops' update logic ------------------------


def template_state(projects: list[Project]) -> dict[Path, tuple[str, str, int | None, str]]:
    """``(status, newest version, versions behind, message)`` per project, from the pre-check
    of ``leanops update --check`` (``plan``) and the source's version tags (``versions``)."""
    from .plan import CHECK, RefsCache, plan
    from .results import BEHIND, UP_TO_DATE
    from .source import resolve_source
    from .versions import commit_version

    jobs, done = plan(projects, None, CHECK)
    state: dict[Path, tuple[str, str, int | None, str]] = {}
    refs = RefsCache()
    for project in projects:
        state[project.path] = ("", "", None, "")
    results = [job.result(status=BEHIND) for job in jobs] + done
    for result in results:
        path = Path(result.project)
        project = next(p for p in projects if p.path == path)
        behind: int | None = 0 if result.status == UP_TO_DATE else None
        current = commit_version(project.commit)
        if result.status == BEHIND and current is not None:
            try:
                tags = refs.get(resolve_source(project.src_path, project.path)).version_tags()
            except LeanopsError:
                tags = []
            behind = sum(1 for tag in tags if tag.version > current)
        said = "; ".join(part for part in (result.message, *result.notes) if part)
        state[path] = (result.status, result.target, behind, said)
    return state


# --- the project side: git branches and reports/status.json ----------------------------------


def update_branch(path: Path, current: str = "") -> tuple[str, str]:
    """``(branch, waiting|conflicts|superseded)`` of a pending update branch (``checkout``'s
    rule, the one ``leanops update`` follows), the checked-out one first, else the newest;
    empty when there is none.

    A branch to a version the project (``current``) or another pending branch has reached or
    passed is ``superseded``: it will never need merging (delete it with ``git branch -D``).
    """
    from .checkout import BRANCH_PREFIX, in_project, update_branches
    from .gitutil import find_repo
    from .versions import commit_version, parse_version

    try:
        repo = find_repo(path)
        found = [branch for branch in update_branches(repo) if branch.pending] if repo else []
    except LeanopsError:  # git failed: the row says nothing rather than something wrong
        return "", ""
    if not found:
        return "", ""
    versions = {b.name: parse_version(b.name.removeprefix(BRANCH_PREFIX)) for b in found}
    shown = [b for b in found if b.here] or found
    dated = [(version, b) for b in shown if (version := versions[b.name]) is not None]
    branch = max(dated, key=lambda pair: pair[0])[1] if dated else shown[0]
    target = versions[branch.name]
    others = [v for name, v in versions.items() if name != branch.name and v is not None]
    if target is not None and (current_version := commit_version(current)) is not None:
        others.append(current_version)
    if target is not None and any(v >= target for v in others):
        return branch.name, "superseded"
    offset = path.resolve().relative_to(repo.top).as_posix() if repo is not None else ""
    return branch.name, "conflicts" if in_project(branch.conflicts, offset) else "waiting"


def recorded(path: Path) -> dict[str, object]:
    """The project's ``reports/status.json`` (empty when it has none)."""
    try:
        data = json.loads((path / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _part(status: dict[str, object], name: str) -> dict[str, object]:
    """One part of the status; empty when missing or about another dataset than the file's."""
    part = status.get(name)
    if not isinstance(part, dict):
        return {}
    own, dataset = part.get("dataset"), status.get("dataset")
    if own is not None and dataset is not None and own != dataset:
        return {}
    return part


def rows_for(paths: list[Path]) -> list[Row]:
    """One row per project found under ``paths``."""
    projects, broken = discover(paths)
    state = template_state(projects)
    rows = [Row(str(path), message=str(error).removeprefix(f"{path}: ")) for path, error in broken]
    for project in projects:
        status, newest, behind, message = state.get(project.path, ("", "", None, ""))
        row = Row(
            str(project.path),
            template=project.commit,
            newest=newest,
            behind=behind,
            template_status=status,
            message=message,
        )
        row.update_branch, row.update_state = update_branch(project.path, project.commit)
        row.message = "; ".join(part for part in (row.message, left_over(project.path)) if part)
        rows.append(fill(row, recorded(project.path)))
    return sorted(rows, key=lambda row: row.project)


def left_over(project: Path) -> str:
    """What an update from 0.3.0 or older left to the team (``leanops check`` LO802): a
    project up to date with machinery still to move is not done."""
    from .check import LO802

    found = LO802.check(project)
    return f"{found} (`leanops check` LO802)" if isinstance(found, str) else ""


def fill(row: Row, own: dict[str, object]) -> Row:
    """``row`` with what a project's status file (format 1 or 2) records."""
    production, pipeline, drift = (_part(own, n) for n in ("production", "pipeline", "drift"))
    version = production.get("version")
    row.dataset = _text(own.get("dataset"))
    row.production = version if isinstance(version, int) else None
    row.production_since = _text(production.get("since"))
    row.pipeline, row.pipeline_at = _text(pipeline.get("status")), _text(pipeline.get("at"))
    row.pipeline_started_at = _text(pipeline.get("started_at"))
    row.drift, row.drift_at = _text(drift.get("status")), _text(drift.get("at"))
    row.recorded_at = _text(own.get("updated_at"))
    return row


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def age(stamp: str | None, now: dt.datetime | None = None) -> str:
    """``3d``, ``5h``, ``12m`` since an ISO time; ``-`` when unknown."""
    if not stamp:
        return "-"
    try:
        then = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return "-"
    if then.tzinfo is None:
        then = then.replace(tzinfo=dt.UTC)
    seconds = ((now or dt.datetime.now(dt.UTC)) - then).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return "now"


def cells(row: Row) -> list[str]:
    """The row as the table's text cells."""
    behind = "" if not row.behind else f" ({row.behind} behind {row.newest})"
    update = f"{row.update_branch} {row.update_state}".strip() or "-"
    production = f"v{row.production} ({age(row.production_since)})" if row.production else "-"
    pipeline = f"{row.pipeline} ({age(row.pipeline_at)})" if row.pipeline else "-"
    drift = f"{row.drift} ({age(row.drift_at)})" if row.drift else "-"
    return [
        row.project,
        row.dataset or "-",
        f"{row.template or '-'}{behind}",
        row.template_status or "-",
        update,
        production,
        pipeline,
        drift,
        age(row.recorded_at) if row.recorded_at else "never",
    ]


HEADERS = [
    "project",
    "dataset",
    "template",
    "status",
    "update branch",
    "production",
    "pipeline",
    "drift",
    "recorded",
]


def stylesheet() -> str:
    """The report stylesheet: the same file as the runtime's ``report/style.css``."""
    return resources.files("generator").joinpath("report.css").read_text(encoding="utf-8")


def render_html(rows: list[Row]) -> str:
    """The fleet as one self-contained page in the projects' report style (``status.html.j2``,
    autoescaped: a project's name or status is shown as text whatever it holds)."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup

    env = Environment(
        loader=PackageLoader("generator", ""),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )
    return env.get_template("status.html.j2").render(
        rows=[(row, cells(row)) for row in rows],
        headers=HEADERS,
        now=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        stylesheet=Markup(stylesheet()),  # noqa: S704 (the packaged report.css)
    )


def cmd_status(args: argparse.Namespace) -> int:
    """Print (or write) the fleet's status."""
    rows = rows_for([Path(p) for p in (args.paths or ["."])])
    if not rows:
        raise LeanopsError("no generated project found (no .copier-answers.yml)")
    if args.html:
        Path(args.html).write_text(render_html(rows), encoding="utf-8")
    if args.json:
        print(json.dumps({"projects": [asdict(row) for row in rows]}, indent=2))
    elif not args.html:
        from rich.table import Table

        table = Table(title="leanops status")
        for header in HEADERS:
            table.add_column(header)
        for row in rows:
            table.add_row(*cells(row))
        console = table_console(table)  # a pipe or a CI log: a line per project
        console.print(table)
        for row in rows:  # what a cell cannot hold: why a project failed, an unreleased HEAD
            if row.message:
                console.print(f"{row.project}: {row.message}", soft_wrap=True)
    return EXIT_OK


def add_status(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``status`` command's arguments."""
    parser = subparsers.add_parser(
        "status",
        help="the fleet at a glance: template version, update branch, dataset, model, pipeline, "
        "drift",
        description="One row per generated project found under PATH: template version and how "
        "far behind, an update branch waiting or in conflict, and what the project recorded in "
        "reports/status.json (its current dataset, that dataset's production model and age, last "
        "pipeline run, last drift check).",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="project or folder of projects")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.add_argument("--html", metavar="FILE", help="write an HTML page (the report's style)")
    parser.set_defaults(handler=cmd_status)
