"""The embedded backend: runs recorded in one SQLite file (WAL), and read back; the file's
schema and its migrations.

The store lives at ``tracking_db`` (settings; ``$<PACKAGE>_TRACKING_DB``; default
``.leanops/tracking.db``). Only the standard library is imported at the top: opening a store is
part of a measured start-up time.

Every run records who ran what, where and on which code (git commit, lock file hash), its
parameters, metrics, tags, the fingerprints of the datasets it read, the feature steps it fitted
and the artifacts it wrote (paths relative to the project).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import package
from ..files import sha256_of
from . import environment as env
from .api import (
    STATUSES,
    ArtifactRecord,
    DatasetRecord,
    MetricPoint,
    RunBlock,
    RunDetails,
    RunRecord,
    RunSummary,
    TrackingError,
)
from .lineage import feature_steps, fingerprint, plain, to_json

DEFAULT_DB = Path(".leanops") / "tracking.db"
BUSY_TIMEOUT_S = 30.0


def env_db() -> str:
    """The variable naming another store file: ``ML_PROJECT_TRACKING_DB`` for ``ml_project``."""
    return f"{package().upper()}_TRACKING_DB"


# Each entry upgrades the schema by one version (PRAGMA user_version); never edit a shipped entry,
# append a new one. Statements are idempotent so a half-applied upgrade can simply run again.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE IF NOT EXISTS runs (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL,
            start_time REAL NOT NULL, end_time REAL, user TEXT, host TEXT, pid INTEGER,
            proc_start TEXT, git_commit TEXT, git_dirty INTEGER, python TEXT, platform TEXT,
            lock_sha256 TEXT, error TEXT)""",
        "CREATE INDEX IF NOT EXISTS runs_start ON runs (start_time)",
        """CREATE TABLE IF NOT EXISTS params (
            run_id TEXT NOT NULL REFERENCES runs (id), key TEXT NOT NULL, value TEXT,
            PRIMARY KEY (run_id, key))""",
        """CREATE TABLE IF NOT EXISTS metrics (
            run_id TEXT NOT NULL REFERENCES runs (id), key TEXT NOT NULL, value REAL,
            step INTEGER NOT NULL, time REAL NOT NULL)""",
        # One narrow index: a wider (run_id, key, step) one doubles the cost of logging.
        "CREATE INDEX IF NOT EXISTS metrics_run ON metrics (run_id)",
        """CREATE TABLE IF NOT EXISTS tags (
            run_id TEXT NOT NULL REFERENCES runs (id), key TEXT NOT NULL, value TEXT,
            PRIMARY KEY (run_id, key))""",
        """CREATE TABLE IF NOT EXISTS datasets (
            run_id TEXT NOT NULL REFERENCES runs (id), name TEXT NOT NULL,
            sha256 TEXT NOT NULL, rows INTEGER, columns INTEGER, contract_version TEXT,
            schema TEXT, time REAL, PRIMARY KEY (run_id, name))""",
        """CREATE TABLE IF NOT EXISTS feature_steps (
            run_id TEXT NOT NULL REFERENCES runs (id), position INTEGER NOT NULL,
            name TEXT NOT NULL, class TEXT, params TEXT, PRIMARY KEY (run_id, position))""",
        """CREATE TABLE IF NOT EXISTS artifacts (
            run_id TEXT NOT NULL REFERENCES runs (id), path TEXT NOT NULL, size INTEGER,
            sha256 TEXT, time REAL, PRIMARY KEY (run_id, path))""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def store_path(db: Path | str | None = None) -> Path:
    """The store's file: ``db`` if given, else ``$<PACKAGE>_TRACKING_DB``, else the default."""
    if db is not None:
        return Path(db)
    return Path(os.environ.get(env_db()) or DEFAULT_DB)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def retry(action: Callable[[], None], deadline: float) -> None:
    """Run ``action`` until it stops failing with 'database is locked' (or ``deadline`` passes).

    The busy timeout does not cover every lock (switching to WAL on a brand-new file does not wait),
    so many processes opening a new store at once retry here with a short growing sleep.
    """
    pause = 0.001
    while True:
        try:
            action()
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        else:
            return


