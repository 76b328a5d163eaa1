"""The exact set of files a render must produce for given answers (the git folder excluded)."""

from __future__ import annotations

COMMON = {
    ".copier-answers.yml",
    ".editorconfig",
    ".env.example",
    ".gitignore",
    ".pre-commit-config.yaml",
    "LICENSE",
    "README.md",
    "data/processed/.gitkeep",
    "data/raw/.gitkeep",
    "docs/STYLE.md",
    "docs/decisions/0000-template.md",
    "docs/decisions/0001-toolchain.md",
    "docs/decisions/0002-registry-storage.md",
    "noxfile.py",
    "params.yaml",
    "pyproject.toml",
    "tests/_models.py",
    "tests/_package.py",
    "tests/conftest.py",
    "tests/test_cli.py",
    "tests/test_config.py",
    "tests/test_bad_data.py",
    "tests/test_contract.py",
    "tests/test_data.py",
    "tests/test_drift.py",
    "tests/test_evaluate.py",
    "tests/test_features.py",
    "tests/test_model.py",
    "tests/test_pipeline.py",
    "tests/test_predict.py",
    "tests/test_promote.py",
    "tests/test_registry.py",
    "tests/test_train.py",
    "tests/test_runs_cli.py",
    "tests/test_tracking.py",
    "tests/test_tracking_mlflow.py",
    "tests/test_tracking_reliability.py",
}
DOCKER = {"Dockerfile", ".dockerignore"}
GITHUB = {
    ".github/dependabot.yml",
    ".github/workflows/ci.yml",
    ".github/workflows/template-update.yml",
}
GITLAB = {".gitlab-ci.yml", "renovate.json"}
PACKAGE_MODULES = {
    "__init__.py",
    "__main__.py",
    "cli.py",
    "commands.py",
    "config.py",
    "contract.py",
    "data.py",
    "drift.py",
    "evaluate.py",
    "features.py",
    "files.py",
    "info.py",
    "lifecycle.py",
    "model.py",
    "pipeline.py",
    "predict.py",
    "promotion.py",
    "registry.py",
    "registry_cli.py",
    "train.py",
    "runs_cli.py",
    "tracking.py",
    "tracking_mlflow.py",
}


def expected_files(answers: dict[str, object]) -> set[str]:
    """Relative paths (posix) a project rendered with ``answers`` must hold, and nothing else."""
    package = str(answers.get("package_name", "ml_project"))
    files = set(COMMON)
    files |= {f"src/{package}/{module}" for module in PACKAGE_MODULES}
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
