"""The local registry under SIGKILL: a loop of promote, rollback and register, killed at random
points; after each kill the next change finds one consistent audit log and no leftovers, and no
version folder is ever deleted (an unregistered one is moved aside by ``models --set-aside``).

``LEANOPS_KILLS`` sets the number of kills (default 30; the release figure is measured with 100).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest
from _models import fit, open_line, register
from _package import lib

config = lib("settings")
files = lib("files")
records_mod = lib("registry.records")
registry_mod = lib("registry")

KILLS = int(os.environ.get("LEANOPS_KILLS", "30"))


def loop(root: Path, seed: int) -> None:
    """Change the registry forever (promote, roll back, register), as fast as it goes."""
    import pandas as pd
    from sklearn.dummy import DummyClassifier

    rng = random.Random(seed)  # noqa: S311 (where to change next, not a secret)
    settings = config.load_settings(root)
    registry = registry_mod.open_registry(settings, root)
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "target": [0, 1, 0, 1]})
    candidate = registry_mod.Candidate(
        model=DummyClassifier().fit(frame[["x"]], frame["target"]),
        holdout=frame,
        reference={"features": {}},
        metrics={},
        dataset=settings.data.dataset,
        task="classification",
        target="target",
        estimator="dummy",
    )
    changes = 0
    while True:
        state = registry.state()
        try:
            draw = rng.random()
            if draw < 0.15:
                registry.register(candidate)
            elif draw < 0.55 and state.stack:
                registry.rollback(reason="loop")
            else:
                others = [v for v in state.versions if v != state.production]
                registry.set_production(rng.choice(others), reason="loop")
        except registry_mod.RegistryError:
            pass
        changes += 1
        if changes == 3:
            (root / "started").touch()


def leftovers(registry: object) -> list[str]:
    """Anything in the registry's folder that is not an audit line or a registered version."""
    folder: Path = registry.dir  # type: ignore[attr-defined]
    found = [
        p.name for p in folder.rglob(".*.tmp") if "set-aside" not in p.relative_to(folder).parts
    ]
    # Read without refusing: right after a kill, a cut last line beside the folder of the
    # version it was registering is a state the registry refuses until it is set aside.
    found += [p.name for p in registry.unregistered()]  # type: ignore[attr-defined]
    data = registry.audit_path.read_bytes()  # type: ignore[attr-defined]
    if not data.endswith(b"\n"):
        found.append("a torn last line")
    return found


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_sigkill_at_random_points_leaves_one_consistent_record(project: Path) -> None:
    settings = config.load_settings(project)
    registry = open_line(project)
    for _ in range(3):
        register(registry, settings, fit(settings, "bad"))
    registry.set_production(1)
    # Forked (not spawned) children start with everything imported: 100 kills take seconds.
    fork = multiprocessing.get_context("fork")
    rng = random.Random(0)  # noqa: S311 (when to kill, not a secret)
    seen_leftovers = changes = 0
    for kill in range(KILLS):
        (project / "started").unlink(missing_ok=True)
        child = fork.Process(target=loop, args=(project, kill))
        child.start()
        deadline = time.monotonic() + 60
        while not (project / "started").exists():
            assert child.is_alive(), child.exitcode
            assert time.monotonic() < deadline
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.05))  # somewhere in the middle of a change
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
        assert child.exitcode == -signal.SIGKILL

        seen_leftovers += bool(leftovers(registry))
        folders = {p.name for p in registry.dir.glob("v*")}
        moved = registry.set_aside()  # a log cut mid-line beside an unregistered folder
        state = registry.state()  # then one consistent log, whatever the crash left
        assert [r["seq"] for r in state.records] == list(range(1, len(state.records) + 1))
        with registry.changing():  # what the next change does first
            pass
        assert leftovers(registry) == [], f"kill {kill}"
        kept = {p.name for p in registry.dir.glob("v*")}
        aside = {p.name for p in registry.dir.glob("set-aside/*/v*")}
        assert folders <= kept | aside, "no version folder is ever deleted"
        assert not moved or aside
        for number, entry in state.versions.items():  # every registered file is whole
            for name, field in records_mod.FILES.items():
                path = registry.dir / f"v{number}" / name
                assert files.sha256_of(path) == entry[field], (kill, path)
        changes = len(state.records)
    assert changes > 3 * KILLS, "the loop made changes between the kills"
    print(f"{KILLS} kills, {changes} changes, leftovers found and cleared after {seen_leftovers}")