def connect(db: Path | str | None = None) -> sqlite3.Connection:
    """Open (and create or upgrade, when needed) the store; safe for many processes at once."""
    path = store_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except (OSError, sqlite3.Error) as error:
        raise TrackingError(f"cannot open tracking store {path}: {error}") from error
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    try:
        modes: list[str] = []
        retry(lambda: modes.append(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]), deadline)
        mode = modes[-1]
        if mode.lower() != "wal":
            raise TrackingError(f"tracking store {path} cannot use WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        retry(lambda: migrate(conn, path), deadline)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise TrackingError(f"tracking store {path} is not usable: {error}") from error
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to ``SCHEMA_VERSION``, in one write transaction (others wait, then skip)."""
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise TrackingError(
                f"tracking store {path} has schema {version}, newer than this code's "
                f"{SCHEMA_VERSION}: upgrade the project"
            )
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


class Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on error): take the write lock up front."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.conn.execute("ROLLBACK" if kind else "COMMIT")


# The tables that hold a run's records beside ``runs`` (each keyed by ``run_id``).
RUN_TABLES = ("params", "metrics", "tags", "datasets", "feature_steps", "artifacts")

if TYPE_CHECKING:
    import pandas as pd

SUMMARY_COLUMNS = (
    "id, name, status, start_time, end_time, user, host, pid, proc_start, git_commit, "
    "git_dirty, python, platform, lock_sha256, error, "
    "(SELECT value FROM tags WHERE run_id = runs.id AND key = 'dataset') AS dataset"
)


class Run(RunBlock):
    """One tracked run in the local store; use it as a context manager (see ``start_run``)."""

    def __init__(
        self,
        name: str,
        params: Mapping[str, object] | None = None,
        tags: Mapping[str, object] | None = None,
        db: Path | str | None = None,
        root: Path | str | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else Path.cwd()
        self.id = os.urandom(16).hex()  # random like uuid4, without importing uuid
        self.name = name
        self.status = "running"
        self.db = store_path(db)
        git = env.start_git(self.root)
        try:
            self._conn = connect(self.db)
        finally:
            commit, dirty = env.git_result(git)
        pid = os.getpid()
        host, machine = env.machine()
        row = {
            "id": self.id,
            "name": name,
            "status": "running",
            "start_time": time.time(),
            "user": env.identity(self.root),
            "host": host,
            "pid": pid,
            "proc_start": env.process_start(pid),
            "git_commit": commit,
            "git_dirty": None if dirty is None else int(dirty),
            "python": sys.version.split()[0],
            "platform": machine,
            "lock_sha256": env.lock_sha256(self.root),
        }
        columns = ", ".join(row)
        marks = ", ".join(f":{key}" for key in row)
        with Transaction(self._conn) as conn:
            conn.execute(f"INSERT INTO runs ({columns}) VALUES ({marks})", row)  # noqa: S608
            conn.executemany(
                "INSERT OR REPLACE INTO params VALUES (?, ?, ?)",
                [(self.id, str(k), to_json(plain(v))) for k, v in (params or {}).items()],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO tags VALUES (?, ?, ?)",
                [(self.id, str(k), str(v)) for k, v in (tags or {}).items()],
            )

    def log_param(self, key: str, value: object) -> None:
        """Record (or replace) one parameter."""
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, object]) -> None:
        """Record several parameters at once."""
        with Transaction(self._conn) as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO params VALUES (?, ?, ?)",
                [(self.id, str(k), to_json(plain(v))) for k, v in params.items()],
            )

    def log_metric(self, key: str, value: float, step: int = 0) -> None:
        """Record one metric value; the history of every step is kept."""
        self._conn.execute(
            "INSERT INTO metrics VALUES (?, ?, ?, ?, ?)",
            (self.id, key, float(value), int(step), time.time()),
        )

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        """Record many metrics in one transaction (1,000 take a few milliseconds)."""
        now = time.time()
        with Transaction(self._conn) as conn:
            conn.executemany(
                "INSERT INTO metrics VALUES (?, ?, ?, ?, ?)",
                [(self.id, k, float(v), int(step), now) for k, v in metrics.items()],
            )

    def set_tag(self, key: str, value: object) -> None:
        """Set (or replace) a tag, e.g. ``stage=train``."""
        self._conn.execute(
            "INSERT OR REPLACE INTO tags VALUES (?, ?, ?)", (self.id, str(key), str(value))
        )

    def log_dataset(
        self, name: str, df: pd.DataFrame, contract_version: str | int | None = None
    ) -> DatasetRecord:
        """Record a dataset's full-content fingerprint (see ``fingerprint``) and return it."""
        record = fingerprint(df)
        version = None if contract_version is None else str(contract_version)
        self._conn.execute(
            "INSERT OR REPLACE INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.id,
                name,
                record["sha256"],
                record["rows"],
                record["columns"],
                version,
                to_json(record["schema"]),
                time.time(),
            ),
        )
        return {"name": name, **record, "contract_version": version}

    def log_feature_steps(self, pipeline: object) -> list[dict[str, object]]:
        """Record the steps of a fitted sklearn Pipeline/ColumnTransformer and their params."""
        steps = feature_steps(pipeline)
        with Transaction(self._conn) as conn:
            conn.execute("DELETE FROM feature_steps WHERE run_id = ?", (self.id,))
            conn.executemany(
                "INSERT INTO feature_steps VALUES (?, ?, ?, ?, ?)",
                [
                    (self.id, i, s["name"], s["class"], to_json(s["params"]))
                    for i, s in enumerate(steps)
                ],
            )
        return steps

    def log_artifact(self, path: Path | str, *, upload: bool = True) -> ArtifactRecord:
        """Record a file the run wrote: its path (relative to the project), size and SHA-256
        (the file stays where it is: there is nowhere to upload it)."""
        path = Path(path)
        if not path.is_file():
            raise TrackingError(f"artifact not found: {path}")
        record: ArtifactRecord = {
            "path": env.relative_path(path, self.root),
            "size": path.stat().st_size,
            "sha256": sha256_of(path),
        }
        self._conn.execute(
            "INSERT OR REPLACE INTO artifacts VALUES (?, ?, ?, ?, ?)",
            (self.id, record["path"], record["size"], record["sha256"], time.time()),
        )
        return self.wrote(record)

    def end(self, status: str = "finished", error: str | None = None) -> None:
        """Close the run with a final status (done for you by the ``with`` block)."""
        if self.status != "running":
            return
        if status not in STATUSES:
            raise ValueError(f"unknown run status {status!r}; use one of {', '.join(STATUSES)}")
        self._conn.execute(
            "UPDATE runs SET status = ?, end_time = ?, error = ? WHERE id = ?",
            (status, time.time(), error, self.id),
        )
        self.status = status
        self._conn.close()


