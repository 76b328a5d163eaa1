"""What ``leanops check`` knows about a project: the repo-review fixtures its checks take.

Each fixture is a function of the project folder (and of other fixtures) that repo-review calls
once per run; the checks in ``check`` only ask for them by name.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

ANSWERS_FILE = ".copier-answers.yml"


def _read_yaml(file: Path) -> dict[str, object] | None:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return {str(key): value for key, value in data.items()} if isinstance(data, dict) else None


def answers(root: Path) -> dict[str, object] | None:
    """The answers file's content, or None when missing or unreadable."""
    return _read_yaml(Path(root) / ANSWERS_FILE)


def params(root: Path) -> dict[str, object] | None:
    """params.yaml's content, or None when missing or unreadable."""
    return _read_yaml(Path(root) / "params.yaml")


def tracked(root: Path) -> set[str] | None:
    """Files git tracks under ``root`` (relative to it), or None outside git."""
    result = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--", "."],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return None
    return {path for path in result.stdout.split("\0") if path}


def repo_top(root: Path) -> Path | None:
    """The root of the git work tree holding ``root`` (resolved), or None outside git."""
    from .gitutil import find_repo

    found = find_repo(Path(root))
    return found.top if found is not None else None


@dataclass(frozen=True)
class MachineryEdits:
    """Machinery files that differ from the template at the project's version (``files``), or
    why that cannot be told (``unknown``)."""

    files: tuple[str, ...] = ()
    unknown: str = ""


def machinery_edits(root: Path, answers: dict[str, object] | None) -> MachineryEdits:
    """Render the template at the project's recorded version with its answers, and compare the
    files ``[tool.leanops] machinery`` names (the template's, in the project's own pyproject)."""
    import tempfile

    from .copier_api import render
    from .errors import LeanopsError
    from .scratch import renders_in_scratch
    from .source import resolve_source

    root = Path(root)
    patterns = _machinery_patterns(root)
    if not patterns:
        return MachineryEdits(unknown="the project names no machinery (made before 0.3.0)")
    if not answers or not answers.get("_src_path") or not answers.get("_commit"):
        return MachineryEdits(unknown="the answers file has no template source or version")
    source = resolve_source(str(answers["_src_path"]), root)
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    with renders_in_scratch(), tempfile.TemporaryDirectory(prefix="leanops-check-") as scratch:
        pristine = Path(scratch) / "pristine"
        try:
            render(source.location, pristine, data, str(answers["_commit"]))
        except LeanopsError as error:
            return MachineryEdits(unknown=f"cannot render the template: {error}")
        edited = sorted(
            relative
            for relative in matching(root, pristine, patterns)
            if _content(root / relative) != _content(pristine / relative)
        )
    return MachineryEdits(files=tuple(edited))


def _machinery_patterns(root: Path) -> list[str]:
    tool = pyproject(root).get("tool")
    leanops = tool.get("leanops") if isinstance(tool, dict) else None
    patterns = leanops.get("machinery") if isinstance(leanops, dict) else None
    return [str(p) for p in patterns] if isinstance(patterns, list) else []


def matching(root: Path, pristine: Path, patterns: list[str]) -> set[str]:
    """Relative paths matching ``patterns`` in the project or the pristine render."""
    found: set[str] = set()
    for base in (root, pristine):
        for pattern in patterns:
            # ``dir/**`` means every file below dir (Path.glob before 3.13 yields folders only).
            expanded = f"{pattern}/*" if pattern.endswith("**") else pattern
            for path in base.glob(expanded):
                relative = path.relative_to(base)
                if path.is_file() and "__pycache__" not in relative.parts:
                    found.add(relative.as_posix())
    return found


def _content(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def pyproject(package: Path) -> dict[str, object]:
    """pyproject.toml (repo-review reads its ``[tool.repo-review]`` select/ignore)."""
    import tomllib

    try:
        return tomllib.loads((Path(package) / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


FIXTURES: dict[str, Callable[..., object]] = {
    "answers": answers,
    "params": params,
    "tracked": tracked,
    "repo_top": repo_top,
    "machinery_edits": machinery_edits,
}
