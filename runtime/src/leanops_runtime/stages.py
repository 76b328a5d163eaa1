"""Stages that skip themselves: a stage runs again only when something it reads changed.

Each stage names its inputs as digests (the data's bytes, the contract file, the settings it
reads, the code of the team's package, the runtime's own code and the key packages' versions).
After a stage runs, its inputs and what it produced are kept in ``.leanops/stages.json``; the
next pipeline compares and says, for each stage, why it ran (which inputs changed) or that it
was skipped (since which run). Only the last run of each stage is kept: going back to older
inputs runs the stage again. ``pipeline --force`` runs every stage.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .files import write_atomic

RECORDS_FILE = Path(".leanops") / "stages.json"
# A re-run names at most this many of the inputs that changed (a new params.yaml changes many).
SHOWN_CHANGES = 4

Inputs = dict[str, str]
Outputs = dict[str, str | int]


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_value(value: object) -> str:
    """The SHA-256 of a JSON-able value, as canonical JSON."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return digest_bytes(text.encode("utf-8"))


def digest_file(path: Path) -> str:
    """The SHA-256 of a file's bytes ('missing' when there is none)."""
    return digest_bytes(path.read_bytes()) if path.is_file() else "missing"


def digest_tree(folder: Path) -> str:
    """The SHA-256 of every ``.py`` file below ``folder``, with its relative path."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def runtime_digest() -> str:
    """The runtime's own code and the versions of the packages a result depends on."""
    from .info import package_versions

    return digest_value([digest_tree(Path(__file__).parent), package_versions()])


def team_digest() -> str:
    """The code of the team's package (features, estimators, datasets and what they import
    from it)."""
    import importlib

    from . import package

    module = importlib.import_module(package())
    return digest_tree(Path(str(module.__file__)).parent)


@dataclass(frozen=True)
class Decision:
    """Whether a stage runs, and why (or, when skipped, what it reuses)."""

    stage: str
    run: bool
    reason: str
    reused: Outputs = field(default_factory=dict)  # what a skipped stage's last run produced
    since: str = ""  # the id of that run

    def line(self) -> str:
        return f"{self.stage}: {'ran' if self.run else 'skipped'} ({self.reason})"


@dataclass
class StageRecords:
    """The last inputs and outputs of each stage, in ``.leanops/stages.json``."""

    root: Path
    records: dict[str, dict[str, object]] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> StageRecords:
        path = root / RECORDS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (OSError, ValueError):
            data = {}  # unreadable: every stage runs, and the file is written anew
        return cls(root, data if isinstance(data, dict) else {})

    def decide(self, stage: str, inputs: Inputs, *, force: bool = False) -> Decision:
        """Run ``stage`` unless its last run read exactly ``inputs``."""
        if force:
            return Decision(stage, True, "--force")
        last = self.records.get(stage)
        before = last.get("inputs") if isinstance(last, dict) else None
        if not isinstance(last, dict) or not isinstance(before, dict):
            return Decision(stage, True, "no earlier run recorded")
        # Both ways: a parameter removed since (an emptied also_try) is a change too.
        names = {*inputs, *before}
        changed = sorted(name for name in names if before.get(name) != inputs.get(name))
        if changed:
            named = ", ".join(changed[:SHOWN_CHANGES])
            if len(changed) > SHOWN_CHANGES:
                named += f" and {len(changed) - SHOWN_CHANGES} more"
            return Decision(stage, True, f"changed since the last run: {named}")
        outputs = last.get("outputs")
        since = str(last.get("run_id", ""))
        return Decision(
            stage,
            False,
            f"nothing it reads changed since run {since[:12]}",
            dict(outputs) if isinstance(outputs, dict) else {},
            since,
        )

    def record(self, stage: str, inputs: Inputs, outputs: Outputs, run_id: str) -> None:
        """Keep what ``stage`` read and produced in run ``run_id``."""
        self.records[stage] = {"inputs": inputs, "outputs": outputs, "run_id": run_id}
        text = json.dumps(self.records, indent=2, sort_keys=True) + "\n"
        write_atomic(self.root / RECORDS_FILE, text.encode("utf-8"))
