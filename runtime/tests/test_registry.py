"""The local registry: versions, aliases and the audit log as one record, trust, paths, modes,
rollback as a stack, concurrent writers, leftovers of a crash, one model line per dataset."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import re
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _models import fit, names, open_line, register, training_data
from _package import NAME, lib

cli = lib("cli")
config = lib("settings")
registry_mod = lib("registry")


@pytest.fixture
def settings(project: Path) -> Any:
    return config.load_settings(project)


@pytest.fixture
def registry(project: Path) -> Any:
    return open_line(project)


def audit_lines(registry: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in registry.audit_path.read_text().splitlines()]


def rewrite_audit(registry: Any, lines: list[dict[str, Any]]) -> None:
    registry.audit_path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def one_line_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run a command that must fail with exit 2 and one line on stderr; return that line."""
    assert cli.main(list(args)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: "), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.strip()


def test_register_records_one_version_and_the_candidate(registry: Any, settings: Any) -> None:
    entry = register(registry, settings, fit(settings), metrics={"score": 0.9}, run_id="run-1")
    assert entry["version"] == 1
    assert registry.alias("candidate") == 1
    assert registry.alias("production") is None
    assert registry.entry("v1") == entry
    assert entry["created_by"] and entry["created_at"]
    folder = registry.dir / "v1"
    assert sorted(path.name for path in folder.iterdir()) == [
        "holdout.parquet",
        "model.skops",
        "reference.json",
    ]
    assert lib("files").sha256_of(folder / "model.skops") == entry["sha256"]
    assert register(registry, settings, fit(settings))["version"] == 2
    assert registry.alias("candidate") == 2
    first, second = registry.audit()
    assert (first["seq"], first["action"], first["from"], first["to"]) == (1, "register", None, 1)
    assert first["entry"]["sha256"] == entry["sha256"], "the audit names the registry's hash"
    assert (second["seq"], second["from"], second["to"]) == (2, 1, 2)
    assert not list(registry.models_dir.glob("*.json")), "no second trust file"


def test_load_round_trips_the_model(registry: Any, settings: Any) -> None:
    model = fit(settings, boosting=True)
    register(registry, settings, model)
    registry.set_production(1)
    loaded, record = registry.load_production()
    _, test = training_data(settings)
    np.testing.assert_allclose(loaded.predict(test), model.predict(test))
    assert record["version"] == 1
    holdout, _ = registry.holdout(1)
    assert len(holdout) == len(test)
    reference, _ = registry.reference(1)
    assert reference["features"]


def test_files_follow_the_umask_and_another_user_can_read_them(
    registry: Any, settings: Any, project: Path
) -> None:
    old = os.umask(0o022)
    try:
        register(registry, settings, fit(settings))
        registry.set_production(1)
    finally:
        os.umask(old)
    written = [registry.audit_path, *(registry.dir / "v1").iterdir()]
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    for folder in (registry.models_dir, registry.dir, registry.dir / "v1"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755, folder
    if os.geteuid() != 0:
        pytest.skip("reading as another user needs root (checked the modes above)")
    assert read_as_another_user(project) == "v1", "the image's user reads the registry"


def read_as_another_user(project: Path, uid: int = 10001) -> str:
    """Load production as ``uid`` (the Docker image's user) in a forked child; what it says.

    The project is copied with its modes into a folder anyone may enter (pytest's own temporary
    folders are private to their owner, as a home directory would be).
    """
    import shutil
    import tempfile

    shared = Path(tempfile.mkdtemp(prefix="registry-ro-"))
    try:
        shared.chmod(0o755)
        for name in ("models", "params.yaml", "trusted-types.txt", "contracts"):
            source = project / name
            if source.is_dir():
                shutil.copytree(source, shared / name)
            else:
                shutil.copy2(source, shared / name)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through the pipe
            os.close(read)
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                _, entry = open_line(shared).load_production()
                answer = f"v{entry['version']}"
            except BaseException as error:
                answer = f"{type(error).__name__}: {error}"
            os.write(write, answer.encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            answer = pipe.read().decode()
        os.waitpid(pid, 0)
        return answer
    finally:
        shutil.rmtree(shared)


# ----------------------------------------------------------------------------------- tampering


def test_a_tampered_artifact_is_refused(
    registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    register(registry, settings, fit(settings))
    registry.set_production(1)
    path = registry.dir / "v1" / "model.skops"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    error = one_line_error(capsys, "evaluate")
    assert "SHA-256" in error


def test_editing_the_audit_log_cannot_widen_trust(
    registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The attack: a model that runs os.system, its hash and types written into the log."""
    from sklearn.preprocessing import FunctionTransformer

    register(registry, settings, fit(settings))
    registry.set_production(1)
    evil = lib("model").dump_model(FunctionTransformer(func=os.system))
    (registry.dir / "v1" / "model.skops").write_bytes(evil.data)
    lines = audit_lines(registry)
    lines[0]["entry"]["sha256"] = evil.sha256
    lines[0]["entry"]["types"] = evil.types
    lines[1]["prev"] = lib("registry.records").chain_hash(lines[0])  # the chain rewritten too
    rewrite_audit(registry, lines)
    with pytest.raises(registry_mod.RegistryError, match=r"outside trusted-types\.txt"):
        registry.load_production()
    error = one_line_error(capsys, "evaluate", "--root", str(registry.models_dir.parent))
    assert "system" in error


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda entry: entry.update(artifact="../../outside.skops"), "unexpected field 'artifact'"),
        (lambda entry: entry.update(reference="/etc/hostname"), "unexpected field 'reference'"),
        (lambda entry: entry.update(version=True), "wrong type"),
        (lambda entry: entry.update(sha256="x" * 64), "not a hex digest"),
        (lambda entry: entry.pop("holdout_sha256"), "'holdout_sha256' is missing"),
    ],
)
def test_paths_and_fields_in_the_audit_log_are_refused(
    registry: Any,
    settings: Any,
    capsys: pytest.CaptureFixture[str],
    edit: Any,
    message: str,
) -> None:
    register(registry, settings, fit(settings))
    lines = audit_lines(registry)
    edit(lines[0]["entry"])
    rewrite_audit(registry, lines)
    error = one_line_error(capsys, "models")
    assert message in error
    assert "audit.jsonl line 1" in error


def test_a_symbolic_link_out_of_the_registry_is_refused(
    registry: Any, settings: Any, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register(registry, settings, fit(settings))
    registry.set_production(1)
    outside = project / "outside"
    (registry.dir / "v1").rename(outside)
    (registry.dir / "v1").symlink_to(outside)
    error = one_line_error(capsys, "evaluate")
    assert "symbolic link" in error
    (registry.dir / "v1").unlink()
    (registry.dir / "v1").mkdir()
    (registry.dir / "v1" / "model.skops").symlink_to(outside / "model.skops")
    assert "symbolic link" in one_line_error(capsys, "evaluate")


@pytest.mark.parametrize(
    ("name", "command"),
    [("holdout.parquet", ["promote"]), ("holdout.parquet", ["evaluate"]), ("reference.json", [])],
)
def test_tampered_holdout_and_reference_are_refused(
    registry: Any,
    settings: Any,
    capsys: pytest.CaptureFixture[str],
    name: str,
    command: list[str],
) -> None:
    import pandas as pd

    register(registry, settings, fit(settings))
    path = registry.dir / "v1" / name
    if name == "holdout.parquet":  # rows that flatter a bad model, an attack on the gate
        pd.read_parquet(path).head(5).to_parquet(path)
        error = one_line_error(capsys, *command)
    else:
        path.write_text('{"features": {}}')
        _, test = training_data(settings)
        test.to_csv(registry.models_dir.parent / "batch.csv", index=False)
        error = one_line_error(capsys, "drift", "batch.csv", "--version", "v1")
    assert f"{name} does not match its recorded SHA-256" in error


# ------------------------------------------------------------------------------------ rollback


def test_rollback_is_a_stack(registry: Any, settings: Any) -> None:
    model = fit(settings, "bad")
    for _ in range(4):
        register(registry, settings, model)
    with pytest.raises(registry_mod.RegistryError, match="no production model"):
        registry.rollback()
    for version in (1, 2, 3):
        registry.set_production(version)
    # Production v3, rollback --to v2, then a plain rollback goes to v1 (never back to v3).
    assert registry.rollback(to="v2", reason="bad batch")["to"] == 2
    assert registry.rollback()["to"] == 1
    with pytest.raises(registry_mod.RegistryError, match="no version was production before v1"):
        registry.rollback()
    # v3 was rolled back from: it is promoted again through the gate, not rolled back to, and
    # the refusal says it was production (v4 never was).
    with pytest.raises(registry_mod.RegistryError, match="promote it instead") as refused:
        registry.rollback(to="v3")
    assert str(refused.value).startswith("v3 was rolled back from, not rolled back to: ")
    with pytest.raises(registry_mod.RegistryError, match="v4 was not production before v1"):
        registry.rollback(to="v4")
    registry.set_production(3)
    registry.set_production(4)
    assert registry.rollback()["to"] == 3
    assert registry.rollback()["to"] == 1
    registry.set_production(2)
    registry.set_production(4)
    assert registry.rollback(to=1)["to"] == 1, "--to pops through the versions in between"
    with pytest.raises(registry_mod.RegistryError, match="already the production"):
        registry.rollback(to=1)
    with pytest.raises(registry_mod.RegistryError, match="not registered"):
        registry.rollback(to=9)
    rollbacks = [r for r in registry.audit() if r["action"] == "rollback"]
    assert [(r["from"], r["to"]) for r in rollbacks] == [(3, 2), (2, 1), (4, 3), (3, 1), (4, 1)]
    assert rollbacks[0]["reason"] == "bad batch"


def test_unknown_versions_and_aliases_are_one_line_errors(registry: Any) -> None:
    with pytest.raises(registry_mod.RegistryError, match="no production model yet"):
        registry.load_production()
    with pytest.raises(registry_mod.RegistryError, match="not a model version"):
        registry.entry("latest")
    with pytest.raises(registry_mod.RegistryError, match="not registered"):
        registry.set_production(4)


# --------------------------------------------------------------------------------- concurrency


def _promote_many(project: str, versions: list[int], barrier: Any) -> None:
    registry = open_line(Path(project))
    barrier.wait()
    for version in versions:
        try:
            registry.set_production(version, reason="race")
        except registry_mod.RegistryError as error:  # already production: the other won
            assert "already the production" in str(error)


def test_concurrent_promotions_leave_one_consistent_log(
    registry: Any, settings: Any, project: Path
) -> None:
    model = fit(settings, "bad")
    for _ in range(4):
        register(registry, settings, model)
    barrier = multiprocessing.Barrier(2)
    rounds = 15
    workers = [
        multiprocessing.Process(
            target=_promote_many, args=(str(project), versions * rounds, barrier)
        )
        for versions in ([1, 2], [3, 4])
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    records = registry.audit()
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    promotions = [r for r in records if r["action"] == "promote"]
    assert len(promotions) >= 2 * rounds
    for before, after in itertools.pairwise(promotions):
        assert after["from"] == before["to"], "each promotion starts where the last one left"
    assert registry.alias("production") == promotions[-1]["to"]
    assert not list(registry.dir.glob(".*.tmp"))


def test_a_promotion_decided_on_a_stale_state_is_refused(registry: Any, settings: Any) -> None:
    for _ in range(3):
        register(registry, settings, fit(settings, "bad"))
    registry.set_production(1)
    with pytest.raises(registry_mod.RegistryError, match="production changed while the gate ran"):
        registry.set_production(3, expect=None)
    assert registry.alias("production") == 1


# ---------------------------------------------------------------------------------- leftovers


def test_the_next_change_clears_a_crash_but_keeps_every_version_folder(
    registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    register(registry, settings, fit(settings, "bad"))
    (registry.dir / "v2").mkdir()  # a registration killed before its audit line
    (registry.dir / "v2" / "model.skops").write_bytes(b"half")
    (registry.dir / ".audit.jsonl.x.tmp").write_bytes(b"")
    (registry.dir / "v1" / ".model.skops.y.tmp").write_bytes(b"")
    with registry.audit_path.open("a") as handle:
        handle.write('{"seq": 2, "action": "prom')  # a line torn by a power cut
    before = registry.dir.joinpath("audit.jsonl").read_bytes()
    # v2/ is not listed and the log ends in a cut line: the log may have lost v2's record.
    assert "v2/ hold model files it does not list" in one_line_error(capsys, "models")
    assert registry.dir.joinpath("audit.jsonl").read_bytes() == before, "a read changes nothing"
    assert (registry.dir / "v2" / "model.skops").read_bytes() == b"half"
    with pytest.raises(registry_mod.RegistryError, match="models --set-aside"):
        registry.set_production(1)

    assert cli.main(["models", "--set-aside"]) == 0
    [place] = (registry.dir / "set-aside").iterdir()
    assert (place / "v2" / "model.skops").read_bytes() == b"half", "moved, not deleted"
    assert (place / "audit.jsonl.cut-line").read_bytes() == b'{"seq": 2, "action": "prom'
    registry.set_production(1)
    assert sorted(p.name for p in registry.dir.iterdir()) == [
        ".lock",
        "audit.jsonl",
        "set-aside",
        "v1",
    ]
    assert not list((registry.dir / "v1").glob(".*"))
    assert [r["seq"] for r in registry.audit()] == [1, 2]


def test_an_unregistered_folder_is_kept_and_its_number_skipped(
    registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    register(registry, settings, fit(settings, "bad"))
    (registry.dir / "v2").mkdir()  # a registration killed before its audit line
    (registry.dir / "v2" / "model.skops").write_bytes(b"half")
    capsys.readouterr()
    assert cli.main(["models"]) == 0
    assert "v2/ is not in the audit log" in capsys.readouterr().err
    assert register(registry, settings, fit(settings))["version"] == 3
    assert (registry.dir / "v2" / "model.skops").read_bytes() == b"half"
    assert sorted(registry.state().versions) == [1, 3]


@pytest.mark.parametrize("damage", ["moved away", "emptied", "cut mid-line", "cut mid-file"])
def test_a_lost_audit_log_never_costs_a_model(
    registry: Any, settings: Any, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    for _ in range(3):
        register(registry, settings, fit(settings, "bad"))
    registry.set_production(1)
    data = registry.audit_path.read_bytes()
    if damage == "moved away":
        registry.audit_path.rename(registry.dir / "audit.jsonl.bak")
    elif damage == "emptied":
        registry.audit_path.write_bytes(b"")
    elif damage == "cut mid-line":
        registry.audit_path.write_bytes(data[:20])
    else:
        registry.audit_path.write_bytes(data[: data.index(b"\n") + 40])
    models = {p: p.read_bytes() for p in registry.dir.glob("v*/*")}
    for command in (["models"], ["models", "--audit"], ["promote"], ["rollback"]):
        assert "nothing was changed" in one_line_error(capsys, *command)
    assert {p: p.read_bytes() for p in registry.dir.glob("v*/*")} == models
    assert cli.main(["models", "--set-aside"]) == 0
    moved = {p.name for p in (registry.dir / "set-aside").glob("*/v*")}
    kept = {p.name for p in registry.dir.glob("v*")}
    assert moved | kept == {"v1", "v2", "v3"} and not moved & kept
    assert cli.main(["models"]) == 0


# ------------------------------------------------------------------------------------ commands


def test_models_command_lists_versions_aliases_audit_and_types(
    registry: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["models"]) == 0
    assert "no models registered yet" in capsys.readouterr().err
    register(registry, settings, fit(settings, "bad"), run_id="abc123")
    register(registry, settings, fit(settings, boosting=True))
    registry.set_production(1, reason="first")
    assert cli.main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["version", "aliases"]
    assert lines[2].split()[:2] == ["v1", "production"]
    assert "abc123" in lines[2]
    assert "estimator" in lines[0].split()
    assert f" {registry.entry(1)['estimator']} " in lines[2]  # which model it is, at a glance
    assert lines[3].split()[:2] == ["v2", "candidate"]
    assert cli.main(["models", "--audit", "1", "--json"]) == 0
    [last] = capsys.readouterr().out.splitlines()
    assert json.loads(last)["reason"] == "first"
    assert cli.main(["models", "--audit", "2"]) == 0
    assert "1 earlier record(s) not shown: --audit 3 shows all" in capsys.readouterr().err
    for wrong in ("0", "-3"):
        with pytest.raises(SystemExit) as usage:  # argparse's usage error
            cli.main(["models", "--audit", wrong])
        assert usage.value.code == 2
        assert "give a number of records, 1 or more" in capsys.readouterr().err
    assert cli.main(["models", "--audit"]) == 0
    header, _, *records = capsys.readouterr().out.splitlines()
    assert header.split()[3:7] == ["who", "action", "alias", "version"]
    assert [line.split()[0] for line in records] == ["1", "2", "3"]
    assert re.search(r"\bpromote\s+production\s+- -> v1\s+first\s+-$", records[-1])
    assert cli.main(["models", "--types", "v2"]) == 0
    assert "TreePredictor" in capsys.readouterr().out
    allowlist = registry.allowlist
    allowlist.write_text("numpy.dtype\n")
    assert cli.main(["models", "--types"]) == 1
    captured = capsys.readouterr()
    assert "MISSING" in captured.out
    assert "review them" in captured.err


def test_switching_the_dataset_opens_another_model_line(
    project: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Another dataset never bricks promote, predict or rollback of the first."""
    data = lib("data")
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0
    frame = data.load_embedded(settings.data.dataset)
    raw = project / "data" / "raw" / "other.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    frame.sample(frac=0.9, random_state=1).to_csv(raw, index=False)
    contract = project / "contracts" / "other.yaml"
    infer = ["contract", "infer", str(raw), "-o", str(contract), "--name", "other"]
    assert cli.main([*infer, "--target", names(settings)[1]]) == 0
    batch = project / "batch.csv"
    frame.drop(columns=[names(settings)[1]]).head(50).to_csv(batch, index=False)

    monkeypatch.setenv(f"{config.ENV_PREFIX}DATA__DATASET", "other")
    capsys.readouterr()
    assert cli.main(["predict", "batch.csv", "-o", "reports/none.csv"]) == 2
    assert "no production model yet (run: promote) for dataset other" in capsys.readouterr().err
    assert cli.main(["rollback"]) == 2
    assert "no production model for dataset other" in capsys.readouterr().err
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0
    assert "promoted: v1 is production (was none)" in capsys.readouterr().err
    assert cli.main(["predict", "batch.csv", "-o", "reports/other.csv"]) == 0
    assert cli.main(["rollback"]) == 2
    assert "nothing to roll back to" in capsys.readouterr().err

    monkeypatch.delenv(f"{config.ENV_PREFIX}DATA__DATASET")
    assert cli.main(["predict", "batch.csv", "-o", "reports/first.csv"]) == 0
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote", "--force", "--reason", "test"]) == 0
    assert cli.main(["rollback"]) == 0
    assert "v1 is production (was v2)" in capsys.readouterr().err
    lines = {path.name for path in (project / "models").iterdir()}
    assert lines == {settings.data.dataset, "other"}


@pytest.mark.parametrize(
    ("lost", "how"),
    [("model.skops", "deleted"), ("holdout.parquet", "deleted"), ("model.skops", "one byte")],
)
def test_a_production_model_whose_files_are_gone_or_changed_is_an_error_where_it_is_shown(
    project: Path, capsys: pytest.CaptureFixture[str], lost: str, how: str
) -> None:
    settings = config.load_settings(project)
    data = lib("data")
    target = lib("contract").load_contract(settings.data.dataset, project).target
    data.load_embedded(settings.data.dataset).drop(columns=[target]).head(20).to_csv(
        project / "batch.csv", index=False
    )
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0
    path = project / "models" / settings.data.dataset / "v1" / lost
    if how == "deleted":
        path.unlink()
    else:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    capsys.readouterr()
    predict = [["predict", "batch.csv"]] if lost == "model.skops" else []  # needs only the model
    for command in (["models"], ["report"], *predict):
        assert cli.main(command) == 2, command
        (error,) = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
        assert error.startswith("error: ") and lost in error and "v1" in error, (command, error)
        if command != ["predict", "batch.csv"]:  # v1 is the first production: no rollback
            assert "train and promote a new version (no earlier production" in error, error
    # The report still writes a page and a status that say so, never leaving a clean old one.
    page = (project / "reports" / "report.html").read_text("utf-8")
    assert "production model damaged" in page and lost in page
    status = json.loads((project / "reports" / "status.json").read_text("utf-8"))
    assert any(lost in warning for warning in status["warnings"])


def test_the_audit_and_the_runs_name_gits_identity_not_the_user_variable(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config_file = tmp_path / "gitconfig"
    config_file.write_text("[user]\n\tname = Ann\n\temail = ann@example.com\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config_file))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0
    records = open_line(project).audit()
    assert [r["who"] for r in records] == ["ann@example.com", "ann@example.com"]
    store = lib("tracking").run_store(config.load_settings(project), project)
    (run,) = store.list_runs(name="pipeline")
    assert store.get_run(run["id"])["user"] == "ann@example.com"  # the same person, one name


def test_a_record_edited_by_hand_breaks_the_chain_and_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote", "--reason", "first"]) == 0
    log = project / "models" / config.load_settings(project).data.dataset / "audit.jsonl"
    lines = log.read_text().splitlines()
    first = json.loads(lines[0])
    assert first["prev"] is None and json.loads(lines[1])["prev"]
    name = next(iter(first["entry"]["metrics"]))
    first["entry"]["metrics"][name] = 0.999  # a better score, written by hand
    before = [json.dumps(first, sort_keys=True), lines[1]]
    log.write_text("\n".join(before) + "\n")
    capsys.readouterr()
    broken = "record 2: the record before it was changed after it was written"
    for command in (["models"], ["promote", "--force", "--reason", "x"]):
        assert cli.main(command) == 2, command
        assert broken in capsys.readouterr().err
    assert cli.main(["report"]) == 0  # the page shows the rest, and says the log is broken
    assert broken in (project / "reports" / "report.html").read_text()
    assert log.read_text().splitlines() == before  # nothing written


def test_a_rollback_that_cannot_refresh_the_status_file_still_succeeds(
    project: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """On a full disk the audit record is the change; reports/status.json only mirrors it."""
    import errno

    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote", "--force", "--reason", "second"]) == 0

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(lib("report.status"), "write_status", full)
    assert cli.main(["rollback", "--reason", "disk full"]) == 0
    assert open_line(project).audit()[-1]["action"] == "rollback"
    assert "status.json was not updated (No space left on device)" in caplog.text


def test_a_plain_rollback_passes_over_versions_deleted_on_the_server() -> None:
    state = lib("registry.records").State(production=3, stack=[1, 2], withdrawn={2})
    assert state.fallback() == 1
    state.withdrawn = {1, 2}
    assert state.fallback() is None


def test_the_readme_registry_example_runs_as_written(project: Path, capsys: Any) -> None:
    """The README's "Reading the registry from your own code" block, in a project whose
    pipeline ran and whose model was promoted."""
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("Reading the registry from your own code") :]
    block = section[section.index("```python\n") + len("```python\n") : section.index("```\n")]
    capsys.readouterr()
    exec(compile(block.replace("ml_project", NAME), "README.md", "exec"), {})  # noqa: S102
    printed = capsys.readouterr().out.split(" ", 3)
    assert printed[0] == "1"  # the version the registry loaded, promoted above
    assert printed[1] in lib("team").estimators()[lib("settings").load_settings(project).task]
