"""Alerts reach a webhook (a real HTTP server on 127.0.0.1) and never change what a command does:
delivered, retried after a 500, given up on a hanging server or a closed port, exit codes kept."""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _models import contract_of, fit, names, open_line, register, train_project
from _package import NAME, lib

alerts = lib("alerts")
cli = lib("cli")
costs = lib("costs")
config = lib("settings")
data = lib("data")
drift = lib("drift")
registry_mod = lib("registry")

URL_VARIABLE = f"{NAME.upper()}_ALERTS__WEBHOOK_URL"


class Webhook:
    """A small webhook receiver: answers each POST with the next planned status (then 200), or
    never answers (``hang``); keeps every JSON body it got."""

    def __init__(self, plan: list[int | str] | None = None) -> None:
        self.plan = list(plan or [])
        self.received: list[dict[str, object]] = []
        self.release = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append(json.loads(body))
                step = hook.plan.pop(0) if hook.plan else 200
                if step == "hang":
                    hook.release.wait(10)
                    return
                self.send_response(int(step))
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        # A short poll: shutdown() waits for the loop to notice (0.5 s by default, per test).
        serve = functools.partial(self.server.serve_forever, poll_interval=0.02)
        threading.Thread(target=serve, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


def closed_port() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def settings_for(url: str, **values: object) -> object:
    return config.AlertSettings(webhook_url=url, **{"timeout_s": 0.5, **values})


def test_the_payload_reaches_the_webhook(webhook: Webhook) -> None:
    alert = alerts.Alert("drift", "drift alert on 1 feature(s): x", "error", {"features": ["x"]})
    assert alerts.send(alert, settings_for(webhook.url))
    (payload,) = webhook.received
    assert payload["text"] == f"[{NAME.replace('_', '-')}] drift alert on 1 feature(s): x"
    assert payload["event"] == "drift"
    assert payload["severity"] == "error"
    assert payload["details"] == {"features": ["x"]}
    assert {"project", "time", "host"} <= set(payload)


def test_a_500_is_retried(webhook: Webhook) -> None:
    webhook.plan = [500]
    assert alerts.send(alerts.Alert("contract", "bad data"), settings_for(webhook.url))
    assert len(webhook.received) == 2


def test_a_webhook_that_keeps_failing_is_given_up_with_a_warning(
    webhook: Webhook, caplog: pytest.LogCaptureFixture
) -> None:
    webhook.plan = [500, 500, 500]
    assert not alerts.send(alerts.Alert("promotion", "refused"), settings_for(webhook.url))
    assert len(webhook.received) == 2  # one try and one retry
    assert "alert not delivered (HTTP 500): refused" in caplog.text
    assert webhook.url not in caplog.text  # the URL is a secret


def test_a_client_error_is_not_retried(webhook: Webhook) -> None:
    webhook.plan = [404]
    assert not alerts.send(alerts.Alert("drift", "x"), settings_for(webhook.url))
    assert len(webhook.received) == 1


def test_a_hanging_webhook_times_out(webhook: Webhook) -> None:
    webhook.plan = ["hang", "hang"]
    start = time.monotonic()
    assert not alerts.send(alerts.Alert("drift", "x"), settings_for(webhook.url, timeout_s=0.2))
    assert time.monotonic() - start < 3.0  # two attempts of 0.2 s and a 0.5 s pause
    assert len(webhook.received) == 2


def test_an_unreachable_webhook_is_a_warning_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    assert not alerts.send(alerts.Alert("drift", "x"), settings_for(closed_port()))
    assert "alert not delivered" in caplog.text


def test_no_url_sends_nothing_and_bad_settings_never_raise(project: Path) -> None:
    assert not alerts.send(alerts.Alert("drift", "x"), config.AlertSettings())
    assert not alerts.notify("drift", "x", settings=settings_for("ftp://example.invalid/hook"))
    (project / "params.yaml").write_text("not: [valid")
    assert not alerts.notify("drift", "x", root=project)


def test_the_url_comes_from_the_environment_or_dotenv(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".env").write_text(f"{URL_VARIABLE}=https://hooks.example.invalid/T0/B0/x\n")
    settings = config.load_settings(project)
    assert settings.alerts.webhook_url.get_secret_value() == "https://hooks.example.invalid/T0/B0/x"
    assert "hooks.example" not in repr(settings)  # never printed by accident
    monkeypatch.setenv(URL_VARIABLE, "http://127.0.0.1:9/hook")
    assert config.load_settings(project).alerts.webhook_url.get_secret_value().endswith(":9/hook")


# ---------------------------------------------------------------- the commands that send alerts


def shifted_batch(project: Path) -> None:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"x": rng.normal(size=3000), "y": rng.normal(size=3000)})
    stats = drift.reference_stats(reference, ["x", "y"], [])
    from sklearn.dummy import DummyRegressor

    model = DummyRegressor().fit(reference, np.zeros(3000))
    settings = config.load_settings(project)
    target = names(settings)[1]
    holdout = reference.assign(**{target: 0.0})
    register(open_line(project), settings, model, reference=stats, holdout=holdout)
    reference.assign(x=reference["x"] + 1.0).to_csv(project / "shifted.csv", index=False)
    contract_of(project, reference)


