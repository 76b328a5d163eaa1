"""Promotion: the candidate becomes production only when the gate (``gate``) lets it.

Both models are loaded (hash and allowlist checked) and scored here on the same rows: the
held-out rows registered with the candidate (hash-checked too), which it never saw in training;
on those rows both are also timed, and with their registered size and fit time checked against
``promotion.budgets`` (``costs``).
The registry then moves ``production`` only if nobody moved it meanwhile (a compare-and-set on
the audit log, shared by the whole team in MLflow mode). ``--force`` skips the rules but needs a
reason; the audit log records it with the failed rules. A production model of another task than
the candidate's cannot be scored like it (nor one that fails on the candidate's rows): a refusal
the gate names, never a crash (``--force`` replaces it, e.g. after fixing a forgotten ``task``).
A version production was rolled back from is refused the same way, naming the rollback: putting
it back takes ``--force`` and a reason; so is a version whose run did not finish (a pipeline
killed after it registered the version, or still running). A refusal is an audit record too
(``refuse``).

When production trained on other data or another split, some of the candidate's held-out rows
may be rows production learned: scored on them it would look better than it is. Given the
table production trained on (``TrainedOn``), both are compared on the held-out rows production
never saw (a classifier's, each class in its share of all held-out rows), and the gate says how
many those are; with too few left, it refuses to compare.
A production version deleted on the server outside leanops (withdrawn) serves nothing: the
candidate is gated on the thresholds alone, as the first one is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from .costs import resources_of
from .errors import UserError, first_line
from .gate import GateResult, evaluate_gate
from .registry import AuditRecord, Registry, RegistryError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

    from .model import Model
    from .registry import GateDetails, ModelVersion, State
    from .settings import PromotionSettings

Scorer = Callable[["Model"], Mapping[str, float]]
# The validated table a version's data fingerprint names (None when it is not kept anywhere).
TrainedOn = Callable[[str], "pd.DataFrame | None"]
# Fewer unseen held-out rows than this and the two models are not compared on them.
MIN_UNSEEN_ROWS = 30
# A run's status (finished, failed, crashed, running) by its id; None when it cannot be found.
RunStatus = Callable[[str], "str | None"]


log = logging.getLogger(__name__)


class PromotionError(UserError):
    """Promotion cannot be attempted (bad arguments); the message is one line for the user."""


def incomparable(candidate: ModelVersion, production: ModelVersion) -> str:
    """Why the two versions' metrics cannot be compared ('' when they can)."""
    if candidate["task"] != production["task"]:
        return (
            f"production v{production['version']} is a {production['task']} model and "
            f"candidate v{candidate['version']} a {candidate['task']} one: their metrics cannot "
            "be compared; `promote --force --reason ...` replaces it"
        )
    return ""


def unfinished_run(entry: ModelVersion, run_status: RunStatus | None) -> str:
    """Why the run that registered ``entry`` holds it back ('' when it finished or is unknown)."""
    run_id = entry.get("run_id")
    status = run_status(run_id) if run_status is not None and run_id else None
    if status in (None, "finished"):
        return ""
    what = "is still running" if status == "running" else f"ended {status}"
    return (
        f"v{entry['version']} was registered by run {str(run_id)[:12]}, which {what}: its "
        "pipeline did not finish; run it again, or promote --force --reason ..."
    )


