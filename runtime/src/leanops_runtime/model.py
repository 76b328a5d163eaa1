"""Fitted models as bytes: skops, never pickle, and loaded only after a hash and type check.

``dump_model`` turns a fitted pipeline into skops bytes with their SHA-256 and the types skops
does not trust by default (what the model *needs*). ``load_model`` checks the hash first, then
passes ``skops.io.loads`` ONLY the allowlist it is given: the registry gives it the project's
reviewed ``trusted-types.txt`` (see ``registry.trust``), never anything stored beside the model,
so a swapped artifact, or one needing any other type, is refused before it can run code.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .errors import UserError, first_line
from .moved import new_home

TYPE_CHECKING = False
if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd
    from sklearn.pipeline import Pipeline


log = logging.getLogger(__name__)


class ModelError(UserError):
    """A model cannot be loaded or saved; the message is one line meant for the user."""


class Model(Protocol):
    """What the project does with a fitted model: predictions for a frame of features."""

    def predict(self, features: pd.DataFrame) -> npt.ArrayLike:
        """One prediction per row."""
        ...


@dataclass(frozen=True)
class SavedModel:
    """A model serialised with skops: its bytes, their SHA-256 and what loading them needs."""

    data: bytes
    sha256: str
    types: list[str]  # types outside skops' defaults that loading needs (to be allowlisted)
    sklearn_version: str
    skops_version: str


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def dump_model(model: object) -> SavedModel:
    """Serialise ``model`` with skops (no pickle) and list the types loading it will need."""
    import sklearn
    import skops
    import skops.io as sio

    try:
        data = sio.dumps(model)
    except Exception as error:  # skops names what it cannot save, in its own terms
        raise ModelError(
            f"the model cannot be saved by skops: {first_line(error)} (a feature step keeps "
            "what it learns as numbers, numpy arrays, lists or dicts, and is a class or "
            "function at the top of a module: docs/STYLE.md)"
        ) from error
    types = needed_types(data)
    if nameless := unnameable(types):
        raise ModelError(
            f"the model cannot be saved so that it loads: {nameless[0]} is a lambda or a nested "
            "function, which a saved model cannot name: define it at the top of its module "
            "(docs/STYLE.md)"
        )
    return SavedModel(
        data=data,
        sha256=sha256_bytes(data),
        types=types,
        sklearn_version=sklearn.__version__,
        skops_version=skops.__version__,
    )


def needed_types(data: bytes) -> list[str]:
    """The types a skops file needs beyond skops' own defaults, sorted."""
    import skops.io as sio

    try:
        return sorted(sio.get_untrusted_types(data=data))
    except Exception as error:  # a corrupt zip or an unknown skops format
        raise ModelError(f"not a readable skops file: {first_line(error)}") from error


def unnameable(types: Sequence[str]) -> list[str]:
    """The types a saved model names that no import finds: lambdas and nested functions."""
    return [name for name in types if "<lambda>" in name or "<locals>" in name]


def importable(kind: str) -> bool:
    """Whether the module of ``kind`` (``package.module.Class``) can be found, judged only below
    a package this process has already imported (the project's own, the runtime, the libraries
    the model's types come from): finding a module imports its parent packages, which a model
    file must not make this process do elsewhere. Template 0.3.0's machinery is gone, though its
    paths import until the next version."""
    import importlib.util

    from .moved import old_machinery

    module = kind.rpartition(".")[0]
    if old_machinery(module):  # template 0.3.0's, found for now: a team module there is its own
        return False
    if module.partition(".")[0] not in sys.modules:
        return True  # not ours to look into: the allowlist decides
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def load_model(
    data: bytes, sha256: str, allowed: Sequence[str], *, name: str = "model", owner: str = ""
) -> Pipeline:
    """Load skops ``data`` after checking its SHA-256 against ``sha256``, trusting ``allowed``
    (``owner``: what a warning calls the model, e.g. ``model v2``; else ``name``)."""
    import skops.io as sio

    actual = sha256_bytes(data)
    if actual != sha256:
        raise ModelError(
            f"refusing to load {name}: SHA-256 {actual[:12]}… != recorded {sha256[:12]}…"
        )
    missing = sorted(set(needed_types(data)) - set(allowed))
    homes = {kind: home for kind in missing if (home := new_home(kind)) is not None}
    renamed = {kind: home for kind, home in homes.items() if home in allowed}
    missing = [kind for kind in missing if kind not in renamed]
    if nameless := unnameable(missing):
        raise ModelError(
            f"{name} cannot be loaded: {nameless[0]} is a lambda or a nested function, which no "
            "import finds (define it at the top of its module, then retrain)"
        )
    if gone := [kind for kind in missing if kind not in homes and not importable(kind)]:
        raise ModelError(
            f"{name} cannot be loaded: it names {gone[0]}, whose module is no longer here (moved "
            "or removed since the model was trained): retrain (`pipeline`), or roll back to a "
            "version trained since"
        )
    if missing:
        raise ModelError(
            f"refusing to load {name}: it needs types outside trusted-types.txt: "
            f"{', '.join(f'{homes[k]} (named {k})' if k in homes else k for k in missing)} "
            "(`models --types` lists them to review and add)"
        )
    for kind, home in renamed.items():
        log.warning(
            "%s names template 0.3.0's %s, which is %s now: it loads as that until template "
            "0.5.0; retrain (`pipeline`) and promote before then",
            owner or name,
            kind,
            home,
        )
    try:
        with warnings.catch_warnings():
            if renamed:  # the old path's own FutureWarning: said just above
                warnings.simplefilter("ignore", FutureWarning)
            model: Pipeline = sio.loads(data, trusted=[*allowed, *renamed])
    except Exception as error:  # skops' own refusal, or a file it cannot rebuild
        raise ModelError(f"{name} cannot be loaded: {first_line(error)}") from error
    return model
