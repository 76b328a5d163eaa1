"""What a model file may make skops build: the project's reviewed ``trusted-types.txt``.

The allowlist is a committed file at the project's root, reviewed in pull requests like code. It
is the only source of trust in both backends: nothing stored beside a model (the audit log, an
MLflow tag) can widen it, so a hand-edited registry cannot make the project load code.
"""

from __future__ import annotations

from pathlib import Path

from .records import RegistryError

TRUSTED_TYPES_FILE = "trusted-types.txt"


def allowlist_path(root: Path | str) -> Path:
    """The allowlist of the project at ``root``."""
    return Path(root) / TRUSTED_TYPES_FILE


def allowed_types(path: Path) -> list[str]:
    """The type names listed in ``path`` (comments and blank lines skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise RegistryError(
            f"{path} not found: the project's list of types a model may load (restore it from git)"
        ) from error
    except OSError as error:
        raise RegistryError(f"cannot read {path}: {error.strerror}") from error
    names = []
    for number, raw in enumerate(text.splitlines(), start=1):
        name = raw.split("#", 1)[0].strip()
        if not name:
            continue
        if any(char.isspace() for char in name) or not all(name.split(".")):
            raise RegistryError(f"{path} line {number}: not a type name: {name!r}")
        names.append(name)
    return names


def missing_types(needed: list[str], path: Path) -> list[str]:
    """The types of ``needed`` that ``path`` does not list."""
    return sorted(set(needed) - set(allowed_types(path)))
