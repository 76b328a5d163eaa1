"""The embedded registry: one folder per dataset under ``models_dir``, no server.

::

    models/<dataset>/audit.jsonl          the audit log: one JSON line per change, the only
                                          record of versions and aliases (see ``records``)
    models/<dataset>/v<N>/model.skops     the model (skops), hash in the version's record
    models/<dataset>/v<N>/holdout.parquet the rows the promotion gate scores, hashed too
    models/<dataset>/v<N>/reference.json  drift reference statistics, hashed too
    models/<dataset>/.lock                serialises writers (filelock; readers never wait)

One write per change: a change is one appended, fsynced line, written under the lock after
checking that its ``seq`` follows the last one. A registration writes its folder first and the
line last, so a crash leaves at most an unregistered folder, a temporary file or a torn last
line. Readers change nothing. The next change removes temporary files and a torn last line, and
numbers its version past every folder; it never deletes a version folder, since nothing proves a
folder the log does not list was never registered (the log may have been cut or replaced). A
log that is missing or cut while folders it does not list exist is refused by every command
until it is restored or ``set_aside`` (``models --set-aside``) moves those folders aside. Files
are found by version number, never by a stored path, and never through a symbolic link.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

from ..files import file_mode, fsync_dir, remove_leftovers, sha256_of, write_atomic
from ..tracking.environment import identity as identity  # noqa: PLC0414 (imported from here up to 0.3.0)
from .base import Candidate, Registry, register_record
from .records import (
    FILES,
    AuditRecord,
    ConflictError,
    ModelVersion,
    RegistryError,
    check_record,
    recorded_sha256,
)

AUDIT_FILE = "audit.jsonl"
LOCK_FILE = ".lock"
VERSION_FOLDER = re.compile(r"v([1-9][0-9]*)")
SET_ASIDE_DIR = "set-aside"
DATASET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class LocalRegistry(Registry):
    """The registry of one dataset in ``models_dir/<dataset>/``."""

    def __init__(self, models_dir: Path | str, dataset: str, *, allowlist: Path) -> None:
        if not DATASET_NAME.fullmatch(dataset) or ".." in dataset:
            raise RegistryError(f"dataset name {dataset!r} cannot name a folder of the registry")
        self.models_dir = Path(models_dir)
        self.dataset = dataset
        self.allowlist = allowlist
        self.dir = self.models_dir / dataset
        self.audit_path = self.dir / AUDIT_FILE
        self.lock_path = self.dir / LOCK_FILE
        self._parsed: tuple[bytes, list[AuditRecord]] | None = None

    def describe(self) -> str:
        return str(self.dir)

    def who(self) -> str:
        return identity(self.models_dir)

    # -- the audit log

    def records(self) -> list[AuditRecord]:
        records, torn = self._read()
        self._refuse_if_cut(records, torn)
        return records

    def _read(self) -> tuple[list[AuditRecord], bool]:
        """The log's complete records, and whether a torn last line follows them."""
        try:
            if self.audit_path.is_symlink() or (
                self.audit_path.exists() and not self.audit_path.is_file()
            ):
                raise RegistryError(f"refusing to read {self.audit_path}: not a regular file")
            data = self.audit_path.read_bytes()
        except FileNotFoundError:
            return [], False
        except OSError as error:
            raise RegistryError(f"cannot read {self.audit_path}: {error.strerror}") from error
        # A torn last line (a crash mid-write) is no record: readers stop at the last newline.
        complete = data[: data.rfind(b"\n") + 1]
        # The log only grows: lines already read (and checked) are not parsed again.
        known, records = self._parsed if self._parsed is not None else (b"", [])
        if not complete.startswith(known):
            known, records = b"", []
        records = list(records)
        new_lines = complete[len(known) :].decode("utf-8").splitlines()
        for number, line in enumerate(new_lines, start=len(records) + 1):
            where = f"{self.audit_path} line {number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as error:
                raise RegistryError(f"{where} is not JSON: {error.msg}") from error
            if not isinstance(raw, dict):
                raise RegistryError(f"{where} is not a record")
            records.append(check_record(raw, where))
        self._parsed = (complete, records)
        return list(records), len(complete) < len(data)

    def version_folders(self) -> dict[int, Path]:
        """The ``v<N>`` folders present (never through a symbolic link), by number."""
        if not self.dir.is_dir():
            return {}
        found = {}
        for folder in self.dir.iterdir():
            match = VERSION_FOLDER.fullmatch(folder.name)
            if match and folder.is_dir() and not folder.is_symlink():
                found[int(match.group(1))] = folder
        return found

    def unregistered(self, records: list[AuditRecord] | None = None) -> list[Path]:
        """Version folders the audit log does not list (an interrupted registration, or a log
        that lost lines), oldest first."""
        if records is None:
            records, _ = self._read()
        listed = {r["to"] for r in records if r["action"] == "register"}
        return [
            path for number, path in sorted(self.version_folders().items()) if number not in listed
        ]

    def _refuse_if_cut(self, records: list[AuditRecord], torn: bool) -> None:
        """Refuse a log that cannot be the whole history of the folders beside it."""
        if not records and not torn and not self.audit_path.exists():
            problem = f"{self.audit_path} is missing"
        elif not records:
            problem = f"{self.audit_path} holds no complete record"
        elif torn:
            problem = f"{self.audit_path} ends in a cut line"
        else:
            return
        orphans = self.unregistered(records)
        if not orphans:
            return
        names = ", ".join(f"{path.name}/" for path in orphans)
        raise RegistryError(
            f"{problem} but {names} hold model files it does not list: nothing was changed; "
            f"restore the log from a backup or git, or move those folders aside with "
            f"'models --set-aside' (to {self.dir / SET_ASIDE_DIR}/)"
        )

    def append(self, record: AuditRecord) -> None:
        """Append ``record`` (with the lock held: nobody else appends meanwhile)."""
        try:
            lines = self.audit_path.read_bytes().count(b"\n")
        except FileNotFoundError:
            lines = 0
        if record["seq"] != lines + 1:
            raise ConflictError(f"{self.audit_path}: seq {record['seq']} is taken")
        line = (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
        created = not self.audit_path.exists()
        fd = os.open(self.audit_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, file_mode())
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.dir)

    @contextlib.contextmanager
    def changing(self) -> Iterator[None]:
        """Hold the registry's lock (filelock: released by the OS even on a crash), recovered."""
        from filelock import FileLock

        self.dir.mkdir(parents=True, exist_ok=True)
        with FileLock(self.lock_path, mode=file_mode()):
            self.recover()
            yield

    def recover(self) -> list[str]:
        """Clear what an interrupted change left (call with the lock held); what was cleared.

        Only temporary files and a torn last line go, and the line only when every version
        folder is in the log (a crash mid-append). Version folders are never deleted here.
        """
        cleared = []
        records, torn = self._read()
        self._refuse_if_cut(records, torn)
        if torn:
            self._cut_torn_line()
            cleared.append(f"{self.audit_path.name}: a torn last line")
        cleared += [str(path.name) for path in remove_leftovers(self.dir)]
        for folder in self.version_folders().values():
            cleared += [f"{folder.name}/{path.name}" for path in remove_leftovers(folder)]
        if cleared:
            fsync_dir(self.dir)
        return cleared

    def set_aside(self) -> list[str]:
        """Move the version folders the log does not list (and a torn last line, kept as a file)
        into ``set-aside/<time>/``, under the lock; nothing is deleted. What was moved."""
        from filelock import FileLock

        from .base import now

        if not self.dir.is_dir():
            return []
        with FileLock(self.lock_path, mode=file_mode()):
            records, torn = self._read()
            orphans = self.unregistered(records)
            if not orphans and not torn:
                return []
            place = self._new_aside_folder(now().replace(":", "")[:21])
            moved = []
            if torn:
                self._cut_torn_line(save_to=place / "audit.jsonl.cut-line")
                moved.append(f"{self.audit_path.name}: its cut last line")
            for folder in orphans:
                folder.rename(place / folder.name)
                moved.append(f"{folder.name}/")
            fsync_dir(place)
            fsync_dir(self.dir)
            return [f"{item} -> {place}" for item in moved]

    def _cut_torn_line(self, save_to: Path | None = None) -> None:
        """Truncate the log after its last complete line (lock held), the cut bytes first
        written to ``save_to`` when given (so a failed write loses nothing)."""
        data = self.audit_path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if save_to is not None:
            write_atomic(save_to, data[keep:])
        with self.audit_path.open("r+b") as handle:
            handle.truncate(keep)
            os.fsync(handle.fileno())

    def _new_aside_folder(self, stamp: str) -> Path:
        """A new folder under ``set-aside/`` named after ``stamp`` (a suffix if it is taken)."""
        (self.dir / SET_ASIDE_DIR).mkdir(exist_ok=True)
        for attempt in range(1, 1000):
            place = self.dir / SET_ASIDE_DIR / (stamp if attempt == 1 else f"{stamp}-{attempt}")
            try:
                place.mkdir()
            except FileExistsError:
                continue
            return place
        raise RegistryError(f"cannot make a new folder under {self.dir / SET_ASIDE_DIR}")

    # -- files

    def file_path(self, version: int, name: str) -> Path:
        """Where a version's file is, refused if a symbolic link leads anywhere else."""
        if name not in FILES:
            raise RegistryError(f"not a file of a model version: {name!r}")
        folder = self.dir / f"v{version}"
        path = folder / name
        for part in (self.dir, folder, path):
            if part.is_symlink():
                raise RegistryError(f"refusing to read {path}: {part} is a symbolic link")
        if not path.resolve().is_relative_to(self.models_dir.resolve()):
            raise RegistryError(f"refusing to read {path}: it is outside {self.models_dir}")
        return path

    prunable = True

    def delete_files(self, version: int) -> None:
        """Delete ``v<version>/`` (its files were pruned: the audit log keeps its record)."""
        import shutil

        folder = self.dir / f"v{version}"
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)

    def missing_files(self, version: int) -> list[str]:
        return [name for name in FILES if not self.file_path(version, name).is_file()]

    def damaged_files(self, entry: ModelVersion) -> list[str]:
        version = entry["version"]
        return [
            name
            for name in FILES
            if sha256_of(self.file_path(version, name)) != recorded_sha256(entry, name)
        ]

    def read_file(self, entry: ModelVersion, name: str) -> bytes:
        version = entry["version"]
        path = self.file_path(version, name)
        try:
            return path.read_bytes()
        except FileNotFoundError as error:
            if version in self.state().pruned:
                raise RegistryError(
                    f"model v{version}: its files were deleted by prune (retention); its "
                    "record stays in the audit log (models --audit)"
                ) from error
            raise RegistryError(f"model v{version}: {path} is missing") from error
        except OSError as error:
            raise RegistryError(
                f"model v{version}: cannot read {path}: {error.strerror}"
            ) from error

    def register(self, candidate: Candidate, *, reason: str = "trained") -> ModelVersion:
        saved, files = candidate.files()  # serialised before the lock: others need not wait
        key = self.writer_key()  # no key: refused before a folder is made
        with self.changing():
            state = self.state()
            # Past every folder too: an unregistered one is kept, never reused or deleted.
            number = max([*state.versions, *self.version_folders()], default=0) + 1
            folder = self.dir / f"v{number}"
            folder.mkdir()
            for name, data in files.items():
                write_atomic(folder / name, data)
            fsync_dir(self.dir)
            entry = candidate.entry(number, saved, files, self.who())
            record = register_record(state, entry, reason)
            self.append(self.sealed(record, state, entry["created_by"], key))
        return entry
