"""Signed audit records: once allowed_signers lists the team's keys, a record counts only when
a key listed for its author signed it; a forged or unsigned one changes nothing and is reported."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from _models import fit, open_line
from _models import register as register_model
from _package import NAME, lib

pytestmark = pytest.mark.usefixtures("system_packages")  # ssh-keygen

cli = lib("cli")
config = lib("settings")
records = lib("registry.records")
signing = lib("registry.trust")


def keypair(folder: Path, name: str) -> Path:
    """A new ed25519 key without a passphrase; its private key file."""
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


def public(key: Path) -> str:
    return " ".join(key.with_suffix(".pub").read_text().split()[:2])


@pytest.fixture
def keys(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """alice (this process's writer) and bob; allowed_signers lists both, each for their name."""
    alice, bob = keypair(tmp_path, "alice"), keypair(tmp_path, "bob")
    who = open_line(project).who()
    (project / "allowed_signers").write_text(
        f"# the team's keys\n{who} {public(alice)}\nbob@* {public(bob)}\n"
    )
    monkeypatch.setenv(f"{NAME.upper()}_SIGNING_KEY", str(alice))
    return {"alice": alice, "bob": bob}


def promoted(project: Path) -> Any:
    registry = open_line(project)
    settings = config.load_settings(project)
    register_model(registry, settings, fit(settings, "good"))
    assert cli.main(["promote"]) == 0
    register_model(registry, settings, fit(settings, "weak"))
    return registry


def forge(registry: Any, key: Path | None, **change: Any) -> None:
    """Append a record as a teammate with write access but no leanops would: the next number,
    the right hash of the record before, signed with ``key`` (None: unsigned)."""
    state = registry.state()
    record = {"alias": "production", "reason": None, "forced": False, **change}
    record = records.stamp(record, state, time="2026-12-03T10:00:00+00:00", who=change["who"])
    if key is not None:
        record["sig"] = signing.sign(record, key)
    registry.append(record)


def test_each_change_is_signed_and_verified(
    project: Path, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    registry = promoted(project)
    audit = registry.audit()
    assert [r["action"] for r in audit] == ["register", "promote", "register"]
    assert all(r["sig"].startswith("-----BEGIN SSH SIGNATURE-----") for r in audit)
    capsys.readouterr()
    assert cli.main(["models"]) == 0
    assert "not applied" not in capsys.readouterr().err


@pytest.mark.parametrize("signer", ["bob", None])
def test_a_forged_promotion_in_a_teammates_name_changes_nothing(
    project: Path, keys: dict[str, Path], signer: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = promoted(project)
    who = registry.who()  # alice's name, with bob's key or none
    forge(
        registry, keys[signer] if signer else None, action="promote", who=who, to=2, **{"from": 1}
    )
    assert registry.alias("production") == 1
    capsys.readouterr()
    assert cli.main(["models"]) == 0
    err = capsys.readouterr().err
    why = "its signature is not by a key allowed_signers lists" if signer else "it is not signed"
    assert f"record 4 is not applied (it changes nothing; models --audit marks it): {why}" in err
    # The audit itself says it does not count, and so do the report and reports/status.json.
    assert cli.main(["models", "--audit", "--json"]) == 0
    shown = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [("not_applied" in r, r["seq"]) for r in shown][-2:] == [(False, 3), (True, 4)]
    assert shown[-1]["not_applied"].startswith(why)
    assert cli.main(["models", "--audit", "2"]) == 0  # the table a person reads says it too
    header, _, applied, refused = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["seq", "time", "(UTC)"]
    assert header.rstrip().endswith("not applied")
    assert applied.split()[0] == "3" and not applied.rstrip().endswith(why[-12:])
    assert refused.split()[0] == "4" and why in refused
    assert cli.main(["report"]) == 0
    assert "record 4 is not applied" in capsys.readouterr().err
    status = json.loads((project / "reports" / "status.json").read_text("utf-8"))
    assert any("record 4 is not applied" in line for line in status["warnings"])
    # The log runs on: the next change follows the forged record, and counts.
    assert cli.main(["rollback"]) == 2  # nothing to roll back to: v2 never was production
    assert cli.main(["promote", "--force", "--reason", "after review"]) == 0
    assert registry.alias("production") == 2
    assert registry.audit()[-1]["seq"] == 5


def test_signing_without_a_key_is_one_line_and_writes_nothing(
    project: Path,
    keys: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    registry = promoted(project)
    monkeypatch.setenv(f"{NAME.upper()}_SIGNING_KEY", str(project / "no-such-key"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(project / "no-gitconfig"))
    before = len(registry.audit())
    capsys.readouterr()
    assert cli.main(["promote", "--force", "--reason", "x"]) == 2
    err = capsys.readouterr().err
    assert f"set {NAME.upper()}_SIGNING_KEY in .env" in err
    assert err.count("\n") == 1
    assert len(registry.audit()) == before


def test_without_listed_keys_records_are_not_signed(project: Path) -> None:
    (project / "allowed_signers").write_text("# no key yet\n")
    registry = promoted(project)
    assert all("sig" not in record for record in registry.audit())


@pytest.fixture
def registers_only(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This writer's key listed by ``signers add`` (least privilege: register only), and a CI
    key allowed to move production; the writer signs with the first."""
    mine, ci = keypair(tmp_path, "mine"), keypair(tmp_path, "ci")
    name = open_line(project).who()
    (project / "allowed_signers").write_text("# the team's keys\n")
    assert cli.main(["signers", "add", name, str(mine.with_suffix(".pub"))]) == 0
    assert cli.main(["signers", "add", "ci", str(ci.with_suffix(".pub")), "--production"]) == 0
    monkeypatch.setenv(f"{NAME.upper()}_SIGNING_KEY", str(mine))
    return ci


def test_signers_add_lists_a_key_that_may_register_only(
    project: Path, registers_only: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (project / "allowed_signers").read_text().splitlines()
    assert lines[1].split()[1] == 'namespaces="leanops-register"'
    assert lines[2].startswith('ci@* namespaces="leanops-register,leanops-production" ssh-ed25519')
    capsys.readouterr()
    assert cli.main(["signers", "list"]) == 0
    out = capsys.readouterr().out
    assert "register models, move production" in out.splitlines()[3]
    assert out.splitlines()[2].split()[1:3] == ["register", "models"]
    again = str(registers_only.with_suffix(".pub"))
    assert cli.main(["signers", "add", "ci2", again]) == 2  # the same key twice
    assert cli.main(["signers", "add", "eve", str(project / "params.yaml")]) == 2


def test_a_key_that_may_register_cannot_move_production(
    project: Path, registers_only: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["pipeline"]) == 0  # registering is allowed
    registry = open_line(project)
    assert registry.alias("candidate") == 1
    before = registry.audit()
    capsys.readouterr()
    assert cli.main(["promote"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "allowed to move production" in err[0], err
    assert registry.audit() == before and registry.alias("production") is None

    # Written past leanops with that key, the promotion is set aside by every reader.
    forge(registry, Path(str(registry.key)) if registry.key else None, action="promote",
          who=registry.who(), to=1, **{"from": None})  # fmt: skip
    assert registry.alias("production") is None
    # The CI identity, whose key may move production, promotes.
    forge(registry, registers_only, action="promote", who="ci@runner", to=1, **{"from": None})
    assert registry.alias("production") == 1
