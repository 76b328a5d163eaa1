"""The team registry on an MLflow tracking server (``tracking_backend: mlflow``).

Per dataset, one registered model ``<experiment>-<dataset>``: its versions, and the ``candidate``
and ``production`` aliases every MLflow tool shows. The files of a version (``model.skops``,
``holdout.parquet``, ``reference.json``) are artifacts of the run that trained it, under
``leanops-model/``, in the server's artifact store.

The audit log, the source of truth, lives on the server too: each change is one parameter
``change.<seq>`` (the record as JSON) of the model's *ledger* run, in the experiment
``<experiment>.registry``. MLflow parameters are immutable and unique per run, enforced by the
server's database: logging ``change.000042`` succeeds for exactly one writer. That is the
compare-and-set MLflow has no other form of. Two teammates promoting at the same moment both try
to write the next record; one succeeds, the other reads the log again and, production having
moved, gets "production changed while the gate ran (now v3, by alice@laptop): run promote again".
A change is that one write; the aliases are then brought in line with the log (and again by the
next change, should a crash come in between). Readers derive the state from the log, not the
aliases. Nobody can edit or reorder a record: parameters cannot be changed, even by their author.

Who made a change is the user the server authenticated (MLflow's basic-auth app), else the
configured user name, else the login name; with the host.

What a teammate changes on the server with MLflow's own tools is not a change of the registry:
an alias moved by hand, a version registered outside leanops, the model's ``leanops.ledger_run``
tag deleted or pointed at another run are each reported (``tampering``) by ``models``,
``predict`` and the report, and the log keeps deciding. A deleted tag is found again from the
ledger run's own ``leanops.ledger_for`` tag; two runs claiming to be the ledger is an error.
A version deleted on the server is *withdrawn*: its record stays, but it is never served,
promoted or rolled back to again, and no change waits on it. A registered model deleted whole
withdraws every version; the next registration starts a new model line with a new log, the old
log's run kept (tagged ``leanops.retired_ledger_for``); a registered model renamed is asked to
be renamed back, never replaced. The log's run deleted on the server (MLflow's trash) is
reported and restored by the next change; purged (``mlflow gc``), the history is gone and every
command says so in one line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from ..errors import first_line
from ..files import size_text
from ..tracking.environment import identity
from ..tracking.mlflow_client import Connection, client, experiment_id, quoted
from .base import Candidate, Registry, register_record
from .records import (
    ALIASES,
    AuditRecord,
    ConflictError,
    ModelVersion,
    RegistryError,
    State,
    check_record,
    shown,
    unreadable,
)
from .trust import SIGNERS_FILE

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mlflow.entities import Run
    from mlflow.entities.model_registry import RegisteredModel

    from ..settings import Settings

log = logging.getLogger(__name__)
Answer = TypeVar("Answer")

ARTIFACT_FOLDER = "leanops-model"
LEDGER_TAG = "leanops.ledger_run"
LEDGER_FOR = "leanops.ledger_for"  # on the ledger run: the model whose log it is
RETIRED_FOR = "leanops.retired_ledger_for"  # on the log of a model line deleted on the server
CHANGE_PREFIX = "change."
MAX_RECORD = 6000  # MLflow's limit on a parameter's value
LEDGER_WAIT_S = 10.0
# How many of a lost model line's latest versions are looked for under another name.
RENAME_PROBES = 3


class MlflowRegistry(Registry):
    """The registry of one dataset as an MLflow registered model, with a shared audit log."""

    def __init__(
        self, settings: Settings, dataset: str, *, allowlist: Path, root: Path | str = "."
    ) -> None:
        self.connection = Connection.of(settings, root)
        self.client = client(self.connection)
        self.dataset = dataset
        self.allowlist = allowlist
        self.model_name = f"{self.connection.experiment}-{dataset}"
        self._ledger: str | None = None
        self._who: str | None = None
        # The server's answers while ``state()`` reads, by question; ``tampering`` of that
        # state is judged on the same answers rather than asking the server again.
        self._answers: dict[tuple[str, ...], object] | None = None
        self._read_for: tuple[State, dict[tuple[str, ...], object]] | None = None

    def describe(self) -> str:
        return f"MLflow model {self.model_name}"

    def state(self) -> State:
        self._answers = {}
        try:
            state = super().state()
            self._read_for = (state, self._answers)
        finally:
            self._answers = None
        return state

    def _asked(self, question: tuple[str, ...], ask: Callable[[], Answer]) -> Answer:
        """``ask()``, or its answer already given while the state being judged was read."""
        if self._answers is None:
            return ask()
        if question not in self._answers:
            self._answers[question] = ask()
        return cast("Answer", self._answers[question])

    def where(self) -> str:
        return f"{self.describe()} on {self.connection.where()}"

    def who(self) -> str:
        if self._who is None:
            self._who = self._authenticated_user()
        return self._who

    def _authenticated_user(self) -> str:
        """``user@host``: the user the server's basic-auth app authenticated, when it has one."""
        import socket

        host = socket.gethostname()
        user = self.connection.username
        if self.connection.uri.startswith(("http://", "https://")):
            import requests

            auth = (user, self.connection.password or "") if user else None
            url = self.connection.uri.rstrip("/") + "/api/2.0/mlflow/users/current"
            with contextlib.suppress(requests.RequestException, ValueError, KeyError):
                answer = requests.get(url, auth=auth, timeout=10)
                if answer.status_code == 200:  # without the auth app: 404
                    user = str(answer.json()["user"]["username"])
        return f"{user}@{host}" if user else identity()

    # -- the audit log: the ledger run's parameters

    def ledger(self, *, create: bool) -> str | None:
        """The id of this model's ledger run (made with the registered model when ``create``)."""
        if self._ledger is not None:
            return self._ledger
        model, created = self._registered_model(), False
        if model is None:
            orphans = self._ledger_runs()  # the log of a model line deleted (or renamed)
            if len(orphans) > 1:
                raise RegistryError(self._ledgers_claimed(orphans))
            self._refuse_renamed(orphans)
            if not create:  # not cached: the next registration retires it
                return orphans[0] if orphans else None
            if self._registered_model() is not None:  # a teammate's new line, made meanwhile
                return self.ledger(create=create)
            for run_id in orphans:
                self._retire(run_id)
            created = self._create_model()
            model = self.client.get_registered_model(self.model_name)
        ledgers = self._ledger_runs()
        deadline = time.monotonic() + (0 if created else LEDGER_WAIT_S)
        while not ledgers and LEDGER_TAG not in model.tags and create:
            if time.monotonic() >= deadline:
                break
            time.sleep(0.2)  # the teammate who created the model is making its ledger
            model = self.client.get_registered_model(self.model_name)
            ledgers = self._ledger_runs()
        if len(ledgers) > 1:
            raise RegistryError(self._ledgers_claimed(ledgers))
        if ledgers or LEDGER_TAG in model.tags:  # the run made as the log, whatever the tag says
            self._ledger = ledgers[0] if ledgers else str(model.tags[LEDGER_TAG])
            return self._ledger
        if not create:
            return None
        experiment = experiment_id(self.client, f"{self.connection.experiment}.registry")
        run = self.client.create_run(
            experiment,
            run_name=f"{self.model_name} audit log",
            tags={LEDGER_FOR: self.model_name},
        )
        # FINISHED, not running forever: a finished run still takes new parameters.
        self.client.set_terminated(run.info.run_id)
        self.client.set_registered_model_tag(self.model_name, LEDGER_TAG, run.info.run_id)
        self._ledger = str(run.info.run_id)
        return self._ledger

    def _create_model(self) -> bool:
        """Create the registered model; False when a teammate created it first."""
        from mlflow.exceptions import MlflowException

        try:
            self.client.create_registered_model(
                self.model_name, description=f"leanops model line of dataset {self.dataset}"
            )
        except MlflowException as exists:
            if exists.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
            return False
        return True

    def _registered_model(self) -> RegisteredModel | None:
        """This model line's registered model on the server (None: there is none)."""
        return self._asked(("registered model",), self._ask_registered_model)

    def _ask_registered_model(self) -> RegisteredModel | None:
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_registered_model(self.model_name)
        except MlflowException as error:
            if error.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
        return None

    def _refuse_renamed(self, ledgers: list[str]) -> None:
        """A one-line error when the registered model holding this log was renamed on the
        server: leanops finds a model line by its name, and must not start a second one."""
        for ledger in ledgers:
            renamed = self._renamed_by_tag(ledger) or self._renamed_by_versions(ledger)
            if renamed is not None:
                raise RegistryError(
                    f"{self.describe()} was renamed to {renamed} on the server outside "
                    f"leanops: rename it back to {self.model_name} (leanops finds its model line "
                    "by that name); nothing is served or registered until then"
                )

    def _renamed_by_tag(self, ledger: str) -> str | None:
        """The other name of the registered model whose tag points at ``ledger``."""
        for model in self.client.search_registered_models(
            filter_string=f"tags.`{LEDGER_TAG}` = {quoted(ledger)}"
        ):
            if model.name != self.model_name:  # this name: a teammate's new line, made meanwhile
                return str(model.name)
        return None

    def _renamed_by_versions(self, ledger: str) -> str | None:
        """The other name under which the server holds the latest versions ``ledger``
        registered, same number, same run: the model renamed after its tag was deleted. (A
        model line deleted whole holds none of them.)"""
        registered = [
            record["entry"]
            for record in reversed(self._records_of(ledger))
            if record["action"] == "register" and "entry" in record
        ][:RENAME_PROBES]
        for entry in registered:
            if entry["run_id"] is None:
                continue
            for held in self.client.search_model_versions(f"run_id = {quoted(entry['run_id'])}"):
                if held.name != self.model_name and int(held.version) == entry["version"]:
                    return str(held.name)
        return None

    def _retire(self, run_id: str) -> None:
        """Keep the log of a model line deleted on the server, no longer as any model's log."""
        from mlflow.exceptions import MlflowException

        if self.client.get_run(run_id).info.lifecycle_stage == "deleted":
            self._restore_log(run_id)  # a deleted run takes no tag
        self.client.set_tag(run_id, RETIRED_FOR, self.model_name)
        try:
            self.client.delete_tag(run_id, LEDGER_FOR)
        except MlflowException as error:  # a teammate retiring it at the same moment did
            if error.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
        log.warning(
            "%s was deleted on the server outside leanops: a new model line starts at v1; the "
            "old audit log is kept as run %s (tag %s)",
            self.describe(),
            run_id,
            RETIRED_FOR,
        )

    def _ledger_runs(self) -> list[str]:
        """The runs of the registry experiment made as this model's ledger, oldest first: those
        not deleted, else those in MLflow's trash (a deleted log is still the log, and a second
        claimant an admin deleted no longer counts)."""
        return self._asked(("ledger runs",), self._ask_ledger_runs)

    def _ask_ledger_runs(self) -> list[str]:
        found = self.client.get_experiment_by_name(f"{self.connection.experiment}.registry")
        if found is None:
            return []
        from mlflow.entities import ViewType

        runs = self.client.search_runs(
            [found.experiment_id],
            filter_string=f"tags.`{LEDGER_FOR}` = {quoted(self.model_name)}",
            run_view_type=ViewType.ALL,
            order_by=["attributes.start_time ASC"],
        )
        active = [run for run in runs if run.info.lifecycle_stage != "deleted"]
        return [str(run.info.run_id) for run in active or runs]

    def _ledgers_claimed(self, runs: list[str]) -> str:
        return (
            f"{self.describe()}: {len(runs)} runs claim to be its audit log ({', '.join(runs)}): "
            "one was made by hand, nothing is trusted; the server's admin deletes the one that "
            "is not the first"
        )

    def held_versions(self) -> dict[int, str | None]:
        """The versions the server holds for this model, by number, with the run each came
        from (none when the model is gone); every page of them: a version left unread would be
        taken for deleted."""
        return self._asked(("held versions",), self._ask_held_versions)

    def _ask_held_versions(self) -> dict[int, str | None]:
        held: dict[int, str | None] = {}
        token = None
        while True:
            page = self.client.search_model_versions(
                f"name = {quoted(self.model_name)}", page_token=token
            )
            held.update({int(version.version): version.run_id for version in page})
            token = page.token
            if not token:
                return held

    def withdrawn_versions(self, state: State) -> set[int]:
        """The log's versions the server no longer holds: deleted, or their number now taken
        by another version (the model deleted and made again outside leanops)."""
        held = self.held_versions()
        return {
            number
            for number, entry in state.versions.items()
            if number not in held or entry["run_id"] not in (None, held[number])
        }

    def tampering(self, state: State) -> list[str]:
        if self._read_for is not None and self._read_for[0] is state:
            self._answers = self._read_for[1]
        try:
            return self._tampering(state)
        finally:
            self._answers = None

    def _tampering(self, state: State) -> list[str]:
        from mlflow.exceptions import MlflowException

        found = super().tampering(state)
        if not self.signing():
            found.append(
                f"{SIGNERS_FILE} lists no key: anyone who can write to the server can add a "
                "record in anyone's name (a promotion past the gate); list the team's keys there "
                "(docs/guide.md, Working as a team)"
            )
        try:
            model = self._registered_model()
        except MlflowException:
            return found
        if model is None:
            if state.versions:
                found.append(
                    f"{self.describe()} was deleted on the server outside leanops: every version "
                    "of its audit log is withdrawn, none is served; the next pipeline starts a "
                    "new model line"
                )
            return found
        found.extend(self._deleted_runs(state))
        ledgers = self._ledger_runs()
        production = state.production
        serving = production is not None and production not in state.withdrawn
        now = f" (now: promote --version {production})" if serving else ""
        for version in sorted(state.withdrawn):
            found.append(
                str(self.withdrawn_error(version, state))
                if version == production
                else f"v{version} of {self.model_name} was deleted on the server outside "
                "leanops: withdrawn, never served or rolled back to again"
            )
        if len(ledgers) > 1:
            found.append(self._ledgers_claimed(ledgers))
        elif LEDGER_TAG not in model.tags and ledgers:
            found.append(
                f"{self.describe()}: its {LEDGER_TAG} tag was deleted; the audit log is read "
                f"from run {ledgers[0]}, which says it is the log; the next change sets it "
                f"back{now}"
            )
        elif ledgers and model.tags[LEDGER_TAG] != ledgers[0]:
            found.append(
                f"{self.describe()}: its {LEDGER_TAG} tag points at run "
                f"{model.tags.get(LEDGER_TAG)}, not at the audit log (run {ledgers[0]}): "
                f"changed by hand; ignored, and the next change sets it back{now}"
            )
        aliases = {alias: _number(model.aliases.get(alias)) for alias in ALIASES}
        for alias in ALIASES:
            if aliases[alias] != _mirrored(state, alias):
                found.append(
                    f"MLflow's {alias} alias of {self.model_name} is {shown(aliases[alias])}, the "
                    f"audit log's {shown(state.alias(alias))}: moved outside leanops; leanops "
                    f"serves {shown(_mirrored(state, alias))} and puts the alias back at the next "
                    f"change{now}; to change it, promote or rollback"
                )
        for version in sorted(set(self.held_versions()) - set(state.versions)):
            found.append(
                f"v{version} of {self.model_name} is on the server but not in the audit log "
                "(registered outside leanops, or not finished): never served"
            )
        return found

    def _deleted_runs(self, state: State) -> list[str]:
        """The log's run and production's run when deleted on the server, one line each."""
        found = []
        ledger = self.ledger(create=False)
        if ledger is not None and self._ledger_run(ledger).info.lifecycle_stage == "deleted":
            found.append(
                f"{self.describe()}: its audit log, run {ledger}, was deleted on the server "
                "outside leanops (MLflow's trash): `mlflow gc` would purge it and the registry's "
                "history with it; the next change restores it"
            )
        production = state.production
        if production is None or production in state.withdrawn:
            return found
        run_id = state.versions[production]["run_id"]
        run = self._run(run_id) if run_id else None
        stage = "active" if not run_id else "purged" if run is None else run.info.lifecycle_stage
        if stage == "deleted":
            found.append(
                f"production v{production}'s files are in run {run_id}, deleted on the server "
                "outside leanops (MLflow's trash): restore the run before `mlflow gc` purges it"
            )
        elif stage == "purged":
            back = state.fallback()
            todo = f"rollback (to v{back})" if back is not None else "promote another version"
            found.append(
                f"production v{production}'s run {run_id}, which holds its files, was purged "
                f"from the server: nothing can be served until you {todo}"
            )
        return found

    def records(self) -> list[AuditRecord]:
        ledger = self.ledger(create=False)
        return [] if ledger is None else self._records_of(ledger)

    def _records_of(self, ledger: str) -> list[AuditRecord]:
        """The records of the log in run ``ledger``, each checked (an unreadable one named)."""
        params = self._ledger_run(ledger).data.params
        records = []
        for key in sorted(key for key in params if key.startswith(CHANGE_PREFIX)):
            where = f"{self.describe()} audit record {key}"
            seq = int(key.removeprefix(CHANGE_PREFIX))
            try:  # a server's parameter is never changed again: a bad one is named, not fatal
                raw = json.loads(params[key])
                if not isinstance(raw, dict) or raw.get("seq") != seq:
                    raise RegistryError(f"{where} does not match its number")
                records.append(check_record(raw, where))
            except json.JSONDecodeError as error:
                records.append(
                    unreadable(seq, f"{key} is not JSON ({error}), written outside leanops")
                )
            except RegistryError as error:
                records.append(unreadable(seq, f"{error}, written outside leanops"))
        return records

    def _run(self, run_id: str) -> Run | None:
        """Run ``run_id`` on the server (None: gone, purged by ``mlflow gc``)."""
        return self._asked(("run", run_id), lambda: self._ask_run(run_id))

    def _ask_run(self, run_id: str) -> Run | None:
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_run(run_id)
        except MlflowException as error:
            if error.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
        return None

    def _ledger_run(self, ledger: str) -> Run:
        """The log's run; a one-line error when it was purged from the server."""
        run = self._run(ledger)
        if run is not None:
            return run
        raise RegistryError(
            f"{self.describe()}: its audit log, run {ledger}, is gone from the server (purged, "
            "as `mlflow gc` purges deleted runs): the history of what was registered and "
            "promoted is lost, so nothing is served; restore the server's database from a "
            f"backup, or delete the registered model {self.model_name} to start a new model line"
        )

    def append(self, record: AuditRecord) -> None:
        from mlflow.exceptions import MlflowException

        ledger = self.ledger(create=True)
        assert ledger is not None  # noqa: S101 (create=True always gives one)
        value = json.dumps(record, sort_keys=True, separators=(",", ":"))
        if len(value) > MAX_RECORD:
            raise RegistryError(f"audit record too large for MLflow ({len(value)} characters)")
        try:
            self.client.log_param(ledger, f"{CHANGE_PREFIX}{record['seq']:06d}", value)
        except MlflowException as error:
            if error.error_code == "INVALID_PARAMETER_VALUE" and "already logged" in str(error):
                taken = f"{self.describe()}: change {record['seq']} is taken"
                raise ConflictError(taken) from error
            raise

    def _restore_log(self, run_id: str) -> None:
        """Take the log's run ``run_id`` out of MLflow's trash; where only an admin may (the
        team's EDIT permission does not restore runs), one line saying to ask one."""
        from ..tracking import TrackingError

        try:
            self.client.restore_run(run_id)
        except TrackingError as error:  # the client's one line for a refusal: it blames the login
            if getattr(error.__cause__, "error_code", None) != "PERMISSION_DENIED":
                raise
            raise RegistryError(
                f"{self.describe()}: its audit log, run {run_id}, was deleted on the server, and "
                "only an admin may restore it: ask one to (MLflow's UI, or `mlflow runs restore "
                f"--run-id {run_id}`); nothing changes until then"
            ) from error

    def mirror(self, state: State, known: State | None = None) -> bool:
        """Point MLflow's aliases where the audit log says (only those that differ), and the
        model's ledger tag back at the log when it was deleted or repointed by hand; True when
        either moved."""
        ledger = self.ledger(create=False)
        model = None if ledger is None else self._registered_model()
        if ledger is None or model is None:  # no log, or the model deleted: nothing to point
            return False
        moved = bool(model.tags.get(LEDGER_TAG) != ledger)
        if moved:
            self.client.set_registered_model_tag(self.model_name, LEDGER_TAG, ledger)
        if self._ledger_run(ledger).info.lifecycle_stage == "deleted":
            self._restore_log(ledger)  # out of MLflow's trash: a deleted run takes no record
            log.warning("%s: its audit log, run %s, was deleted: restored", self.describe(), ledger)
            moved = True
        if known is not None:
            current = {alias: _mirrored(known, alias) for alias in ALIASES}
        else:
            current = {alias: _number(model.aliases.get(alias)) for alias in ALIASES}
        for alias in ALIASES:
            target = _mirrored(state, alias)
            if target == current[alias]:
                continue
            moved = True
            if target is None:
                self.client.delete_registered_model_alias(self.model_name, alias)
            else:
                self.client.set_registered_model_alias(self.model_name, alias, str(target))
        return moved

    # -- files: artifacts of the run that trained the version

    def read_file(self, entry: ModelVersion, name: str) -> bytes:
        from mlflow.exceptions import MlflowException

        run_id = entry["run_id"]
        if run_id is None:
            raise RegistryError(f"model v{entry['version']} names no run holding its files")
        with tempfile.TemporaryDirectory() as scratch:
            try:
                path = self.client.download_artifacts(run_id, f"{ARTIFACT_FOLDER}/{name}", scratch)
            except (MlflowException, OSError) as error:
                gone = getattr(error, "error_code", "") == "RESOURCE_DOES_NOT_EXIST"
                hint = (
                    "; the run is gone from the server: roll back, or promote another"
                    if gone
                    else ""
                )
                raise RegistryError(
                    f"model v{entry['version']}: cannot download {name} from run {run_id}: "
                    f"{first_line(error)}{hint}"
                ) from error
            return Path(path).read_bytes()

    def register(self, candidate: Candidate, *, reason: str = "trained") -> ModelVersion:
        self.writer_key()  # no key, a renamed model, a purged log: refused before any upload
        self.records()
        saved, files = candidate.files()
        run_id = candidate.run_id or self._new_run()
        number = self._upload(run_id, files, saved.sha256)
        candidate.run_id = run_id
        entry = candidate.entry(number, saved, files, self.who())
        with self._dropped_unless_logged(number):
            self.change(lambda state: register_record(state, entry, reason))
        return entry

    def register_files(
        self, entry: ModelVersion, files: Mapping[str, bytes], *, reason: str
    ) -> ModelVersion:
        """Register the files of a version kept elsewhere (the embedded registry) as they are:
        the same bytes and hashes, its record under the number the server gives it."""
        self.writer_key()
        self.records()
        run_id = self._new_run()
        carried = ModelVersion(**entry)  # a copy: the caller's record stays as it was
        carried["version"] = self._upload(run_id, files, entry["sha256"])
        carried["run_id"] = run_id
        with self._dropped_unless_logged(carried["version"]):
            self.change(lambda state: register_record(state, carried, reason))
        return carried

    @contextlib.contextmanager
    def _dropped_unless_logged(self, version: int) -> Iterator[None]:
        """Delete model version ``version`` again when the change that registers it fails
        before its record is written: no record would name it, and every command would report
        it as registered outside leanops. Once written, it stays (the failure came after)."""
        try:
            yield
        except BaseException:
            self._drop_unlogged(version)
            raise

    def _drop_unlogged(self, version: int) -> None:
        try:
            logged = any(
                record["action"] == "register" and record["to"] == version
                for record in self.records()
            )
        except Exception as error:  # the change's own error is the one raised
            log.warning(
                "%s: could not tell whether v%s was recorded (%s): if `models` reports it as "
                "made outside leanops, delete it on the server",
                self.describe(),
                version,
                first_line(error),
            )
            return
        if logged:
            return
        try:
            self.client.delete_model_version(self.model_name, str(version))
        except Exception as error:  # the change's own error is the one raised
            log.warning(
                "%s v%s was made on the server but not registered, and could not be deleted "
                "again (%s): it is reported as made outside leanops until an admin deletes it",
                self.describe(),
                version,
                first_line(error),
            )
        else:
            log.info("%s v%s was not registered: deleted again", self.describe(), version)

    def _upload(self, run_id: str, files: Mapping[str, bytes], sha256: str) -> int:
        """Upload a version's files to ``run_id`` and create its model version; its number."""
        with tempfile.TemporaryDirectory() as scratch:
            for name, data in files.items():
                (Path(scratch) / name).write_bytes(data)
            self.client.log_artifacts(run_id, scratch, ARTIFACT_FOLDER)
        sizes = ", ".join(f"{name} {size_text(len(data))}" for name, data in files.items())
        log.info("uploaded the model's files (%s) to run %s", sizes, run_id)
        self.ledger(create=True)
        version = self.client.create_model_version(
            self.model_name,
            source=f"runs:/{run_id}/{ARTIFACT_FOLDER}",
            run_id=run_id,
            tags={"leanops.sha256": sha256, "leanops.dataset": self.dataset},
            await_creation_for=0,
        )
        return int(version.version)

    def _new_run(self) -> str:
        """A run to hold a version's files when the caller tracks none."""
        experiment = experiment_id(self.client, self.connection.experiment)
        run = self.client.create_run(experiment, run_name="register", tags={"stage": "register"})
        self.client.set_terminated(run.info.run_id)
        return str(run.info.run_id)


