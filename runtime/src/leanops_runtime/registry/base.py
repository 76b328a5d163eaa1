"""The registry's one interface, shared by both backends (``local`` files, an ``mlflow`` server).

A backend stores two things: the audit log (``records`` / ``append``: the source of truth, see
``records``) and each version's three files (``model.skops``, ``holdout.parquet``,
``reference.json``). Everything else is here, once: reading the derived state, loading a model
(SHA-256 first, then only the types of the project's ``trusted-types.txt``), the held-out rows
and drift reference statistics (each hash-checked), promotion bookkeeping with a compare-and-set
on ``production``, and rollback as a stack.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import ModelError, SavedModel, dump_model, load_model, sha256_bytes
from .records import (
    FILES,
    AuditRecord,
    ConflictError,
    Fingerprint,
    GateDetails,
    ModelVersion,
    RegistryError,
    State,
    fold,
    followed,
    parse_version,
    recorded_sha256,
    shown,
    stamp,
)
from .trust import (
    ALLOWS,
    SIGNERS_FILE,
    Verifier,
    listed_keys,
    missing_types,
    namespace,
    sign,
    signing_key,
)

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

ReferenceStats = dict[str, object]
# How often a change is retried when another one took its place in the audit log first.
MAX_ATTEMPTS = 20


def now() -> str:
    """The current UTC time, ISO 8601 to the millisecond."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class Candidate:
    """A trained model and everything registered with it."""

    model: object
    holdout: pd.DataFrame  # the rows the gate scores it (and the production model) on
    reference: Mapping[str, object]  # drift reference statistics of the training rows
    metrics: Mapping[str, float]
    dataset: str
    task: str
    target: str
    estimator: str
    data_fingerprint: Fingerprint | None = None
    contract_version: str | None = None
    run_id: str | None = None
    fit_s: float | None = None  # seconds the final fit took
    template_commit: str | None = None  # the template version the project was on

    def files(self) -> tuple[SavedModel, dict[str, bytes]]:
        """The saved model and the three files of the version, by name."""
        saved = dump_model(self.model)
        reference = json.dumps(self.reference, sort_keys=True).encode("utf-8")
        holdout = self.holdout.to_parquet(index=False)
        files = {"model.skops": saved.data, "holdout.parquet": holdout, "reference.json": reference}
        return saved, files

    def entry(
        self, number: int, saved: SavedModel, files: Mapping[str, bytes], who: str
    ) -> ModelVersion:
        """The version's record, naming each file's SHA-256, the model's size and fit time."""
        entry = ModelVersion(
            version=number,
            dataset=self.dataset,
            task=self.task,
            target=self.target,
            estimator=self.estimator,
            sha256=saved.sha256,
            holdout_sha256=sha256_bytes(files["holdout.parquet"]),
            reference_sha256=sha256_bytes(files["reference.json"]),
            types=saved.types,
            metrics={key: float(value) for key, value in self.metrics.items()},
            data_fingerprint=self.data_fingerprint,
            contract_version=self.contract_version,
            run_id=self.run_id,
            created_at=now(),
            created_by=who,
            sklearn_version=saved.sklearn_version,
            skops_version=saved.skops_version,
            size_bytes=len(saved.data),
        )
        if self.fit_s is not None:
            entry["fit_s"] = round(self.fit_s, 3)
        if self.template_commit is not None:
            entry["template_commit"] = self.template_commit
        return entry


def register_record(state: State, entry: ModelVersion, reason: str) -> AuditRecord:
    """The audit record that registers ``entry`` as the candidate."""
    if entry["version"] in state.versions:
        raise RegistryError(
            f"the server numbered the new version v{entry['version']}, a number the audit log "
            "holds already (the registered model deleted and made again outside leanops?): "
            "delete the registered model to start a new model line"
        )
    return {
        "action": "register",
        "alias": "candidate",
        "from": state.candidate,
        "to": entry["version"],
        "reason": reason,
        "entry": entry,
    }


