"""Train: fit the contract's feature pipeline plus the estimator ``params.yaml`` names, seeded.

Inputs: the validated dataset ingest wrote (``data/processed/<dataset>.parquet``), the contract,
the settings. Output: ONE registered model version, the new ``candidate`` (see ``registry``):
the fitted pipeline (skops, never pickle), the held-out rows ``evaluate`` and the promotion gate
score it on, and drift reference statistics, each with its SHA-256 in the version's record. The
training run (the pipeline's, or a ``train`` run of its own) names the same version and hash.

The leakage guard: a feature that alone nearly determines the target stops training. A column
computed from the target (a grade assigned from a score, an amount derived from the price) makes a
model look perfect and fail on new rows, where the column is not known yet or not computed the same
way. Before fitting, each numeric or categorical feature is tried alone: a shallow decision tree on
that one column, fitted on two thirds of up to ``SAMPLE`` training rows and scored on the other
third. A column that scores ``NEAR_PERFECT`` or better (accuracy for a classification, or where
one class is 95% of the rows the balanced accuracy of a tree weighing the classes equally; R² for
a regression, or a rank correlation with the target) is named, and
training stops with the contract edit to make:
``role: ignore`` when it is computed from the target, or ``leak_ok: true`` on the column once a
person has checked that it is known at prediction time.

With three classes or more, a column can give one class away without determining the others
(``voted_yes`` from ``vote == "Y"``: alone it tells Y from N and A, not N from A). The guard
also tries the other way round: the column's most common value in each class, learnt on the
two thirds, predicts the column on both parts. A column the class sets that closely (Goodman
and Kruskal's λ ``NEAR_PERFECT`` or better on each: the class removes that share of the errors
of guessing the column's most common value, on ``MIN_VARIED`` rows or more off that value) is
named too. A feature the class only narrows (iris' petal length separates setosa, but varies
within each species) is not; a coarser grouping of the target (a product category's
department) is, and a person marks it ``leak_ok`` when it is known at prediction time.

Columns that leak only together (a target computed from two of them) pass that test; the
fitted model then scores too well on its held-out rows. ``check_held_out`` stops such a model
before it is registered, naming the features it leans on most (scikit-learn's permutation
importance on those rows), unless a person marked them ``leak_ok``.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypedDict, cast

from .errors import RefusedError, UserError, first_line

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sklearn.base import BaseEstimator
    from sklearn.pipeline import Pipeline

    from .contract import Contract
    from .registry import ModelVersion, Registry
    from .selection import Selection
    from .settings import Hyperparameters, Settings
    from .tracking import Fingerprint, TrackedRun


log = logging.getLogger(__name__)

# A numeric classification target holds at most max(MIN_CLASS_LIMIT, MAX_CLASS_SHARE * rows)
# distinct values; more is a quantity (see ``check_target``).
MIN_CLASS_LIMIT = 50
MAX_CLASS_SHARE = 0.05
# A feature missing in this share of the training rows or more is named in a warning.
MOSTLY_MISSING = 0.99


class TrainError(UserError):
    """Training cannot run as configured; the message is one line meant for the user."""


def fit_failed(name: str, error: BaseException, *, chosen: bool = False) -> TrainError:
    """The one line for a pipeline that failed to fit, blaming what failed: the features
    ``build_features`` returned (the team's ``features.py``), or the estimator ``name``
    (``params.yaml``; ``chosen``: the one ``train.estimator`` names)."""
    from . import package

    reason = first_line(error).replace("of cross_val_score ", "")
    # Fewer or more rows than it was given: only a step of the features changes the count.
    if _failed_in_features(error) or "inconsistent numbers of samples" in reason:
        if isinstance(error, IndexError):  # a shape read from what is no table (1-D output)
            reason += " (does every step return a 2-D table, one row per row it was given?)"
        return TrainError(
            f"cannot fit the features {package()}/features.py built (for {name}): {reason}"
        )
    return TrainError(f"cannot fit {name}{' (train.estimator)' if chosen else ''}: {reason}")


def _failed_in_features(error: BaseException) -> bool:
    """Whether ``error`` came from fitting a ``Pipeline``'s steps before its estimator: in the
    outermost ``Pipeline.fit`` on the traceback, the next frame of scikit-learn's pipeline module
    is ``_fit`` (the steps), not the final estimator's own ``fit`` (which may be a pipeline)."""
    from pathlib import PurePath

    frames = []
    trace = error.__traceback__
    while trace is not None:
        code = trace.tb_frame.f_code
        if PurePath(code.co_filename).parts[-2:] == ("sklearn", "pipeline.py"):
            frames.append(code.co_name)
        trace = trace.tb_next
    return frames[:2] == ["fit", "_fit"]


def check_estimators(settings: Settings) -> None:
    """Refuse an estimator the task does not know (``train.estimator`` or ``also_try``) before
    any data is read: a misspelt name is a setting to fix, not a failed training."""
    for name in settings.train.candidates():
        known_estimator(settings.task, name)


def known_estimator(task: str, name: str) -> tuple[str, str]:
    """Where ``estimators.py`` says ``name`` lives for ``task``: (module, class)."""
    from difflib import get_close_matches

    from .team import estimators, tasks_of_estimator

    known = estimators().get(task, {})
    if not known:
        raise TrainError(
            f"estimators.py lists no {task} estimator: add one to ESTIMATORS[{task!r}] "
            f"(the first of a task is its default)"
        )
    if name not in known:
        shown = ", ".join(sorted(known))
        others = tasks_of_estimator(name)
        if others:  # estimators.py lists it, for the other task
            raise TrainError(
                f"estimator {name!r} is a {others[0]} estimator; {task} takes: {shown}"
            )
        near = get_close_matches(name, list(known), n=1)
        meant = f"did you mean {near[0]!r}? " if near else ""
        raise TrainError(f"unknown estimator {name!r} for {task} ({meant}known: {shown})")
    return known[name]


def build_estimator(
    task: str, name: str, hyperparameters: Mapping[str, object], seed: int
) -> BaseEstimator:
    """The estimator ``name`` for ``task`` with its hyperparameters, seeded when it takes one.

    A class that takes ``**kwargs`` (XGBoost's, LightGBM's) has its names matched against
    those a default instance reports, is seeded when one is ``random_state``, gets any other
    name as it is given, and must keep each where scikit-learn reads hyperparameters
    (``get_params``): cloning for cross-validation, and the run's record, see only those."""
    from .settings import env_prefix

    cls = estimator_class(task, name)
    accepted, open_ended = hyperparameter_names(cls)
    if not open_ended and not takes_all(accepted, hyperparameters):
        owner = next((o for o in estimators_taking(task, hyperparameters) if o != name), None)
        if owner is not None:  # params.yaml's block, written for the estimator before
            raise TrainError(
                f"train.hyperparameters ({', '.join(hyperparameters)}) are {owner}'s, not "
                f"{name}'s: to keep them, move them under train.hyperparameters.{owner} in "
                f"params.yaml (or {env_prefix()}TRAIN__HYPERPARAMETERS__{owner.upper()}__* "
                f"when a variable set them), and give {name} a block of its own (none: "
                "scikit-learn's defaults)"
            )
    params = {
        match_hyperparameter(name, key, accepted, open_ended=open_ended): value
        for key, value in hyperparameters.items()
    }
    if "random_state" in accepted and "random_state" not in params:
        params["random_state"] = seed
    estimator: BaseEstimator = cls(**params)
    if open_ended:
        kept = estimator.get_params(deep=False)
        if lost := [key for key in params if key not in kept]:
            raise TrainError(
                f"{name}: {getattr(cls, '__name__', cls)} takes {lost[0]!r} through **kwargs "
                "but does not keep it where scikit-learn reads hyperparameters (get_params): "
                "name it as a parameter of its __init__ in estimators.py, or cloning the "
                "estimator drops it"
            )
    return estimator


def hyperparameter_names(cls: Callable[..., BaseEstimator]) -> tuple[set[str], bool]:
    """The hyperparameters ``cls`` takes by name, and whether it takes ``**kwargs`` too: then
    also those a default instance of it reports (all of XGBoost's are)."""
    parameters = inspect.signature(cls).parameters.values()
    names = {p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    if not any(p.kind is p.VAR_KEYWORD for p in parameters):
        return names, False
    try:
        return names | set(cls().get_params(deep=False)), True
    except Exception as error:  # its own error comes when it is built with the settings
        log.debug("%s has no default instance: %s", cls, first_line(error))
        return names, True


def takes_all(accepted: Collection[str], hyperparameters: Mapping[str, object]) -> bool:
    """Whether each of ``hyperparameters`` is one of ``accepted``, case aside."""
    lowered = {name.lower() for name in accepted}
    return all(key.lower() in lowered for key in hyperparameters)


def estimators_taking(task: str, hyperparameters: Mapping[str, object]) -> list[str]:
    """The task's estimators that take every one of ``hyperparameters`` by name (an entry that
    cannot be built is left out: its own error comes when it is chosen)."""
    from .team import estimators

    found = []
    for other in estimators().get(task, {}):
        try:
            accepted, _ = hyperparameter_names(estimator_class(task, other))
        except Exception as error:  # a hint only: the entry's own error comes when chosen
            log.debug("estimators.py: %s left out of the hint: %s", other, first_line(error))
            continue
        if takes_all(accepted, hyperparameters):
            found.append(other)
    return found


def estimator_class(task: str, name: str) -> Callable[..., BaseEstimator]:
    """The class ``estimators.py`` names for ``name``; a one-line error naming the entry when
    its module or its class is not found."""
    from difflib import get_close_matches

    module, cls_name = known_estimator(task, name)
    entry = f"estimators.py: ESTIMATORS[{task!r}][{name!r}] = ({module!r}, {cls_name!r})"
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as error:
        raise TrainError(
            f"{entry}: no module named {error.name!r} (misspelt, or a package to install)"
        ) from error
    except (ImportError, OSError) as error:  # a package that is there but does not load
        raise TrainError(f"{entry}: {module} does not import: {first_line(error)}") from error
    cls = getattr(found, cls_name, None)
    if not callable(cls):
        names = [key for key, value in vars(found).items() if isinstance(value, type)]
        near = get_close_matches(cls_name, names, n=1)
        meant = f" (did you mean {near[0]!r}?)" if near else ""
        raise TrainError(f"{entry}: {module} has no class {cls_name!r}{meant}")
    if not callable(getattr(cls, "predict", None)):
        raise TrainError(
            f"{entry}: {cls_name} has no predict, so it is no estimator (a transformer belongs in "
            "features.py)"
        )
    return cast("Callable[..., BaseEstimator]", cls)


def likeness(given: str, name: str) -> float:
    """How alike two names are (difflib's ratio, what ``get_close_matches`` ranks by)."""
    from difflib import SequenceMatcher

    return SequenceMatcher(None, given, name).ratio()


def match_hyperparameter(
    estimator: str, given: str, accepted: Collection[str], *, open_ended: bool = False
) -> str:
    """The estimator's own name for ``given``: exact, else the one match ignoring case, else,
    for a class that takes ``**kwargs`` (``open_ended``), ``given`` as it is.

    Environment variables arrive upper case (``..._HYPERPARAMETERS__MAX_ITER``), while
    scikit-learn mixes cases (``C``, ``max_iter``).
    """
    from difflib import get_close_matches

    from .settings import env_prefix

    if given in accepted:
        return given
    matches = [name for name in accepted if name.lower() == given.lower()]
    if len(matches) == 1:
        return matches[0]
    if open_ended:
        return given
    from .team import estimators

    lowered = {name.lower(): name for name in accepted}
    near = get_close_matches(given.lower(), sorted(lowered), n=1)
    meant = f" (did you mean {lowered[near[0]]!r}?)" if near else ""
    known = sorted({name for by_name in estimators().values() for name in by_name})
    block = get_close_matches(given, known, n=1)
    if block and (not near or likeness(given, block[0]) > likeness(given.lower(), near[0])):
        meant = f" (a misspelt block for estimator {block[0]!r}?)"  # its dict read as one value
    raise TrainError(
        f"{estimator} has no hyperparameter {given!r}{meant}; it takes: "
        f"{', '.join(sorted(accepted))}. Fix the name where it is set: params.yaml's "
        f"train.hyperparameters, or a {env_prefix()}TRAIN__HYPERPARAMETERS__* variable (a block "
        f"belongs to the estimator it names: after switching, give {estimator} its own block)"
    )


class TrainMetadata(TypedDict):
    """What a training did, as commands report it: the estimator (the one chosen, with
    ``selection``'s summary when ``also_try`` named others), its settings, the data's split and
    the held-out metrics the version was registered with."""

    task: str
    estimator: str
    hyperparameters: Hyperparameters
    selection: str | None
    seed: int
    dataset: str
    contract_version: int
    target: str
    train_rows: int
    test_rows: int
    metrics: dict[str, float]
    version: int
    sha256: str


@dataclass
class TrainResult:
    """What training produced: the fitted pipeline, both splits and the registered version."""

    model: Pipeline
    train: pd.DataFrame
    test: pd.DataFrame
    metadata: TrainMetadata
    version: ModelVersion
    model_path: str  # where the version's model is (a file, or the server's model version)
    model_file: Path | None  # the model's file in a local registry (None on a server)


def max_classes(rows: int) -> int:
    """The most distinct numbers a classification target may hold: beyond, it is a quantity."""
    return max(MIN_CLASS_LIMIT, int(MAX_CLASS_SHARE * rows))


def check_target(frame: pd.DataFrame, target: str, task: str) -> None:
    """A one-line TrainError when the target cannot be learnt as ``task`` (with the fix).

    A classification of numbers with decimals, or of more distinct numbers than
    ``max_classes``, is a regression whose ``task`` was forgotten: refused before minutes of
    training a classifier with a class per price, which no gate could compare.
    """
    import pandas as pd

    values = frame[target]
    missing = int(values.isna().sum())
    if missing:
        raise TrainError(
            f"{missing} row(s) have no target {target!r}: the contract must refuse them "
            "(the default) or say missing_target: drop"
        )
    numeric = pd.api.types.is_numeric_dtype(values.dtype)
    labels = not numeric or pd.api.types.is_bool_dtype(values.dtype)
    if task == "regression" and labels:
        raise TrainError(
            f"task is regression but target {target!r} holds labels ({values.dtype}): "
            "set task: classification in params.yaml"
        )
    distinct = values.nunique()
    if task == "classification" and distinct < 2:
        raise TrainError(f"target {target!r} has a single class: nothing to learn")
    if task != "classification" or labels:
        return
    if pd.api.types.is_float_dtype(values.dtype) and bool((values != values.round()).any()):
        raise TrainError(
            f"task is classification but target {target!r} holds {distinct} distinct "
            "numbers with decimals: set task: regression in params.yaml"
        )
    if distinct > max_classes(len(values)):
        raise TrainError(
            f"task is classification but target {target!r} holds {distinct} distinct numbers "
            f"in {len(values)} rows (at most {max_classes(len(values))} classes): set task: "
            "regression in params.yaml (class codes: declare the target dtype: str in the contract)"
        )


def warn_mostly_missing(train: pd.DataFrame, contract: Contract) -> None:
    """Warn of each feature missing in at least ``MOSTLY_MISSING`` of the training rows: the
    imputer fills it in and the model trains, but it can hardly help and may only add noise."""
    for column in contract.features:
        share = float(train[column].isna().mean()) if column in train else 0.0
        if share >= MOSTLY_MISSING:
            log.warning(
                "feature %r is missing in %.1f%% of the training rows: it can hardly help; give "
                "it role: ignore in the contract, or fix its source",
                column,
                100 * share,
            )


@dataclass
class Fitted:
    """A fitted pipeline, the rows it was fitted and held out on, and which estimator it holds."""

    model: Pipeline
    train: pd.DataFrame
    test: pd.DataFrame
    estimator: str
    selection: Selection | None  # how the estimator was chosen (None: params.yaml named one)
    fit_s: float  # seconds the final fit took (the promotion gate's training-time budget)


def fit(frame: pd.DataFrame, contract: Contract, settings: Settings) -> Fitted:
    """Split ``frame`` (seeded) and fit the pipeline on the training part, once.

    The feature transformer is the team's ``build_features(contract, fit)``, used as returned;
    ``fit`` tells it the task, the target's type and the estimator it feeds. It is fitted on
    every column but the target, so no transformer (``remainder="passthrough"``) can feed the
    label to the estimator. With
    ``train.also_try``, the estimator is first chosen by cross-validation on the training rows.
    """
    from sklearn.pipeline import Pipeline
    from sklearn.utils._param_validation import InvalidParameterError

    from .data import split
    from .features import FitContext, target_type
    from .selection import choose, selection_metric
    from .team import build_features

    if settings.train.replaced:  # params.yaml names the other task's estimator
        log.warning("%s", settings.train.replaced)
    task, seed = settings.task, settings.seed
    estimators = {
        name: build_estimator(task, name, settings.train.hyperparameters_of(name), seed)
        for name in settings.train.candidates()
    }
    target = contract.target
    check_target(frame, target, task)
    train, test = split(
        frame,
        target=target,
        test_size=settings.data.test_size,
        seed=seed,
        stratify=task == "classification",
    )
    warn_mostly_missing(train, contract)
    guard(train, contract, task, seed)  # a leaking column stops it here
    kind = target_type(task, train[target])

    pipelines = {  # the team's features, as build_features returns them, per estimator
        name: Pipeline(
            [
                ("features", build_features(contract, FitContext(task, kind, estimator))),
                ("estimator", estimator),
            ]
        )
        for name, estimator in estimators.items()
    }
    name, selection = next(iter(pipelines)), None
    if len(pipelines) > 1:
        metric = selection_metric(task, settings.promotion.baseline.metrics)
        selection = choose(pipelines, train, target, task=task, metric=metric, seed=seed)
        name = selection.chosen
        log.info("chose %s", selection.summary())
    model = pipelines[name]
    started = time.perf_counter()
    try:
        model.fit(train.drop(columns=[target]), train[target])  # never the label as an input
    except (InvalidParameterError, IndexError, TypeError, ValueError) as error:
        raise fit_failed(name, error) from error
    except MemoryError as error:
        raise TrainError(
            f"out of memory fitting {name} on {len(train)} rows: give "
            "high-cardinality columns encoding: target, or role: ignore, in the contract"
        ) from error
    fit_s = time.perf_counter() - started
    warn_unused_columns(model, list(train.columns))
    return Fitted(
        model=model, train=train, test=test, estimator=name, selection=selection, fit_s=fit_s
    )


def warn_unused_columns(model: Pipeline, table: list[str]) -> None:
    """Name the columns a step of the team's features made that reach no transformer: the
    default preprocessor drops a column it was not told of, and the model never sees it."""
    from . import package
    from .features import unused_columns

    made = [name for name in unused_columns(model.named_steps["features"]) if name not in table]
    if made:
        listed = ", ".join(repr(name) for name in made)
        log.warning(
            "%s/features.py: the column(s) %s your step makes reach no transformer and are "
            "dropped: name them as numeric=[...] or categorical=[...] of "
            "default_preprocessor(contract, fit, ...)",
            package(),
            listed,
        )


def train(
    settings: Settings,
    root: Path | str = ".",
    frame: pd.DataFrame | None = None,
    contract: Contract | None = None,
    data: Fingerprint | None = None,
) -> TrainResult:
    """Fit on the processed dataset (or ``frame``, validated by ``contract``, whose fingerprint
    ``data`` is when the caller has taken it), score the held-out rows, register the model.

    The model becomes the ``candidate`` of the dataset's model line. Inside a tracked run (the
    pipeline's) the version records that run; otherwise a ``train`` run is tracked here.
    """
    from .tracking import current_run, start_run

    run = current_run()
    if run is not None:
        return _train(settings, Path(root), frame, contract, data=data, run=run)
    with start_run(
        "train",
        params=settings.run_params(),
        tags={"dataset": settings.data.dataset, "stage": "train"},
        settings=settings,
        root=root,
    ) as tracked:
        result = _train(settings, Path(root), frame, contract, data=data, run=tracked)
        tracked.log_metrics(result.metadata["metrics"])
    return result


def _train(
    settings: Settings,
    root: Path,
    frame: pd.DataFrame | None,
    contract: Contract | None,
    *,
    data: Fingerprint | None,
    run: TrackedRun,
) -> TrainResult:
    from .contract import load_contract
    from .data import load_processed
    from .metrics import score
    from .registry import LocalRegistry, open_registry
    from .tracking import fingerprint
    from .tracking.environment import template_commit

    dataset = settings.data.dataset
    if contract is None:
        contract = load_contract(dataset, root)
    if frame is None:
        frame = load_processed(dataset, root)
    fitted = fit(frame, contract, settings)
    model, train_rows, test_rows = fitted.model, fitted.train, fitted.test
    metrics = score(settings.task, model, test_rows, contract.target)
    if settings.task == "classification" and not hasattr(model, "predict_proba"):
        log.warning(
            "%s has no predict_proba: no roc_auc, average_precision or log_loss, no "
            "probability columns in predictions, and the gate refuses it against a production "
            "model that has them",
            fitted.estimator,
        )
    check_held_out(
        model, test_rows, contract, task=settings.task, metrics=metrics, seed=settings.seed
    )
    run.set_tag("estimator", fitted.estimator)  # the one fitted: train.estimator is a param
    if fitted.selection is not None:
        run.set_tag("selection", fitted.selection.summary())
    registry = open_registry(settings, root)
    entry = register_trained(
        registry,
        fitted,
        contract=contract,
        settings=settings,
        metrics=metrics,
        data=data if data is not None else fingerprint(frame),
        template=template_commit(root),
        run=run,
    )
    model_file = None
    if isinstance(registry, LocalRegistry):
        model_file = registry.file_path(entry["version"], "model.skops")
    model_path = str(model_file or f"{registry.describe()} v{entry['version']}")
    metadata: TrainMetadata = {
        "task": settings.task,
        "estimator": fitted.estimator,
        "hyperparameters": settings.train.hyperparameters_of(fitted.estimator),
        "selection": None if fitted.selection is None else fitted.selection.summary(),
        "seed": settings.seed,
        "dataset": dataset,
        "contract_version": contract.version,
        "target": contract.target,
        "train_rows": len(train_rows),
        "test_rows": len(test_rows),
        "metrics": metrics,
        "version": entry["version"],
        "sha256": entry["sha256"],
    }
    return TrainResult(
        model=model,
        train=train_rows,
        test=test_rows,
        metadata=metadata,
        version=entry,
        model_path=model_path,
        model_file=model_file,
    )


def register_trained(
    registry: Registry,
    fitted: Fitted,
    *,
    contract: Contract,
    settings: Settings,
    metrics: Mapping[str, float],
    data: Fingerprint,
    template: str | None,
    run: TrackedRun,
) -> ModelVersion:
    """Register ``fitted`` as the candidate: one version, its files and their hashes, the
    fingerprint of the table it learnt from (``data``), the template commit, the run's id; and
    the version and its hash on the run."""
    from .drift import reference_stats
    from .registry import Candidate

    candidate = Candidate(
        model=fitted.model,
        holdout=fitted.test,
        reference=reference_stats(
            fitted.train,
            contract.columns("feature_numeric"),
            contract.columns("feature_categorical"),
            contract.columns("feature_datetime"),
        ),
        metrics=metrics,
        dataset=settings.data.dataset,
        task=settings.task,
        target=contract.target,
        estimator=fitted.estimator,
        data_fingerprint={
            "sha256": data["sha256"],
            "rows": data["rows"],
            "columns": data["columns"],
        },
        contract_version=None if contract.version is None else str(contract.version),
        run_id=run.id,
        fit_s=fitted.fit_s,
        template_commit=template,
    )
    entry = registry.register(candidate)
    run.set_tag("model_version", f"v{entry['version']}")
    run.set_tag("model_sha256", entry["sha256"])
    warn_untrusted(registry, entry)
    return entry


def warn_untrusted(registry: Registry, entry: ModelVersion) -> None:
    """Say at once when a new version needs types trusted-types.txt does not list: promote and
    predict refuse to load it until they are reviewed and listed."""
    from .registry.trust import missing_types

    missing = missing_types(list(entry["types"]), registry.allowlist)
    if not missing:
        return
    number = entry["version"]
    log.warning(
        "v%d needs %d type(s) trusted-types.txt does not list (%s): promote and predict refuse "
        "it until you review them (`models --types v%d`), add them and commit the file",
        number,
        len(missing),
        ", ".join(missing),
        number,
    )


# The leakage guard.
NEAR_PERFECT = 0.99  # accuracy or R² of one column alone, on rows its tree did not see
# A class this common makes accuracy say little (predicting it scores as much): a column is
# scored by its balanced accuracy then.
LOPSIDED = 0.95
SAMPLE = 5_000  # training rows tried, at most (seeded)
MIN_PAIRS = 50  # rows with a value a rank correlation needs (two rows always correlate fully)
MIN_VARIED = 30  # rows off a column's most common value that its λ needs, in both parts
# Rows of each class in the scored third that a balanced accuracy needs: a strong honest column
# is right on a handful of rows of a rare class as often as not.
MIN_PER_CLASS = 10
# A held-out accuracy or R² at least this high, on at least MIN_HELD_OUT rows, is too good to be
# true of real data; on fewer rows a perfect score can be luck.
TOO_GOOD = 0.999
MIN_HELD_OUT = 200
LEANED_ON = 3  # features named, at most


class LeakageError(RefusedError):
    """Features that alone give the target away; the message names them and the fix."""


def suspects(train: pd.DataFrame, contract: Contract, task: str, seed: int) -> dict[str, str]:
    """The features not marked ``leak_ok`` that alone score ``NEAR_PERFECT`` or better on rows
    their tree did not see, or, for a regression, whose ranks follow the target's that closely
    (a unit change or a rounding of the target: a tree of bounded depth draws it in steps, and
    an exact copy in minutes of a target in seconds scored R² 0.989), or, among three classes
    or more, that the class sets that closely (``set_by_the_class``); with the score, shown.

    Where one class is ``LOPSIDED`` (95%) of the rows, accuracy says little (predicting that
    class scores as much): the score is then the balanced accuracy (the mean of the classes'
    recalls) of a tree weighing the classes equally, over the classes with ``MIN_PER_CLASS``
    rows or more in the scored third (a stray class of a few rows is left out), without two of
    which the check is skipped and says so."""
    from sklearn.preprocessing import OrdinalEncoder

    target = contract.target
    classification = task == "classification"
    rows = sample(train, target if classification else None, seed)
    labels = rows[target]
    split = halves(labels, train[target] if classification else None, seed)
    if split is None:
        return {}
    seen, unseen, judged = split
    several_classes = classification and labels.nunique() > 2
    outcomes = Outcomes.of(labels, classification=classification, judged=judged)
    found: dict[str, str] = {}
    numeric, categorical = (
        contract.columns("feature_numeric"),
        contract.columns("feature_categorical"),
    )
    for column in [*numeric, *categorical]:
        if column in contract.reviewed or column not in rows:
            continue
        values: np.ndarray
        if column in categorical:
            codes = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
            values = codes.fit_transform(rows[[column]].astype("string").fillna(""))
        else:
            numbers = rows[[column]].astype(float)
            values = numbers.fillna(numbers.median()).to_numpy()
            if not classification:
                outcome = labels.astype(float)
                ranks = abs(numbers[column].corr(outcome, "spearman", min_periods=MIN_PAIRS))
                if ranks >= NEAR_PERFECT:
                    found[column] = f"rank correlation {ranks:.3f} alone"
                    continue
        measure, score = alone(values, outcomes, seen, unseen, seed=seed)
        if score >= NEAR_PERFECT:
            found[column] = f"{measure} {score:.3f} alone"
        elif several_classes:
            explained = set_by_the_class(values[:, 0], labels, seen, unseen)
            if explained >= NEAR_PERFECT:
                found[column] = f"set by the class: λ {explained:.3f}"
    return found


def sample(train: pd.DataFrame, target: str | None, seed: int) -> pd.DataFrame:
    """Up to ``SAMPLE`` training rows (seeded) for the guard; by class for a classification
    (``target``), each class keeping its share and at least ``3 * MIN_PER_CLASS`` rows (all of
    a smaller one), so a class of 0.3% is still scored on 5,000 rows out of 200,000."""
    import pandas as pd

    if target is None or len(train) <= SAMPLE:
        return train.sample(min(len(train), SAMPLE), random_state=seed)
    counts = train[target].value_counts()
    wanted = {
        label: min(count, max(round(SAMPLE * count / len(train)), 3 * MIN_PER_CLASS))
        for label, count in counts.items()
    }
    parts = [
        rows.sample(wanted[label], random_state=seed)
        for label, rows in train.groupby(target, sort=False, dropna=False)
        if label in wanted
    ]
    return pd.concat(parts).sample(frac=1.0, random_state=seed)


def halves(
    labels: pd.Series, every: pd.Series | None, seed: int
) -> tuple[np.ndarray, np.ndarray, list[object] | None] | None:
    """The rows of ``labels`` each column's tree learns on (two thirds) and is scored on, and,
    where one class is ``LOPSIDED`` of ``every`` training label (a classification's; None for
    a regression), the classes a balanced accuracy is judged over: those with
    ``3 * MIN_PER_CLASS`` training rows or more (a stray class of a typo's few rows is left
    out). None when no verdict can be given: one class only, or fewer than two classes to judge
    with ``MIN_PER_CLASS`` rows in the scored third."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    counts = None if every is None else every.value_counts()
    if counts is not None and len(counts) < 2:
        skipped(counts)
        return None
    indices = np.arange(len(labels))
    try:
        seen, unseen = train_test_split(
            indices, test_size=1 / 3, random_state=seed, stratify=None if every is None else labels
        )
    except ValueError:  # a class of one row cannot be in both parts: split as it falls
        seen, unseen = train_test_split(indices, test_size=1 / 3, random_state=seed)
    if counts is None or counts.iloc[0] < LOPSIDED * counts.sum():
        return seen, unseen, None
    judged = counts.index[counts >= 3 * MIN_PER_CLASS]
    scored = labels.iloc[unseen].value_counts().reindex(judged, fill_value=0)
    if len(judged) < 2 or scored.min() < MIN_PER_CLASS:
        skipped(counts)
        return None
    return seen, unseen, list(judged)


def skipped(counts: pd.Series) -> None:
    """Say that the guard cannot judge (``counts``: the training rows of each class)."""
    if len(counts) < 2:
        log.warning("leakage check skipped: the training rows hold one class only")
        return
    log.warning(
        "leakage check skipped: class %r has %d of the %d training rows; a column that gives it "
        "away is told only with %d of its rows in the third each column is scored on",
        str(counts.index[-1]),
        int(counts.iloc[-1]),
        int(counts.sum()),
        MIN_PER_CLASS,
    )


class Outcomes(NamedTuple):
    """The target of the rows the guard tries, as each column's tree learns it: a class's
    labels as integer codes in sorted order (what the tree makes of them itself), judged or
    not; a regression's numbers. Encoded once, not once per column."""

    target: np.ndarray
    classification: bool
    judged: np.ndarray | None  # the codes of the classes a balanced accuracy is judged over

    @classmethod
    def of(
        cls, labels: pd.Series, *, classification: bool, judged: list[object] | None
    ) -> Outcomes:
        import numpy as np

        if not classification:
            return cls(labels.to_numpy(dtype=float), False, None)
        classes, codes = np.unique(labels.to_numpy(), return_inverse=True)
        kept = None if judged is None else np.flatnonzero([label in judged for label in classes])
        return cls(codes, True, kept)


def alone(
    values: np.ndarray, outcomes: Outcomes, seen: np.ndarray, unseen: np.ndarray, *, seed: int
) -> tuple[str, float]:
    """How well a tree on one column, fitted on ``seen`` rows, predicts the ``unseen`` ones:
    (the measure's name, its value). Accuracy (R² for a regression); where one class is nearly
    every row, the balanced accuracy (the mean of the classes' recalls) over the judged classes
    of a tree weighing the classes equally."""
    import numpy as np
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if not outcomes.classification:
        regressor = DecisionTreeRegressor(max_depth=8, min_samples_leaf=5, random_state=seed)
        regressor.fit(values[seen], outcomes.target[seen])
        return "R²", float(regressor.score(values[unseen], outcomes.target[unseen]))
    weights = None if outcomes.judged is None else "balanced"
    tree = DecisionTreeClassifier(
        max_depth=6, min_samples_leaf=5, class_weight=weights, random_state=seed
    )
    tree.fit(values[seen], outcomes.target[seen])
    truth = outcomes.target[unseen]
    right = tree.predict(values[unseen]) == truth
    if outcomes.judged is None:
        return "accuracy", float(right.mean())
    recalls = [right[truth == code].mean() for code in outcomes.judged if (truth == code).any()]
    return "balanced accuracy", float(np.mean(recalls))


def set_by_the_class(
    values: np.ndarray, labels: pd.Series, seen: np.ndarray, unseen: np.ndarray
) -> float:
    """How closely the class sets a column: Goodman and Kruskal's λ of the column given the
    class, learnt on ``seen`` rows (1: the class's most common value is always right; 0: no
    better than the column's most common value), the lower of its value on those rows and on
    ``unseen`` ones. 0 as well when fewer than ``MIN_VARIED`` rows of both differ from that
    value: a symptom of a class of a few rows is right on all of them as often as not."""
    import pandas as pd

    frame = pd.DataFrame({"value": values, "label": labels.to_numpy()}).dropna()
    learnt = frame[frame.index.isin(seen)]
    test = frame[frame.index.isin(unseen)]
    if learnt.empty:  # no value at all: nothing to set
        return 0.0
    common = learnt["value"].value_counts().index[0]
    # Each class's most common value: the largest count of each (label, value) pair, in one pass.
    counts = learnt.groupby(["label", "value"]).size().sort_values(ascending=False, kind="stable")
    per_class = counts.reset_index().drop_duplicates("label").set_index("label")["value"]
    explained = []
    for rows in (learnt, test):
        varied = int((rows["value"] != common).sum())
        if varied == 0:
            return 0.0
        guessed = rows["label"].map(per_class).fillna(common)
        explained.append((varied, 1.0 - int((guessed != rows["value"]).sum()) / varied))
    if sum(varied for varied, _ in explained) < MIN_VARIED:
        return 0.0
    return min(score for _, score in explained)


def guard(train: pd.DataFrame, contract: Contract, task: str, seed: int) -> None:
    """Stop before fitting when a feature alone gives the target away (``suspects``)."""
    found = suspects(train, contract, task, seed)
    if not found:
        return
    named = ", ".join(f"{column} ({why})" for column, why in found.items())
    where = contract.path or f"contracts/{contract.name}.yaml"
    raise LeakageError(
        f"leakage? {named} give(s) the target {contract.target} away: if computed from it, set "
        f"role: ignore in {where}; if known when predicting, set leak_ok: true on the column "
        "there"
    )


def check_held_out(
    model: Pipeline,
    test: pd.DataFrame,
    contract: Contract,
    *,
    task: str,
    metrics: dict[str, float],
    seed: int,
) -> None:
    """Stop when the held-out score is too good to be true (``TOO_GOOD`` on ``MIN_HELD_OUT``
    rows or more), naming the features whose shuffling costs the most (up to ``LEANED_ON``, each
    costing at least a tenth of the first), unless a person marked each of them ``leak_ok``."""
    from sklearn.inspection import permutation_importance

    metric, shown = ("accuracy", "accuracy") if task == "classification" else ("r2", "R²")
    score = metrics.get(metric)
    if score is None or score < TOO_GOOD or len(test) < MIN_HELD_OUT:
        return
    features = [column for column in contract.features if column in test]
    inputs = test.drop(columns=[contract.target])  # as fitted: the label is no input
    found = permutation_importance(
        model, inputs, test[contract.target], n_repeats=3, random_state=seed, n_jobs=1
    )
    costs = dict(zip(inputs.columns, found.importances_mean, strict=True))
    ranked = sorted(features, key=lambda column: -costs[column])[:LEANED_ON]
    largest = costs[ranked[0]] if ranked else 0.0
    leaned_on = [column for column in ranked if costs[column] > 0.1 * largest > 0]
    if not leaned_on or all(column in contract.reviewed for column in leaned_on):
        return
    named = ", ".join(f"{column} ({shown} -{costs[column]:.2f} shuffled)" for column in leaned_on)
    where = contract.path or f"contracts/{contract.name}.yaml"
    raise LeakageError(
        f"leakage? held-out {shown} {score:.4f} on {len(test)} rows is too good to be true; the "
        f"model leans on {named}: if computed from the target, set role: ignore in {where}; if "
        "known when predicting, set leak_ok: true on each there"
    )
