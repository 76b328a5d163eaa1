"""Saving and loading fitted models with skops, never pickle.

``save_model`` records, at save time, the types skops does not trust by default and the file's
SHA-256; ``load_model`` checks the hash first and passes ONLY that stored allowlist to
``skops.io.load``, so a swapped artifact, or one needing any other type, is refused before it can
run code. The registry (F4) builds on these two functions.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .errors import UserError
from .files import sha256_of, write_atomic


class ModelError(UserError):
    """A model cannot be loaded or saved; the message is one line meant for the user."""


def save_model(model: Any, path: Path | str) -> dict[str, Any]:
    """Write ``model`` to ``path`` atomically; return its metadata (path, sha256, trusted types)."""
    import sklearn
    import skops
    import skops.io as sio

    data = sio.dumps(model)
    trusted = sorted(sio.get_untrusted_types(data=data))
    path = write_atomic(Path(path), data)
    return {
        "path": str(path),
        "sha256": hashlib.sha256(data).hexdigest(),
        "trusted_types": trusted,
        "sklearn_version": sklearn.__version__,
        "skops_version": skops.__version__,
    }


def load_model(path: Path | str, sha256: str, trusted_types: list[str]) -> Any:
    """Load a model saved by ``save_model`` after checking its hash and its type allowlist."""
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model not found: {path} (run `train` first)")
    actual = sha256_of(path)
    if actual != sha256:
        raise ModelError(
            f"refusing to load {path}: SHA-256 {actual[:12]}… != recorded {sha256[:12]}…"
        )
    try:
        return sio.load(path, trusted=list(trusted_types))
    except UntrustedTypesFoundException as error:
        # skops explains at length over several lines; the user needs the first one.
        reason = first_line(error).rstrip(".")
        message = f"refusing to load {path}: types outside its allowlist ({reason})"
        raise ModelError(message) from error
    except Exception as error:  # a corrupt zip or an unknown skops format
        raise ModelError(f"{path} cannot be loaded: {first_line(error)}") from error


def first_line(error: BaseException) -> str:
    """An exception's message reduced to its first non-empty line (or its type's name)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
