"""What the project trusts, both lists reviewed and committed like code: the types a model file
may make skops build (``trusted-types.txt``) and the keys that sign audit records
(``allowed_signers``).

Types: the allowlist is the only source of trust in both backends. Nothing stored beside a
model (the audit log, an MLflow tag) can widen it, so a hand-edited registry cannot make the
project load code.

Keys: a record counts only when its author's SSH key signed it. ``allowed_signers`` (git's
allowed-signers format) lists each teammate's public key with the names it may sign as:
``alice@* ssh-ed25519 AAAA...`` lets that key sign records whose ``who`` is ``alice@<host>``.
Once it lists a key, every change is signed (``ssh-keygen -Y sign``) with the writer's key (the
``signing_key`` setting, else git's ``user.signingkey``), and every reader verifies each record
(``ssh-keygen -Y verify``) for the name it carries. A record that does not verify, or an
unsigned one after signing began, is not applied: whoever can write to the server's log cannot
promote a model, or act in someone else's name, without a listed key.

What a key may sign is its line's business: the signature's namespace says what the record does
(``NAMESPACES``: registering a candidate, or moving production), and git's
``namespaces="..."`` option on a line limits that key to those. ``signers add`` gives a teammate
``leanops-register`` only: they train and register; production moves (promote, rollback, prune)
need a key listed with ``leanops-production`` too, such as the identity CI promotes with.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import package
from .records import RegistryError

if TYPE_CHECKING:
    from .records import AuditRecord

TRUSTED_TYPES_FILE = "trusted-types.txt"

SIGNERS_FILE = "allowed_signers"
REGISTER, PRODUCTION = "leanops-register", "leanops-production"
# The namespace a record is signed in, by its action: what a key's line must allow.
NAMESPACES = {
    "register": REGISTER,
    "refuse": REGISTER,  # a refusal the gate records changes nothing
    "promote": PRODUCTION,
    "force-promote": PRODUCTION,
    "rollback": PRODUCTION,
    "prune": PRODUCTION,
}
ALLOWS = {REGISTER: "register models", PRODUCTION: "move production"}
TIMEOUT_S = 30


def namespace(action: str) -> str:
    """The namespace a record of ``action`` is signed in (an unknown action: production's)."""
    return NAMESPACES.get(action, PRODUCTION)


def listed_keys(signers: Path) -> int:
    """How many keys ``signers`` lists (0 when it is missing or holds only comments)."""
    try:
        lines = signers.read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        return 0
    return sum(1 for line in lines if line.strip() and not line.lstrip().startswith("#"))


KEY_TYPES = ("ssh-", "ecdsa-", "sk-")


@dataclass(frozen=True)
class Signer:
    """One line of ``allowed_signers``: who, what the key may sign (None: everything), the key."""

    principals: str
    namespaces: tuple[str, ...] | None
    key: str  # ``<type> <base64>``

    def may(self) -> str:
        """``register models, move production``: what this key may sign, in words."""
        allowed = self.namespaces if self.namespaces is not None else tuple(ALLOWS)
        known = [ALLOWS[name] for name in ALLOWS if name in allowed]
        return ", ".join(known) or "nothing leanops writes"


def signers_of(signers: Path) -> list[Signer]:
    """The keys ``signers`` lists (git's allowed-signers format), comments and blanks skipped."""
    import shlex

    found = []
    try:
        lines = signers.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            words = shlex.split(line, posix=False)
        except ValueError:
            words = []
        at = next((i for i, word in enumerate(words) if word.startswith(KEY_TYPES)), None)
        if at is None or at == 0 or len(words) < at + 2:
            raise RegistryError(f"{signers.name} line {number}: not '<names> [options] <key>'")
        namespaces = None
        for name, value in re.findall(r'([A-Za-z-]+)(?:="([^"]*)")?', " ".join(words[1:at])):
            if name.lower() == "namespaces":
                namespaces = tuple(part.strip() for part in value.split(","))
        found.append(Signer(words[0], namespaces, f"{words[at]} {words[at + 1]}"))
    return found


def signer_line(name: str, public_key: str, *, production: bool) -> str:
    """An ``allowed_signers`` line for ``name`` (``alice``: ``alice@*``) and ``public_key`` (a
    ``.pub`` file's text): allowed to register models, and to move production if asked."""
    words = public_key.split()
    if len(words) < 2 or not words[0].startswith(KEY_TYPES):
        raise RegistryError("not an SSH public key: give the .pub file ssh-keygen wrote")
    if not name or any(c.isspace() or c in '",#' for c in name):
        raise RegistryError(f"{name!r}: a teammate's name as MLflow or git knows it")
    principal = name if "@" in name else f"{name}@*"
    allowed = f"{REGISTER},{PRODUCTION}" if production else REGISTER
    return f'{principal} namespaces="{allowed}" {words[0]} {words[1]}'


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
    arguments = ["-Y", "sign", "-f", str(key), "-n", namespace(record["action"])]
    done = _ssh_keygen(arguments, payload(record))
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
            needed = namespace(record["action"])
            arguments += ["-n", needed, "-s", file.name]
            done = _ssh_keygen(arguments, payload(record))
        if done.returncode != 0:
            return (
                f"its signature is not by a key {self.signers.name} lists for {record['who']} "
                f"to {ALLOWS[needed]} ({record['action']} v{record['to']}): forged, signed by "
                "someone else, or by a key not allowed to"
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


def allowlist_path(root: Path | str) -> Path:
    """The allowlist of the project at ``root``."""
    return Path(root) / TRUSTED_TYPES_FILE


def allowed_types(path: Path) -> list[str]:
    """The type names listed in ``path`` (comments and blank lines skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise RegistryError(
            f"{path} not found: the project's list of types a model may load (restore it from git)"
        ) from error
    except OSError as error:
        raise RegistryError(f"cannot read {path}: {error.strerror}") from error
    names = []
    for number, raw in enumerate(text.splitlines(), start=1):
        name = raw.split("#", 1)[0].strip()
        if not name:
            continue
        if any(char.isspace() for char in name) or not all(name.split(".")):
            raise RegistryError(f"{path} line {number}: not a type name: {name!r}")
        names.append(name)
    return names


def missing_types(needed: list[str], path: Path) -> list[str]:
    """The types of ``needed`` that ``path`` does not list (a type of template 0.3.0's
    machinery counts as listed when the runtime type it loads as is: ``moved.new_home``)."""
    from ..moved import new_home

    allowed = set(allowed_types(path))
    return sorted(kind for kind in set(needed) - allowed if new_home(kind) not in allowed)
