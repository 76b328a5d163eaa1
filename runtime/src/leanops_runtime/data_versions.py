"""Data versions: every table a pipeline trains on, kept by its fingerprint so it can come back.

A run and its model version name their data by ``tracking.fingerprint``'s SHA-256 of the
validated table; this module keeps that table, once per distinct content, as
``.leanops/data/<sha256>.parquet`` (Parquet with its index, so reading it back gives the same
fingerprint). ``data.remote`` in params.yaml names where the team shares them: a folder (a
mounted share; relative paths are relative to the project) or any fsspec URL (``s3://``,
``gs://``; needs ``fsspec`` and the filesystem's package). Every copy is checked against its
fingerprint on the way back, so a restored table is the one the run trained on, or an error.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .errors import UserError, first_line
from .files import write_atomic

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

CACHE_DIR = Path(".leanops") / "data"
SUFFIX = ".parquet"


class DataVersionError(UserError):
    """A data version cannot be kept, found or restored; one line meant for the user."""


class FileSystem(Protocol):
    """The part of fsspec's ``AbstractFileSystem`` a remote uses."""

    def exists(self, path: str) -> bool: ...

    def ls(self, path: str, detail: bool) -> list[str]: ...

    def cat_file(self, path: str) -> bytes: ...

    def makedirs(self, path: str, exist_ok: bool) -> None: ...

    def pipe_file(self, path: str, value: bytes) -> None: ...

    def mv(self, path1: str, path2: str) -> None: ...


class Remote(Protocol):
    """Where the team shares data versions: names in, bytes out."""

    def describe(self) -> str: ...

    def names(self) -> set[str]: ...

    def read(self, name: str) -> bytes: ...

    def write(self, name: str, data: bytes) -> None: ...

    def create(self) -> None: ...


