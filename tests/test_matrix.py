"""The answer matrix really covers every choice of every question, in pairs."""

from __future__ import annotations

from matrix import CHOICES, MATRIX, copier_choices, uncovered_pairs


def test_matrix_knows_every_choice_copier_offers() -> None:
    assert copier_choices() == CHOICES


def test_matrix_is_pairwise() -> None:
    assert uncovered_pairs(MATRIX) == []


def test_uncovered_pairs_detects_a_gap() -> None:
    assert uncovered_pairs(MATRIX[:-1]) != []


def test_first_row_is_the_defaults() -> None:
    assert MATRIX[0] == {key: values[0] for key, values in CHOICES.items()}
