"""The MLflow connection every MLflow-backed part shares: where, which experiment, as whom.

Where and as whom come from the settings (``settings.tracking``: ``MLFLOW_TRACKING_URI``,
``MLFLOW_EXPERIMENT_NAME``, ``MLFLOW_TRACKING_USERNAME`` / ``MLFLOW_TRACKING_PASSWORD`` from the
environment or ``.env``), handed to MLflow here and nowhere else. Without a URI the store is a
sqlite file in the project (``.leanops/mlflow.db``), and each command says so: a team that
meant its server (a misspelt variable) learns it before its runs go astray. MLflow's usage
telemetry is off unless the environment already decides. mlflow is imported only when used: it
takes seconds, and only team projects install it. A refused login or an unreachable server is
a one-line ``TrackingError``.

One project, one namespace: the experiment (and so the registered models named after it) is
tagged with the project's first git commit, shared by every clone; a project whose first commit
differs is refused before it reads or writes anything there (two projects rendered with the
default package name would otherwise share runs, models and production).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .. import package
from .api import TrackingError
from .lineage import plain, to_json

if TYPE_CHECKING:
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    from ..settings import Settings

log = logging.getLogger(__name__)

DEFAULT_STORE = Path(".leanops") / "mlflow.db"
INSTALL_HINT = "mlflow is not installed; install the mlflow extra: uv sync --extra mlflow"
# MLflow sends usage data unless told not to (both variables are honoured by MLflow 3), and prints
# "View run ... at: URL" on stdout, where our commands print their results.
TELEMETRY_OFF = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
}
# A server that is down or far away costs seconds and one line, not MLflow's default of minutes
# (7 retries, 120 s a request): two retries after 1 and 2 s, 10 s a request. Each is a default:
# an MLFLOW_HTTP_REQUEST_* variable set in the environment wins.
HTTP_BUDGET = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
}
STATUS_TO_MLFLOW = {
    "finished": "FINISHED",
    "failed": "FAILED",
    "crashed": "KILLED",
    "running": "RUNNING",
}
STATUS_FROM_MLFLOW = {value: key for key, value in STATUS_TO_MLFLOW.items()} | {
    "SCHEDULED": "running"
}
TAG_PREFIX = "leanops."
PROJECT_TAG = f"{TAG_PREFIX}project"  # the experiment's project: its first git commit
# MLflow's log_batch limits per request.
MAX_PARAMS, MAX_METRICS = 100, 1000
MAX_RESULTS = 50_000


@dataclass(frozen=True)
class Connection:
    """Which MLflow store or server, which experiment, and as whom (from the settings)."""

    uri: str
    experiment: str
    username: str | None = None
    password: str | None = None
    project: str | None = None  # the project's first git commit (None: not a git checkout)

    @classmethod
    def of(
        cls, settings: Settings | None, root: Path | str = ".", *, uri: str | None = None
    ) -> Connection:
        """The connection the settings describe (the default store lives in the project);
        ``uri``: another store, the settings giving the rest."""
        if settings is None:
            from ..settings import load_settings

            settings = load_settings(root)
        given = settings.mlflow
        uri = uri or given.tracking_uri or _project_store(Path(root).resolve())
        password = given.password.get_secret_value() if given.password else None
        from .environment import first_commit

        project = first_commit(root)
        return cls(uri, given.experiment or package(), given.username, password, project)

    def where(self) -> str:
        """The store and experiment, for people: never the credentials a URI may carry."""
        return f"{without_credentials(self.uri)} (experiment {self.experiment})"


def without_credentials(uri: str) -> str:
    """``uri`` without the ``user:password@`` it may carry (anything else as written)."""
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


@functools.cache
def _project_store(root: Path) -> str:
    """The MLflow store in the project, said once per command: set MLFLOW_TRACKING_URI for
    the team's server."""
    path = root / DEFAULT_STORE
    log.warning(
        "MLFLOW_TRACKING_URI is set neither in the environment nor in .env: runs and models go "
        "to the MLflow store in this project (%s), not to a team server; set "
        "MLFLOW_TRACKING_URI=sqlite:///%s to mean this store",
        DEFAULT_STORE,
        DEFAULT_STORE,
    )
    return f"sqlite:///{path}"


def import_mlflow() -> None:
    """Import mlflow with telemetry off; a one-line error naming the fix when it is missing."""
    for key, value in {**TELEMETRY_OFF, **HTTP_BUDGET}.items():
        os.environ.setdefault(key, value)
    # urllib3 logs a warning per retry: the one line of TrackingError says it all.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    try:
        import mlflow  # noqa: F401
    except ImportError as error:
        raise TrackingError(INSTALL_HINT) from error


def client(connection: Connection) -> MlflowClient:
    """An MLflow client for ``connection``; its credentials are handed to MLflow here.

    MLflow's REST client reads basic-auth credentials from these two variables on every request,
    so they are set in this process from the settings (environment or ``.env``). One client per
    connection and process: opening a sqlite store checks its schema, which takes a second.
    """
    if connection not in _clients:
        guarded = cast("MlflowClient", _Guarded(_new_client(connection), connection))
        experiment_id(guarded, connection.experiment, project=connection.project)  # ours?
        _clients[connection] = guarded
    return _clients[connection]