@dataclass(frozen=True)
class FolderRemote:
    """A folder every teammate can reach (a mounted share): atomic writes, plain reads."""

    folder: Path

    def describe(self) -> str:
        return str(self.folder)

    def names(self) -> set[str]:
        if not self.folder.is_dir():  # a typo or a share not mounted: never "nothing there"
            raise DataVersionError(
                f"data.remote {self.folder} is not a folder: create it (mkdir -p {self.folder}) "
                "or correct data.remote in params.yaml"
            )
        return {path.name for path in self.folder.glob(f"*{SUFFIX}")}

    def read(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()

    def write(self, name: str, data: bytes) -> None:
        write_atomic(self.folder / name, data)

    def create(self) -> None:
        """Make the folder on the first push, inside a folder that exists (a mounted share);
        a mistyped path further up stays an error."""
        if self.folder.parent.is_dir():
            self.folder.mkdir(exist_ok=True)


@dataclass(frozen=True)
class FsspecRemote:
    """Any fsspec URL (``s3://bucket/data``): written under a temporary name, then moved."""

    url: str

    def _fs(self) -> tuple[FileSystem, str]:
        try:
            from fsspec.core import url_to_fs
        except ImportError:
            raise DataVersionError(
                f"data.remote {self.url!r} needs fsspec and its filesystem's package "
                "(e.g. uv add fsspec s3fs)"
            ) from None
        try:
            fs, path = url_to_fs(self.url)
        except (ImportError, ValueError) as error:
            raise DataVersionError(f"data.remote {self.url!r}: {error}") from None
        filesystem: FileSystem = fs
        return filesystem, str(path).rstrip("/")

    def describe(self) -> str:
        return self.url

    def names(self) -> set[str]:
        fs, path = self._fs()
        if not fs.exists(path):
            return set()
        found = fs.ls(path, detail=False)
        return {name.rsplit("/", 1)[-1] for name in found if str(name).endswith(SUFFIX)}

    def read(self, name: str) -> bytes:
        fs, path = self._fs()
        return fs.cat_file(f"{path}/{name}")

    def write(self, name: str, data: bytes) -> None:
        fs, path = self._fs()
        fs.makedirs(path, exist_ok=True)
        temporary = f"{path}/.{name}.{os.getpid()}.tmp"
        fs.pipe_file(temporary, data)
        fs.mv(temporary, f"{path}/{name}")

    def create(self) -> None:
        """Nothing: object stores have no folders; ``write`` makes what a filesystem needs."""


def remote_at(where: str | None, root: Path | str = ".") -> Remote | None:
    """The remote ``data.remote`` names, or None when the project has none."""
    if not where:
        return None
    if "://" in where:
        return FsspecRemote(where)
    folder = Path(where).expanduser()
    return FolderRemote(folder if folder.is_absolute() else Path(root) / folder)


def name_of(sha256: str) -> str:
    """A data version's file name."""
    return f"{sha256}{SUFFIX}"


DTYPES_KEY = "leanops_dtypes"  # the columns' pandas types, kept in the file's metadata


def encode(frame: pd.DataFrame) -> bytes:
    """The table as Parquet bytes, its index and each column's pandas type kept: Parquet alone
    would bring ``object`` text back as ``str`` and seconds as milliseconds."""
    marked = frame.copy(deep=False)
    marked.attrs = {DTYPES_KEY: {str(name): str(dtype) for name, dtype in frame.dtypes.items()}}
    data: bytes = marked.to_parquet(index=True)
    return data


def decode(data: bytes, sha256: str, origin: str) -> pd.DataFrame:
    """The table in ``data`` with its recorded types, refused unless its fingerprint is
    ``sha256``."""
    import io

    import pandas as pd

    from .tracking import fingerprint

    try:
        frame = pd.read_parquet(io.BytesIO(data))
        recorded = frame.attrs.pop(DTYPES_KEY, {})
        changed = {
            name: dtype for name, dtype in recorded.items() if str(frame[name].dtype) != dtype
        }
        frame = frame.astype(changed) if changed else frame
    except Exception as error:  # pyarrow raises many kinds for a damaged file
        raise DataVersionError(
            f"{origin}: not a readable Parquet table ({first_line(error)})"
        ) from None
    found = fingerprint(frame)["sha256"]
    if found != sha256:
        raise DataVersionError(
            f"{origin}: its content's fingerprint {found[:12]} is not the {sha256[:12]} it is "
            "named by (changed or damaged): not used"
        )
    return frame


@dataclass(frozen=True)
class DataVersions:
    """The project's data versions (``.leanops/data``) and the team's remote, if any."""

    root: Path
    remote: Remote | None = None

    @property
    def folder(self) -> Path:
        return self.root / CACHE_DIR

    def path(self, sha256: str) -> Path:
        return self.folder / name_of(sha256)

    def local(self) -> Iterator[tuple[str, Path]]:
        """Every data version kept here, as (sha256, file)."""
        if self.folder.is_dir():
            for path in sorted(self.folder.glob(f"*{SUFFIX}")):
                yield path.stem, path

    def checked_copy(self, frame: pd.DataFrame, sha256: str) -> bytes | None:
        """The bytes ``keep`` would write for ``frame`` (whose fingerprint is ``sha256``), read
        back and checked now; None when an identical table is kept already. A table whose types
        Parquet cannot carry exactly raises here, before anything trains on it."""
        if self.path(sha256).is_file():
            return None
        data = encode(frame)
        decode(data, sha256, f"data version {sha256[:12]}")
        return data

    def keep(self, frame: pd.DataFrame, sha256: str, checked: bytes | None = None) -> Path:
        """Keep ``frame`` (whose fingerprint is ``sha256``) unless an identical one is kept;
        ``checked``: its bytes from ``checked_copy``."""
        path = self.path(sha256)
        data = checked if checked is not None else self.checked_copy(frame, sha256)
        if data is None or path.is_file():
            return path
        write_atomic(path, data)
        log.info("kept data version %s (%s)", sha256[:12], path)
        return path

    def require_remote(self) -> Remote:
        if self.remote is None:
            raise DataVersionError(
                "no data.remote in params.yaml: name a shared folder or an fsspec URL there"
            )
        return self.remote

    def push(self) -> list[str]:
        """Copy to the remote every data version it lacks; the versions copied."""
        remote = self.require_remote()
        remote.create()
        there = remote.names()
        sent = []
        for sha256, path in self.local():
            if name_of(sha256) not in there:
                remote.write(name_of(sha256), path.read_bytes())
                sent.append(sha256)
        return sent

    def pull(self, wanted: list[str] | None = None) -> list[str]:
        """Copy from the remote the versions ``wanted`` (default: all) this project lacks,
        each checked against its fingerprint; the versions copied."""
        remote = self.require_remote()
        there = {name.removesuffix(SUFFIX) for name in remote.names()}
        if wanted is not None:
            missing = [sha for sha in wanted if sha not in there]
            if missing:
                raise DataVersionError(
                    f"data version {missing[0][:12]} is not at {remote.describe()} either: "
                    "it was trained on elsewhere and never pushed (data push)"
                )
        received = []
        for sha256 in sorted(there if wanted is None else set(wanted)):
            if not self.path(sha256).is_file():
                data = remote.read(name_of(sha256))
                decode(data, sha256, f"{remote.describe()}/{name_of(sha256)}")
                write_atomic(self.path(sha256), data)
                received.append(sha256)
        return received

    def load(self, sha256: str) -> pd.DataFrame:
        """The table of one data version, from here or else from the remote, checked."""
        path = self.path(sha256)
        if not path.is_file():
            if self.remote is None:
                raise DataVersionError(
                    f"data version {sha256[:12]} is not kept in {self.folder} and "
                    "params.yaml names no data.remote to fetch it from"
                )
            self.pull([sha256])
        try:
            return decode(path.read_bytes(), sha256, str(path))
        except DataVersionError as error:
            if self.remote is None or name_of(sha256) not in self.remote.names():
                raise DataVersionError(
                    f"{error}; delete it, then `data pull` (if a teammate pushed it) or run the "
                    "pipeline on the original table"
                ) from None
        damaged = path.with_name(f"{path.name}.damaged")
        path.replace(damaged)
        log.warning("%s is damaged: set aside as %s; fetching it again", path, damaged.name)
        self.pull([sha256])
        return decode(path.read_bytes(), sha256, str(path))

    def remove(self, sha256: str) -> None:
        """Delete one kept data version (retention); the remote's copy stays."""
        self.path(sha256).unlink(missing_ok=True)
