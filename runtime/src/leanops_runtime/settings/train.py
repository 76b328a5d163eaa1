"""``train``: the estimator to fit and the hyperparameters of each estimator.

``estimator`` may be left out: the task's default (the first of the task's estimators in
``estimators.py``) is fitted. An estimator of the other task only (``logistic_regression`` after
``task: regression``) is replaced the same way, and training warns saying how to choose: changing
``task`` (and the dataset) is all a new table needs.

Hyperparameters are kept per estimator, so switching ``estimator`` (in params.yaml or with
``<PREFIX>TRAIN__ESTIMATOR``) starts from that estimator's own block, or from scikit-learn's
defaults when it has none. A flat mapping (the 0.2.0 format) is still read: it belongs to the
estimator params.yaml names (or, with none named, to the task's default).
"""

from __future__ import annotations

from pydantic import Field, JsonValue, PrivateAttr

from .base import Section

Hyperparameters = dict[str, JsonValue]


class TrainSettings(Section):
    """Which estimator to fit, and each estimator's hyperparameters (passed to it as is)."""

    estimator: str = ""  # empty: the task's default (``settle``)
    hyperparameters: dict[str, Hyperparameters] = Field(default_factory=dict)
    _replaced: str = PrivateAttr(default="")

    def chosen_hyperparameters(self) -> Hyperparameters:
        """The hyperparameters of the chosen estimator (empty: scikit-learn's defaults)."""
        return dict(self.hyperparameters.get(self.estimator, {}))

    def settle(self, task: str) -> None:
        """Make ``estimator`` the one fitted for ``task`` (``estimator_for``), keeping why."""
        chosen, self._replaced = estimator_for(task, self.estimator or None)
        self.estimator = chosen or ""

    @property
    def replaced(self) -> str:
        """Why params.yaml's estimator is not the one fitted ('' when it is): for a warning."""
        return self._replaced


def estimator_for(task: str, named: str | None) -> tuple[str | None, str]:
    """(the estimator to fit for ``task``, a warning or ''), from the one params.yaml names.

    ``named`` when it is one of the task's, or unknown (training names the known ones); the
    task's default when it is missing or an estimator of another task only: a params.yaml written
    for classification then trains a regression after ``task: regression`` alone.
    """
    from ..team import estimators

    by_task = estimators()
    known = by_task.get(task)
    if not known:  # not a task: validation says so
        return named, ""
    default = next(iter(known))
    if named is None or named in known:
        return named or default, ""
    others = [other for other, by_name in by_task.items() if named in by_name]
    if not others:
        return named, ""
    return default, (
        f"train.estimator {named} is a {others[0]} estimator and task is {task}: fitting "
        f"{default}, the {task} default; to choose, set train.estimator in params.yaml to one of "
        f"{', '.join(known)}, with its hyperparameters under train.hyperparameters.<estimator>"
    )