class Registry(ABC):
    """One model line (one dataset): versions, ``candidate``/``production``, the audit log."""

    dataset: str
    allowlist: Path  # the project's trusted-types.txt

    # -- what a backend provides

    @abstractmethod
    def records(self) -> list[AuditRecord]:
        """Every audit record, oldest first (checked field by field)."""

    @abstractmethod
    def append(self, record: AuditRecord) -> None:
        """Add ``record`` as number ``record["seq"]``; ``ConflictError`` if that seq is taken."""

    @abstractmethod
    def read_file(self, entry: ModelVersion, name: str) -> bytes:
        """The bytes of one of a version's files (checked by the caller against its hash)."""

    @abstractmethod
    def register(self, candidate: Candidate, *, reason: str = "trained") -> ModelVersion:
        """Store ``candidate``'s files as the next version and make it the candidate."""

    @abstractmethod
    def who(self) -> str:
        """Who makes a change: ``user@host`` (the authenticated user on a server)."""

    @abstractmethod
    def describe(self) -> str:
        """Where this registry lives, for messages (a folder, or a server's model)."""

    def withdrawn_versions(self, state: State) -> set[int]:
        """The versions of ``state`` the backend no longer holds: deleted on a server with its
        own tools (the embedded registry keeps every version it lists)."""
        del state
        return set()

    def where(self) -> str:
        """Where this registry lives, in full, for a listing (the server's too)."""
        return self.describe()

    def missing_files(self, version: int) -> list[str]:
        """The version's files that are gone (none on a server, which holds them as the run's
        artifacts and answers a read of a lost one with its own error)."""
        return []

    def damaged_files(self, entry: ModelVersion) -> list[str]:
        """The version's files that no longer match their recorded SHA-256 (on a server, each
        downloaded; one that cannot be is a RegistryError)."""
        return [
            name
            for name in FILES
            if sha256_bytes(self.read_file(entry, name)) != recorded_sha256(entry, name)
        ]

    def require_production_files(
        self, state: State | None = None, *, contents: bool = True
    ) -> None:
        """A one-line RegistryError when the production version's files are gone or changed:
        every prediction would fail, so ``models`` and ``report`` say so instead of showing it
        (``state``: the registry's, when the caller read it already). ``contents`` False skips
        hashing the files (a listing on a server, which would download them each time)."""
        state = state or self.state()
        version = state.production
        if version is None:
            return
        missing = self.missing_files(version)
        check = contents and not missing
        damaged = self.damaged_files(state.versions[version]) if check else []
        if missing or damaged:
            what = "missing" if missing else "changed since it was registered (SHA-256 differs)"
            back = (
                f"or roll back to v{state.fallback()} (rollback)"
                if state.fallback() is not None
                else "or train and promote a new version (no earlier production to roll back to)"
            )
            raise RegistryError(
                f"production model v{version} of dataset {self.dataset}: "
                f"{', '.join(missing or damaged)} {what} in {self.describe()}/v{version}: "
                f"restore the folder from a backup, {back}"
            )

    def changing(self) -> contextlib.AbstractContextManager[None]:
        """Held while a change is decided and written (the local lock; nothing on a server)."""
        return contextlib.nullcontext()

    def mirror(self, state: State, known: State | None = None) -> bool:
        """Bring anything derived from the audit log up to date with ``state`` (MLflow's aliases);
        True when something had to move.

        ``known``: a state the derived copy is known to match already (only differences move).
        """
        del state, known
        return False

    # -- reading

    # The project's allowed_signers (trust.py); None: records are not signed or verified.
    signers: Path | None = None
    # The writer's private key (the ``signing_key`` setting); None: git's user.signingkey.
    key: Path | None = None

    def signing(self) -> bool:
        """Whether records are signed and verified: the project's allowed_signers lists a key."""
        return self.signers is not None and listed_keys(self.signers) > 0

    def writer_key(self) -> Path | None:
        """The key that signs this writer's records (None: the project lists no key); a missing
        key is a one-line error, asked for before anything is written."""
        return signing_key(self.key) if self.signing() else None

    def sealed(self, record: AuditRecord, state: State, who: str, key: Path | None) -> AuditRecord:
        """``record`` made the next of ``state``'s log (``stamp``), signed with ``key``."""
        record = stamp(record, state, time=now(), who=who)
        if key is not None and self.signers is not None:
            record["sig"] = sign(record, key)
            refused = Verifier(self.signers)(record)
            if refused:  # every reader would set it aside: say so now, write nothing
                raise RegistryError(
                    f"{key} may not sign this {record['action']} as {who}: {SIGNERS_FILE} lists "
                    f"no key of yours allowed to {ALLOWS[namespace(record['action'])]} "
                    "(see: signers list)"
                )
        return record

    def state(self) -> State:
        """The current state, derived from the audit log."""
        verify = Verifier(self.signers) if self.signers is not None and self.signing() else None
        state = fold(self.records(), f"{self.describe()} audit log", verify)
        state.withdrawn = self.withdrawn_versions(state) if state.versions else set()
        return state

    def withdrawn_error(self, version: int, state: State) -> RegistryError:
        """The one-line error for using a version deleted on the server outside leanops, with
        what to do instead."""
        what = f"model v{version} of dataset {self.dataset}"
        others = set(state.versions) - state.withdrawn - {version}
        if version == state.production:
            back = state.fallback()
            if back is not None:
                todo = f"roll back (rollback: to v{back}) or promote another version"
            elif others:
                todo = "promote another version (promote --version N), or run the pipeline"
            else:
                todo = "run the pipeline and promote its version (no other is held)"
            what = f"production {what}"
        else:
            todo = "run the pipeline for a new one, or name another version (see: models)"
        return RegistryError(
            f"{what} was deleted from {self.describe()} outside leanops: it is withdrawn and "
            f"never served; {todo}"
        )

    def servable(self, ref: int | str, state: State) -> ModelVersion:
        """The record of a version that may be served, scored or promoted (not withdrawn)."""
        entry = self.entry(self.resolve(ref, state), state)
        if entry["version"] in state.withdrawn:
            raise self.withdrawn_error(entry["version"], state)
        return entry

    def versions(self) -> list[ModelVersion]:
        """Every registered version, oldest first."""
        versions = self.state().versions
        return [versions[number] for number in sorted(versions)]

    def alias(self, name: str) -> int | None:
        """The version ``candidate`` or ``production`` points at (None when unset)."""
        return self.state().alias(name)

    def entry(self, version: int | str, state: State | None = None) -> ModelVersion:
        """The record of one version."""
        number = parse_version(version)
        versions = (state or self.state()).versions
        if number not in versions:
            raise RegistryError(
                f"model v{number} is not registered for dataset {self.dataset} (see: models)"
            )
        return versions[number]

    def audit(self) -> list[AuditRecord]:
        """Every audit record, oldest first (the same records the state is derived from)."""
        return self.records()

    def resolve(self, ref: int | str, state: State | None = None) -> int:
        """A version number from ``3``, ``v3``, ``candidate`` or ``production``."""
        if str(ref) in ("candidate", "production"):
            number = (state or self.state()).alias(str(ref))
            if number is None:
                hint = "run: promote" if ref == "production" else "run the pipeline"
                raise RegistryError(f"no {ref} model yet ({hint}) for dataset {self.dataset}")
            return number
        return parse_version(ref)

    def verified(self, entry: ModelVersion, name: str) -> bytes:
        """One of ``entry``'s files, after checking it against the SHA-256 recorded for it."""
        recorded = recorded_sha256(entry, name)
        data = self.read_file(entry, name)
        digest = sha256_bytes(data)
        if digest != recorded:
            raise RegistryError(
                f"model v{entry['version']}: {name} does not match its recorded SHA-256 "
                f"({digest[:12]}… != {recorded[:12]}…): modified?"
            )
        return data

    def load(
        self, ref: int | str = "production", state: State | None = None
    ) -> tuple[Pipeline, ModelVersion]:
        """A version's model, loaded after its SHA-256 and allowlist checks, and its record
        (``state``: the registry's, when the caller read it already)."""
        state = state or self.state()
        entry = self.servable(ref, state)
        data = self.read_file(entry, "model.skops")
        try:
            model = load_model(
                data,
                entry["sha256"],
                allowed_types_of(self),
                name="model.skops",
                owner=f"model v{entry['version']} of {self.dataset}",
            )
        except ModelError as error:  # one line: tampered, unlisted types, or unreadable
            raise RegistryError(f"model v{entry['version']}: {error}") from error
        return model, entry

    def load_production(self) -> tuple[Pipeline, ModelVersion]:
        """The production model and its record (verified as in ``load``)."""
        return self.load("production")

    def tampering(self, state: State) -> list[str]:
        """What the log holds that does not count (a forged or unsigned record), and what the
        backend shows that the log does not say (an alias moved, a version registered, the log
        replaced by hand), one line each: the log's signed records are what counts."""
        return list(state.rejected)

    def reference(
        self, ref: int | str = "production", state: State | None = None
    ) -> tuple[ReferenceStats, ModelVersion]:
        """A version's drift reference statistics (hash-checked) and its record (``state``:
        the registry's, when the caller read it already)."""
        state = state or self.state()
        entry = self.servable(ref, state)
        stats: ReferenceStats = json.loads(self.verified(entry, "reference.json"))
        return stats, entry

    def holdout(
        self, ref: int | str = "candidate", state: State | None = None
    ) -> tuple[pd.DataFrame, ModelVersion]:
        """The held-out rows registered with a version (hash-checked) and its record
        (``state``: the registry's, when the caller read it already)."""
        import io

        import pandas as pd

        state = state or self.state()
        entry = self.servable(ref, state)
        frame = pd.read_parquet(io.BytesIO(self.verified(entry, "holdout.parquet")))
        return frame, entry

    def needed_types(
        self, ref: int | str = "candidate"
    ) -> tuple[ModelVersion, list[str], list[str]]:
        """A version's record, the types its model needs, and those trusted-types.txt lacks."""
        from ..model import needed_types

        entry = self.entry(self.resolve(ref))
        needed = needed_types(self.verified(entry, "model.skops"))
        return entry, needed, missing_types(needed, self.allowlist)

    # -- changing

    def change(self, build: Callable[[State], AuditRecord]) -> AuditRecord:
        """Decide a change on the current state and write it as one audit record.

        ``build`` sees the state the record will follow and returns the record (or raises, e.g.
        when production moved): if another change takes the same place in the log first, the
        state is read again and ``build`` decides again. The write is the commit point.
        """
        key = self.writer_key()
        for _ in range(MAX_ATTEMPTS):
            with self.changing():
                state = self.state()
                self.mirror(state)  # repairs what a crash after an earlier commit left behind
                record = self.sealed(build(state), state, self.who(), key)
                after = followed(state, record)  # a record the log would refuse is never written
                try:
                    self.append(record)
                except ConflictError:
                    continue
                self.mirror(after, known=state)
                return record
        raise RegistryError(f"{self.describe()} is busy with other changes: try again")

    def set_production(
        self,
        version: int | str,
        *,
        action: str = "promote",
        reason: str | None = None,
        forced: bool = False,
        details: GateDetails | None = None,
        expect: int | str | None = "any",
    ) -> AuditRecord:
        """Point ``production`` at ``version`` (bookkeeping only: the gate is ``promotion``).

        ``expect``: the production version the caller's gate compared against. If another
        person moved production meanwhile, nothing changes and the error says who did.
        """
        number = parse_version(version)

        def build(state: State) -> AuditRecord:
            self.servable(number, state)
            current = state.production
            if expect not in ("any", current):
                moved = state.last_change("production")
                by = f", by {moved['who']} at {moved['time'][:19]}" if moved else ""
                raise RegistryError(
                    f"production changed while the gate ran (now {shown(current)}{by}): "
                    "run promote again"
                )
            if number == current:
                raise RegistryError(f"v{number} is already the production version")
            record: AuditRecord = {
                "action": action,
                "alias": "production",
                "from": current,
                "to": number,
                "reason": reason,
                "forced": forced,
            }
            if details:
                record["metrics"] = details.get("metrics")
                record["production_metrics"] = details.get("production_metrics")
                for key in ("scored_rows", "held_out_rows"):
                    if key in details:
                        record[key] = details[key]
                if "resources" in details:
                    record["resources"] = details["resources"]
                record["gate_failures"] = details.get("gate_failures", [])
            return record

        return self.change(build)

    def refuse(self, version: int | str, details: GateDetails) -> AuditRecord:
        """Record that the gate refused to promote ``version``: production stays as it is."""
        number = parse_version(version)

        def build(state: State) -> AuditRecord:
            self.entry(number, state)
            record: AuditRecord = {
                "action": "refuse",
                "alias": "production",
                "from": state.production,
                "to": number,
                "reason": None,
                "forced": False,
                "metrics": details.get("metrics"),
                "production_metrics": details.get("production_metrics"),
                "resources": details.get("resources"),
                "gate_failures": details.get("gate_failures", []),
            }
            for key in ("scored_rows", "held_out_rows"):
                if key in details:
                    record[key] = details[key]
            return record

        return self.change(build)

    def prune(self, version: int, *, reason: str, rollbacks: int | None = None) -> AuditRecord:
        """Delete ``version``'s files, keeping its record: audited first, then deleted (a crash
        in between leaves files a later prune deletes). Never production, the candidate or one
        of the latest ``rollbacks`` versions production may roll back to (None: any)."""
        if not self.prunable:
            raise RegistryError(f"{self.describe()}: pruning model files is not supported here")

        def build(state: State) -> AuditRecord:
            self.entry(version, state)
            kept = state.keeps(version, rollbacks)
            if kept:
                raise RegistryError(f"v{version} is kept: {kept}")
            if version in state.pruned:
                raise RegistryError(f"v{version} was pruned already")
            return {
                "action": "prune",
                "alias": "",
                "from": state.production,
                "to": version,
                "reason": reason,
                "forced": False,
            }

        record = self.change(build)
        self.delete_files(version)
        return record

    prunable = False  # whether ``delete_files`` can delete a version's files

    def delete_files(self, version: int) -> None:
        """Delete a pruned version's files (the backend's own storage)."""
        raise NotImplementedError

    def rollback(self, to: int | str | None = None, *, reason: str | None = None) -> AuditRecord:
        """Production goes back one step on the stack of earlier production versions.

        Without ``to``: to the version that was production before the current one; run it
        again to go one more version back. With ``to``: back to that earlier production
        version, as if rolled back step by step (the versions in between leave the stack).
        A version that was never production before the current one is refused: promote it.
        """
        target = None if to is None else parse_version(to)

        def build(state: State) -> AuditRecord:
            current = state.production
            if current is None:
                raise RegistryError(
                    f"no production model for dataset {self.dataset} to roll back (see: models)"
                )
            if target is None:
                chosen = state.fallback()
                pruned = [f"v{version}" for version in sorted(state.dropped, reverse=True)]
                if chosen is None and pruned:
                    were, their = ("were", "their") if len(pruned) > 1 else ("was", "its")
                    raise RegistryError(
                        f"nothing to roll back to: {', '.join(pruned)} {were} production before "
                        f"v{current}, and prune deleted {their} files (retention.keep_rollbacks "
                        "says how many it keeps; see: models)"
                    )
                if chosen is None:
                    withdrawn = " that was not withdrawn" if state.stack else ""
                    raise RegistryError(
                        f"nothing to roll back to: no version{withdrawn} was production "
                        f"before v{current}"
                    )
            else:
                self.servable(target, state)
                if target == current:
                    raise RegistryError(f"v{target} is already the production version")
                if target in state.pruned:  # off the stack: retention deleted its files
                    raise RegistryError(
                        f"model v{target}: its files were deleted by prune, so it can be neither "
                        "rolled back to nor promoted (see: models)"
                    )
                if target not in state.stack:
                    left = any(
                        r["action"] == "rollback" and r["from"] == target for r in state.applied
                    )
                    was = (
                        f"v{target} was rolled back from, not rolled back to: "
                        if left
                        else f"v{target} was not production before v{current}: "
                    )
                    raise RegistryError(
                        f"{was}promote it instead (the gate runs): promote --version v{target}"
                    )
                chosen = target
            return {
                "action": "rollback",
                "alias": "production",
                "from": current,
                "to": chosen,
                "reason": reason,
                "forced": False,
            }

        return self.change(build)


def allowed_types_of(registry: Registry) -> list[str]:
    """The types ``registry``'s project trusts (its trusted-types.txt)."""
    from .trust import allowed_types

    return allowed_types(registry.allowlist)
