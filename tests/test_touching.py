"""Edits on adjacent lines merge; edits of the same line stay a conflict, as git marked it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.touching import merge_lines, parse, resolve, settle, split_lines

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


def git(repo: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        input=stdin,
        check=False,
    )


def conflicted_repo(
    tmp_path: Path, ours: list[str], theirs: list[str], base: list[str] = BASE, style: str = ""
) -> Path:
    """A project whose params.yaml is in conflict as Copier leaves it: the project's committed
    file three-way merged by ``git merge-file`` with Copier's labels, the old and the new
    template version as index stages 1 and 3, the project's as stage 2."""
    repo = tmp_path / "repo"
    repo.mkdir()
    params = repo / "params.yaml"
    git(repo, "init", "-q", "-b", "main")
    if style:
        git(repo, "config", "merge.conflictStyle", style)
    params.write_text("".join(ours))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "ours")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text("".join(base))
    new.write_text("".join(theirs))
    labels = ["-L", "before updating", "-L", "last update", "-L", "after updating"]
    merged = git(repo, "merge-file", *labels, "params.yaml", str(old), str(new))
    assert merged.returncode > 0, "git merged it: no conflict to settle"
    sha = {path: git(repo, "hash-object", "-w", str(path)).stdout.strip() for path in (old, new)}
    ours_sha = git(repo, "rev-parse", "HEAD:params.yaml").stdout.strip()
    stages = (
        f"0 {'0' * 40}\tparams.yaml\n100644 {sha[old]} 1\tparams.yaml\n"
        f"100644 {ours_sha} 2\tparams.yaml\n100644 {sha[new]} 3\tparams.yaml\n"
    )
    git(repo, "update-index", "--index-info", stdin=stages)
    assert git(repo, "status", "--porcelain").stdout == "UU params.yaml\n"
    return repo


@pytest.mark.parametrize("style", ["", "diff3", "zdiff3"])  # the team's merge.conflictStyle
def test_settle_merges_a_file_git_marked_and_stages_it(tmp_path: Path, style: str) -> None:
    ours = with_line(BASE, 3, "  estimator: random_forest\n")
    theirs = with_line(BASE, 2, "  # After a task switch, boosting.\n")
    repo = conflicted_repo(tmp_path, ours, theirs, style=style)
    assert "<<<<<<<" in (repo / "params.yaml").read_text()

    assert settle(repo, ["params.yaml"]) == ["params.yaml"]

    text = (repo / "params.yaml").read_text()
    assert "  # After a task switch, boosting.\n  estimator: random_forest\n" in text
    assert "<<<<<<<" not in text
    assert git(repo, "status", "--porcelain").stdout == "M  params.yaml\n"
    assert git(repo, "diff", "--cached", "--quiet", "HEAD").returncode == 1


def test_settle_leaves_a_true_conflict_as_git_marked_it(tmp_path: Path) -> None:
    ours = with_line(BASE, 3, "  estimator: random_forest\n")
    theirs = with_line(BASE, 3, "  estimator: boosting\n")
    repo = conflicted_repo(tmp_path, ours, theirs)
    marked = (repo / "params.yaml").read_text()

    assert settle(repo, ["params.yaml"]) == []

    assert (repo / "params.yaml").read_text() == marked
    assert git(repo, "status", "--porcelain").stdout == "UU params.yaml\n"


def column(name: str, kind: str, nullable: str = "false") -> str:
    return f"  - name: {name}\n    type: {kind}\n    nullable: {nullable}\n"


