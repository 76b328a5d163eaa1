"""``leanops new``: render a project from the template with Copier, safely.

Refuses a non-empty destination, reports a bad answer in one line, and never leaves a
half-written folder behind.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from .copier_api import copier_errors, explain
from .errors import LeanopsError
from .source import ENV_VAR, Source, expand_url, is_remote
from .versions import list_refs

VALIDATION_ERROR = re.compile(r"Validation error for question '(?P<key>\w+)': (?P<why>.*)")


def parse_data(pairs: Iterable[str]) -> dict[str, str]:
    """``["key=value", ...]`` -> ``{"key": "value"}``; a pair without ``=`` is an error."""
    data = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise LeanopsError(f"-d expects key=value, got {pair!r}")
        data[key.strip()] = value
    return data


def check_destination(destination: Path) -> None:
    """Refuse a destination that exists and holds anything, or that is a file."""
    if destination.is_file():
        raise LeanopsError(f"destination {destination} is a file; choose a new folder")
    if destination.is_dir() and any(destination.iterdir()):
        raise LeanopsError(f"destination {destination} is not empty; choose a new folder")


def render_project(
    source: str,
    destination: Path,
    data: Mapping[str, object],
    *,
    defaults: bool,
    vcs_ref: str | None = None,
    quiet: bool = False,
) -> Path:
    """Copy the template into ``destination``; on any failure remove what was written.

    What ``copier.run_copy`` does, with one step between loading the template and copying:
    answers (``data``) must name questions of the template's copier.yml, as Copier reads it at
    the version it copies (Copier itself passes an unknown key on to the templates unused).
    """
    from copier._main import Worker  # what copier.run_copy drives; it holds the questions

    destination = destination.expanduser().resolve()
    check_destination(destination)
    existed = destination.exists()
    try:
        with Worker(
            src_path=source,
            dst_path=destination,
            data=dict(data),
            defaults=defaults,
            unsafe=True,
            vcs_ref=vcs_ref,
            quiet=quiet,
        ) as worker:
            check_questions(data, worker.template.questions_data)
            worker.run_copy()
    except copier_errors() as error:
        _remove_partial(destination, existed)
        raise LeanopsError(explain_copy(error)) from error
    except BaseException:
        _remove_partial(destination, existed)
        raise
    return destination


def check_questions(data: Mapping[str, object], questions: Mapping[str, object]) -> None:
    """Refuse answers to questions the template does not ask (a typo would be ignored), and
    answers that are not one of a YAML question's choices (yes or no for a switch)."""
    asked = [key for key, question in questions.items() if not _computed(question)]
    computed = [key for key in data if key in questions and key not in asked]
    if computed:
        raise LeanopsError(
            f"-d {', '.join(computed)}: computed by the template from where it is copied, not "
            "a question (pick the template's version with --vcs-ref); nothing was written"
        )
    unknown = [key for key in data if key not in questions]
    if unknown:
        raise LeanopsError(
            f"-d names no question of the template: {', '.join(unknown)} (its questions: "
            f"{', '.join(asked)}); nothing was written"
        )
    for key, answer in data.items():
        question = questions[key]
        if not isinstance(question, Mapping) or question.get("type") != "yaml":
            continue
        choices = question.get("choices")
        if isinstance(choices, Mapping) and not _one_of(answer, list(choices.values())):
            raise LeanopsError(
                f"invalid answer for {key}: {answer!r} is not one of "
                f"{', '.join(map(str, choices))}; nothing was written"
            )


def _computed(question: object) -> bool:
    """Whether a copier.yml entry is never asked (``when: false``): the template computes its
    value (the runtime's pin from the template's own source and commit)."""
    return isinstance(question, Mapping) and question.get("when") is False


def _one_of(answer: object, allowed: list[object]) -> bool:
    """Whether ``answer`` (text is read as YAML, as Copier reads it) is one of ``allowed``."""
    import yaml

    if isinstance(answer, str):
        try:
            answer = yaml.safe_load(answer)
        except yaml.YAMLError:
            return False
    return any(type(answer) is type(choice) and answer == choice for choice in allowed)


def check_reachable(source: str, *, chosen_by: str) -> None:
    """Refuse a git URL that cannot be reached, in one line with git's own reason.

    ``chosen_by`` says where the source came from, so the fix is in the message.
    """
    if not is_remote(source):
        if not Path(source).is_dir():
            raise LeanopsError(
                f"template {source} is not a folder ({chosen_by}); nothing was written"
            )
        return
    try:
        list_refs(Source(source, expand_url(source), relative=False))
    except LeanopsError as error:
        raise LeanopsError(f"{error} ({chosen_by})") from error


def local_source_warning(source: str) -> str:
    """The warning for a project that records a local template path, or "" for a URL."""
    if is_remote(source):
        return ""
    return (
        f"the project records the local template path {source} as _src_path: `leanops update` "
        "works on this machine, but the scheduled template-update workflow (and teammates) "
        "need the template's git URL: once it is pushed, run `leanops source <URL>` in the "
        f"project and commit, or create projects with --template <URL> (or ${ENV_VAR}=<URL>)"
    )


def explain_copy(error: BaseException) -> str:
    """Copier's error as one line; a validation error becomes ``invalid answer for KEY: why``."""
    message = explain(error)
    match = VALIDATION_ERROR.match(message)
    return f"invalid answer for {match['key']}: {match['why']}" if match else message


def _remove_partial(destination: Path, existed: bool) -> None:
    """Leave the destination as it was: gone if we created it, empty if it was empty."""
    if not destination.exists():
        return
    if existed:
        for child in destination.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    else:
        shutil.rmtree(destination)


def next_steps(destination: Path) -> list[str]:
    """What to run next, shown after a successful render: the first step enters the project,
    so every later one runs inside it (and names it ``.``)."""
    return [
        f"cd {shlex.quote(str(destination))}",
        "uv sync                       # install the locked environment",
        "uv run pre-commit install     # lint on every commit",
        "uv run nox -s tests           # run the tests",
        "# later: leanops update .  (pull template improvements)",
    ]
