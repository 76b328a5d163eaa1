"""Every validator refuses bad input with its own message, and nothing is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import copier
import pytest
from conftest import REPO

COPIED = ("copier.yml", "template", "hooks")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This working tree's template as a plain folder: Copier reads it in place, where a git
    source is cloned for every copy (the answers are validated before anything is rendered)."""
    tree = tmp_path_factory.mktemp("template")
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tree / name)
    return str(tree)


# (question, bad answer, part of the expected message)
BAD_ANSWERS = [
    ("project_name", "my project", "lowercase letters, digits and dashes"),
    ("project_name", "MyProject", "lowercase letters, digits and dashes"),
    ("project_name", "1project", "start with a letter"),
    ("project_name", "", "must not be empty"),
    ("project_name", "a" * 65, "at most 64 characters"),
    ("project_name", "ml-ünïcode", "lowercase letters, digits and dashes"),
    ("project_name", "x; rm -rf ~", "lowercase letters, digits and dashes"),
    ("project_name", "$(touch pwned)", "lowercase letters, digits and dashes"),
    ("project_name", "{{7*7}}", "lowercase letters, digits and dashes"),
    ("project_name", "../escape", "lowercase letters, digits and dashes"),
    ("project_name", "a/b", "lowercase letters, digits and dashes"),
    ("project_name", "..", "lowercase letters, digits and dashes"),
    ("project_name", "ml-project-", "must not end with a dash"),
    ("project_name", "ml\n", "single line"),
    ("package_name", "class", "is a Python keyword"),
    ("package_name", "match", "is a Python keyword"),
    ("package_name", "pandas", "would shadow a dependency"),
    ("package_name", "sklearn", "would shadow a dependency"),
    ("package_name", "test", "would shadow a dependency or tool"),
    ("package_name", "json", "would shadow the standard library"),
    ("package_name", "my-package", "valid lowercase identifier"),
    ("package_name", "2fast", "valid lowercase identifier"),
    ("package_name", "päckage", "valid lowercase identifier"),
    ("package_name", "{{7*7}}", "valid lowercase identifier"),
    ("package_name", "", "must not be empty"),
    ("package_name", "x" * 65, "at most 64 characters"),
    ("author_email", "not-an-email", "must look like name@example.com"),
    ("author_email", "a@b", "must look like name@example.com"),
    ("author_email", "a b@example.com", "must look like name@example.com"),
    ("author_email", "x@example.com\nBcc: y@example.com", "single line"),
    ("description", "two\nlines", "single line"),
    ("description", "d" * 201, "at most 200 characters"),
    ("author_name", "   ", "must not be empty"),
    ("python_version", "3.9", "3.9"),
    ("ml_task", "clustering", "clustering"),
    ("ci", "jenkins", "jenkins"),
    ("license", "GPL-3.0", "GPL-3.0"),
]


@pytest.mark.parametrize(
    ("question", "answer", "message"),
    BAD_ANSWERS,
    ids=[f"{question}={answer[:20]!r}" for question, answer, _ in BAD_ANSWERS],
)
def test_bad_answer_is_refused_and_nothing_is_written(
    template: str, tmp_path: Path, question: str, answer: str, message: str
) -> None:
    destination = tmp_path / "out"
    with pytest.raises(ValueError, match=question) as error:
        copier.run_copy(
            template, destination, data={question: answer}, defaults=True, unsafe=True, quiet=True
        )
    assert message in str(error.value)
    assert not destination.exists()
    assert list(tmp_path.iterdir()) == []


def test_reserved_names_cover_the_running_stdlib() -> None:
    """The stdlib list inside copier.yml is not stale for this interpreter."""
    import sys

    config = (REPO / "copier.yml").read_text()
    missing = [
        name
        for name in sys.stdlib_module_names
        if not name.startswith("_") and name.islower() and f"'{name}'" not in config
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("project_name", "a"),
        ("project_name", "churn-model-2"),
        ("package_name", "churn_model"),
        ("author_email", "first.last+ml@sub.example.org"),
        ("description", "Unicode is fine: modèle de données ✓"),
    ],
)
def test_good_answers_pass(template: str, tmp_path: Path, question: str, answer: str) -> None:
    destination = tmp_path / "out"
    copier.run_copy(
        template,
        destination,
        data={question: answer},
        defaults=True,
        unsafe=True,
        quiet=True,
        pretend=True,
    )
    assert not destination.exists()