_clients: dict[Connection, MlflowClient] = {}
# MLflow's error codes for a server that refuses the credentials, or that cannot be reached.
REFUSED = {"UNAUTHENTICATED": "not authenticated", "PERMISSION_DENIED": "permission denied"}
# What MLflow's server answers (403) to a Host header outside its --allowed-hosts.
INVALID_HOST = "Invalid Host header"


class _Guarded:
    """An MLflow client whose refusals and unreachable servers are one-line ``TrackingError``s.

    Everything else (a missing resource, a conflict) reaches the caller as MLflow raised it.
    """

    def __init__(self, wrapped: MlflowClient, connection: Connection) -> None:
        self._wrapped = wrapped
        self._connection = connection

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self._wrapped, name)
        if not callable(attribute):
            return attribute
        return functools.partial(self._call, attribute)

    def _call(self, method: Callable[..., object], *args: object, **kwargs: object) -> object:
        from mlflow.exceptions import MlflowException

        where = f"MLflow at {self._connection.uri}"
        try:
            return method(*args, **kwargs)
        except MlflowException as error:
            if INVALID_HOST in str(error):
                raise TrackingError(
                    f"{where}: the server refuses the host name in MLFLOW_TRACKING_URI (it answers "
                    "only names it was started with): start it with --allowed-hosts naming it "
                    "(docs/guide.md, Working as a team)"
                ) from error
            if error.error_code in REFUSED:
                who = self._connection.username or "nobody (no MLFLOW_TRACKING_USERNAME)"
                raise TrackingError(
                    f"{where}: {REFUSED[error.error_code]} as {who}: check "
                    "MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (environment or .env)"
                ) from error
            if "failed with exception" in str(error) or "Max retries exceeded" in str(error):
                raise TrackingError(f"{where} cannot be reached: is the server running?") from error
            raise


def _new_client(connection: Connection) -> MlflowClient:
    import_mlflow()
    from mlflow.tracking import MlflowClient

    if connection.uri.startswith("sqlite:///"):
        Path(connection.uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if connection.username is not None:
        os.environ["MLFLOW_TRACKING_USERNAME"] = connection.username
    if connection.password is not None:
        os.environ["MLFLOW_TRACKING_PASSWORD"] = connection.password
    return MlflowClient(tracking_uri=connection.uri)


def experiment_id(mlflow_client: MlflowClient, name: str, project: str | None = None) -> str:
    """The id of experiment ``name``, created when missing (a race with a teammate is fine)
    and restored when deleted.

    With ``project``: the experiment is that project's (tagged so when new or untagged), or a
    one-line ``TrackingError`` when another project's first commit is on it.
    """
    from mlflow.exceptions import MlflowException

    found = mlflow_client.get_experiment_by_name(name)
    if found is None:
        tags = {PROJECT_TAG: project} if project else None
        try:
            return str(mlflow_client.create_experiment(name, tags=tags))
        except MlflowException:  # created meanwhile by someone else
            found = mlflow_client.get_experiment_by_name(name)
            if found is None:
                raise
    owner = found.tags.get(PROJECT_TAG)
    if project and owner is None:
        mlflow_client.set_experiment_tag(found.experiment_id, PROJECT_TAG, project)
    elif project and owner != project:
        raise TrackingError(
            f"MLflow experiment {name!r} belongs to another project (first commit "
            f"{str(owner)[:12]}, this project's {project[:12]}): both would share runs and models; "
            "give this project its own: mlflow.experiment in params.yaml, or "
            "MLFLOW_EXPERIMENT_NAME"
        )
    if found.lifecycle_stage == "deleted":  # in MLflow's trash: it takes no new run
        mlflow_client.restore_experiment(found.experiment_id)
        log.warning(
            "MLflow experiment %r was deleted on the server outside leanops: restored, with its "
            "runs",
            name,
        )
    return str(found.experiment_id)


def mlflow_params(params: Mapping[str, object]) -> dict[str, str]:
    """Parameters as MLflow keeps them: text as it is (``ridge``, not ``"ridge"``), other values
    as JSON (``1000``, ``true``, ``[1, 2]``), which reading parses back."""
    return {str(k): v if isinstance(v, str) else to_json(plain(v)) for k, v in params.items()}


def quoted(text: str) -> str:
    """A string literal for MLflow's search filters, which read no escapes: in single quotes,
    or in double quotes when the text holds a single one (``bob's experiment``)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise TrackingError(
        f"{text!r} holds both kinds of quote, which MLflow's search cannot match: rename it"
    )


def log_batches(
    mlflow_client: MlflowClient,
    run_id: str,
    metrics: Sequence[Metric] = (),
    params: Sequence[Param] = (),
) -> None:
    """``log_batch`` within MLflow's per-request limits (100 params, 1,000 metrics)."""
    metrics, params = list(metrics), list(params)
    for start in range(0, len(params), MAX_PARAMS):
        mlflow_client.log_batch(run_id, params=params[start : start + MAX_PARAMS])
    for start in range(0, len(metrics), MAX_METRICS):
        mlflow_client.log_batch(run_id, metrics=metrics[start : start + MAX_METRICS])
