"""Where the template comes from: an explicit source, this checkout, or the public repository.

Copier records the source in each project's answers file, and ``copier update`` reads it from
inside the project, so the source is always made absolute: a relative path breaks later updates.
"""

from __future__ import annotations

import os
from pathlib import Path

PUBLIC_URL = "https://github.com/leanops/leanops.git"
ENV_VAR = "LEANOPS_TEMPLATE"
CHECKOUT = Path(__file__).resolve().parent.parent


def is_checkout(path: Path) -> bool:
    """True when ``path`` is a source checkout of this template (it has copier.yml + template/)."""
    return (path / "copier.yml").is_file() and (path / "template").is_dir()


def absolute_source(source: str) -> str:
    """A local path made absolute; URLs and Copier shortcuts (``gh:``, ``gl:``) left as they are."""
    if "://" in source or source.startswith(("git@", "gh:", "gl:")):
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