# -------------------------------------------------------------------------------------- reading


class LocalRunStore:
    """The runs of one SQLite store (``runs`` reads through this or ``MlflowRunStore``)."""

    def __init__(self, db: Path | str | None = None) -> None:
        self.path = store_path(db)

    def describe(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.is_file()

    def _open(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise TrackingError(f"no tracking store at {self.path} (no run has been tracked yet)")
        conn = connect(self.path)
        conn.row_factory = sqlite3.Row
        return conn

    def list_runs(
        self,
        status: str | None = None,
        name: str | None = None,
        tags: Sequence[str] = (),
        limit: int | None = None,
    ) -> list[RunSummary]:
        with contextlib.closing(self._open()) as conn:
            query = f"SELECT {SUMMARY_COLUMNS} FROM runs"  # noqa: S608
            where: list[str] = []
            args: list[object] = []
            if name:
                where.append("name = ?")
                args.append(name)
            for tag in tags:
                key, has_value, value = tag.partition("=")
                where.append("id IN (SELECT run_id FROM tags WHERE key = ? AND (? OR value = ?))")
                args.extend([key, not has_value, value])
            if where:
                query += " WHERE " + " AND ".join(where)
            query += " ORDER BY start_time DESC"
            runs = [settle(conn, row) for row in conn.execute(query, args)]
            if status:
                runs = [run for run in runs if run["status"] == status]
            return runs[:limit] if limit else runs

    def data_versions(self) -> dict[str, set[str]]:
        """The fingerprints of the datasets each run read, by run id."""
        with contextlib.closing(self._open()) as conn:
            found: dict[str, set[str]] = {}
            for row in conn.execute("SELECT run_id, sha256 FROM datasets"):
                found.setdefault(row["run_id"], set()).add(row["sha256"])
            return found

    def delete_runs(self, ids: list[str]) -> None:
        """Delete these runs and everything recorded about them, in one transaction."""
        with contextlib.closing(self._open()) as conn, Transaction(conn):
            for table in RUN_TABLES:
                conn.executemany(
                    f"DELETE FROM {table} WHERE run_id = ?",  # noqa: S608 (fixed names)
                    [(run_id,) for run_id in ids],
                )
            conn.executemany("DELETE FROM runs WHERE id = ?", [(run_id,) for run_id in ids])

    def get_run(self, run_id: str) -> RunDetails:
        with contextlib.closing(self._open()) as conn:
            return details(conn, record(conn, self._summary(conn, run_id)))

    def get_record(self, run_id: str) -> RunRecord:
        with contextlib.closing(self._open()) as conn:
            return record(conn, self._summary(conn, run_id))

    def _summary(self, conn: sqlite3.Connection, run_id: str) -> RunSummary:
        full = resolve_id(conn, run_id)
        row = conn.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM runs WHERE id = ?",  # noqa: S608
            (full,),
        ).fetchone()
        return settle(conn, row)


def settle(conn: sqlite3.Connection, row: sqlite3.Row) -> RunSummary:
    """A run row as a summary; a 'running' run whose process is gone on this host is crashed."""
    status = row["status"]
    if status == "running" and env.died_here(row["host"], row["pid"], row["proc_start"]):
        conn.execute(
            "UPDATE runs SET status = 'crashed' WHERE id = ? AND status = 'running'", (row["id"],)
        )
        status = "crashed"
    return {
        "id": row["id"],
        "name": row["name"],
        "dataset": row["dataset"],
        "status": status,
        "start_time": row["start_time"],
        "end_time": row["end_time"],
        "user": row["user"],
        "host": row["host"],
        "git_commit": row["git_commit"],
        "git_dirty": None if row["git_dirty"] is None else bool(row["git_dirty"]),
        "python": row["python"],
        "platform": row["platform"],
        "lock_sha256": row["lock_sha256"],
        "error": row["error"],
        "cost": dict(
            conn.execute(
                "SELECT key, value FROM metrics WHERE run_id = ? AND key LIKE 'cost.%' "
                "ORDER BY step, time, rowid",
                (row["id"],),
            )
        ),
    }


def resolve_id(conn: sqlite3.Connection, run_id: str) -> str:
    """The full id of a run given its id or a unique prefix (as ``runs list`` shows it)."""
    pattern = run_id.replace("\\", "").replace("%", "").replace("_", "") + "%"
    found = [row[0] for row in conn.execute("SELECT id FROM runs WHERE id LIKE ?", (pattern,))]
    if not run_id or not found:
        raise TrackingError(f"no run with id {run_id!r}")
    if len(found) > 1:
        raise TrackingError(f"run id {run_id!r} is ambiguous ({len(found)} runs match)")
    return str(found[0])


def record(conn: sqlite3.Connection, run: RunSummary) -> RunRecord:
    """``run``'s parameters, tags and latest metrics."""
    full = run["id"]
    return {
        **run,
        "params": {
            row["key"]: json.loads(row["value"])
            for row in conn.execute("SELECT key, value FROM params WHERE run_id = ?", (full,))
        },
        "tags": dict(conn.execute("SELECT key, value FROM tags WHERE run_id = ?", (full,))),
        "metrics": dict(  # the last point of each: the latest value
            conn.execute(
                "SELECT key, value FROM metrics WHERE run_id = ? ORDER BY key, step, time, rowid",
                (full,),
            )
        ),
    }


def details(conn: sqlite3.Connection, run: RunRecord) -> RunDetails:
    """Everything recorded about ``run``."""
    full = run["id"]
    history: list[MetricPoint] = [
        {"key": row["key"], "value": row["value"], "step": row["step"], "time": row["time"]}
        for row in conn.execute(
            "SELECT key, value, step, time FROM metrics WHERE run_id = ? "
            "ORDER BY key, step, time, rowid",
            (full,),
        )
    ]
    datasets: list[DatasetRecord] = [
        {
            "name": row["name"],
            "sha256": row["sha256"],
            "rows": row["rows"],
            "columns": row["columns"],
            "contract_version": row["contract_version"],
            "schema": json.loads(row["schema"] or "[]"),
        }
        for row in conn.execute(
            "SELECT name, sha256, rows, columns, contract_version, schema FROM datasets "
            "WHERE run_id = ? ORDER BY time",
            (full,),
        )
    ]
    return {
        **run,
        "metric_history": history,
        "datasets": datasets,
        "feature_steps": [
            {
                "name": row["name"],
                "class": row["class"],
                "params": json.loads(row["params"] or "{}"),
            }
            for row in conn.execute(
                "SELECT name, class, params FROM feature_steps WHERE run_id = ? ORDER BY position",
                (full,),
            )
        ],
        "artifacts": [
            {"path": row["path"], "size": row["size"], "sha256": row["sha256"]}
            for row in conn.execute(
                "SELECT path, size, sha256 FROM artifacts WHERE run_id = ? ORDER BY time", (full,)
            )
        ],
    }
