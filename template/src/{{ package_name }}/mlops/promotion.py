"""Promotion: the candidate becomes production only when the gate (``gate``) lets it.

Both models are loaded (hash and allowlist checked) and scored here, on the same held-out data,
so the comparison is fair even when the data changed since training; the registry then moves the
``production`` alias only if nobody else moved it meanwhile. ``--force`` skips the rules but
needs a reason; the audit log records it with the failed rules.
"""

from __future__ import annotations

from typing import Any

from .errors import UserError
from .gate import Evaluate, GateResult, evaluate_gate
from .registry import Registry, RegistryError


class PromotionError(UserError):
    """Promotion cannot be attempted (bad arguments); the message is one line for the user."""


def promote(
    registry: Registry,
    settings: Any,
    evaluate: Evaluate,
    *,
    version: int | str | None = None,
    force: bool = False,
    reason: str | None = None,
) -> tuple[GateResult, dict[str, Any] | None]:
    """Gate and (when it passes, or is forced) promote; returns the verdict and the audit record.

    ``settings`` is the ``promotion`` section; ``evaluate(model)`` scores a model on the current
    held-out data. The audit record is None when the candidate was refused.
    """
    if force and not (reason and reason.strip()):
        raise PromotionError("--force needs --reason: say why the gate is overridden")
    number = registry.resolve(version if version is not None else "candidate")
    current = registry.alias("production")
    if number == current:
        raise RegistryError(f"v{number} is already the production version")
    model, _ = registry.load(number)
    candidate_metrics = dict(evaluate(model))
    production_metrics = None
    problem = None
    if current is not None:
        try:
            production_model, _ = registry.load(current)
            production_metrics = dict(evaluate(production_model))
        except RegistryError as error:
            problem = f"production v{current} cannot be evaluated: {error}"
    result = evaluate_gate(
        candidate_metrics, production_metrics, settings, versions=(number, current)
    )
    if problem:
        result.reasons.append(problem)
    if not result.passed and not force:
        return result, None
    record = registry.set_production(
        number,
        action="force-promote" if force and not result.passed else "promote",
        reason=reason,
        forced=force and not result.passed,
        expect=current,
        details={
            "metrics": candidate_metrics,
            "production_metrics": production_metrics,
            "gate_failures": result.reasons,
        },
    )
    return result, record
