"""Signed audit records: a record counts only when its author's SSH key signed it.

The project's ``allowed_signers`` file (git's allowed-signers format, reviewed and committed like
``trusted-types.txt``) lists each teammate's public key with the names it may sign as:
``alice@* ssh-ed25519 AAAA...`` lets that key sign records whose ``who`` is ``alice@<host>``.
Once it lists a key, every change is signed (``ssh-keygen -Y sign``, namespace
``leanops-audit``) with the writer's key (the ``signing_key`` setting, else git's
``user.signingkey``), and every reader verifies each record (``ssh-keygen -Y verify``) for the
name it carries. A record that does not
verify, or an unsigned one after signing began, is not applied: whoever can write to the
server's log cannot promote a model, or act in someone else's name, without a listed key.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .. import package
from .records import RegistryError

if TYPE_CHECKING:
    from .records import AuditRecord

SIGNERS_FILE = "allowed_signers"
NAMESPACE = "leanops-audit"
TIMEOUT_S = 30


def listed_keys(signers: Path) -> int:
    """How many keys ``signers`` lists (0 when it is missing or holds only comments)."""
    try:
        lines = signers.read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        return 0
    return sum(1 for line in lines if line.strip() and not line.lstrip().startswith("#"))


def payload(record: AuditRecord) -> bytes:
    """What is signed: the record as canonical JSON, without its signature."""
    fields = {key: value for key, value in record.items() if key != "sig"}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signing_key(setting: Path | None) -> Path:
    """The writer's private key: the ``signing_key`` setting, else git's ``user.signingkey``."""
    given = str(setting) if setting is not None else ""
    if not given:
        found = subprocess.run(
            ["git", "config", "user.signingkey"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        given = found.stdout.strip()
    key = Path(given).expanduser() if given else None
    if key is None or not key.is_file():
        variable = f"{package().upper()}_SIGNING_KEY"
        raise RegistryError(
            f"{SIGNERS_FILE} lists the team's keys, so each change is signed: set {variable} "
            "in .env (or git's user.signingkey) to your SSH private key, listed there by its "
            "public key"
        )
    return key


def sign(record: AuditRecord, key: Path) -> str:
    """``record``'s signature by ``key`` (an armored SSH signature)."""
    done = _ssh_keygen(["-Y", "sign", "-f", str(key), "-n", NAMESPACE], payload(record))
    if done.returncode != 0:
        raise RegistryError(f"cannot sign with {key}: {_first_line(done.stderr)}")
    return done.stdout.decode("ascii")


class Verifier:
    """Tells, record by record in log order, why one does not count ('' when it does)."""

    def __init__(self, signers: Path) -> None:
        self.signers = signers
        self.signing = False  # a signed record was seen: unsigned ones no longer count

    def __call__(self, record: AuditRecord) -> str:
        signature = record.get("sig")
        if signature is None:
            if self.signing:
                return f"it is not signed ({record['action']} in the name of {record['who']})"
            return ""
        self.signing = True
        with tempfile.NamedTemporaryFile("w", suffix=".sig", encoding="ascii") as file:
            file.write(signature)
            file.flush()
            arguments = ["-Y", "verify", "-f", str(self.signers), "-I", record["who"]]
            arguments += ["-n", NAMESPACE, "-s", file.name]
            done = _ssh_keygen(arguments, payload(record))
        if done.returncode != 0:
            return (
                f"its signature is not by a key {self.signers.name} lists for {record['who']} "
                f"({record['action']} v{record['to']}): forged, or signed by someone else"
            )
        return ""


def _ssh_keygen(arguments: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["ssh-keygen", *arguments],
            input=data,
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RegistryError(
            f"signed audit records need ssh-keygen (OpenSSH 8.1 or later): {error}"
        ) from error


def _first_line(data: bytes) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else "no reason given"
