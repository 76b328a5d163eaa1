"""Migration to 0.2.0: the MLflow store moved from ``mlruns.db`` to ``.leanops/mlflow.db``.

Up to 0.1.0 the template pointed MLflow at ``sqlite:///mlruns.db`` in the project root; from
0.2.0 every tracking store lives under ``.leanops/`` (ignored by git, like the local store).
Copier runs this once, after updating a project across 0.2.0 (``_migrations`` in copier.yml).
Both files are ignored by git, so Copier's merge cannot move them: this script does, keeping
the run history. Idempotent and standard library only; it never overwrites an existing store.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

OLD_STORE = Path("mlruns.db")
NEW_STORE = Path(".leanops/mlflow.db")
OLD_URI = "sqlite:///mlruns.db"
NEW_URI = "sqlite:///.leanops/mlflow.db"
SIDE_FILES = ("-wal", "-shm")  # SQLite's write-ahead log, moved with the database


def say(message: str) -> None:
    """Progress for the person running the update (stderr, like Copier's messages)."""
    print(f"leanops migration 0.2.0: {message}", file=sys.stderr)


def move_store(project: Path) -> bool:
    """Move ``mlruns.db`` (and its WAL files) to ``.leanops/mlflow.db`` when only the old exists."""
    old, new = project / OLD_STORE, project / NEW_STORE
    if not old.is_file():
        return False
    if new.exists():
        say(f"both {OLD_STORE} and {NEW_STORE} exist: left both, merge or delete {OLD_STORE}")
        return False
    new.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", *SIDE_FILES):
        source = old.with_name(old.name + suffix)
        if source.is_file():
            shutil.move(source, new.with_name(new.name + suffix))
    say(f"moved {OLD_STORE} to {NEW_STORE}")
    return True


def rewrite_env(project: Path) -> bool:
    """Point ``MLFLOW_TRACKING_URI`` in ``.env`` at the new store when it named the old one."""
    env = project / ".env"
    if not env.is_file():
        return False
    text = env.read_text(encoding="utf-8")
    if OLD_URI not in text:
        return False
    env.write_text(text.replace(OLD_URI, NEW_URI), encoding="utf-8")
    say(f"updated MLFLOW_TRACKING_URI in .env to {NEW_URI}")
    return True


def main() -> int:
    """Migrate the project in the current folder (Copier runs migrations there)."""
    project = Path.cwd()
    move_store(project)
    rewrite_env(project)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
