"""Run tracking: an embedded metadata store (SQLite) with lineage, no server and no extra package.

Every run records who ran what, where and on which code (git commit, lock file hash), its
parameters, metrics, tags, the fingerprints of the datasets it read, the feature steps it fitted
and the artifacts it wrote. Usage::

    with start_run("train", params={"C": 1.0}) as run:
        run.log_dataset("train", frame, contract_version="1")
        run.log_metric("accuracy", 0.97)

The store lives at ``$<PACKAGE>_TRACKING_DB`` (default ``.leanops/tracking.db``). Only the standard
library is imported here, so importing this module stays cheap; pandas is imported when a dataset
is fingerprinted. With the ``mlflow`` backend (``tracking_backend`` in ``params.yaml`` or
``$<PACKAGE>_TRACKING_BACKEND``) the same API writes to MLflow instead (see ``tracking_mlflow``).
"""

from __future__ import annotations

import math
import os
import sqlite3
import sys
import time
from pathlib import Path

from . import PACKAGE
from .errors import UserError
from .files import sha256_of
from .info import lock_sha256

# Only what opening a store needs is imported here (import time is a measured target); the rest is
# imported where it is used.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any


ENV_DB = f"{PACKAGE.upper()}_TRACKING_DB"
ENV_BACKEND = f"{PACKAGE.upper()}_TRACKING_BACKEND"
DEFAULT_DB = Path(".leanops") / "tracking.db"
BACKENDS = ("local", "mlflow")
STATUSES = ("running", "finished", "failed", "crashed")
BUSY_TIMEOUT_S = 30.0

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


class TrackingError(UserError):
    """The store cannot be used or a run is not found; the message is one line for the user."""


# ---------------------------------------------------------------------------------------- store


def store_path(db: Path | str | None = None) -> Path:
    """The store's file: ``db`` if given, else ``$<PACKAGE>_TRACKING_DB``, else the default."""
    if db is not None:
        return Path(db)
    return Path(os.environ.get(ENV_DB) or DEFAULT_DB)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _retry(action: Any, deadline: float) -> Any:
    """Run ``action`` until it stops failing with 'database is locked' (or ``deadline`` passes).

    The busy timeout does not cover every lock (switching to WAL on a brand-new file does not wait),
    so many processes opening a new store at once retry here with a short growing sleep.
    """
    pause = 0.001
    while True:
        try:
            return action()
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)


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
        mode = _retry(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone()[0], deadline)
        if mode.lower() != "wal":
            raise TrackingError(f"tracking store {path} cannot use WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        _retry(lambda: _migrate(conn, path), deadline)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise TrackingError(f"tracking store {path} is not usable: {error}") from error
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
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


# --------------------------------------------------------------------------------- environment


def _process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (Linux), to tell a live run from a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def git_state(root: Path | str = ".") -> tuple[str | None, bool | None]:
    """``(commit, dirty)`` of the git checkout at ``root``; ``(None, None)`` without git."""
    return _git_result(_git_start(root))


def _git_start(root: Path | str) -> Any:
    """Start ``git status`` in the background, so it runs while the store opens.

    ``posix_spawnp`` rather than ``subprocess``: importing subprocess alone costs about as much as
    opening a new store. Returns a handle for ``_git_result``, or None when git cannot start.
    """
    args = ["git", "-C", str(root), "status", "--porcelain=v2", "--branch", "--untracked-files=no"]
    if not hasattr(os, "posix_spawnp"):  # Windows
        import subprocess

        try:
            return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            return None
    read, write = os.pipe()  # both close-on-exec: git keeps only the copy made its stdout
    try:
        actions = [
            (os.POSIX_SPAWN_DUP2, write, 1),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ]
        pid = os.posix_spawnp("git", args, os.environ, file_actions=actions)
    except OSError:
        os.close(read)
        return None
    finally:
        os.close(write)
    return pid, read


def _git_result(handle: Any, timeout: float = 10.0) -> tuple[str | None, bool | None]:
    """Wait for ``_git_start``'s git and read ``(commit, dirty)`` from its output."""
    if handle is None:
        return None, None
    if not isinstance(handle, tuple):
        import subprocess

        try:
            out, _ = handle.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            handle.kill()
            handle.communicate()
            return None, None
        return _parse_git_status(handle.returncode, out)
    import select

    pid, read = handle
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            ready, _, _ = select.select([read], [], [], max(deadline - time.monotonic(), 0))
            if not ready:  # git hangs (a stale lock, a slow network drive): no git record
                os.kill(pid, 9)  # SIGKILL
                os.waitpid(pid, 0)
                return None, None
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read)
    _, status = os.waitpid(pid, 0)
    return _parse_git_status(os.waitstatus_to_exitcode(status), b"".join(chunks))