RATIO = 'def add_ratio(frame):\n    frame["ratio"] = frame.a / frame.b\n    return frame\n'
LOG = 'def add_log(frame):\n    frame["log"] = np.log1p(frame.a)\n    return frame\n'
SQUARE = 'def add_square(frame):\n    frame["square"] = frame.a ** 2\n    return frame\n'
PINS = 'dependencies = [\n    "pandas>=2",\n    "leanops-runtime==0.3.0",\n]\n'
# (base, ours, theirs) that a line-by-line merge would get wrong: each stays a conflict.
NOT_MERGED = {
    "a form feed is not a line end": (
        "x = 1\x0c y = 2\n",
        "x = 10\x0c y = 2\n",
        "x = 1\x0c y = 20\n",
    ),
    "a column inserted among alike ones beside a change": (
        "columns:\n" + column("age", "int") + column("income", "float"),
        "columns:\n" + column("age", "int") + column("tenure", "int") + column("income", "float"),
        "columns:\n" + column("age", "int", "true") + column("income", "float"),
    ),
    "a function inserted among alike ones beside a change": (
        RATIO + "\n\n" + LOG,
        RATIO + "\n\n" + SQUARE + "\n\n" + LOG,
        RATIO.replace("return frame", "return frame.dropna()") + "\n\n" + LOG,
    ),
    "a setting added to a section the other side removed": (
        "train:\n  seed: 0\nmonitoring:\n  psi_warn: 0.1\neval:\n  folds: 5\n",
        "train:\n  seed: 0\nmonitoring:\n  psi_warn: 0.1\n  ks_warn: 0.2\neval:\n  folds: 5\n",
        "train:\n  seed: 0\neval:\n  folds: 5\n",
    ),
    "a line both sides added, in different changes": (
        "train:\n  estimator: lr\n  hyperparameters:\n",
        "train:\n  estimator: random_forest\n  also_try: []\n  hyperparameters:\n",
        "train:\n  estimator: lr\n  also_try: []\n  hyperparameters:\n",
    ),
    "a line appended to a block the other side rewrote as one line": (
        "alerts:\n  drift_level: alert\n  retries: 1\nlogs: json\n",
        "alerts: {drift_level: warn, retries: 3}\nlogs: json\n",
        "alerts:\n  drift_level: alert\n  retries: 1\n  cost_factor: 3\nlogs: json\n",
    ),
    "a key appended to a table the other side commented out": (
        "[tool.mypy]\nstrict = true\n\n[tool.ruff]\n",
        "# [tool.mypy]\n# strict = true\n\n[tool.ruff]\n",
        "[tool.mypy]\nstrict = true\nwarn_unreachable = true\n\n[tool.ruff]\n",
    ),
    "a dependency both sides added": (
        PINS,
        PINS.replace("]", '    "pyarrow>=15",\n    "xgboost>=2",\n]'),
        PINS.replace("0.3.0", "0.4.0").replace("]", '    "pyarrow>=15",\n]'),
    ),
}


@pytest.mark.parametrize("case", NOT_MERGED)
def test_edits_a_line_by_line_merge_could_get_wrong_stay_a_conflict(case: str) -> None:
    base, ours, theirs = (split_lines(text) for text in NOT_MERGED[case])
    assert merge_lines(base, ours, theirs) is None


def test_a_line_without_its_newline_is_never_joined_to_the_next() -> None:
    marked = ["<" * 41 + " ours\n", "a\n", "b", "|" * 41 + " base\n", "a\n", "b\n",
              "=" * 41 + "\n", "a\n", "b\n", "c\n", ">" * 41 + " theirs\n"]  # fmt: skip
    parts = parse(marked, 41)
    assert parts is not None
    assert resolve(parts) is None


def test_only_the_blocks_git_marked_are_merged_and_what_it_merged_stays(tmp_path: Path) -> None:
    """git merged the functions; the conflict at the end is a value under a reworded comment."""
    head, tail = "import numpy as np\n\n\n", "\n\n# Scaled after these (template).\nSCALE = True\n"
    base = head + RATIO + "\n\n" + LOG + tail
    ours = head + RATIO + "\n\n" + SQUARE + "\n\n" + LOG + tail.replace("True", "False")
    theirs = (head + RATIO.replace("return frame", "return frame.dropna()") + "\n\n" + LOG
              + tail.replace("(template)", "(reworded)"))  # fmt: skip
    repo = conflicted_repo(tmp_path, split_lines(ours), split_lines(theirs), split_lines(base))

    assert settle(repo, ["params.yaml"]) == ["params.yaml"]

    merged_tail = tail.replace("(template)", "(reworded)").replace("True", "False")
    dropna = RATIO.replace("return frame", "return frame.dropna()")
    expected = head + dropna + "\n\n" + SQUARE + "\n\n" + LOG + merged_tail
    assert (repo / "params.yaml").read_text() == expected


