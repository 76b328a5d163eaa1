"""``leanops check``: how well a project still follows the template's standards.

The checks are repo-review plugins (the framework scientific-python uses for the same job):
each is a class whose docstring describes it, whose ``check`` returns True (pass), a string or
False (fail, the text says how to fix it) or None (skipped), and whose arguments are fixtures.
``leanops check`` runs them through repo-review's processor directly; to also run them with the
``repo-review`` command, register the entry points ``repo_review.checks =
generator.check:repo_review_checks``, ``repo_review.families =
generator.check:repo_review_families`` and ``repo_review.fixtures`` for each fixture of
``project_facts.FIXTURES`` (pyproject.toml does).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .gitutil import run_git
from .project_facts import ANSWERS_FILE, FIXTURES, MachineryEdits, pyproject
from .relock import exported_in_step
from .tables import table_console

if TYPE_CHECKING:
    from repo_review.checks import Check
    from repo_review.families import Family
    from repo_review.processor import Result

FAMILY = "leanops"
LOCK_TIMEOUT_SECONDS = 120
OFFLINE_HINTS = ("offline", "network", "connect", "dns", "failed to fetch", "timed out")


# --- checks --------------------------------------------------------------------------------


class LO101:
    """Copier answers file present"""

    family = FAMILY

    @staticmethod
    def check(answers: dict[str, object] | None) -> bool:
        """`.copier-answers.yml` is missing or unreadable, so the project cannot be updated:
        restore it from git history (`git log -- .copier-answers.yml`, then
        `git checkout <commit> -- .copier-answers.yml`)."""
        return answers is not None and bool(answers.get("_src_path") and answers.get("_commit"))


class LO102:
    """Copier answers file committed"""

    family = FAMILY
    requires = frozenset({"LO101"})

    @staticmethod
    def check(tracked: set[str] | None) -> bool:
        """Commit it: `git add .copier-answers.yml && git commit` (updates need a clean,
        committed project)."""
        return tracked is not None and ANSWERS_FILE in tracked


class LO201:
    """Lock file present"""

    family = FAMILY

    @staticmethod
    def check(root: Path) -> bool:
        """No `uv.lock`: run `uv lock` and commit it, so every machine installs the same
        versions."""
        return (Path(root) / "uv.lock").is_file()


class LO202:
    """Lock file in sync with pyproject.toml"""

    family = FAMILY
    requires = frozenset({"LO201"})
    skipped = "uv is not installed, or the package index did not answer (`uv lock --check`)"

    @staticmethod
    def check(root: Path) -> bool | str | None:
        """`uv.lock` is out of date: run `uv lock` and commit it."""
        uv = shutil.which("uv")
        if uv is None:
            return None  # skipped: uv is not installed
        try:
            result = subprocess.run(
                [uv, "lock", "--check", "--directory", str(root)],
                capture_output=True,
                text=True,
                timeout=LOCK_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None  # skipped: the index is unreachable
        if result.returncode == 0:
            return True
        if any(hint in result.stderr.lower() for hint in OFFLINE_HINTS):
            return None  # cannot tell offline
        return False


class LO203:
    """requirements.lock in sync with uv.lock"""

    family = FAMILY
    requires = frozenset({"LO201"})
    skipped = (
        "no requirements.lock whose header names uv's export command, uv is not installed, or "
        "it cannot export from uv.lock as it is (LO202 says why)"
    )

    @staticmethod
    def check(root: Path) -> bool | None:
        """`requirements.lock` pins other packages, versions or hashes than `uv.lock` (the
        plain-pip route would install them): run `uv run nox -s lock` and commit it."""
        return exported_in_step(Path(root))


def runtime_source(pyproject: dict[str, object]) -> str | None:
    """Where ``[tool.uv.sources]`` installs leanops-runtime from: its git URL, or ``file://``
    and the folder of a ``path`` source; "" when the project depends on the runtime without a
    source (a version pin from a package index); None when it does not depend on it (made
    before 0.4.0). Names compare as PyPI does (``leanops_runtime`` is ``leanops-runtime``)."""

    def normal(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    project = pyproject.get("project")
    dependencies = project.get("dependencies") if isinstance(project, dict) else None
    names = [re.split(r"[\s\[<>=!~;@]", str(d), maxsplit=1)[0] for d in dependencies or []]
    if "leanops-runtime" not in map(normal, names):
        return None
    tool = pyproject.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    sources = uv.get("sources") if isinstance(uv, dict) else None
    found = sources if isinstance(sources, dict) else {}
    pin = next((v for k, v in found.items() if normal(str(k)) == "leanops-runtime"), None)
    if not isinstance(pin, dict):
        return ""
    return f"file://{pin['path']}" if "path" in pin else str(pin.get("git", ""))


class LO204:
    """Runtime installable on other machines"""

    family = FAMILY
    skipped = "the project does not depend on leanops-runtime (made before 0.4.0)"

    @staticmethod
    def check(pyproject: dict[str, object]) -> bool | str | None:
        """The runtime is pinned to a template checkout on this machine: teammates, CI and the
        Docker image cannot install it."""
        source = runtime_source(pyproject)
        if source is None:
            return None
        if not source.startswith("file://"):
            return True
        return (
            f"The runtime is pinned to a folder on this machine ({source}): teammates, CI and "
            "the Docker image cannot install it. Push the template to a git server and run "
            "`leanops source <its URL> .`, which moves the pin, the answers file and the files "
            "that name the folder, and relocks."
        )


class LO301:
    """pre-commit configured"""

    family = FAMILY

    @staticmethod
    def check(root: Path) -> bool:
        """No `.pre-commit-config.yaml`: restore it from the template (`leanops diff .` shows
        it), then `uv run pre-commit install`."""
        return (Path(root) / ".pre-commit-config.yaml").is_file()


class LO401:
    """params.yaml present"""

    family = FAMILY

    @staticmethod
    def check(params: dict[str, object] | None) -> bool:
        """`params.yaml` is missing or unreadable: it holds every pipeline parameter; restore it
        from git history or the template."""
        return params is not None


class LO402:
    """A data contract for the dataset"""

    family = FAMILY
    requires = frozenset({"LO401"})

    @staticmethod
    def check(root: Path, params: dict[str, object]) -> bool | str:
        """The dataset in params.yaml has no contract."""
        data = params.get("data")
        dataset = data.get("dataset") if isinstance(data, dict) else None
        if not dataset:
            return "params.yaml has no `data.dataset`: name the dataset there."
        if (Path(root) / "contracts" / f"{dataset}.yaml").is_file():
            return True
        return (
            f"No `contracts/{dataset}.yaml`: write the contract of dataset `{dataset}` "
            "(columns, types, ranges), e.g. by copying and adapting an existing contract."
        )


class LO501:
    """Continuous integration configured"""

    family = FAMILY
    skipped = "the project was made without CI (answer `ci: none`)"

    @staticmethod
    def check(
        root: Path, repo_top: Path | None, answers: dict[str, object] | None
    ) -> bool | str | None:
        """No CI: add `.github/workflows/ci.yml` or `.gitlab-ci.yml` (answer `ci` with
        `copier update --trust --defaults --vcs-ref=:current: -d ci=github`)."""
        root = Path(root)
        has_github = _workflows(root) != []
        has_gitlab = (root / ".gitlab-ci.yml").is_file()
        if not (has_github or has_gitlab):
            # Skipped when the project was made without CI on purpose (answer `ci: none`).
            return None if answers is not None and answers.get("ci") == "none" else False
        if repo_top is None or repo_top == root.resolve():
            return True
        # A project in a sub-folder: GitHub and GitLab read CI only at the repository's root.
        folder = root.resolve().relative_to(repo_top).as_posix()
        root_files = _workflows(repo_top) if has_github else [repo_top / ".gitlab-ci.yml"]
        if any(folder in _text(path) for path in root_files):
            return True
        config = ".github/workflows/" if has_github else ".gitlab-ci.yml"
        return (
            f"This project is in `{folder}/` of its repository, and CI is read only at the root: "
            f"its `{config}` never runs, and no `{config}` at the root names `{folder}`. Copy it "
            "to the root with this folder as working directory (docs/guide.md: CI, in a monorepo)."
        )


def _workflows(root: Path) -> list[Path]:
    folder = root / ".github" / "workflows"
    return sorted(folder.glob("*.y*ml")) if folder.is_dir() else []


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


FROM_LINE = re.compile(r"^\s*FROM\s", re.IGNORECASE)
USER_LINE = re.compile(r"^\s*USER\s+(?P<user>\S+)", re.IGNORECASE)


def final_stage_user(dockerfile: str) -> str | None:
    """The last ``USER`` of the Dockerfile's final stage (None: runs as root by default)."""
    user = None
    for line in dockerfile.splitlines():
        if FROM_LINE.match(line):
            user = None
        elif match := USER_LINE.match(line):
            user = match["user"]
    return user