def _parse_git_status(returncode: int, out: bytes) -> tuple[str | None, bool | None]:
    if returncode != 0:
        return None, None
    commit = None
    dirty = False
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("# branch.oid "):
            oid = line.split()[2]
            commit = None if oid == "(initial)" else oid
        elif not line.startswith("#"):
            dirty = True
    return commit, dirty


def _user() -> str | None:
    """The login name, as ``getpass.getuser`` finds it (without importing getpass)."""
    for key in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(key):
            return os.environ[key]
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        return None


def _machine() -> tuple[str, str]:
    """``(host, platform)``, from ``os.uname`` where it exists (importing platform costs more)."""
    if hasattr(os, "uname"):
        name = os.uname()
        return name.nodename, f"{name.sysname}-{name.release}-{name.machine}"
    import platform

    return platform.node(), f"{platform.system()}-{platform.release()}-{platform.machine()}"


def _json(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)


# ------------------------------------------------------------------------------------- lineage


def fingerprint(df: Any) -> dict[str, Any]:
    """Full-content fingerprint of a DataFrame: any single-cell edit changes ``sha256``.

    Hashes every row (``pandas.util.hash_pandas_object``, index included) plus the column names and
    dtypes. Unlike MLflow's digest it reads all rows and every column type (bool, datetime and
    category too); row-identical copies and re-reads of the same file give the same value.
    """
    import hashlib

    import pandas as pd

    schema = [[str(name), str(dtype)] for name, dtype in df.dtypes.items()]
    digest = hashlib.sha256(_json(schema).encode())
    rows = pd.util.hash_pandas_object(df, index=True).to_numpy()
    digest.update(rows.astype("<u8", copy=False).tobytes())
    return {
        "sha256": digest.hexdigest(),
        "rows": len(df),
        "columns": len(schema),
        "schema": schema,
    }


def feature_steps(pipeline: Any) -> list[dict[str, Any]]:
    """Step names, classes and own parameters of a fitted sklearn Pipeline or ColumnTransformer.

    Nested pipelines and column transformers are flattened with ``outer__inner`` names, so the
    record reads like sklearn's own ``set_params`` keys.
    """
    found: list[dict[str, Any]] = []

    def visit(prefix: str, step: Any, columns: Any = None) -> None:
        children = _children(step)
        entry: dict[str, Any] = {
            "name": prefix or type(step).__name__,
            # 'drop' and 'passthrough' stand for themselves
            "class": step
            if isinstance(step, str)
            else f"{type(step).__module__}.{type(step).__qualname__}",
            "params": _own_params(step) if not isinstance(step, str) else {},
        }
        if columns is not None:
            entry["params"]["columns"] = columns
        found.append(entry)
        for name, child, child_columns in children:
            visit(f"{prefix}__{name}" if prefix else name, child, child_columns)

    visit("", pipeline)
    return found


def _children(step: Any) -> list[tuple[str, Any, Any]]:
    if hasattr(step, "transformers_") or hasattr(step, "transformers"):
        transformers = getattr(step, "transformers_", None) or step.transformers
        return [(name, est, _plain(cols)) for name, est, cols in transformers]
    if hasattr(step, "steps"):
        return [(name, est, None) for name, est in step.steps]
    return []


