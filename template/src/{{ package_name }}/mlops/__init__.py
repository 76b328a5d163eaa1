"""The template's machinery: contracts, pipeline, tracking, registry, drift, CLI.

**Owned by the template.** ``copier update`` (or ``leanops update``) brings new versions of every
file in this folder; local edits are merged when they can be, but they are the first place an
update conflicts, and ``leanops check`` reports them. What is yours to change lives one level up
(``features.py``, ``estimators.py``, ``datasets.py``) and in ``params.yaml`` and ``contracts/``;
see ``docs/STYLE.md`` ("Who owns what").
"""

# The project's import package (e.g. ``ml_project``): this package is ``<package>.mlops``.
PACKAGE = __name__.split(".")[0]
