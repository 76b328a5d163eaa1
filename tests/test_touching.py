"""Edits on adjacent lines merge; edits of the same line stay a conflict, as git marked it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator.touching import merge_lines, settle

BASE = [
    "train:\n",
    "  # ridge | boosting\n",
    "  # After a task switch, ridge.\n",
    "  estimator: lr\n",
    "  hyperparameters:\n",
    "    C: 1.0\n",
]


def with_line(lines: list[str], index: int, new: str) -> list[str]:
    return [*lines[:index], new, *lines[index + 1 :]]


def test_a_value_under_a_reworded_comment_keeps_both() -> None:
    ours = with_line(BASE, 3, "  estimator: random_forest\n")
    theirs = with_line(BASE, 2, "  # After a task switch, boosting.\n")
    theirs = [*theirs[:1], "  also_try: []\n", *theirs[1:]]
    merged = merge_lines(BASE, ours, theirs)
    assert merged == [
        "train:\n",
        "  also_try: []\n",
        "  # ridge | boosting\n",
        "  # After a task switch, boosting.\n",
        "  estimator: random_forest\n",
        "  hyperparameters:\n",
        "    C: 1.0\n",
    ]


def test_lines_inserted_right_below_an_edited_value_keep_both() -> None:
    ours = with_line(BASE, 3, "  estimator: random_forest\n")
    theirs = [*BASE[:4], "  also_try: []\n", *BASE[4:]]
    merged = merge_lines(BASE, ours, theirs)
    assert merged == [*ours[:4], "  also_try: []\n", *ours[4:]]


def test_the_same_line_changed_two_ways_is_a_conflict() -> None:
    ours = with_line(BASE, 3, "  estimator: random_forest\n")
    theirs = with_line(BASE, 3, "  estimator: boosting\n")
    assert merge_lines(BASE, ours, theirs) is None


def test_insertions_at_one_place_are_a_conflict_unless_identical() -> None:
    ours = [*BASE[:4], "  also_try: [ridge]\n", *BASE[4:]]
    theirs = [*BASE[:4], "  also_try: []\n", *BASE[4:]]
    assert merge_lines(BASE, ours, theirs) is None
    assert merge_lines(BASE, ours, ours) == ours


def test_an_insertion_inside_lines_the_other_side_removed_is_a_conflict() -> None:
    ours = [*BASE[:2], "  # our note\n", *BASE[2:]]  # between the two comment lines
    theirs = [BASE[0], *BASE[3:]]  # both comment lines gone
    assert merge_lines(BASE, ours, theirs) is None


def test_a_line_removed_beside_an_edit_goes_and_the_edit_stays() -> None:
    ours = with_line(BASE, 3, "  estimator: random_forest\n")
    theirs = [*BASE[:2], *BASE[3:]]
    assert merge_lines(BASE, ours, theirs) == [*BASE[:2], *ours[3:]]


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def conflicted_repo(tmp_path: Path, ours: list[str], theirs: list[str]) -> Path:
    """A repository whose params.yaml git merged with a conflict (index stages 1, 2 and 3)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    params = repo / "params.yaml"
    git(repo, "init", "-q", "-b", "main")
    params.write_text("".join(BASE))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "template")
    params.write_text("".join(theirs))
    git(repo, "commit", "-qam", "template")
    git(repo, "checkout", "-q", "main")
    params.write_text("".join(ours))
    git(repo, "commit", "-qam", "ours")
    assert git(repo, "merge", "-q", "template").returncode != 0  # git: a conflict
    return repo


def test_settle_merges_a_file_git_marked_and_stages_it(tmp_path: Path) -> None:
    ours = with_line(BASE, 3, "  estimator: random_forest\n")
    theirs = with_line(BASE, 2, "  # After a task switch, boosting.\n")
    repo = conflicted_repo(tmp_path, ours, theirs)
    assert "<<<<<<<" in (repo / "params.yaml").read_text()

    assert settle(repo, ["params.yaml"]) == ["params.yaml"]

    text = (repo / "params.yaml").read_text()
    assert "  # After a task switch, boosting.\n  estimator: random_forest\n" in text
    assert "<<<<<<<" not in text
    assert git(repo, "status", "--porcelain").stdout == "M  params.yaml\n"


def test_settle_leaves_a_true_conflict_as_git_marked_it(tmp_path: Path) -> None:
    ours = with_line(BASE, 3, "  estimator: random_forest\n")
    theirs = with_line(BASE, 3, "  estimator: boosting\n")
    repo = conflicted_repo(tmp_path, ours, theirs)
    marked = (repo / "params.yaml").read_text()

    assert settle(repo, ["params.yaml"]) == []

    assert (repo / "params.yaml").read_text() == marked
    assert git(repo, "status", "--porcelain").stdout == "UU params.yaml\n"