def row_keys(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One hash per row of ``frame``'s ``columns``: equal rows, equal keys."""
    import pandas as pd

    return pd.util.hash_pandas_object(frame[columns], index=False)


def unseen_by(rows: pd.DataFrame, held: pd.DataFrame, table: pd.DataFrame) -> NDArray[np.bool_]:
    """Which of ``rows`` (a candidate's held-out rows) a model did not train on, given
    ``table``, the data it was fitted on, and ``held``, its own held-out rows: a row counts as
    seen when the same values (every column the tables share) were among its training rows."""
    columns = sorted(set(rows.columns) & set(table.columns) & set(held.columns))
    trained = set(row_keys(table, columns)) - set(row_keys(held, columns))
    return ~row_keys(rows, columns).isin(trained).to_numpy()


def in_class_mix(kept: pd.DataFrame, labels: pd.Series, target: str) -> pd.DataFrame:
    """``kept`` (some of the held-out rows) with rows of its over-represented classes left out,
    the first ones of each class kept, so that every class has its share of ``labels`` (all the
    held-out rows' classes). Splits drawn with one seed from a table that grew overlap unevenly
    by class: the rows production never saw may hold half the positives of the held-out rows,
    and accuracy, average precision or log loss on them would not be the pipeline's figures."""
    counts = kept[target].value_counts()
    # A class none of whose held-out rows is left cannot have its share: the others keep theirs.
    present = labels[labels.isin(counts[counts > 0].index)]
    shares = present.value_counts(normalize=True)
    shares = shares[shares > 0]
    if shares.empty:
        return kept
    size = min(counts.get(label, 0) / share for label, share in shares.items())
    quota = {label: int(share * size + 1e-9) for label, share in shares.items()}
    place = kept.groupby(target, sort=False).cumcount()
    return kept[place < kept[target].map(quota).fillna(0)]


def rarest_class(labels: pd.Series) -> tuple[str, int] | None:
    """The class with the fewest of ``labels`` and their number (None: no rows)."""
    counts = labels.value_counts()
    return None if counts.empty else (str(counts.index[-1]), int(counts.iloc[-1]))


def rolled_back(number: int, state: State) -> str | None:
    """Why version ``number`` is refused when production was rolled back from it, or None."""
    rollback = state.rolled_back(number)
    if rollback is None:
        return None
    why = f": {rollback['reason']}" if rollback.get("reason") else ""
    return (
        f"v{number} was rolled back by {rollback['who']} at {rollback['time'][:19]}{why}; "
        "to put it back: promote --force --reason ..."
    )


def promote(
    registry: Registry,
    settings: PromotionSettings,
    evaluate: Scorer | None = None,
    *,
    version: int | str | None = None,
    force: bool = False,
    reason: str | None = None,
    run_status: RunStatus | None = None,
    trained_on: TrainedOn | None = None,
    state: State | None = None,
) -> tuple[GateResult, AuditRecord | None]:
    """Gate and (when it passes, or is forced) promote; returns the verdict and the audit record.

    ``settings`` is the ``promotion`` section; ``evaluate(model)`` scores a model (default: on
    the held-out rows registered with the version being promoted); ``run_status`` tells whether
    the run that registered it finished; ``trained_on`` finds the table production was fitted
    on, so both are compared on held-out rows production never saw; ``state``, the registry's
    state when the caller has just read it. The audit record is None when the candidate was
    refused (the registry records the refusal).
    """
    from .metrics import score as metrics_of

    if force and not (reason and reason.strip()):
        raise PromotionError("--force needs --reason: say why the gate is overridden")
    state = registry.state() if state is None else state
    number = registry.servable(version if version is not None else "candidate", state)["version"]
    current = state.production
    if number == current:
        raise RegistryError(f"v{number} is already the production version")
    rows, held = registry.holdout(number, state)  # the rows both are scored and timed on

    def on_held_out(scored: Model) -> Mapping[str, float]:
        return metrics_of(held["task"], scored, rows, held["target"])

    score = evaluate if evaluate is not None else on_held_out
    model, entry = registry.load(number, state)
    # Every held-out row, as served (no label): the budgets measure serving, not skill.
    timed_on = rows.drop(columns=[held["target"]])
    measured = resources_of(model, entry, timed_on)
    resources = {name: [value, None] for name, value in measured.items()}
    production_metrics = None
    problem = None
    unscored = False  # production is there but could not be scored on these rows
    compared = None if current in state.withdrawn else current  # a withdrawn one serves nothing
    if compared is not None:
        try:
            production_model, production = registry.load(compared, state)
            problem = incomparable(entry, production)
            if not problem and evaluate is None and trained_on is not None:
                rows, problem = fair_rows(
                    registry,
                    production,
                    rows,
                    trained_on,
                    state,
                    classes=held["target"] if held["task"] == "classification" else None,
                )
            if not problem:
                production_metrics = dict(score(production_model))
                measured = resources_of(production_model, production, timed_on)
                for name, value in measured.items():
                    resources[name][1] = value
        except RegistryError as error:
            problem = f"production v{compared} cannot be evaluated: {error}"
        except (KeyError, TypeError, ValueError) as error:  # scikit-learn refusing these rows
            problem = f"production v{compared} cannot be scored on v{number}'s held-out rows: "
            problem += first_line(error)
            unscored = True
    candidate_metrics = dict(score(model))  # on the same rows as production
    if unscored and compared is not None:
        problem = f"{problem}{as_registered(state, compared, number, candidate_metrics)}"
    result = evaluate_gate(
        candidate_metrics,
        production_metrics,
        settings,
        versions=(number, compared),
        resources={name: (pair[0], pair[1]) for name, pair in resources.items()},
        scored_rows=len(rows),
        rarest=rarest_class(rows[held["target"]]) if held["task"] == "classification" else None,
    )
    result.notes.extend(withdrawn_production(registry, state, number))
    others = [r for r in (unfinished_run(entry, run_status), rolled_back(number, state)) if r]
    if problem and result.passed and not others:  # the one rule it could not apply
        problem += f" (v{number} passes the gate's other rules; only this comparison is missing)"
    result.reasons += [problem, *others] if problem else others
    details: GateDetails = {
        "metrics": candidate_metrics,
        "production_metrics": production_metrics,
        "scored_rows": len(rows),
        "held_out_rows": len(timed_on),
        "resources": resources,
        "gate_failures": result.reasons,
    }
    if not result.passed and not force:
        registry.refuse(number, details)
        return result, None
    record = registry.set_production(
        number,
        action="force-promote" if force and not result.passed else "promote",
        reason=reason,
        forced=force and not result.passed,
        expect=current,
        details=details,
    )
    return result, record


def as_registered(
    state: State, production: int, number: int, candidate: Mapping[str, float]
) -> str:
    """What production scored when it was registered, beside the candidate's scores: the one
    view left to weigh ``--force`` with when production cannot score the candidate's rows
    (each on its own held-out rows: a hint, not the gate's comparison)."""
    entry = state.versions.get(production)
    recorded = (entry.get("metrics") if entry is not None else None) or {}
    shared = [
        name
        for name in sorted(candidate)
        if isinstance(recorded.get(name), int | float)
        and not name.startswith(("baseline_", "cost."))
    ]
    if not shared:
        return ""
    pairs = ", ".join(f"{name} {recorded[name]:.4f} / {candidate[name]:.4f}" for name in shared)
    return (
        f"; production v{production} / v{number}, each on its own held-out rows as registered "
        f"and here: {pairs}"
    )


def withdrawn_production(registry: Registry, state: State, number: int) -> list[str]:
    """Why v``number`` is gated on the thresholds alone, when production was deleted on the
    server outside leanops (no line otherwise)."""
    current = state.production
    if current is None or current not in state.withdrawn:
        return []
    return [
        f"production v{current} was deleted from {registry.describe()} outside leanops: "
        f"v{number} is gated on the thresholds alone"
    ]


def fair_rows(
    registry: Registry,
    production: ModelVersion,
    rows: pd.DataFrame,
    trained_on: TrainedOn,
    state: State | None = None,
    *,
    classes: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """``rows`` without those production trained on, and why they cannot be compared ('' when
    they can). Production's own table not being kept here is said, not refused. ``state``: the
    registry's, when the caller read it already. ``classes``: a classifier's target column,
    whose classes keep their shares of ``rows`` in what is compared (``in_class_mix``)."""
    held, _ = registry.holdout(production["version"], state)
    columns = sorted(set(rows.columns) & set(held.columns))
    if set(row_keys(rows, columns)) <= set(row_keys(held, columns)):
        return rows, ""  # production held out every one of them too (the same split)
    fingerprint = production.get("data_fingerprint")
    table = trained_on(fingerprint["sha256"]) if fingerprint else None
    name = f"production v{production['version']}"
    if table is None:
        log.warning(
            "%s's training table is not kept here (data pull fetches it): it is compared on "
            "held-out rows it may have trained on",
            name,
        )
        return rows, ""
    unseen = unseen_by(rows, held, table)
    if unseen.all():
        return rows, ""
    unseen_rows = rows[unseen]
    kept = unseen_rows if classes is None else in_class_mix(unseen_rows, rows[classes], classes)
    seen = len(rows) - len(unseen_rows)
    if len(kept) < MIN_UNSEEN_ROWS:
        return rows, (
            f"{name} trained on {seen} of the {len(rows)} held-out rows: too few left to compare "
            f"fairly{' (each class in its share)' if classes else ''}; promote --force --reason ..."
        )
    mix = (
        f", {len(unseen_rows) - len(kept)} of them left out so that each class keeps its share "
        "of the held-out rows"
        if len(kept) < len(unseen_rows)
        else ""
    )
    if classes is not None:
        gone = sorted(set(map(str, rows[classes].unique())) - set(map(str, kept[classes])))
        if gone:
            log.warning(
                "%s trained on every held-out row of class %s: the two are compared without it",
                name,
                ", ".join(gone),
            )
    log.info(
        "%s trained on %d of the %d held-out rows: both are compared on the other %d%s",
        name,
        seen,
        len(rows),
        len(unseen_rows),
        mix,
    )
    return kept, ""