def _own_params(step: Any) -> dict[str, Any]:
    """A step's parameters without nested estimators (they are recorded as their own steps)."""
    if not hasattr(step, "get_params"):
        return {}
    params = step.get_params(deep=False)
    skip = {"steps", "transformers"}
    return {
        key: _plain(value)
        for key, value in params.items()
        if key not in skip and not hasattr(value, "get_params")
    }


def _plain(value: Any) -> Any:  # noqa: PLR0911 (one return per kind of value)
    """A JSON-friendly version of a parameter value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if callable(value):
        return getattr(value, "__qualname__", repr(value))
    return repr(value)


# ----------------------------------------------------------------------------------------- runs

_active: list[Any] = []  # Run or tracking_mlflow.MlflowRun


def current_run() -> Run | None:
    """The innermost run started with ``start_run`` in this process, for code deep in a stage."""
    return _active[-1] if _active else None


class Run:
    """One tracked run in the local store; use it as a context manager (see ``start_run``)."""

    def __init__(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        db: Path | str | None = None,
        root: Path | str | None = None,
    ) -> None:
        root = Path(root) if root is not None else Path.cwd()
        self.id = os.urandom(16).hex()  # random like uuid4, without importing uuid
        self.name = name
        self.status = "running"
        self.db = store_path(db)
        git = _git_start(root)
        try:
            self._conn = connect(self.db)
        finally:
            commit, dirty = _git_result(git)
        pid = os.getpid()
        host, machine = _machine()
        row = {
            "id": self.id,
            "name": name,
            "status": "running",
            "start_time": time.time(),
            "user": _user(),
            "host": host,
            "pid": pid,
            "proc_start": _process_start(pid),
            "git_commit": commit,
            "git_dirty": None if dirty is None else int(dirty),
            "python": sys.version.split()[0],
            "platform": machine,
            "lock_sha256": lock_sha256(root),
        }
        columns = ", ".join(row)
        marks = ", ".join(f":{key}" for key in row)
        with self._transaction() as conn:
            conn.execute(f"INSERT INTO runs ({columns}) VALUES ({marks})", row)  # noqa: S608
            conn.executemany(
                "INSERT OR REPLACE INTO params VALUES (?, ?, ?)",
                [(self.id, str(k), _json(_plain(v))) for k, v in (params or {}).items()],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO tags VALUES (?, ?, ?)",
                [(self.id, str(k), str(v)) for k, v in (tags or {}).items()],
            )

    # Writing -------------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    def log_param(self, key: str, value: Any) -> None:
        """Record (or replace) one parameter."""
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record several parameters at once."""
        with self._transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO params VALUES (?, ?, ?)",
                [(self.id, str(k), _json(_plain(v))) for k, v in params.items()],
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
        with self._transaction() as conn:
            conn.executemany(
                "INSERT INTO metrics VALUES (?, ?, ?, ?, ?)",
                [(self.id, k, float(v), int(step), now) for k, v in metrics.items()],
            )

    def set_tag(self, key: str, value: Any) -> None:
        """Set (or replace) a tag, e.g. ``stage=train``."""
        self._conn.execute(
            "INSERT OR REPLACE INTO tags VALUES (?, ?, ?)", (self.id, str(key), str(value))
        )

    def log_dataset(
        self, name: str, df: Any, contract_version: str | int | None = None
    ) -> dict[str, Any]:
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
                _json(record["schema"]),
                time.time(),
            ),
        )
        return {**record, "contract_version": version}

    def log_feature_steps(self, pipeline: Any) -> list[dict[str, Any]]:
        """Record the steps of a fitted sklearn Pipeline/ColumnTransformer and their params."""
        steps = feature_steps(pipeline)
        with self._transaction() as conn:
            conn.execute("DELETE FROM feature_steps WHERE run_id = ?", (self.id,))
            conn.executemany(
                "INSERT INTO feature_steps VALUES (?, ?, ?, ?, ?)",
                [
                    (self.id, i, s["name"], s["class"], _json(s["params"]))
                    for i, s in enumerate(steps)
                ],
            )
        return steps

    def log_artifact(self, path: Path | str) -> dict[str, Any]:
        """Record a file the run wrote: its path, size and SHA-256."""
        path = Path(path)
        if not path.is_file():
            raise TrackingError(f"artifact not found: {path}")
        record = {"path": str(path), "size": path.stat().st_size, "sha256": sha256_of(path)}
        self._conn.execute(
            "INSERT OR REPLACE INTO artifacts VALUES (?, ?, ?, ?, ?)",
            (self.id, record["path"], record["size"], record["sha256"], time.time()),
        )
        return record

    # Lifecycle ------------------------------------------------------------------------------

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

    def __enter__(self) -> Run:
        _active.append(self)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any
    ) -> None:
        if self in _active:
            _active.remove(self)
        if error is None or (isinstance(error, SystemExit) and error.code in (0, None)):
            self.end("finished")
        else:
            message = str(error).splitlines()[0] if str(error) else ""
            self.end("failed", f"{type(error).__name__}: {message}".rstrip(": "))


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on error): take the write lock up front."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        self.conn.execute("ROLLBACK" if kind else "COMMIT")


