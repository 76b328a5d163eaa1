"""The registry's records: a model version, an audit record, and the state derived from them.

The audit log is the registry's source of truth in both backends: one record per change
(``register``, ``promote``, ``force-promote``, ``rollback``, ``refuse``: a promotion the gate
refused, which changes nothing, and ``prune``: a version's files deleted by the retention
policy, its record kept), numbered ``seq`` 1, 2, 3, ...
The current state (versions, the ``candidate`` and ``production`` aliases, the rollback stack)
is *derived* by ``fold``: a change and its audit record are the same write, so they can never
disagree. Records are checked field by field when read: a hand-edited line with an unknown field
(an ``artifact`` path, say) or a wrong type is refused with its line number.

Rollback is a stack. Each promotion pushes the version it replaces; ``rollback`` pops: production
goes back to the version that was production before the current one, and rolling back again goes
one more step back. ``rollback --to vN`` pops until vN (it must be on the stack: a version that
was never production before is promoted, through the gate, not rolled back to). A version rolled
back from is off the stack, so a plain ``rollback`` never brings it back, and the gate refuses
to promote it again unless forced (``State.rolled_back``). A version ``prune`` deleted the files
of leaves the stack too: retention keeps the latest ``keep_rollbacks`` of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NotRequired, TypedDict, cast

from ..errors import UserError

ALIASES = ("candidate", "production")
ACTIONS: tuple[str, ...] = (
    "register",
    "promote",
    "force-promote",
    "rollback",
    "refuse",
    "prune",
)
# The files of a version, and the field of ``ModelVersion`` holding each one's SHA-256.
FILES = {
    "model.skops": "sha256",
    "holdout.parquet": "holdout_sha256",
    "reference.json": "reference_sha256",
}


class RegistryError(UserError):
    """The registry cannot do what was asked; the message is one line meant for the user."""


class ConflictError(RegistryError):
    """Another change took this change's place in the audit log first (retry or refuse)."""


class Fingerprint(TypedDict):
    """The training data's full-content hash (``tracking.fingerprint``), without its schema."""

    sha256: str
    rows: int
    columns: int


class ModelVersion(TypedDict):
    """One registered version: where it came from, its scores, and its files' SHA-256 values.

    The files themselves are found by version number (``v<N>/...`` locally, the run's
    ``leanops-model/`` artifacts in MLflow), never by a path stored here.
    """

    version: int
    dataset: str
    task: str
    target: str
    estimator: str
    sha256: str  # model.skops: the one hash the run, the registry and the audit all name
    holdout_sha256: str  # the held-out rows the gate scores
    reference_sha256: str  # drift reference statistics
    types: list[str]  # what the model needs beyond skops' defaults (trust: trusted-types.txt)
    metrics: dict[str, float]
    data_fingerprint: Fingerprint | None
    contract_version: str | None
    run_id: str | None
    created_at: str
    created_by: str
    sklearn_version: str
    skops_version: str
    size_bytes: NotRequired[int]  # of model.skops (versions registered before 0.4 lack it)
    fit_s: NotRequired[float]  # seconds the final fit took
    template_commit: NotRequired[str]  # the template version the project was on (Copier's)


class GateDetails(TypedDict, total=False):
    """What a promotion's record adds: both models' scores, what serving them costs (the gate's
    ``resources``: latency, size, fit time, candidate and production) and the failed rules."""

    metrics: dict[str, float] | None
    production_metrics: dict[str, float] | None
    scored_rows: int  # the held-out rows both were scored on (fewer: production trained on some)
    held_out_rows: int  # all of the candidate's held-out rows
    resources: dict[str, list[float | None]] | None
    gate_failures: list[str]


AuditRecord = TypedDict(
    "AuditRecord",
    {
        "seq": int,
        "time": str,
        "who": str,
        "action": str,
        "alias": str,
        "from": "int | None",
        "to": int,
        "reason": "str | None",
        "forced": bool,
        "entry": ModelVersion,
        "metrics": "dict[str, float] | None",
        "production_metrics": "dict[str, float] | None",
        "scored_rows": int,
        "held_out_rows": int,
        "resources": "dict[str, list[float | None]] | None",
        "gate_failures": "list[str]",
        "prev": "str | None",  # SHA-256 of the record before (chain_hash); None for the first
        "sig": str,  # the author's SSH signature (trust.py), when the project lists keys
    },
    total=False,
)