def test_what_a_migration_changed_after_the_merge_is_kept(tmp_path: Path) -> None:
    ours = with_line(BASE, 3, "  estimator: random_forest\n")
    theirs = with_line(BASE, 2, "  # After a task switch, boosting.\n")
    repo = conflicted_repo(tmp_path, ours, theirs)
    params = repo / "params.yaml"
    params.write_text(params.read_text().replace("    C: 1.0\n", "    C: 1.0  # migrated\n"))

    assert settle(repo, ["params.yaml"]) == ["params.yaml"]

    text = params.read_text()
    assert "  # After a task switch, boosting.\n  estimator: random_forest\n" in text
    assert "    C: 1.0  # migrated\n" in text


def test_a_migration_that_changed_the_marked_lines_leaves_the_conflict(tmp_path: Path) -> None:
    ours = with_line(BASE, 3, "  estimator: random_forest\n")
    theirs = with_line(BASE, 2, "  # After a task switch, boosting.\n")
    repo = conflicted_repo(tmp_path, ours, theirs)
    params = repo / "params.yaml"
    marked = params.read_text().replace("  estimator: random_forest\n", "  estimator: rf\n")
    params.write_text(marked)

    assert settle(repo, ["params.yaml"]) == []

    assert params.read_text() == marked


def test_a_line_of_41_equals_signs_is_text_not_a_marker(tmp_path: Path) -> None:
    """A README title of 41 characters, underlined: the team retitles it, the template
    lengthens the underline."""
    title = "Churn model: training and serving README!"
    base = f"{title}\n{'=' * 41}\n\nIntro line.\n"
    ours = base.replace(title, "Churn model: how we train and serve it")
    theirs = base.replace("=" * 41, "=" * 42)
    repo = conflicted_repo(tmp_path, split_lines(ours), split_lines(theirs), split_lines(base))

    assert settle(repo, ["params.yaml"]) == ["params.yaml"]

    expected = f"Churn model: how we train and serve it\n{'=' * 42}\n\nIntro line.\n"
    assert (repo / "params.yaml").read_text() == expected


def test_a_file_without_its_final_newline_stays_a_conflict(tmp_path: Path) -> None:
    base, ours, theirs = ["a: 1\n", "# c\n", "key: v"], ["a: 1\n", "# c\n", "key: team"], [
        "a: 1\n", "# reworded\n", "key: v"]  # fmt: skip
    repo = conflicted_repo(tmp_path, ours, theirs, base)
    assert settle(repo, ["params.yaml"]) == []


def test_a_line_one_side_adds_in_a_block_and_the_other_elsewhere_stays_a_conflict(
    tmp_path: Path,
) -> None:
    """git merged the template's ``random_state`` by itself; the team's, beside the reworded
    comment, is in a block: merged, the file would hold the key twice."""
    base = "train:\n  # ridge\n  estimator: ridge\n  hyperparameters:\n    C: 1.0\n  refit: true\n"
    ours = base.replace("  estimator: ridge\n", "  estimator: rf\n  random_state: 42\n")
    theirs = base.replace("  # ridge\n", "  # ridge | rf\n").replace(
        "  refit: true\n", "  refit: true\n  random_state: 42\n"
    )
    repo = conflicted_repo(tmp_path, split_lines(ours), split_lines(theirs), split_lines(base))
    assert settle(repo, ["params.yaml"]) == []


def test_a_tracked_file_the_team_now_ignores_is_settled_and_staged(tmp_path: Path) -> None:
    ours = with_line(BASE, 3, "  estimator: random_forest\n")
    theirs = with_line(BASE, 2, "  # After a task switch, boosting.\n")
    repo = conflicted_repo(tmp_path, ours, theirs)
    (repo / ".gitignore").write_text("params.yaml\n")  # tracked files stay tracked

    assert settle(repo, ["params.yaml"]) == ["params.yaml"]
    assert "M  params.yaml" in git(repo, "status", "--porcelain").stdout
