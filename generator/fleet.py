"""Find generated projects by their answers files and read where each came from.

Reading ``.copier-answers.yml`` is all the pre-check needs: ``_src_path`` (the template) and
``_commit`` (the version it was last rendered from). Nothing is rendered here, so a fleet of
projects is inspected in milliseconds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import LeanopsError

ANSWERS_FILE = ".copier-answers.yml"
SKIPPED_DIRS = frozenset({".git", ".venv", "venv", "node_modules", ".nox", ".tox", "__pycache__"})


def recovery_steps(project: Path) -> str:
    """How to get a usable answers file back (the same advice for missing and corrupt files)."""
    return (
        f"restore it from git history (cd {project} && git log --oneline -- {ANSWERS_FILE}, "
        f"then git checkout <commit> -- {ANSWERS_FILE}), or re-create it with "
        "`copier copy --trust --vcs-ref <version you generated from> <template> .` "
        "and keep your own files with `git checkout -p`"
    )


def ever_tracked(project: Path) -> bool:
    """Whether git's history of ``project`` holds its answers file (then it can be restored)."""
    from .gitutil import run_git

    found = run_git(project, "log", "-1", "--format=%h", "--", ANSWERS_FILE)
    return found.returncode == 0 and bool(found.stdout.strip())  # not in git: nothing to restore


class AnswersError(LeanopsError):
    """The answers file is missing, unreadable or lacks ``_src_path``/``_commit``."""


class ForeignProjectError(AnswersError):
    """The answers file is another Copier template's: not a project leanops made."""


# A question every version of the leanops template asks (0.1.0 on), and its answers file keeps:
# what tells a leanops project from one of another Copier template.
LEANOPS_QUESTION = "ml_task"


@dataclass(frozen=True)
class Project:
    """A generated project and what its answers file says about its template."""

    path: Path
    src_path: str
    commit: str
    answers: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def user_answers(self) -> dict[str, object]:
        """The answers to questions (Copier's private ``_`` keys removed)."""
        return {key: value for key, value in self.answers.items() if not key.startswith("_")}


def read_project(path: Path) -> Project:
    """Read ``path``'s answers file; a problem raises :class:`AnswersError` saying what to do."""
    path = path.resolve()
    answers_path = path / ANSWERS_FILE
    if not answers_path.is_file():
        if not ever_tracked(path):
            raise AnswersError(
                f"{path}: no leanops project here (no {ANSWERS_FILE} in it or below, nor in its "
                "git history)"
            )
        raise AnswersError(f"{path}: no {ANSWERS_FILE}; {recovery_steps(path)}")
    try:
        answers = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise AnswersError(
            f"{answers_path} is unreadable ({reason}); {recovery_steps(path)}"
        ) from error
    if not isinstance(answers, dict):
        raise AnswersError(f"{answers_path} is not a mapping; {recovery_steps(path)}")
    answers = {str(key): value for key, value in answers.items()}
    if LEANOPS_QUESTION not in answers:
        raise ForeignProjectError(
            f"{path}: not a leanops project (its {ANSWERS_FILE} answers no {LEANOPS_QUESTION} "
            f"question; template {answers.get('_src_path', 'unknown')}): leanops leaves it "
            "alone, and never runs another template's tasks"
        )
    missing = [key for key in ("_src_path", "_commit") if not answers.get(key)]
    if missing:
        raise AnswersError(f"{answers_path} lacks {' and '.join(missing)}; {recovery_steps(path)}")
    return Project(path, str(answers["_src_path"]), str(answers["_commit"]), answers)


def find_project_dirs(root: Path) -> list[Path]:
    """Every folder at or below ``root`` that holds an answers file.

    Does not descend into tool folders (``.git``, ``.venv``, ``node_modules``...) nor into a
    leanops project once found, so a large tree is walked quickly; below another template's
    project it goes on (a monorepo made by another template may hold leanops projects).
    """
    found = []
    for current, dirs, files in os.walk(root.resolve()):
        if ANSWERS_FILE in files:
            found.append(Path(current))
            if not _foreign(Path(current)):
                dirs.clear()
                continue
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
    return sorted(found)


def _foreign(folder: Path) -> bool:
    """Whether ``folder``'s answers file is readable and another template's."""
    try:
        read_project(folder)
    except ForeignProjectError:
        return True
    except AnswersError:
        return False
    return False


def discover(paths: list[Path]) -> tuple[list[Project], list[tuple[Path, AnswersError]]]:
    """Projects under ``paths`` and the ones whose answers file cannot be used.

    A path that is not a folder is an error; a folder with no project at all is reported as a
    project with a missing answers file (the likely case: it was deleted). Another Copier
    template's projects are passed over; a path where that leaves nothing is an error counting
    them.
    """
    projects: dict[Path, Project] = {}
    broken: dict[Path, AnswersError] = {}
    for raw in paths:
        if not raw.is_dir():
            raise LeanopsError(f"{raw} is not a folder")
        folder = raw.resolve()
        dirs = find_project_dirs(folder) or [folder]
        foreign: list[ForeignProjectError] = []
        for directory in dirs:
            try:
                projects[directory] = read_project(directory)
            except ForeignProjectError as error:
                foreign.append(error)
            except AnswersError as error:
                broken[directory] = error
        if foreign and not any(d in projects or d in broken for d in dirs):
            only = foreign[0] if dirs == [folder] else None
            broken[folder] = only or ForeignProjectError(
                f"{folder}: no leanops project here (passed over {len(foreign)} project(s) of "
                "other Copier templates)"
            )
    return list(projects.values()), list(broken.items())
