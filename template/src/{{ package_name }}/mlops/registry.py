"""Model registry: numbered versions, ``candidate`` and ``production`` aliases, an audit log.

Everything lives beside the models (see docs/decisions/0002-registry-storage.md)::

    models/registry.json     versions and aliases (rewritten atomically on every change)
    models/audit.jsonl       append-only: who did what, when, why, from which version to which
    models/v<N>/model.skops  the artifact, loaded only after its SHA-256 and allowlist check
    models/v<N>/reference.json  reference statistics for drift checks

Every change takes an exclusive lock (``models/.registry.lock``), reads the registry, writes a
temporary file, fsyncs it and renames it over ``registry.json`` (``os.replace`` is atomic), then
appends to the audit log: a crash leaves the old or the new registry, never half of one.

Models are saved with skops, never pickle (``model.save_model`` / ``model.load_model``): the types
skops does not trust by default are recorded at save time as the version's allowlist, and loading
checks the SHA-256 and passes only that stored list, so an artifact swapped for one that needs any
other type is refused before it can run code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import json
import os
import socket
from pathlib import Path

from .errors import UserError
from .files import write_atomic

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

MODELS_DIR = Path("models")
REGISTRY_FILE = "registry.json"
AUDIT_FILE = "audit.jsonl"
LOCK_FILE = ".registry.lock"
ARTIFACT_FILE = "model.skops"
REFERENCE_FILE = "reference.json"
ALIASES = ("candidate", "production")
FORMAT = 1


class RegistryError(UserError):
    """The registry cannot do what was asked; the message is one line meant for the user."""


# ------------------------------------------------------------------------------------ plumbing


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) until the block ends.

    filelock: ``fcntl.flock`` on POSIX (released by the OS when the process exits, even on a
    crash), ``msvcrt`` on Windows. Only registry code takes this lock; the data files themselves
    are never locked, so readers are never blocked.
    """
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path, mode=0o644):
        yield


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _who() -> str:
    """``user@host`` of the person (or CI job) making the change."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def parse_version(value: int | str) -> int:
    """``3``, ``"3"`` or ``"v3"`` -> ``3``."""
    text = str(value).strip().lower().removeprefix("v")
    if not text.isdigit() or int(text) < 1:
        raise RegistryError(f"not a model version: {value!r} (expected e.g. 3 or v3)")
    return int(text)


# ------------------------------------------------------------------------------------ registry


class Registry:
    """The registry kept in ``models_dir`` (default ``models/`` of the current project)."""

    def __init__(self, models_dir: Path | str = MODELS_DIR) -> None:
        self.dir = Path(models_dir)
        self.path = self.dir / REGISTRY_FILE
        self.audit_path = self.dir / AUDIT_FILE
        self.lock_path = self.dir / LOCK_FILE

    # -- reading

    def read(self) -> dict[str, Any]:
        """The registry as data (an empty one when nothing was registered yet)."""
        if not self.path.is_file():
            return {
                "format": FORMAT,
                "versions": [],
                "aliases": dict.fromkeys(ALIASES),
                "production_history": [],
            }
        try:
            state: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RegistryError(f"cannot read {self.path}: {error}") from error
        if state.get("format") != FORMAT:
            raise RegistryError(f"{self.path} has an unknown format {state.get('format')!r}")
        return state

    def versions(self) -> list[dict[str, Any]]:
        """Every registered version, oldest first."""
        versions: list[dict[str, Any]] = self.read()["versions"]
        return versions

    def alias(self, name: str) -> int | None:
        """The version an alias points at (None when unset)."""
        if name not in ALIASES:
            raise RegistryError(f"unknown alias {name!r} (known: {', '.join(ALIASES)})")
        number: int | None = self.read()["aliases"].get(name)
        return number

    def entry(self, version: int | str, state: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The record of one version."""
        number = parse_version(version)
        item: dict[str, Any]
        for item in (state or self.read())["versions"]:
            if item["version"] == number:
                return item
        raise RegistryError(f"model version v{number} is not registered (see: models)")

    def audit(self) -> list[dict[str, Any]]:
        """Every audit record, oldest first."""
        if not self.audit_path.is_file():
            return []
        lines = self.audit_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    # -- writing

    def _write(self, state: Mapping[str, Any]) -> None:
        """Replace ``registry.json`` atomically (called with the lock held)."""
        data = json.dumps(state, indent=2, sort_keys=True).encode("utf-8") + b"\n"
        write_atomic(self.path, data)

    def _append_audit(self, record: dict[str, Any]) -> None:
        """Append one JSON line and fsync it (called with the lock held)."""
        line = json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"
        with self.audit_path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def _record(self, action: str, **fields: Any) -> dict[str, Any]:
        return {"time": _now(), "who": _who(), "action": action, **fields}

    def register(
        self,
        model: Any,
        *,
        metrics: Mapping[str, float],
        data_fingerprint: Any = None,
        contract_version: str | None = None,
        run_id: str | None = None,
        reference: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        reason: str = "trained",
    ) -> dict[str, Any]:
        """Save ``model`` as the next version and make it the candidate; returns its record."""
        from .model import save_model

        with exclusive_lock(self.lock_path):
            state = self.read()
            number = max((item["version"] for item in state["versions"]), default=0) + 1
            folder = self.dir / f"v{number}"
            saved = save_model(model, folder / ARTIFACT_FILE)
            entry: dict[str, Any] = {
                "version": number,
                "artifact": f"v{number}/{ARTIFACT_FILE}",
                "sha256": saved["sha256"],
                "trusted_types": saved["trusted_types"],
                "sklearn_version": saved["sklearn_version"],
                "skops_version": saved["skops_version"],
                "run_id": run_id,
                "metrics": {key: float(value) for key, value in metrics.items()},
                "data_fingerprint": data_fingerprint,
                "contract_version": contract_version,
                "created_at": _now(),
                "created_by": _who(),
                "reference": None,
                "reference_sha256": None,
                **dict(extra or {}),
            }
            if reference is not None:
                ref = json.dumps(reference, sort_keys=True).encode("utf-8")
                write_atomic(folder / REFERENCE_FILE, ref)
                entry["reference"] = f"v{number}/{REFERENCE_FILE}"
                entry["reference_sha256"] = sha256_bytes(ref)
            previous = state["aliases"].get("candidate")
            state["versions"].append(entry)
            state["aliases"]["candidate"] = number
            self._write(state)
            self._append_audit(
                self._record(
                    "register",
                    alias="candidate",
                    version=number,
                    reason=reason,
                    run_id=run_id,
                    **{"from": previous, "to": number},
                )
            )
        return entry

    def set_production(
        self,
        version: int | str,
        *,
        action: str = "promote",
        reason: str | None = None,
        forced: bool = False,
        details: Mapping[str, Any] | None = None,
        expect: int | str | None = "any",
    ) -> dict[str, Any]:
        """Point ``production`` at ``version`` (bookkeeping only: the gate is ``promotion``).

        ``expect``: the production version the caller's gate compared against; if another
        process moved production meanwhile, nothing changes and an error says so.
        """
        number = parse_version(version)
        with exclusive_lock(self.lock_path):
            state = self.read()
            self.entry(number, state)
            previous = state["aliases"].get("production")
            if expect not in ("any", previous):
                now = f"v{previous}" if previous else "none"
                raise RegistryError(
                    f"production changed while the gate ran (now {now}); run promote again"
                )
            state["production_history"].append(number)
            record = self._move_production(
                state, action, previous, number, reason=reason, forced=forced, details=details
            )
        return record

    def rollback(self, to: int | str | None = None, *, reason: str | None = None) -> dict[str, Any]:
        """Production goes back to the previous production version, or to version ``to``.

        Without ``to`` the production history is a stack: the current version is popped, and
        rolling back again goes one step further back.
        """
        with exclusive_lock(self.lock_path):
            state = self.read()
            history: list[int] = state["production_history"]
            current = state["aliases"].get("production")
            if current is None:
                raise RegistryError("no production model to roll back (see: models)")
            if to is None:
                while history and history[-1] == current:
                    history.pop()
                if not history:
                    raise RegistryError(
                        f"v{current} is the first production version: nothing to roll back to"
                    )
                target = history[-1]
            else:
                target = parse_version(to)
                self.entry(target, state)
                if target == current:
                    raise RegistryError(f"v{target} is already the production version")
                history.append(target)
            record = self._move_production(state, "rollback", current, target, reason=reason)
        return record

    def _move_production(
        self,
        state: dict[str, Any],
        action: str,
        previous: int | None,
        target: int,
        *,
        reason: str | None,
        forced: bool = False,
        details: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Point ``production`` at ``target``, save, and audit it (the caller holds the lock)."""
        state["aliases"]["production"] = target
        self._write(state)
        record = self._record(
            action,
            alias="production",
            version=target,
            reason=reason,
            forced=forced,
            **{"from": previous, "to": target},
            **dict(details or {}),
        )
        self._append_audit(record)
        return record

    # -- loading

    def resolve(self, ref: int | str) -> int:
        """A version number from ``3``, ``v3``, ``candidate`` or ``production``."""
        if str(ref) in ALIASES:
            number = self.alias(str(ref))
            if number is None:
                hint = "run: promote" if ref == "production" else "run the pipeline"
                raise RegistryError(f"no {ref} model yet ({hint})")
            return number
        return parse_version(ref)

    def load(self, ref: int | str = "production") -> tuple[Any, dict[str, Any]]:
        """Load a version after checking its SHA-256, trusting only its stored allowlist."""
        from .model import ModelError, load_model

        entry = self.entry(self.resolve(ref))
        path = self.dir / entry["artifact"]
        try:
            model = load_model(path, entry["sha256"], list(entry["trusted_types"]))
        except ModelError as error:  # one line: tampered, unlisted types, or unreadable
            raise RegistryError(f"model v{entry['version']}: {error}") from error
        return model, entry

    def load_production(self) -> tuple[Any, dict[str, Any]]:
        """The production model and its record (verified as in ``load``)."""
        return self.load("production")

    def reference(self, ref: int | str = "production") -> tuple[dict[str, Any], dict[str, Any]]:
        """A version's drift reference statistics (hash-checked) and its record."""
        entry = self.entry(self.resolve(ref))
        if not entry.get("reference"):
            raise RegistryError(f"model v{entry['version']} has no drift reference statistics")
        path = self.dir / entry["reference"]
        blob = path.read_bytes()
        if sha256_bytes(blob) != entry["reference_sha256"]:
            raise RegistryError(f"{path} does not match its recorded SHA-256 (modified?)")
        return json.loads(blob), entry