def backend_choice(backend: str | None = None, root: Path | str | None = None) -> str:
    """Which backend to use, in the settings' order: the argument, ``$<PACKAGE>_TRACKING_BACKEND``,
    the same variable in ``.env``, ``tracking_backend`` in ``params.yaml``, else local.

    The two files are scanned for that one line rather than parsed, so choosing the backend costs
    no YAML or pydantic import.
    """
    folder = Path(root if root is not None else ".")
    choice = (
        backend
        or os.environ.get(ENV_BACKEND)
        or _scan(folder / ".env", rf"^\s*(?:export\s+)?{ENV_BACKEND}\s*=\s*['\"]?(\w+)")
        or _scan(folder / "params.yaml", r"^tracking_backend:\s*['\"]?(\w+)")
        or "local"
    )
    if choice not in BACKENDS:
        known = ", ".join(BACKENDS)
        raise TrackingError(f"unknown tracking backend {choice!r}; use one of {known}")
    return choice


def _scan(path: Path, pattern: str) -> str | None:
    """The first group of ``pattern`` (one per line) in the file at ``path``, if any."""
    import re

    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(pattern, text, flags=re.MULTILINE)
    return found.group(1) if found else None


def start_run(
    name: str,
    *,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    db: Path | str | None = None,
    backend: str | None = None,
    root: Path | str | None = None,
) -> Any:
    """Start a run; use as ``with start_run("train", params=...) as run:``.

    The run is finished when the block ends, failed (and the error re-raised) when it raises, and
    read as crashed later if its process died without either.
    """
    if backend_choice(backend, root) == "mlflow":
        from .tracking_mlflow import MlflowRun

        return MlflowRun(name, params=params, tags=tags, root=root)
    return Run(name, params=params, tags=tags, db=db, root=root)


# -------------------------------------------------------------------------------------- reading


def _open_existing(db: Path | str | None) -> sqlite3.Connection:
    path = store_path(db)
    if not path.is_file():
        raise TrackingError(f"no tracking store at {path} (no run has been tracked yet)")
    conn = connect(path)
    conn.row_factory = sqlite3.Row
    return conn


