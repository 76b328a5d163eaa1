"""Settings come from params.yaml, are overridden by prefixed environment variables and .env."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from _package import NAME, load

config = load("mlops.settings")


def test_params_file_loads_with_its_values(project: Path) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    settings = config.load_settings(project)
    assert settings.seed == params["seed"]
    assert settings.task == params["task"]
    assert settings.data.dataset == params["data"]["dataset"]
    assert settings.train.estimator == params["train"]["estimator"]
    assert settings.train.hyperparameters == params["train"]["hyperparameters"]


def test_environment_overrides_params(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{NAME.upper()}_SEED", "7")
    monkeypatch.setenv(f"{NAME.upper()}_DATA__TEST_SIZE", "0.3")
    settings = config.load_settings(project)
    assert settings.seed == 7
    assert settings.data.test_size == pytest.approx(0.3)


def test_dotenv_file_is_honoured(project: Path) -> None:
    (project / ".env").write_text(f"{NAME.upper()}_SEED=11\n")
    assert config.load_settings(project).seed == 11


def test_environment_beats_dotenv(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".env").write_text(f"{NAME.upper()}_SEED=11\n")
    monkeypatch.setenv(f"{NAME.upper()}_SEED", "5")
    assert config.load_settings(project).seed == 5


def test_tracking_db_is_resolved_inside_the_project(project: Path) -> None:
    assert config.load_settings(project).tracking_db.is_relative_to(project)


def test_missing_params_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="params file not found"):
        config.load_settings(tmp_path)


def test_malformed_yaml_names_the_line(project: Path) -> None:
    (project / "params.yaml").write_text("seed: 1\ndata: [unclosed\n")
    with pytest.raises(config.ConfigError, match="not valid YAML"):
        config.load_settings(project)


@pytest.mark.parametrize(
    ("override", "where"),
    [
        ({"seed": "many"}, "seed"),
        ({"task": "clustering"}, "task"),
        ({"data": {"dataset": "x", "test_size": 1.5}}, "data.test_size"),
        ({"unknown_section": 1}, "unknown_section"),
    ],
)
def test_badly_typed_params_name_the_setting(project: Path, override: dict, where: str) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params.update(override)
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(config.ConfigError, match=f"invalid setting {where}"):
        config.load_settings(project)
