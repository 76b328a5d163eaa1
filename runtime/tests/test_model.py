"""Models are saved with skops and loaded only after their hash and allowlist checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from _package import NAME, lib, load

config = lib("settings")
contract_mod = lib("contract")
data = lib("data")
model_mod = lib("model")
train_mod = lib("train")
trust = lib("registry.trust")


def _fitted(project: Path):
    """The project's own pipeline (contract features + params.yaml estimator) and its test rows."""
    settings = config.load_settings(project)
    contract = contract_mod.load_contract(settings.data.dataset, project)
    frame = data.load_embedded(settings.data.dataset)
    fitted = train_mod.fit(frame, contract, settings)
    return fitted.model, fitted.test


def allowed() -> list[str]:
    """The project's own reviewed allowlist."""
    from _package import REFERENCE

    return trust.allowed_types(trust.allowlist_path(REFERENCE))


def test_dump_then_load_gives_the_same_predictions(project: Path) -> None:
    fitted, test = _fitted(project)
    saved = model_mod.dump_model(fitted)
    assert saved.sha256 == model_mod.sha256_bytes(saved.data)
    loaded = model_mod.load_model(saved.data, saved.sha256, allowed())
    assert (loaded.predict(test) == fitted.predict(test)).all()


def test_a_changed_file_is_refused(project: Path) -> None:
    saved = model_mod.dump_model(_fitted(project)[0])
    with pytest.raises(model_mod.ModelError, match="SHA-256"):
        model_mod.load_model(saved.data + b"x", saved.sha256, allowed())


def test_only_the_given_allowlist_is_trusted(project: Path) -> None:
    saved = model_mod.dump_model(_fitted(project)[0])
    assert saved.types, "every project model needs at least numpy.dtype"
    with pytest.raises(model_mod.ModelError, match=r"outside trusted-types\.txt") as error:
        model_mod.load_model(saved.data, saved.sha256, [])
    assert saved.types[0] in str(error.value)
    assert "\n" not in str(error.value)


def test_a_model_that_would_run_code_is_refused_whatever_it_claims() -> None:
    import os

    from sklearn.preprocessing import FunctionTransformer

    saved = model_mod.dump_model(FunctionTransformer(func=os.system))
    assert any("system" in name for name in saved.types)
    with pytest.raises(model_mod.ModelError, match="system"):
        model_mod.load_model(saved.data, saved.sha256, allowed())


def test_every_default_estimator_is_covered_by_the_committed_allowlist(project: Path) -> None:
    settings = config.load_settings(project)
    contract = contract_mod.load_contract(settings.data.dataset, project)
    frame = data.load_embedded(settings.data.dataset)
    estimators = load("estimators").ESTIMATORS[settings.task]
    for name in estimators:
        settings.train.estimator = name
        model = train_mod.fit(frame, contract, settings).model
        saved = model_mod.dump_model(model)
        assert set(saved.types) <= set(allowed()), name