def _settle(conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    """A run row as a dict; a 'running' run whose process is gone on this host becomes crashed."""
    run = dict(row)
    if run["status"] == "running" and run["host"] == _machine()[0] and run["pid"]:
        pid = int(run["pid"])
        alive = _pid_alive(pid)
        if alive and run["proc_start"] is not None:
            alive = _process_start(pid) == run["proc_start"]
        if not alive:
            conn.execute(
                "UPDATE runs SET status = 'crashed' WHERE id = ? AND status = 'running'",
                (run["id"],),
            )
            run["status"] = "crashed"
    return run


def list_runs(
    status: str | None = None,
    name: str | None = None,
    tag: str | None = None,
    db: Path | str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Runs, newest first; filter by status, name and ``tag`` (``key`` or ``key=value``)."""
    conn = _open_existing(db)
    try:
        query = "SELECT * FROM runs"
        where: list[str] = []
        args: list[object] = []
        if name:
            where.append("name = ?")
            args.append(name)
        if tag:
            key, has_value, value = tag.partition("=")
            where.append("id IN (SELECT run_id FROM tags WHERE key = ? AND (? OR value = ?))")
            args.extend([key, not has_value, value])
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " ORDER BY start_time DESC"
        runs = [_settle(conn, row) for row in conn.execute(query, args)]
        if status:
            runs = [run for run in runs if run["status"] == status]
        return runs[:limit] if limit else runs
    finally:
        conn.close()


def resolve_id(conn: sqlite3.Connection, run_id: str) -> str:
    """The full id of a run given its id or a unique prefix (as ``runs list`` shows it)."""
    pattern = run_id.replace("\\", "").replace("%", "").replace("_", "") + "%"
    found = [row[0] for row in conn.execute("SELECT id FROM runs WHERE id LIKE ?", (pattern,))]
    if not run_id or not found:
        raise TrackingError(f"no run with id {run_id!r}")
    if len(found) > 1:
        raise TrackingError(f"run id {run_id!r} is ambiguous ({len(found)} runs match)")
    return str(found[0])


def get_run(run_id: str, db: Path | str | None = None) -> dict[str, Any]:
    """Everything recorded about one run (id or unique prefix)."""
    import json

    conn = _open_existing(db)
    try:
        full = resolve_id(conn, run_id)
        run = _settle(conn, conn.execute("SELECT * FROM runs WHERE id = ?", (full,)).fetchone())
        run["params"] = {
            row["key"]: json.loads(row["value"])
            for row in conn.execute("SELECT key, value FROM params WHERE run_id = ?", (full,))
        }
        run["tags"] = dict(conn.execute("SELECT key, value FROM tags WHERE run_id = ?", (full,)))
        history = [
            dict(row)
            for row in conn.execute(
                "SELECT key, value, step, time FROM metrics WHERE run_id = ? "
                "ORDER BY key, step, time, rowid",
                (full,),
            )
        ]
        run["metric_history"] = history
        run["metrics"] = {entry["key"]: entry["value"] for entry in history}
        run["datasets"] = [
            {**dict(row), "schema": json.loads(row["schema"] or "[]")}
            for row in conn.execute(
                "SELECT name, sha256, rows, columns, contract_version, schema FROM datasets "
                "WHERE run_id = ? ORDER BY time",
                (full,),
            )
        ]
        run["feature_steps"] = [
            {**dict(row), "params": json.loads(row["params"] or "{}")}
            for row in conn.execute(
                "SELECT name, class, params FROM feature_steps WHERE run_id = ? ORDER BY position",
                (full,),
            )
        ]
        run["artifacts"] = [
            dict(row)
            for row in conn.execute(
                "SELECT path, size, sha256 FROM artifacts WHERE run_id = ? ORDER BY time",
                (full,),
            )
        ]
        return run
    finally:
        conn.close()


def compare(run_ids: Iterable[str], db: Path | str | None = None) -> dict[str, Any]:
    """Params and latest metrics of several runs side by side, with the keys that differ."""
    runs = [get_run(run_id, db) for run_id in run_ids]
    table: dict[str, Any] = {"runs": [run["id"] for run in runs]}
    for section in ("params", "metrics"):
        keys = sorted({key for run in runs for key in run[section]})
        rows = {key: [run[section].get(key) for run in runs] for key in keys}
        table[section] = rows
        table[f"{section}_differ"] = sorted(
            key for key, values in rows.items() if len({_json(v) for v in values}) > 1
        )
    return table
