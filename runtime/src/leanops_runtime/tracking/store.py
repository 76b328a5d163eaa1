"""The embedded store: one SQLite file (WAL), its schema and its migrations.

The store lives at ``tracking_db`` (settings; ``$<PACKAGE>_TRACKING_DB``; default
``.leanops/tracking.db``). Only the standard library is imported: opening a store is part of a
measured start-up time.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from .. import package
from .api import TrackingError

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