class LO601:
    """Docker image runs as a non-root user"""

    family = FAMILY
    skipped = "the project has no Dockerfile"

    @staticmethod
    def check(root: Path) -> bool | None:
        """The Dockerfile's final stage runs as root: add `USER <name>` (not root or 0) after
        creating that user."""
        dockerfile = Path(root) / "Dockerfile"
        if not dockerfile.is_file():
            return None  # skipped: no Dockerfile
        user = final_stage_user(dockerfile.read_text(encoding="utf-8", errors="replace"))
        return user is not None and user.split(":")[0] not in {"root", "0"}


class LO701:
    """Tests present"""

    family = FAMILY

    @staticmethod
    def check(root: Path) -> bool:
        """No `tests/test_*.py`: restore the template's tests (`leanops diff .`) or write
        some."""
        return any((Path(root) / "tests").glob("test_*.py"))


class LO801:
    """Template machinery not edited here"""

    family = FAMILY
    requires = frozenset({"LO101"})
    skipped = (
        "the edits cannot be told: the project names no machinery (made before 0.3.0), or its "
        "template's source cannot be rendered here"
    )

    @staticmethod
    def check(machinery_edits: MachineryEdits) -> bool | str | None:
        """The template's machinery (`[tool.leanops] machinery` in pyproject.toml) was edited in
        this project: the next template update will conflict there. Move the change into your own
        files (features.py, estimators.py, datasets.py, a module of your own), or propose it to
        the template; `git diff` against the template's version shows what differs."""
        if machinery_edits.unknown:
            return None
        if not machinery_edits.files:
            return True
        shown = ", ".join(f"`{name}`" for name in machinery_edits.files[:8])
        more = len(machinery_edits.files) - 8
        return f"Edited or removed here: {shown}" + (f" and {more} more" if more > 0 else "") + "."