def test_a_version_that_needs_unlisted_types_is_named_when_it_is_registered(
    project: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Registering warns at once, with the review to make; a lambda, which no saved model can
    name, is refused before anything is registered, with where to move it."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    cli = lib("cli")
    allowlist = project / "trusted-types.txt"
    kept = allowlist.read_text(encoding="utf-8")
    allowlist.write_text("", encoding="utf-8")
    assert cli.main(["pipeline"]) == 0
    assert "v1 needs " in caplog.text and "`models --types v1`" in caplog.text
    allowlist.write_text(kept, encoding="utf-8")
    caplog.clear()

    default = load("features").build_features
    monkeypatch.setattr(
        load("features"),
        "build_features",
        lambda contract, fit: make_pipeline(
            FunctionTransformer(lambda x: x), default(contract, fit)
        ),
    )
    assert cli.main(["pipeline"]) == 2
    assert "the model cannot be saved so that it loads: " in caplog.text
    assert "is a lambda or a nested function" in caplog.text and "top of its module" in caplog.text
    models = project / "models" / lib("settings").load_settings(project).data.dataset
    assert (models / "v1").is_dir() and not (models / "v2").exists()


def test_a_saved_lambda_is_refused_at_load_with_what_to_do() -> None:
    """A version registered before saving refused lambdas loads with the real fix, not an
    allowlist entry that could never help."""
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    data = sio.dumps(FunctionTransformer(lambda x: x))
    with pytest.raises(model_mod.ModelError, match=r"is a lambda or a nested function") as error:
        model_mod.load_model(data, model_mod.sha256_bytes(data), allowed())
    assert "trusted-types" not in str(error.value) and "top of its module" in str(error.value)


@pytest.mark.parametrize("where", ["reference_team.moved_steps", "reference_team.mlops.features"])
def test_a_model_naming_a_module_of_the_project_that_is_gone_says_to_retrain(where: str) -> None:
    """A version trained on a feature step that moved since (0.3.0's ``<package>.mlops``, whose
    paths import for one more version only): no allowlist entry could load it for good, so the
    message says what can."""
    import sys
    import types

    import skops.io as sio
    from sklearn.base import BaseEstimator, TransformerMixin

    class Step(TransformerMixin, BaseEstimator):
        def fit(self, x: object, y: object = None) -> Step:
            return self

    module = types.ModuleType(where)
    Step.__module__, Step.__qualname__ = module.__name__, "Step"
    module.Step = Step  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        data = sio.dumps(Step())
    finally:
        del sys.modules[module.__name__]
    with pytest.raises(model_mod.ModelError) as error:
        model_mod.load_model(data, model_mod.sha256_bytes(data), allowed())
    message = str(error.value)
    assert f"it names {where}.Step, whose module is no longer here" in message
    assert "retrain (`pipeline`)" in message and "trusted-types" not in message


def test_a_model_of_template_0_3_0_with_date_features_loads_until_0_5_0(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A production model trained before the update names 0.3.0's
    ``<package>.mlops.features.DatetimeFeatures``, the runtime's class now: it keeps serving,
    trusted as the runtime's type, with a warning to retrain before that path goes."""
    import numpy as np
    import pandas as pd
    import skops.io as sio

    features = lib("features")
    dates = pd.DataFrame({"signup": ["2024-01-05", "2024-03-17", "2025-07-01"]})
    fitted = features.DatetimeFeatures().fit(dates)
    old = f"{NAME}.mlops.features"
    features.DatetimeFeatures.__module__ = old  # as a 0.3.0 project's pipeline saved it
    try:
        data = sio.dumps(fitted)
    finally:
        features.DatetimeFeatures.__module__ = features.__name__
    assert f"{old}.DatetimeFeatures" in sio.get_untrusted_types(data=data)
    assert "leanops_runtime.features.DatetimeFeatures" in allowed()

    loaded = model_mod.load_model(data, model_mod.sha256_bytes(data), allowed())

    assert type(loaded) is features.DatetimeFeatures
    np.testing.assert_array_equal(loaded.transform(dates), fitted.transform(dates))
    assert f"names template 0.3.0's {old}.DatetimeFeatures, which is " in caplog.text
    assert "retrain (`pipeline`) and promote before then" in caplog.text
    without = [kind for kind in allowed() if not kind.endswith(".DatetimeFeatures")]
    untrusted = r"outside trusted-types\.txt: leanops_runtime\.features\.DatetimeFeatures \(named"
    with pytest.raises(model_mod.ModelError, match=untrusted):
        model_mod.load_model(data, model_mod.sha256_bytes(data), without)


def test_models_types_count_a_0_3_0_type_as_listed_when_its_runtime_type_is(
    tmp_path: Path,
) -> None:
    """``models --types`` agrees with loading: no advice to trust the old path for good."""
    listed = tmp_path / "trusted-types.txt"
    listed.write_text("leanops_runtime.features.DatetimeFeatures\n")
    old = f"{NAME}.mlops.features.DatetimeFeatures"
    assert trust.missing_types([old, "sklearn.tree._tree.Tree"], listed) == [
        "sklearn.tree._tree.Tree"
    ]


def test_a_0_3_0_type_whose_module_the_team_edited_and_kept_is_not_loaded_as_the_runtimes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The update keeps a machinery file the team edited: where its class, or a name the class
    uses, differs from the runtime's (another epoch for the dates), a model naming it is to be
    trained again; an edit elsewhere in the file leaves it the runtime's class."""
    import importlib
    import inspect
    import sys

    moved = lib("moved")
    package = tmp_path / "keptteam"
    (package / "mlops").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    source = inspect.getsource(lib("features"))
    kept = package / "mlops" / "features.py"
    kept.write_text(source.replace('"1970-01-01"', '"2000-01-01"'))  # the dates' epoch edited
    monkeypatch.syspath_prepend(str(tmp_path))
    moved.install("keptteam")
    importlib.import_module("keptteam")  # the project's package, imported as the CLI does
    try:
        assert moved.new_home("keptteam.mlops.features.DatetimeFeatures") is None
        assert moved.new_home("keptteam.mlops.metrics.score") is None  # a function, not a type
        kept.write_text(source.replace("MAX_CATEGORIES = 30", "MAX_CATEGORIES = 50"))
        assert moved.new_home("keptteam.mlops.features.DatetimeFeatures") == (
            "leanops_runtime.features.DatetimeFeatures"  # an edit the class does not read
        )
    finally:
        sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "package", "") != "keptteam"]
        sys.modules.pop("keptteam", None)
    assert moved.new_home(f"{NAME}.mlops.features.DatetimeFeatures") == (
        "leanops_runtime.features.DatetimeFeatures"
    )


def test_a_model_skops_cannot_save_is_one_line_with_the_rule() -> None:
    import pandas as pd
    from sklearn.base import BaseEstimator, TransformerMixin

    class KeepsMedians(TransformerMixin, BaseEstimator):  # a pandas Series: skops cannot save it
        def fit(self, frame: pd.DataFrame, y: object = None) -> KeepsMedians:
            self.medians_ = frame.median()
            return self

    fitted = KeepsMedians().fit(pd.DataFrame({"a": [1.0, 2.0]}))
    with pytest.raises(
        model_mod.ModelError, match=r"^the model cannot be saved by skops: "
    ) as error:
        model_mod.dump_model(fitted)
    assert "numpy arrays, lists or dicts" in str(error.value)
