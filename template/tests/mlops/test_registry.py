"""The registry: versions, aliases, audit log, safe loading, rollback and concurrent writers."""

from __future__ import annotations

import itertools
import json
import multiprocessing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _models import fit, training_data
from _package import load

registry_mod = load("mlops.registry")
config = load("mlops.settings")


@pytest.fixture
def settings(project: Path) -> Any:
    return config.load_settings(project)


@pytest.fixture
def registry(project: Path) -> Any:
    return registry_mod.Registry(project / "models")


def register(registry: Any, model: Any, **fields: Any) -> dict[str, Any]:
    return registry.register(model, metrics={"score": 1.0}, **fields)


def test_register_records_everything_and_sets_the_candidate(registry: Any, settings: Any) -> None:
    model = fit(settings)
    entry = registry.register(
        model,
        metrics={"score": 0.9},
        data_fingerprint={"sha256": "abc", "rows": 10},
        contract_version="3",
        run_id="run-1",
    )
    assert entry["version"] == 1
    assert registry.alias("candidate") == 1
    assert registry.alias("production") is None
    stored = registry.entry("v1")
    for key in ("run_id", "metrics", "data_fingerprint", "contract_version", "sha256"):
        assert stored[key] == entry[key]
    assert stored["created_by"] and stored["created_at"]
    assert len(stored["sha256"]) == 64
    assert (registry.dir / stored["artifact"]).is_file()
    assert register(registry, model)["version"] == 2
    assert registry.alias("candidate") == 2
    [first, second] = registry.audit()
    assert (first["action"], first["from"], first["to"]) == ("register", None, 1)
    assert (second["from"], second["to"]) == (1, 2)
    assert second["who"] and second["time"]


def test_load_round_trips_the_model(registry: Any, settings: Any) -> None:
    model = fit(settings, boosting=True)
    entry = register(registry, model)
    assert entry["trusted_types"], "a boosting pipeline needs an allowlist entry"
    registry.set_production(1)
    loaded, record = registry.load_production()
    _, test = training_data(settings)
    np.testing.assert_allclose(loaded.predict(test), model.predict(test))
    assert record["version"] == 1


def test_a_tampered_artifact_is_refused(registry: Any, settings: Any) -> None:
    entry = register(registry, fit(settings))
    registry.set_production(1)
    path = registry.dir / entry["artifact"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(registry_mod.RegistryError, match="SHA-256") as error:
        registry.load_production()
    assert "\n" not in str(error.value)


def test_an_artifact_with_an_unlisted_type_is_refused(registry: Any, settings: Any) -> None:
    register(registry, fit(settings, boosting=True))
    registry.set_production(1)
    state = json.loads(registry.path.read_text())
    state["versions"][0]["trusted_types"] = []  # as if the allowlist had been reviewed empty
    registry.path.write_text(json.dumps(state))
    with pytest.raises(registry_mod.RegistryError, match="allowlist") as error:
        registry.load_production()
    assert "TreePredictor" in str(error.value)
    assert "\n" not in str(error.value)


def test_rollback_walks_back_through_production_history(registry: Any, settings: Any) -> None:
    model = fit(settings)
    for _ in range(3):
        register(registry, model)
    with pytest.raises(registry_mod.RegistryError, match="no production"):
        registry.rollback()
    for version in (1, 2, 3):
        registry.set_production(version)
    assert registry.rollback(reason="bad batch")["to"] == 2
    assert registry.alias("production") == 2
    assert registry.rollback()["to"] == 1
    with pytest.raises(registry_mod.RegistryError, match="nothing to roll back"):
        registry.rollback()
    assert registry.rollback(to="v3")["to"] == 3
    with pytest.raises(registry_mod.RegistryError, match="already"):
        registry.rollback(to=3)
    with pytest.raises(registry_mod.RegistryError, match="not registered"):
        registry.rollback(to=9)
    rollbacks = [r for r in registry.audit() if r["action"] == "rollback"]
    assert [(r["from"], r["to"]) for r in rollbacks] == [(3, 2), (2, 1), (1, 3)]
    assert rollbacks[0]["reason"] == "bad batch"


def test_unknown_versions_and_aliases_are_one_line_errors(registry: Any) -> None:
    with pytest.raises(registry_mod.RegistryError, match="no production model yet"):
        registry.load_production()
    with pytest.raises(registry_mod.RegistryError, match="not a model version"):
        registry.entry("latest")
    with pytest.raises(registry_mod.RegistryError, match="not registered"):
        registry.set_production(4)


def _promote_many(models_dir: str, versions: list[int], barrier: Any) -> None:
    registry = registry_mod.Registry(models_dir)
    barrier.wait()
    for version in versions:
        registry.set_production(version, reason="race")


def test_concurrent_promotions_leave_a_consistent_registry(registry: Any, settings: Any) -> None:
    model = fit(settings, "bad")
    for _ in range(4):
        register(registry, model)
    barrier = multiprocessing.Barrier(2)
    rounds = 15
    workers = [
        multiprocessing.Process(
            target=_promote_many, args=(str(registry.dir), versions * rounds, barrier)
        )
        for versions in ([1, 2], [3, 4])
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    promotions = [r for r in registry.audit() if r["action"] == "promote"]
    assert len(promotions) == 4 * rounds, "every promotion of both processes is audited"
    # Serialised writers: each promotion starts from the production the previous one left.
    assert promotions[0]["from"] is None
    for before, after in itertools.pairwise(promotions):
        assert after["from"] == before["to"]
    state = registry.read()
    assert state["aliases"]["production"] == promotions[-1]["to"]
    assert state["production_history"] == [r["to"] for r in promotions]
    assert not list(registry.dir.glob(".*.tmp")), "no temporary file left behind"


def test_models_command_lists_versions_aliases_and_audit(
    registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = load("mlops.cli")
    assert cli.main(["models"]) == 0
    assert "no models registered yet" in capsys.readouterr().err
    register(registry, fit(settings, "bad"), run_id="abc123")
    register(registry, fit(settings, "bad"))
    registry.set_production(1, reason="first")
    assert cli.main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["version", "aliases"]
    assert lines[2].split()[:2] == ["v1", "production"]
    assert "abc123" in lines[2]
    assert lines[3].split()[:2] == ["v2", "candidate"]
    assert cli.main(["models", "--audit", "1"]) == 0
    [last] = capsys.readouterr().out.splitlines()
    assert json.loads(last)["reason"] == "first"


def test_register_trained_links_the_version_and_the_tracked_run(
    project: Path, settings: Any
) -> None:
    lifecycle, tracking = load("mlops.lifecycle"), load("mlops.tracking")
    train, _ = training_data(settings)
    db = project / "tracking.db"
    with tracking.start_run("train", db=db, backend="local") as run:
        entry = lifecycle.register_trained(
            fit(settings), train, metrics={"score": 1.0}, models_dir=project / "models"
        )
    assert entry["run_id"] == run.id
    assert entry["data_fingerprint"]["sha256"] == tracking.fingerprint(train)["sha256"]
    reference, _ = registry_mod.Registry(project / "models").reference("candidate")
    assert set(reference["features"]) == set(train.columns) - {"sample_id", "target"}
    recorded = tracking.get_run(run.id, db=db)
    assert recorded["tags"]["model_version"] == "v1"
    assert any(a["path"].endswith("model.skops") for a in recorded["artifacts"])
