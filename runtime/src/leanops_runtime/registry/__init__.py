"""Model registry: numbered versions per dataset, ``candidate`` and ``production``, an audit log.

One interface (``base.Registry``), two backends chosen by the one setting ``tracking_backend``:

- ``local``: files beside the models (``models_dir/<dataset>/``), no server (``local``);
- ``mlflow``: the team's MLflow server: a registered model per dataset with ``candidate`` and
  ``production`` aliases, model files in its artifact store, the audit log on the server
  (``mlflow``).

In both, the audit log is the source of truth and the safety layer is the same: each file is
checked against its recorded SHA-256, a model is loaded trusting only the project's reviewed
``trusted-types.txt``, promotion is a compare-and-set on ``production``, rollback is a stack.
See docs/decisions/0002-registry-storage.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .base import Candidate, ReferenceStats, Registry
from .local import LocalRegistry
from .records import (
    ALIASES,
    AuditRecord,
    GateDetails,
    ModelVersion,
    RegistryError,
    State,
    parse_version,
)
from .trust import SIGNERS_FILE, TRUSTED_TYPES_FILE, allowlist_path

if TYPE_CHECKING:
    from ..settings import Settings

__all__ = [
    "ALIASES",
    "TRUSTED_TYPES_FILE",
    "AuditRecord",
    "Candidate",
    "GateDetails",
    "LocalRegistry",
    "ModelVersion",
    "ReferenceStats",
    "Registry",
    "RegistryError",
    "State",
    "open_registry",
    "parse_version",
]


def open_registry(
    settings: Settings, root: Path | str = ".", dataset: str | None = None
) -> Registry:
    """The registry of ``dataset`` (default: the settings' dataset) for the project at ``root``."""
    allowlist = allowlist_path(root)
    line = dataset or settings.data.dataset
    registry: Registry
    if settings.tracking_backend == "mlflow":
        from .mlflow_registry import MlflowRegistry

        registry = MlflowRegistry(settings, line, allowlist=allowlist, root=root)
    else:
        registry = LocalRegistry(settings.models_dir, line, allowlist=allowlist)
    registry.signers = Path(root) / SIGNERS_FILE
    registry.key = settings.signing_key
    return registry