def releases_updated_from(root: Path) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """The template release the project's answers file names now, and those it named before
    (from its git history), as (major, minor)."""
    versions = [
        (int(major), int(minor))
        for major, minor in re.findall(
            r"(?m)^[-+ ]?_commit: v?(\d+)\.(\d+)",
            run_git(Path(root), "log", "-p", "--format=", "--", ANSWERS_FILE).stdout,
        )
    ]
    current = re.search(r"(?m)^_commit: v?(\d+)\.(\d+)", _text(Path(root) / ANSWERS_FILE))
    return ((int(current[1]), int(current[2])) if current else (0, 0)), versions


# 0.2.0's machinery modules, flat in src/<package>/ (0.3.0 moved them to mlops/).
FLAT_0_2_0_MODULES = (
    *("cli", "commands", "config", "contract", "data", "drift", "evaluate", "files", "info"),
    *("lifecycle", "model", "pipeline", "predict", "promotion", "registry", "registry_cli"),
    *("runs_cli", "tracking", "tracking_mlflow", "train"),
)


class LO802:
    """No 0.3.0 machinery left"""

    family = FAMILY

    @staticmethod
    def check(root: Path) -> bool | str:
        """Template 0.3.0 vendored its machinery in `src/<package>/mlops/` and `tests/mlops/`
        (0.2.0: `src/<package>/predict.py`, `train.py`, ...); since 0.4.0 it is the pinned
        runtime and nothing runs those files (an update keeps the ones edited here, and pytest
        still collects those tests). Move each change to
        `features.py`, `estimators.py`, `datasets.py` or `params.yaml` (the update's follow-ups
        said which), a module of your own to `src/<package>/`, then delete the folder."""
        now, before = releases_updated_from(root)
        if now < (0, 4) or not any(version < (0, 4) for version in before):
            return True  # a project born at 0.4.0: such folders or files are the team's own
        folders = (*Path(root).glob("src/*/mlops"), Path(root) / "tests" / "mlops")
        files = [path for folder in folders for path in folder.rglob("*")]
        if any(version < (0, 3) for version in before):  # 0.2.0's, flat in the package
            files += [
                path for name in FLAT_0_2_0_MODULES for path in Path(root).glob(f"src/*/{name}.py")
            ]
        left = sorted(
            path.relative_to(root).as_posix()
            for path in files
            if path.is_file() and "__pycache__" not in path.parts
        )
        if not left:
            return True
        shown = ", ".join(f"`{name}`" for name in left[:5])
        more = len(left) - 5
        listed = shown + (f" and {more} more" if more > 0 else "")
        return f"Left of the vendored machinery (dead code, or a module of yours to move): {listed}"