_NUMBER = (int,)
_TEXT = (str,)
_OPTIONAL_NUMBER = (int, type(None))
_OPTIONAL_TEXT = (str, type(None))
RECORD_FIELDS: dict[str, tuple[type, ...]] = {
    "seq": _NUMBER,
    "time": _TEXT,
    "who": _TEXT,
    "action": _TEXT,
    "alias": _TEXT,
    "from": _OPTIONAL_NUMBER,
    "to": _NUMBER,
    "reason": _OPTIONAL_TEXT,
    "forced": (bool,),
    "entry": (dict,),
    "metrics": (dict, type(None)),
    "production_metrics": (dict, type(None)),
    "scored_rows": _NUMBER,
    "held_out_rows": _NUMBER,
    "resources": (dict, type(None)),
    "gate_failures": (list,),
    "prev": _OPTIONAL_TEXT,
    "sig": _TEXT,
}
REQUIRED_FIELDS = ("seq", "time", "who", "action", "alias", "from", "to")
ENTRY_FIELDS: dict[str, tuple[type, ...]] = {
    "version": _NUMBER,
    "dataset": _TEXT,
    "task": _TEXT,
    "target": _TEXT,
    "estimator": _TEXT,
    "sha256": _TEXT,
    "holdout_sha256": _TEXT,
    "reference_sha256": _TEXT,
    "types": (list,),
    "metrics": (dict,),
    "data_fingerprint": (dict, type(None)),
    "contract_version": _OPTIONAL_TEXT,
    "run_id": _OPTIONAL_TEXT,
    "created_at": _TEXT,
    "created_by": _TEXT,
    "sklearn_version": _TEXT,
    "skops_version": _TEXT,
    "size_bytes": _NUMBER,
    "fit_s": (float, int),
    "template_commit": _TEXT,
}
# Entry fields versions registered by an older runtime may lack.
LATER_ENTRY_FIELDS = ("size_bytes", "fit_s", "template_commit")


def recorded_sha256(entry: ModelVersion, name: str) -> str:
    """The SHA-256 ``entry`` records for its file ``name``."""
    if name == "model.skops":
        return entry["sha256"]
    if name == "holdout.parquet":
        return entry["holdout_sha256"]
    if name == "reference.json":
        return entry["reference_sha256"]
    raise RegistryError(f"not a file of a model version: {name!r}")


