"""``train``: the estimator to fit and the hyperparameters of each estimator.

Hyperparameters are kept per estimator, so switching ``estimator`` (in params.yaml or with
``<PREFIX>TRAIN__ESTIMATOR``) starts from that estimator's own block, or from scikit-learn's
defaults when it has none. A flat mapping (the 0.2.0 format) is still read: it belongs to the
estimator params.yaml names.
"""

from __future__ import annotations

from pydantic import Field, JsonValue

from .base import Section

Hyperparameters = dict[str, JsonValue]


class TrainSettings(Section):
    """Which estimator to fit, and each estimator's hyperparameters (passed to it as is)."""

    estimator: str = Field(min_length=1)
    hyperparameters: dict[str, Hyperparameters] = Field(default_factory=dict)

    def chosen_hyperparameters(self) -> Hyperparameters:
        """The hyperparameters of the chosen estimator (empty: scikit-learn's defaults)."""
        return dict(self.hyperparameters.get(self.estimator, {}))