CHECKS = (
    LO101,
    LO102,
    LO201,
    LO202,
    LO203,
    LO204,
    LO301,
    LO401,
    LO402,
    LO501,
    LO601,
    LO701,
    LO801,
    LO802,
)


def repo_review_checks() -> dict[str, Check]:
    """The checks, for repo-review's ``repo_review.checks`` entry point.

    ``cast``: repo-review's ``Check`` protocol declares ``check(self)``, while real checks take
    fixtures as arguments, which a Protocol cannot express.
    """
    return {check.__name__: cast("Check", check()) for check in CHECKS}


def repo_review_families() -> dict[str, Family]:
    """The family, for repo-review's ``repo_review.families`` entry point."""
    return {FAMILY: {"name": "leanops template standards", "order": -1}}


# --- the command ---------------------------------------------------------------------------


def run_checks(root: Path, *, skip: frozenset[str] = frozenset()) -> list[Result]:
    """repo-review results (``family, name, description, result, err_msg``) for ``root``."""
    from repo_review.fixtures import compute_fixtures
    from repo_review.processor import CollectionReturn, process

    root = Path(root).resolve()
    fixtures = compute_fixtures(root, root, {"pyproject": pyproject, **FIXTURES})
    collected = CollectionReturn(fixtures, repo_review_checks(), repo_review_families())
    return process(root, collected=collected, ignore=skip).results


def cmd_check(args: argparse.Namespace) -> int:
    """Print the pass/fail table; exit 1 when any check fails."""
    import json

    from rich.table import Table

    from .errors import LeanopsError

    root = Path(args.path)
    if not root.is_dir():
        raise LeanopsError(f"{root} is not a folder")
    skip = frozenset({"LO202", "LO801"}) if args.offline else frozenset()
    results = run_checks(root, skip=skip)
    failed = [r for r in results if r.result is False]
    why_skipped = skip_reasons(results)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": r.name,
                        "check": r.description,
                        "result": {True: "pass", False: "fail", None: "skip"}[r.result],
                        "fix": r.err_msg,
                        **({"skipped": why_skipped[r.name]} if r.result is None else {}),
                    }
                    for r in results
                ],
                indent=2,
            )
        )
        return 1 if failed else 0
    table = Table(title=f"leanops check {root}")
    for column in ("id", "check", "result", "how to fix"):
        table.add_column(column)
    for r in results:
        mark = {True: "[green]pass[/]", False: "[red]fail[/]", None: "[dim]skip[/]"}[r.result]
        fix = f"skipped: {why_skipped[r.name]}" if r.result is None else r.err_msg
        table.add_row(r.name, r.description, mark, " ".join(fix.split()))
    table_console(table).print(table)
    print(f"{len(results) - len(failed)} of {len(results)} checks pass or are skipped")
    return 1 if failed else 0


def skip_reasons(results: list[Result]) -> dict[str, str]:
    """Why each skipped check was: a check it needs failed, or its own reason (``skipped``)."""
    failed = {r.name for r in results if r.result is False}
    reasons = {}
    for check in CHECKS:
        needed = sorted(frozenset(getattr(check, "requires", ())) & failed)
        own = str(getattr(check, "skipped", ""))
        reasons[check.__name__] = f"needs {', '.join(needed)} to pass" if needed else own
    return reasons


def add_check(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``check`` command's arguments."""
    parser = subparsers.add_parser(
        "check",
        help="check a project against the template's standards",
        description="Check a project against the template's standards (a pass/fail table with "
        "how to fix each failure). Exit 1 when a check fails.",
    )
    parser.add_argument("path", nargs="?", default=".", help="the project (default: .)")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="skip the checks that need the network: the lock-file sync (package index) and "
        "edited machinery (renders the template from its source)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=cmd_check)
