"""Migration to 0.2.0: the MLflow store moved from ``mlruns.db`` to ``.leanops/mlflow.db``.

Up to 0.1.0 the template pointed MLflow at ``sqlite:///mlruns.db`` in the project root; from
0.2.0 every tracking store lives under ``.leanops/`` (ignored by git, like the local store).
Copier runs this once, after updating a project across 0.2.0 (``_migrations`` in copier.yml).

Both files are ignored by git: they are each checkout's own state, which no merge carries.
- Under ``leanops update`` (``LEANOPS_CHECKOUT`` is set) the update runs in a worktree of its own
  and the user's checkout must stay byte-identical until the branch is merged (abandoning it
  must lose nothing). So nothing is moved: the script leaves a follow-up in ``LEANOPS_NOTES``,
  which leanops prints and writes into the update's commit message, for every checkout to run
  after merging. It reads the checkout only to say whether that one needs it.
- Under plain ``copier update`` (run in the checkout itself, changes reviewed there) it moves
  the store and rewrites ``.env`` in place, keeping the run history.

Idempotent and standard library only; it never overwrites an existing store.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

OLD_STORE = Path("mlruns.db")
NEW_STORE = Path(".leanops/mlflow.db")
OLD_URI = "sqlite:///mlruns.db"
NEW_URI = "sqlite:///.leanops/mlflow.db"
SIDE_FILES = ("-wal", "-shm")  # SQLite's write-ahead log, moved with the database
CHECKOUT_ENV = "LEANOPS_CHECKOUT"
NOTES_ENV = "LEANOPS_NOTES"
FOLLOW_UP = (
    "0.2.0 moved the MLflow store: after merging, in each checkout that has mlruns.db, run "
    "`mkdir -p .leanops && mv -n mlruns.db .leanops/mlflow.db` (move mlruns.db-wal and "
    "mlruns.db-shm the same way if they exist) and set "
    "MLFLOW_TRACKING_URI=sqlite:///.leanops/mlflow.db in .env"
)


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


def needs_follow_up(checkout: Path) -> bool:
    """True when ``checkout`` (read only) still has the old store or names it in ``.env``."""
    env = checkout / ".env"
    names_old = env.is_file() and OLD_URI in env.read_text(encoding="utf-8", errors="replace")
    return (checkout / OLD_STORE).is_file() or names_old


def leave_note(checkout: Path, notes: str | None) -> None:
    """Record the follow-up for leanops (and say it on stderr)."""
    note = FOLLOW_UP + (" (this checkout has it)" if needs_follow_up(checkout) else "")
    say(note)
    if notes:
        with Path(notes).open("a", encoding="utf-8") as handle:
            handle.write(note + "\n")


def main() -> int:
    """Migrate the project in the current folder (Copier runs migrations there)."""
    checkout = os.environ.get(CHECKOUT_ENV)
    if checkout:
        leave_note(Path(checkout), os.environ.get(NOTES_ENV))
        return 0
    project = Path.cwd()
    move_store(project)
    rewrite_env(project)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