def check_record(record: Mapping[str, object], where: str) -> AuditRecord:
    """``record`` as an ``AuditRecord`` if every field is known and well typed; else one line."""
    _check_fields(record, RECORD_FIELDS, REQUIRED_FIELDS, where)
    if record["action"] not in ACTIONS:
        raise RegistryError(f"{where}: unknown action {record['action']!r}")
    if record["action"] == "register":
        entry = record.get("entry")
        if not isinstance(entry, dict):
            raise RegistryError(f"{where}: a register record needs its version's entry")
        required = tuple(key for key in ENTRY_FIELDS if key not in LATER_ENTRY_FIELDS)
        _check_fields(entry, ENTRY_FIELDS, required, f"{where} (entry)")
        for name, key in FILES.items():
            digest = entry[key]
            if not (len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
                raise RegistryError(f"{where}: the SHA-256 of {name} is not a hex digest")
    return cast("AuditRecord", record)  # checked field by field above


def _check_fields(
    data: Mapping[str, object],
    fields: Mapping[str, tuple[type, ...]],
    required: Sequence[str],
    where: str,
) -> None:
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise RegistryError(f"{where}: unexpected field {unknown[0]!r}")
    for key in required:
        if key not in data:
            raise RegistryError(f"{where}: field {key!r} is missing")
    for key, value in data.items():
        kinds = fields[key]
        # bool is an int in Python: a count or a version number must not be true/false.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise RegistryError(f"{where}: field {key!r} has the wrong type")


@dataclass
class State:
    """What the audit log adds up to: versions, aliases and the rollback stack."""

    seq: int = 0
    versions: dict[int, ModelVersion] = field(default_factory=dict)
    candidate: int | None = None
    production: int | None = None
    stack: list[int] = field(default_factory=list)  # earlier production versions, latest last
    records: list[AuditRecord] = field(default_factory=list)  # every record, applied or not
    rejected: list[str] = field(default_factory=list)  # why records were not applied
    not_applied: dict[int, str] = field(default_factory=dict)  # seq -> why not
    pruned: set[int] = field(default_factory=set)  # versions whose files retention deleted
    # Pruned versions production could still have rolled back to: prune took them off the stack.
    dropped: set[int] = field(default_factory=set)
    # Versions the backend no longer holds (deleted on the server outside leanops): never
    # served and never a rollback target again; their records stay.
    withdrawn: set[int] = field(default_factory=set)

    def keeps(self, version: int, rollbacks: int | None = None) -> str:
        """Why ``version``'s files may not be pruned ('' when they may): an alias points at it,
        or production may roll back to it (one of the latest ``rollbacks`` earlier production
        versions; None: any of them)."""
        if version == self.production:
            return "production"
        if version == self.candidate:
            return "candidate"
        # The latest ``rollbacks`` distinct versions (a version may be on the stack twice).
        recent = list(dict.fromkeys(reversed(self.stack)))
        if version in (recent if rollbacks is None else recent[:rollbacks]):
            return "production may roll back to it"
        return ""

    @property
    def applied(self) -> list[AuditRecord]:
        """The records the state follows from: all but the rejected ones."""
        return [record for record in self.records if record["seq"] not in self.not_applied]

    def alias(self, name: str) -> int | None:
        """The version ``name`` points at (None when unset)."""
        if name not in ALIASES:
            raise RegistryError(f"unknown alias {name!r} (known: {', '.join(ALIASES)})")
        return self.candidate if name == "candidate" else self.production

    def last_change(self, alias: str) -> AuditRecord | None:
        """The latest record that moved ``alias`` (a refusal moves nothing)."""
        for record in reversed(self.applied):
            if record["alias"] == alias and record["action"] != "refuse":
                return record
        return None

    def fallback(self) -> int | None:
        """The version a plain ``rollback`` returns to: the latest earlier production version
        that was not withdrawn (None when there is none)."""
        kept = [version for version in self.stack if version not in self.withdrawn]
        return kept[-1] if kept else None

    def rolled_back(self, version: int) -> AuditRecord | None:
        """The rollback that took production away from ``version``, unless it was production
        again since (then None)."""
        for record in reversed(self.applied):
            if record["alias"] != "production" or record["action"] == "refuse":
                continue
            if record["action"] == "rollback" and record["from"] == version:
                return record
            if record["to"] == version:
                return None
        return None


def stamp(record: AuditRecord, state: State, *, time: str, who: str) -> AuditRecord:
    """``record`` made the next of ``state``'s log: its number, time, author and the hash of
    the record before it."""
    record["seq"], record["time"], record["who"] = state.seq + 1, time, who
    record["prev"] = chain_hash(state.records[-1]) if state.records else None
    return record


# The action of a record a server's log holds that no reader can take (not JSON, not a record):
# MLflow keeps a run's parameters for good, so such a record keeps its place, changes nothing,
# and is named, instead of stopping every command of the team.
UNREADABLE = "unreadable"


def unreadable(seq: int, problem: str) -> AuditRecord:
    """The stand-in for record ``seq`` of a log, which cannot be read: ``problem`` says why."""
    return {
        "seq": seq,
        "time": "",
        "who": "",
        "action": UNREADABLE,
        "alias": "",
        "from": None,
        "to": 0,
        "reason": problem,
        "forced": False,
    }


def chain_hash(record: AuditRecord) -> str:
    """The SHA-256 of ``record`` as canonical JSON (sorted keys, no spaces): what the next
    record carries as ``prev``, so a record edited after it was written breaks the chain."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fold(
    records: Sequence[AuditRecord],
    where: str = "audit log",
    verify: Callable[[AuditRecord], str] | None = None,
) -> State:
    """The state ``records`` add up to; a one-line error naming the first record that cannot be.

    ``verify`` says why a record does not count ('' when it does): such a record keeps its place
    in the log (numbers and hashes run on) but changes nothing, and is listed in ``rejected``.

    Each record written since 0.4.0 carries the hash of the one before (``prev``): a record
    changed by hand (its metrics, who, reason) is refused at the record after it. Records of
    older versions carry none and are read as they are.
    """
    state = State()
    for index, record in enumerate(records, start=1):
        place = f"{where} record {index}"
        if record["seq"] != index:
            raise RegistryError(f"{place}: expected seq {index}, found {record['seq']}")
        if "prev" in record and record["prev"] != (
            chain_hash(records[index - 2]) if index > 1 else None
        ):
            raise RegistryError(
                f"{place}: the record before it was changed after it was written (its hash no "
                "longer matches): nothing was changed; restore the log from a backup or git"
            )
        if record["action"] == UNREADABLE:
            problem = str(record["reason"])
        else:
            problem = verify(record) if verify is not None else ""
        if problem:
            state.rejected.append(
                f"{place} is not applied (it changes nothing; models --audit marks it): {problem}"
            )
            state.not_applied[index] = problem
        else:
            apply(state, record, place)
        state.seq = index
        state.records.append(record)
    return state


def followed(state: State, record: AuditRecord) -> State:
    """A new state: ``state`` after ``record``, the next of its log (already checked)."""
    import copy

    after = copy.deepcopy(state)
    apply(after, record, f"record {record['seq']}")
    after.seq = record["seq"]
    after.records.append(record)
    return after


def apply(state: State, record: AuditRecord, place: str) -> None:
    """Change ``state`` as ``record`` says (checked against the state it starts from)."""
    action, target = record["action"], record["to"]
    if action == "register":
        entry = record["entry"]
        if entry["version"] != target or target in state.versions:
            raise RegistryError(f"{place}: registers v{target} twice or under another number")
        if record["from"] != state.candidate:
            raise RegistryError(f"{place}: candidate was v{state.candidate}, not {record['from']}")
        state.versions[target] = entry
        state.candidate = target
        return
    if target not in state.versions:
        raise RegistryError(f"{place}: v{target} is not registered")
    if record["from"] != state.production:
        raise RegistryError(f"{place}: production was v{state.production}, not {record['from']}")
    if action == "refuse":
        return
    if action == "prune":
        _prune(state, target, place)
        return
    if action == "rollback":
        if target not in state.stack:
            raise RegistryError(f"{place}: v{target} was not an earlier production version")
        while state.stack.pop() != target:
            pass
    elif state.production is not None:
        state.stack.append(state.production)
    state.production = target


def _prune(state: State, target: int, place: str) -> None:
    """A prune record: retention decides how far back production may still roll
    (keep_rollbacks); the log only refuses what an alias points at. A pruned version leaves the
    rollback stack."""
    kept = state.keeps(target, rollbacks=0)
    if kept or target in state.pruned:
        raise RegistryError(f"{place}: v{target} cannot be pruned ({kept or 'pruned already'})")
    state.pruned.add(target)
    if target in state.stack:
        state.dropped.add(target)
        state.stack = [version for version in state.stack if version != target]


def parse_version(value: int | str) -> int:
    """``3``, ``"3"`` or ``"v3"`` -> ``3``."""
    text = str(value).strip().lower().removeprefix("v")
    if not text.isdigit() or int(text) < 1:
        raise RegistryError(f"not a model version: {value!r} (expected e.g. 3 or v3)")
    return int(text)


def shown(version: int | None) -> str:
    """``v3``, or ``none``."""
    return f"v{version}" if version is not None else "none"
