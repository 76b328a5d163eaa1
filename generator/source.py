"""Where the template comes from, and how a recorded ``_src_path`` is reached.

``leanops new`` picks a source (``--template``, ``$LEANOPS_TEMPLATE``, this checkout, the public
repository) and makes local paths absolute. ``leanops update`` reads each project's recorded
``_src_path`` and reaches it as Copier does: the ``gh:``/``gl:`` shortcuts expanded by Copier's
own rules (``copier/_vcs.py``: ``ALIASES``, ``REPLACEMENTS``, ``get_repo``), and a relative
path taken relative to the project folder, never to the current one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PUBLIC_URL = "https://github.com/leanops/leanops.git"
ENV_VAR = "LEANOPS_TEMPLATE"
CHECKOUT = Path(__file__).resolve().parent.parent

# Copier 9.19's shortcuts: "gh:org/repo" -> "https://github.com/org/repo.git" (a trailing ".git"
# is not doubled; a slash after the colon is allowed).
ALIASES = {"gh:": "https://github.com", "gl:": "https://gitlab.com"}
REPLACEMENTS = [
    pattern
    for alias, replacement in ALIASES.items()
    for pattern in [
        (re.compile(rf"^{alias}/?(.*\.git)$"), rf"{replacement}/\1"),
        (re.compile(rf"^{alias}/?(.*)$"), rf"{replacement}/\1.git"),
    ]
]
GIT_PREFIX = ("git@", "git://", "git+", "https://github.com/", "https://gitlab.com/")
GIT_POSTFIX = ".git"
SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:")


def is_checkout(path: Path) -> bool:
    """True when ``path`` is a source checkout of this template (it has copier.yml + template/)."""
    return (path / "copier.yml").is_file() and (path / "template").is_dir()


def expand_url(source: str) -> str:
    """``source`` as Copier hands it to git: shortcuts expanded, ``git+`` dropped, ``.git`` added
    to https URLs. Anything else (a path) is returned unchanged."""
    url = source
    for pattern, replacement in REPLACEMENTS:
        url = pattern.sub(replacement, url)
    if url.endswith(GIT_POSTFIX) or url.startswith(GIT_PREFIX):
        if url.startswith("git+"):
            return url[4:]
        if url.startswith("https://") and not url.endswith(GIT_POSTFIX):
            return f"{url}{GIT_POSTFIX}"
    return url


def is_remote(source: str) -> bool:
    """True for a URL (after expanding shortcuts), False for a local path."""
    url = expand_url(source)
    return "://" in url or url.startswith("git@") or bool(SCP_LIKE.match(url))


def absolute_source(source: str) -> str:
    """A local path made absolute; URLs and Copier shortcuts (``gh:``, ``gl:``) left as they are."""
    if is_remote(source):
        return source
    return str(Path(source).expanduser().resolve())


def template_source(explicit: str | None = None) -> str:
    """The template to render: ``--template``, then ``$LEANOPS_TEMPLATE``, then this checkout
    (editable installs), then the public git URL (installed wheels)."""
    chosen = explicit or os.environ.get(ENV_VAR)
    if chosen:
        return absolute_source(chosen)
    if is_checkout(CHECKOUT):
        return str(CHECKOUT)
    return PUBLIC_URL


@dataclass(frozen=True)
class Source:
    """A project's recorded ``_src_path`` and the location git can reach it at."""

    recorded: str  # as written in the answers file (kept as is by updates)
    location: str  # an expanded URL or an absolute path
    relative: bool  # a relative path, resolved against the project folder

    def describe(self) -> str:
        """The source for messages: relative paths and shortcuts say what they stand for."""
        if self.relative:
            return (
                f"{self.recorded} (a relative path, taken from the project folder: {self.location})"
            )
        if self.location != self.recorded:
            return f"{self.recorded} ({self.location})"
        return self.recorded


def resolve_source(recorded: str, project_dir: Path) -> Source:
    """Where ``recorded`` points for the project in ``project_dir``."""
    if is_remote(recorded):
        return Source(recorded, expand_url(recorded), relative=False)
    path = Path(recorded).expanduser()
    if path.is_absolute():
        return Source(recorded, str(path), relative=False)
    return Source(recorded, str((project_dir / path).resolve()), relative=True)
