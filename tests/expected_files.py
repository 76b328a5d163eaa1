"""The exact set of files a render must produce for given answers (the git folder excluded).

Files whose template path has no condition are listed from ``template/`` itself (so adding a
module needs no edit here); the conditional ones are spelled out, since choosing them is what the
answers do.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent / "template"
PACKAGE_DIR = "{{ package_name }}"


def unconditional(package: str) -> set[str]:
    """Every template file whose path holds no ``{% if %}``, as rendered for ``package``."""
    found = set()
    for path in TEMPLATE.rglob("*"):
        relative = path.relative_to(TEMPLATE).as_posix()
        if not path.is_file() or "{%" in relative or "__pycache__" in relative:
            continue
        relative = relative.replace(PACKAGE_DIR, package).replace(
            "{{_copier_conf.answers_file}}", ".copier-answers.yml"
        )
        found.add(relative.removesuffix(".jinja"))
    return found


DOCKER = {"Dockerfile", ".dockerignore"}
GITHUB = {
    ".github/dependabot.yml",
    ".github/workflows/ci.yml",
    ".github/workflows/template-update.yml",
}
GITLAB = {".gitlab-ci.yml", "renovate.json"}


def expected_files(answers: dict[str, object]) -> set[str]:
    """Relative paths (posix) a project rendered with ``answers`` must hold, and nothing else."""
    package = str(answers.get("package_name", "ml_project"))
    files = unconditional(package)
    dataset = (
        "breast_cancer"
        if answers.get("ml_task", "classification") == "classification"
        else "diabetes"
    )
    files.add(f"contracts/{dataset}.yaml")
    if answers.get("docker", True):
        files |= DOCKER
    ci = answers.get("ci", "github")
    if ci == "github":
        files |= GITHUB
    elif ci == "gitlab":
        files |= GITLAB
    return files
