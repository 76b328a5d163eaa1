"""File helpers every stage shares: atomic, durable writes, content hashes, guarded outputs.

Cheap to import, the standard library only until a helper needs more (the tracking module
imports it), so one definition serves the pipeline, the registry, predictions and tracking alike.

Every file written here gets the mode the process's umask gives a new file (0644 under the usual
022), not the 0600 of the temporary file it starts as: the Docker image's user and teammates
reading a shared folder must be able to read models and reports.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from .errors import UserError

# What a command's output may never replace, relative to the project folder: the project's
# definition (settings, contracts, code, locks, its tooling's configuration), its data and
# everything the registry and the tracking store keep. ``guard_output`` adds the models and
# store folders of the settings, and every file git tracks.
PROTECTED = (
    ".git",
    "src",
    "tests",
    "contracts",
    "data",
    "models",
    ".leanops",
    "team",
    ".github",
    "params.yaml",
    "pyproject.toml",
    "uv.lock",
    "requirements.lock",
    ".copier-answers.yml",
    ".env",
    ".env.example",
    "trusted-types.txt",
    "README.md",
    "CHANGELOG.md",
    "LICENSE",
    ".gitignore",
    ".gitattributes",
    "noxfile.py",
    "Dockerfile",
    ".dockerignore",
    ".pre-commit-config.yaml",
    ".editorconfig",
    ".gitlab-ci.yml",
    "renovate.json",
    ".python-version",
)
# The outputs commands wrote, with the SHA-256 of what they wrote: such a file may be replaced
# by a later run even once it is committed (a report kept in git), unless it changed since.
OUTPUTS_FILE = Path(".leanops") / "outputs.json"
# Where the commands write their reports: contract checks, predictions, drift, the report page.
REPORTS_DIR = Path("reports")
# Files under reports/ that commands write for each other to read (the metrics a version was
# registered with, the project's status, the last contract check): no output given by hand
# replaces one, whichever command it is given to.
SHARED_REPORTS = ("metrics.json", "status.json", "contract_*.json")


class OutputRefusedError(UserError):
    """An output path points at something the project keeps; one line naming it."""


TEMP_SUFFIX = ".tmp"


def umask() -> int:
    """The process's umask (read without changing it where the system allows)."""
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (not thread-safe, but brief)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new regular file gets under the current umask (0644 under 022)."""
    return 0o666 & ~umask()


def fsync_dir(folder: Path | str) -> None:
    """Flush a folder's entries (a rename or a new file in it) to disk; a no-op on Windows."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` so readers see the old or the new content, never a mix.

    The bytes go to a temporary file in the same folder, are flushed to disk, given the umask's
    mode, then renamed over the target and the folder is flushed too: a crash or a full disk
    leaves the previous file intact (and at most a ``.<name>.*.tmp`` file, which
    ``remove_leftovers`` deletes).
    """
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), file_mode())
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise
    fsync_dir(path.parent)
    return path


def remove_leftovers(folder: Path | str) -> list[Path]:
    """Delete the temporary files an interrupted ``write_atomic`` left in ``folder``."""
    removed = []
    for leftover in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            removed.append(leftover)
    return removed


def read_yaml(path: Path) -> object:
    """``path``'s YAML (safe: plain data only), parsed by libyaml when PyYAML has it: every
    command reads params.yaml and a contract (30 columns: 12 ms with the pure-Python parser, 1.3
    ms with libyaml). Raises ``yaml.YAMLError`` with the problem's line, as ``yaml.safe_load``
    does; libyaml also accepts a tab after a key's colon, which the pure-Python parser refuses
    (PyYAML's wheels carry libyaml)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)


def sha256_of(path: Path | str) -> str:
    """SHA-256 hex digest of a file, read in chunks (models and datasets can be large)."""
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# Where a refused output may go instead, as the refusal says.
WHERE = "choose a path under reports/ or outside the project"


def guard_output(
    path: Path | str,
    *,
    root: Path | str,
    keep: Iterable[Path | str] = (),
    inputs: Iterable[Path | str] = (),
    own: Path | str | None = None,
    where: str = WHERE,
) -> Path:
    """``path`` if a command may write its output there; else ``OutputRefusedError``, one line.

    Refused: a folder; the command's own input files; the ``SHARED_REPORTS`` other commands
    read; anything in ``PROTECTED`` under ``root`` but the command's ``own`` folder there
    (``data restore``'s ``data/restored/``); anything under the extra folders or files of
    ``keep`` (the registry's ``models_dir``, the tracking store); any file git tracks, in this
    project or another, unless a command wrote it (``remember_output``) and it is unchanged
    since. Symbolic links are resolved first, so a link cannot smuggle a write in. ``where``:
    the places the refusal suggests.
    """
    target = Path(path).resolve()
    base = Path(root).resolve()
    if target.is_dir():
        raise OutputRefusedError(f"refusing to write output to {path}: it is a folder")
    for source in inputs:
        if Path(source).resolve() == target:
            raise OutputRefusedError(
                f"refusing to write output to {path}: it is this command's input"
            )
    guarded = [base / name for name in PROTECTED] + [Path(p).resolve() for p in keep]
    mine = None if own is None else (base / own).resolve()
    for place in guarded:
        if mine is not None and target.is_relative_to(mine) and mine.is_relative_to(place):
            continue  # the command's own folder in a kept one
        if target == place or target.is_relative_to(place):
            shown = place.relative_to(base) if place.is_relative_to(base) else place
            raise OutputRefusedError(
                f"refusing to write output to {path}: {shown} is kept by the project ({where})"
            )
    reports = (base / REPORTS_DIR).resolve()
    if target.parent == reports and any(target.match(name) for name in SHARED_REPORTS):
        raise OutputRefusedError(
            f"refusing to write output to {path}: other commands write and read it there "
            "(choose another name under reports/, or a path outside the project)"
        )
    if target.exists() and tracked_by_git(target) and not written_before(base, target):
        raise OutputRefusedError(
            f"refusing to write output to {path}: git tracks it and no command wrote it ({where})"
        )
    return Path(path)


def tracked_by_git(path: Path) -> bool:
    """Whether git tracks the file ``path`` in the repository around it (False without git)."""
    import subprocess

    try:
        found = subprocess.run(
            ["git", "-C", str(path.parent), "ls-files", "--error-unmatch", "--", path.name],
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return found.returncode == 0


def _outputs(root: Path) -> dict[str, str]:
    """The recorded outputs: resolved path -> SHA-256 of what was written there."""
    import json

    try:
        raw = json.loads((root / OUTPUTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items()}


def written_before(root: Path, target: Path) -> bool:
    """Whether a command wrote ``target`` and nobody changed it since."""
    recorded = _outputs(root).get(str(target))
    return recorded is not None and recorded == sha256_of(target)


def remember_output(root: Path | str, path: Path | str) -> None:
    """Record that a command wrote ``path`` (its SHA-256), so a later run may replace it."""
    import json

    base = Path(root).resolve()
    target = Path(path).resolve()
    outputs = _outputs(base)
    outputs[str(target)] = sha256_of(target)
    data = json.dumps(outputs, indent=1, sort_keys=True) + "\n"
    write_atomic(base / OUTPUTS_FILE, data.encode("utf-8"))


def size_text(size: int) -> str:
    """A file size for people: ``830 B``, ``12.4 KB``, ``3.1 MB``."""
    amount, unit = float(size), "B"
    for bigger in ("KB", "MB", "GB"):
        if amount < 1024:
            break
        amount, unit = amount / 1024, bigger
    return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
