"""The answer combinations the template is proven on: every pair of choices appears in one."""

from __future__ import annotations

import itertools

import yaml
from conftest import REPO

CHOICES: dict[str, list[object]] = {
    "python_version": ["3.11", "3.12", "3.13"],
    "ci": ["github", "gitlab", "none"],
    "license": ["MIT", "Apache-2.0", "Proprietary"],
    "ml_task": ["classification", "regression"],
    "tracking_backend": ["local", "mlflow"],
    "docker": [True, False],
    "estimator": ["hist_gradient_boosting", "linear"],
}

# An orthogonal array L9 for the three-level questions, with the two-level ones placed so that
# every pair of answers of every two questions appears (checked by test_matrix_is_pairwise).
_ROWS = [
    (0, 0, 0, 0, 0, 0, 0),
    (0, 1, 1, 0, 0, 0, 0),
    (0, 2, 2, 1, 1, 1, 1),
    (1, 0, 1, 1, 1, 1, 1),
    (1, 1, 2, 0, 0, 0, 1),
    (1, 2, 0, 0, 0, 1, 0),
    (2, 0, 2, 0, 1, 0, 0),
    (2, 1, 0, 1, 1, 1, 1),
    (2, 2, 1, 1, 0, 0, 0),
]
MATRIX: list[dict[str, object]] = [
    {key: CHOICES[key][index] for key, index in zip(CHOICES, row, strict=True)} for row in _ROWS
]


def matrix_id(answers: dict[str, object]) -> str:
    """A readable test id such as ``py3.12-gitlab-MIT-regression-mlflow-nodocker-linear``."""
    return "-".join(
        [
            f"py{answers['python_version']}",
            str(answers["ci"]),
            str(answers["license"]),
            str(answers["ml_task"]),
            str(answers["tracking_backend"]),
            "docker" if answers["docker"] else "nodocker",
            "linear" if answers["estimator"] == "linear" else "boosting",
        ]
    )


def uncovered_pairs(rows: list[dict[str, object]]) -> list[tuple[str, object, str, object]]:
    """Pairs of answers (of two questions) that no row holds; empty when the matrix is pairwise."""
    missing = []
    for first, second in itertools.combinations(CHOICES, 2):
        seen = {(row[first], row[second]) for row in rows}
        for a, b in itertools.product(CHOICES[first], CHOICES[second]):
            if (a, b) not in seen:
                missing.append((first, a, second, b))
    return missing


def copier_choices() -> dict[str, list[object]]:
    """The choices each question of copier.yml offers (its values, not its labels)."""
    config = yaml.safe_load((REPO / "copier.yml").read_text())
    found: dict[str, list[object]] = {}
    for key, question in config.items():
        if key.startswith("_") or not isinstance(question, dict):
            continue
        if question.get("type") == "bool":
            found[key] = [True, False]
        elif "choices" in question:
            choices = question["choices"]
            found[key] = list(choices.values() if isinstance(choices, dict) else choices)
    return found
