"""Data versions: the table each model trained on is kept by fingerprint, shared through a
folder or an fsspec URL, and restored exactly (or refused) after the raw export is gone."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from _package import NAME, lib

cli = lib("cli")
config = lib("settings")
data_versions = lib("data_versions")
registry_package = lib("registry")
tracking = lib("tracking")


def raw_table(project: Path) -> Path:
    """The embedded dataset exported as the project's raw file (``data/raw/<dataset>.csv``)."""
    dataset = config.load_settings(project).data.dataset
    path = project / "data" / "raw" / f"{dataset}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    lib("data").load_embedded(dataset).to_csv(path, index=False)
    return path


def trained_on(project: Path, version: str) -> str:
    """The fingerprint a model version records for its training data."""
    settings = config.load_settings(project)
    registry = registry_package.open_registry(settings, project)
    return registry.entry(registry.resolve(version))["data_fingerprint"]["sha256"]


def kept(project: Path) -> list[str]:
    return sorted(path.stem for path in (project / ".leanops" / "data").glob("*.parquet"))


def test_the_table_a_model_trained_on_comes_back_after_the_raw_file_changed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = raw_table(project)
    original = pd.read_csv(raw)
    assert cli.main(["pipeline"]) == 0
    first = trained_on(project, "v1")
    assert kept(project) == [first]
    run = tracking.run_store(config.load_settings(project), project).list_runs()[0]
    assert (
        tracking.run_store(config.load_settings(project), project).get_run(run["id"])["datasets"][
            0
        ]["sha256"]
        == first
    )

    assert cli.main(["pipeline"]) == 0  # the same data again: nothing more kept
    assert kept(project) == [first]

    original.iloc[:50].to_csv(raw, index=False)  # the export is overwritten
    assert cli.main(["pipeline"]) == 0
    assert len(kept(project)) == 2
    # Kept in one minute, the newer one first by name: the listing still goes by time.
    later, earlier = sorted(kept(project))
    minute = 60 * (int(time.time()) // 60)
    for sha, at in ((later, minute + 40), (earlier, minute + 20)):
        os.utime(project / ".leanops" / "data" / f"{sha}.parquet", (at, at))
    capsys.readouterr()
    assert cli.main(["data", "list"]) == 0  # each version says whose data it is
    dataset = config.load_settings(project).data.dataset
    listed = {
        cells[0]: cells[1:3]
        for cells in (re.split(r"\s{2,}", line) for line in capsys.readouterr().out.splitlines())
    }
    order = list(listed)  # oldest first, within the minute too
    assert order.index(earlier[:12]) < order.index(later[:12])
    assert listed[first[:12]] == [dataset, "v1, v2"]  # the second run retrained on the same data
    assert listed[trained_on(project, "v3")[:12]] == [dataset, "v3"]
    # params.yaml moving to another dataset does not unname this one's versions.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(f"{NAME.upper()}_DATA__DATASET", "another")
        assert cli.main(["data", "list"]) == 0
    assert f"{first[:12]}  {dataset}  v1, v2" in capsys.readouterr().out

    assert cli.main(["data", "restore", "v1"]) == 0
    restored = project / "data" / "restored" / f"{dataset}-{first[:12]}.parquet"
    frame = pd.read_parquet(restored)
    assert len(frame) == len(original)
    assert tracking.fingerprint(frame)["sha256"] == first
    assert "fingerprint checked" in capsys.readouterr().err

    assert cli.main(["data", "restore", run["id"][:8], "-o", "back.csv"]) == 0
    assert len(pd.read_csv(project / "back.csv")) == len(original)
    assert cli.main(["ingest", str(restored)]) == 0  # the contract accepts it again


def test_a_changed_copy_is_refused_and_nothing_is_written(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["pipeline"]) == 0
    sha = trained_on(project, "candidate")
    path = project / ".leanops" / "data" / f"{sha}.parquet"
    frame = pd.read_parquet(path)
    frame.iloc[0, 0] = frame.iloc[1, 0]  # one cell: still a valid table, not the same one
    frame.to_parquet(path, index=True)
    capsys.readouterr()

    assert cli.main(["data", "restore", "candidate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "changed or damaged" in err[0] and sha[:12] in err[0]
    assert not (project / "data" / "restored").exists()


def test_restore_refuses_a_precious_output_and_an_unknown_reference(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["pipeline"]) == 0
    before = (project / "params.yaml").read_bytes()
    assert cli.main(["data", "restore", "v1", "-o", "params.yaml"]) == 2
    assert (project / "params.yaml").read_bytes() == before
    # Its own folder, data/restored/, takes a name of the team's; the rest of data/ is refused,
    # and the refusal names that folder.
    assert cli.main(["data", "restore", "v1", "-o", "data/restored/production.csv"]) == 0
    assert (project / "data" / "restored" / "production.csv").is_file()
    capsys.readouterr()
    assert cli.main(["data", "restore", "v1", "-o", "data/raw/production.csv"]) == 2
    assert "(choose a path under data/restored/ or reports/" in capsys.readouterr().err
    assert not (project / "data" / "raw" / "production.csv").exists()
    assert cli.main(["data", "restore", "nothing-like-this"]) == 2
    assert cli.main(["data", "restore", "v7"]) == 2
    capsys.readouterr()
    assert cli.main(["data", "restore", "20251203"]) == 2  # a run id may start with digits
    assert "is no model version (production, v3), run id or data" in capsys.readouterr().err
    shutil.rmtree(project / ".leanops" / "data")
    capsys.readouterr()
    assert cli.main(["data", "restore", "v1"]) == 2
    assert "no data.remote" in capsys.readouterr().err


@pytest.mark.parametrize("url", [False, True], ids=["folder", "fsspec-url"])
def test_a_teammate_restores_from_the_shared_remote(
    project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    url: bool,
    capsys: pytest.CaptureFixture[str],
) -> None:
    share = tmp_path_factory.mktemp("share") / "leanops-data"
    monkeypatch.setenv(f"{NAME.upper()}_DATA__REMOTE", share.as_uri() if url else str(share))
    assert cli.main(["pipeline"]) == 0  # keeps, then pushes
    sha = trained_on(project, "v1")
    assert sorted(path.name for path in share.glob("*.parquet")) == [f"{sha}.parquet"]

    clone = tmp_path_factory.mktemp("clone")  # a teammate's clone: same project, no cache
    shutil.copytree(project, clone, dirs_exist_ok=True, ignore=shutil.ignore_patterns("data"))
    assert not (clone / ".leanops" / "data").exists()
    monkeypatch.chdir(clone)
    capsys.readouterr()
    assert cli.main(["data", "list"]) == 0
    assert "only there" in capsys.readouterr().out
    assert cli.main(["data", "restore", sha[:10], "-o", "mine.parquet"]) == 0
    assert tracking.fingerprint(pd.read_parquet(clone / "mine.parquet"))["sha256"] == sha
    assert (clone / ".leanops" / "data" / f"{sha}.parquet").is_file()  # pulled on the way

    (clone / ".leanops" / "data" / f"{sha}.parquet").unlink()
    assert cli.main(["data", "pull"]) == 0
    assert (clone / ".leanops" / "data" / f"{sha}.parquet").is_file()
    capsys.readouterr()
    assert cli.main(["data", "list"]) == 0
    assert f"{sha[:12]}" in capsys.readouterr().out


def test_an_unreachable_remote_keeps_the_model_and_says_how_to_share_later(
    project: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = project / "not-a-folder"
    blocked.write_text("a file where the share should be\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME.upper()}_DATA__REMOTE", str(blocked))
    assert cli.main(["pipeline"]) == 0
    assert "data push" in caplog.text and "not shared" in caplog.text
    assert len(kept(project)) == 1
    assert cli.main(["data", "push"]) == 2


def test_a_remote_folder_that_is_not_there_is_one_line_not_nothing_to_pull(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = project / "no-such-mount" / "data"  # a typo, or a share not mounted
    monkeypatch.setenv(f"{NAME.upper()}_DATA__REMOTE", str(missing))
    for action in ("pull", "list", "push"):
        capsys.readouterr()
        assert cli.main(["data", action]) == 2, action
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert f"{missing} is not a folder: create it" in line
    assert not missing.parent.exists()  # a typo is not made a folder


def test_a_damaged_copy_is_set_aside_and_fetched_again_from_the_remote(
    project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["pipeline"]) == 0  # no remote yet
    sha = trained_on(project, "v1")
    path = project / ".leanops" / "data" / f"{sha}.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte
    path.write_bytes(bytes(data))
    capsys.readouterr()
    assert cli.main(["data", "restore", "v1"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert sha[:12] in line and "delete it, then `data pull`" in line

    share = tmp_path_factory.mktemp("share")
    monkeypatch.setenv(f"{NAME.upper()}_DATA__REMOTE", str(share))
    (share / path.name).write_bytes(data_versions.encode(data_versions_frame(project, sha)))
    assert cli.main(["data", "restore", "v1", "-o", "back.parquet"]) == 0
    assert tracking.fingerprint(pd.read_parquet(project / "back.parquet"))["sha256"] == sha
    assert "set aside as" in capsys.readouterr().err
    assert path.with_name(f"{path.name}.damaged").read_bytes() == bytes(data)


def data_versions_frame(project: Path, sha: str) -> pd.DataFrame:
    """The table ``sha`` names, as a teammate pushed it: the embedded data, validated again."""
    assert cli.main(["ingest"]) == 0
    dataset = config.load_settings(project).data.dataset
    frame = pd.read_parquet(project / "data" / "processed" / f"{dataset}.parquet")
    assert tracking.fingerprint(frame)["sha256"] == sha
    return frame


def test_predictions_and_drift_name_the_data_version(project: Path) -> None:
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0
    sha = trained_on(project, "production")
    settings = config.load_settings(project)
    batch = project / "batch.parquet"
    frame = lib("data").load_embedded(settings.data.dataset).head(60)
    frame.drop(columns=[lib("contract").load_contract(settings.data.dataset).target]).to_parquet(
        batch
    )
    assert cli.main(["predict", str(batch), "-o", "out.parquet"]) == 0
    assert pd.read_parquet(project / "out.parquet").attrs["data_version"] == sha
    assert cli.main(["drift", str(batch)]) == 0
    report = json.loads((project / "reports" / "drift-batch.json").read_text("utf-8"))
    assert report["data_version"] == sha


def test_a_table_is_kept_only_under_its_own_fingerprint(
    tmp_path: Path,
) -> None:
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    versions = data_versions.DataVersions(tmp_path)
    wrong = "0" * 64
    with pytest.raises(data_versions.DataVersionError, match="changed or damaged"):
        versions.keep(frame, wrong)
    assert list(versions.local()) == []
    right = tracking.fingerprint(frame)["sha256"]
    assert versions.keep(frame, right).is_file()


def test_types_parquet_would_change_come_back_as_they_were(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", None, "c"], dtype=object),
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", None]).astype("datetime64[s]"),
            "code": pd.Categorical(["x", "y", "x"]),
            "count": pd.array([1, None, 3], dtype="Int64"),
        },
        index=[10, 4, 7],
    )
    sha = tracking.fingerprint(frame)["sha256"]
    versions = data_versions.DataVersions(tmp_path)
    versions.keep(frame, sha)
    back = versions.load(sha)
    assert back.dtypes.astype(str).tolist() == frame.dtypes.astype(str).tolist()
    assert back.index.tolist() == [10, 4, 7]