def _mirrored(state: State, alias: str) -> int | None:
    """Where MLflow's ``alias`` belongs: the log's version, unless it was deleted on the server
    (MLflow deleted its aliases with it)."""
    version = state.alias(alias)
    return None if version in state.withdrawn else version


def _number(version: object) -> int | None:
    """An alias's version as a number (MLflow gives text over REST, numbers from a local store)."""
    return None if version is None else int(str(version))


def carry_from_local(local: Registry, server: MlflowRegistry) -> list[str]:
    """Carry the embedded registry's versions (their files hash-checked on the way) and its
    production history into the server's empty model line; what was done, a line each.

    Versions keep their order but take the server's numbers; each production move is replayed
    in order as a forced move in the carrier's name whose reason names the original (who, when,
    why), so the server's rollback stack is the embedded one. Versions whose files were pruned
    stay behind, as does the embedded log itself.
    """
    from .records import FILES

    held = server.state()
    if set(held.versions) - held.withdrawn:  # a line deleted on the server starts again
        raise RegistryError(
            f"{server.describe()} already holds versions: the embedded registry is carried "
            "only into an empty model line"
        )
    state = local.state()
    if not state.versions:
        raise RegistryError(f"{local.describe()} holds no version to carry")
    numbers: dict[int, int] = {}
    done = []
    for number, entry in sorted(state.versions.items()):
        if number in state.pruned:
            done.append(f"v{number} stays behind: its files were pruned")
            continue
        files = {name: local.verified(entry, name) for name in FILES}
        reason = f"carried from the embedded registry's v{number}"
        numbers[number] = server.register_files(entry, files, reason=reason)["version"]
        done.append(f"v{number} -> v{numbers[number]} on the server")
    for record in state.applied:
        target = numbers.get(record["to"])
        if record["alias"] != "production" or record["action"] == "refuse" or target is None:
            continue
        why = f": {record['reason']}" if record.get("reason") else ""
        note = (
            f"carried: {record['action']} of v{record['to']} by {record['who']} at "
            f"{record['time'][:19]}{why}"
        )
        if record["action"] == "rollback":
            server.rollback(target, reason=note)
        else:
            server.set_production(target, action="force-promote", forced=True, reason=note)
    production = server.state().production
    done.append(
        f"production: {shown(production)} (was v{state.production} here)"
        if state.production is not None
        else "no production version to carry"
    )
    return done