@pytest.mark.parametrize("plan", [[], [500, 500], ["hang", "hang"], "closed"])
def test_drift_alerts_and_keeps_its_exit_code(
    project: Path, monkeypatch: pytest.MonkeyPatch, webhook: Webhook, plan: object
) -> None:
    shifted_batch(project)
    url = closed_port() if plan == "closed" else webhook.url
    webhook.plan = [] if plan == "closed" else list(plan)  # type: ignore[call-overload]
    monkeypatch.setenv(URL_VARIABLE, url)
    monkeypatch.setenv(f"{NAME.upper()}_ALERTS__TIMEOUT_S", "0.3")
    assert cli.main(["drift", "shifted.csv"]) == 0
    assert cli.main(["drift", "shifted.csv", "--fail-on", "alert"]) == 1
    if plan == []:
        assert [payload["event"] for payload in webhook.received] == ["drift", "drift"]
        assert "x" in str(webhook.received[0]["text"])
        assert webhook.received[0]["details"]["status"] == "alert"  # type: ignore[index]


def test_a_failed_contract_check_alerts(
    project: Path, monkeypatch: pytest.MonkeyPatch, webhook: Webhook
) -> None:
    settings = config.load_settings(project)
    frame = data.load_embedded(settings.data.dataset)
    frame.drop(columns=[frame.columns[2]]).to_csv(project / "broken.csv", index=False)
    monkeypatch.setenv(URL_VARIABLE, webhook.url)
    assert cli.main(["contract", "check", "broken.csv"]) == 1
    (payload,) = webhook.received
    assert payload["event"] == "contract"
    assert payload["severity"] == "error"
    assert "breaks contract" in str(payload["text"])
    webhook.plan = ["hang"]
    monkeypatch.setenv(f"{NAME.upper()}_ALERTS__TIMEOUT_S", "0.2")
    monkeypatch.setenv(f"{NAME.upper()}_ALERTS__RETRIES", "0")
    assert cli.main(["contract", "check", "broken.csv"]) == 1


def test_a_refused_promotion_alerts(
    project: Path, monkeypatch: pytest.MonkeyPatch, webhook: Webhook
) -> None:
    settings = config.load_settings(project)
    train_project(settings, project)  # v1, a good candidate
    register(open_line(project), settings, fit(settings, "bad"))  # v2, no better than constant
    monkeypatch.setenv(URL_VARIABLE, webhook.url)
    assert cli.main(["promote"]) == 1
    (payload,) = webhook.received
    assert payload["event"] == "promotion"
    assert "v2 refused" in str(payload["text"])


def test_a_pipeline_that_costs_more_than_usual_alerts(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    webhook: Webhook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The first runs set what is usual and say nothing; with the factor made tiny, the next
    pipeline costs "more than usual" on every count, deterministically."""
    monkeypatch.setenv(URL_VARIABLE, webhook.url)
    for _ in range(costs.MIN_HISTORY):
        assert cli.main(["pipeline"]) == 0
    assert webhook.received == []
    monkeypatch.setenv(f"{NAME.upper()}_ALERTS__COST_FACTOR", "1e-9")
    assert cli.main(["pipeline"]) == 0
    (payload,) = webhook.received
    assert payload["event"] == "cost"
    assert "cost more than usual: wall time " in str(payload["text"])
    assert f"the last {costs.MIN_HISTORY} runs" in str(payload["text"])
    assert "cost more than usual" in caplog.text
    monkeypatch.setenv(f"{NAME.upper()}_ALERTS__COST_FACTOR", "0")  # off
    assert cli.main(["pipeline"]) == 0
    assert len(webhook.received) == 1


def test_a_pipeline_is_compared_only_with_runs_that_did_the_same_work(
    project: Path, monkeypatch: pytest.MonkeyPatch, webhook: Webhook
) -> None:
    """Pipelines that skipped their stages (nothing changed) cost next to nothing: a pipeline
    that trained is never measured against them, however many there are."""
    monkeypatch.delenv(f"{NAME.upper()}_SKIP_UNCHANGED")
    monkeypatch.setenv(URL_VARIABLE, webhook.url)
    # Any cost is "more than usual" once there are enough runs to compare with.
    monkeypatch.setenv(f"{NAME.upper()}_ALERTS__COST_FACTOR", "1e-9")
    assert cli.main(["pipeline"]) == 0
    for _ in range(costs.MIN_HISTORY + 1):
        assert cli.main(["pipeline"]) == 0  # both stages skipped
    assert cli.main(["pipeline", "--force"]) == 0
    assert webhook.received == [], "one earlier run trained: too few to say what is usual"
    settings = lib("settings").load_settings(project)
    store = lib("tracking").run_store(settings, project)
    assert len(store.list_runs(name="pipeline", tags=["skipped=none"])) == 2
    assert len(store.list_runs(name="pipeline", tags=["skipped=ingest,train"])) == 4


def test_a_long_run_is_compared_even_when_later_runs_fill_the_listing(tmp_path: Path) -> None:
    """Teammates' runs that start after a long pipeline and end before it push it out of the
    newest runs listed: its own cost is then read on its own, and still compared."""
    local = lib("tracking.local")
    db = tmp_path / "runs.db"
    tags = {"dataset": "d", "skipped": "none"}

    def started(wall_s: float) -> object:
        run = local.Run("pipeline", tags=tags, db=db, root=tmp_path)
        run.log_metrics({"cost.wall_s": wall_s})
        return run

    for _ in range(costs.MIN_HISTORY):
        started(1.0).end()
    long = started(100.0)
    for _ in range(costs.RECENT + 1):
        started(1.0).end()
    long.end()
    found = costs.unusual_cost(
        local.LocalRunStore(db),
        long.id,
        name="pipeline",
        skipped="none",
        dataset="d",
        factor=2,
    )
    assert found == ["wall time 100.0s, 100.0x the median 1.0s of the last 10 runs"]
