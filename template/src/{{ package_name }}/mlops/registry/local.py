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
line; readers ignore them and the next change (``recover``) removes them. Files are found by
version number, never by a stored path, and never through a symbolic link.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..files import file_mode, fsync_dir, remove_leftovers, write_atomic
from .base import Candidate, Registry, register_record
from .records import FILES, AuditRecord, ConflictError, ModelVersion, RegistryError, check_record

AUDIT_FILE = "audit.jsonl"
LOCK_FILE = ".lock"
VERSION_FOLDER = re.compile(r"v([1-9][0-9]*)")
DATASET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def identity() -> str:
    """``user@host`` of the person (or CI job) making a change."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


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
        return identity()

    # -- the audit log

    def records(self) -> list[AuditRecord]:
        try:
            data = self.audit_path.read_bytes()
        except FileNotFoundError:
            return []
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
        return list(records)

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

    def tidy(self) -> list[str]:
        """``recover`` under the lock, when the registry exists and this user may write to it."""
        if not self.dir.is_dir() or not os.access(self.dir, os.W_OK):
            return []  # nothing yet, or a read-only mount (the Docker image's models/)
        from filelock import FileLock

        with FileLock(self.lock_path, mode=file_mode()):
            return self.recover()

    def recover(self) -> list[str]:
        """Remove what an interrupted change left (call with the lock held); what was removed."""
        removed = []
        if self.audit_path.is_file():
            data = self.audit_path.read_bytes()
            keep = data.rfind(b"\n") + 1
            if keep < len(data):
                with self.audit_path.open("r+b") as handle:
                    handle.truncate(keep)
                    os.fsync(handle.fileno())
                removed.append(f"{self.audit_path.name}: a torn last line")
        removed += [str(path.name) for path in remove_leftovers(self.dir)]
        registered = set(self.state().versions)
        for folder in sorted(self.dir.iterdir()):
            found = VERSION_FOLDER.fullmatch(folder.name)
            if not found or folder.is_symlink() or not folder.is_dir():
                continue
            if int(found.group(1)) in registered:
                removed += [f"{folder.name}/{path.name}" for path in remove_leftovers(folder)]
            else:
                shutil.rmtree(folder)
                removed.append(f"{folder.name}/ (never registered)")
        if removed:
            fsync_dir(self.dir)
        return removed

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

    def read_file(self, entry: ModelVersion, name: str) -> bytes:
        version = entry["version"]
        path = self.file_path(version, name)
        try:
            return path.read_bytes()
        except FileNotFoundError as error:
            raise RegistryError(f"model v{version}: {path} is missing") from error
        except OSError as error:
            raise RegistryError(
                f"model v{version}: cannot read {path}: {error.strerror}"
            ) from error

    def register(self, candidate: Candidate, *, reason: str = "trained") -> ModelVersion:
        from .base import now

        saved, files = candidate.files()  # serialised before the lock: others need not wait
        with self.changing():
            state = self.state()
            number = max(state.versions, default=0) + 1
            folder = self.dir / f"v{number}"
            folder.mkdir()  # a leftover of this number was removed by ``recover``
            for name, data in files.items():
                write_atomic(folder / name, data)
            fsync_dir(self.dir)
            entry = candidate.entry(number, saved, files, self.who())
            record = register_record(state, entry, reason)
            record["seq"], record["time"], record["who"] = state.seq + 1, now(), entry["created_by"]
            self.append(record)
        return entry
