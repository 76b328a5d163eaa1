"""Migration to 0.3.0: the machinery moved into ``<package>.mlops``; point your code at it.

0.3.0 separates the team's code (``features.py``, ``estimators.py``, ``datasets.py``) from the
template's machinery, which moved from ``src/<package>/<module>.py`` to
``src/<package>/mlops/...``. Copier's merge moves the template's own files; it cannot know about
the modules, scripts, tests and notebooks you wrote that import the old paths. This script rewrites
them in your files (never in the machinery, which the update just wrote):

- imports: ``from <package>.tracking import start_run`` -> ``from <package>.mlops.tracking import
  start_run``, ``import <package>.data as d``, ``from <package> import config`` (-> ``from
  <package>.mlops import settings as config``), and inside ``src/<package>/`` the relative
  ``from .tracking import ...`` and ``from . import data``. An import whose names now live in
  different modules is split into one import per module, with the same indentation
  (``from <package> import data, features`` -> ``from <package>.mlops import data`` and
  ``from <package> import features``); a parenthesised import is split too, unless comments
  inside it would be lost (or it continues with backslashes): then only its module path moves
  and it is reported for you to split by hand. On a line with ``;`` only module paths move;
- names that changed module (``RENAMED``: ``ESTIMATORS`` is in ``estimators.py``,
  ``build_preprocessor`` is ``features.build_features``, ``snake_case`` is in ``datasets.py``,
  ...). A renamed name keeps the name your code uses (``build_features as build_preprocessor``);
  a name your own ``features.py`` still defines after the merge is left as it is;
- dotted uses of a moved module: ``<package>.tracking.start_run(...)`` ->
  ``<package>.mlops.tracking.start_run(...)``, in code, comments and strings alike (a
  ``mock.patch("<package>.tracking.start_run")`` target must follow too): ``<package>.<old>.<name>``
  is taken as an attribute path. A bare ``<package>.<old>`` outside an import (``"<package>.data"``,
  ``python -m <package>.cli``) is left alone: it may be text, so a 0.2.0 module path in a string
  is yours to check. ``alias.name``, where an import bound ``alias`` to an old module, is rewritten
  when the name was renamed in the same module and reported when it moved to another one;
- the tests' ``load("train")`` helper calls -> ``load("mlops.train")``; ``load("data").name``
  follows the name (``load("datasets").snake_case``), and ``data = load("data")`` binds ``data``
  as an import would, for ``data.name`` uses.

Names with no 1:1 replacement in 0.3.0 (``GONE``: ``data.EMBEDDED``, ``tracking.list_runs``, ...)
and names whose use changed (``CHANGED``: ``data.TARGET``, ``data.split``, ...) are reported, one
line each naming the file, the line and what to use instead. The reports go to stderr and, when
``LEANOPS_NOTES`` names a file (``leanops update`` sets it), are appended to it, one per line, so
that ``leanops update`` lists them as follow-ups and writes them into the update's commit.

Python files and notebooks are rewritten in place, only where a line names an old module; each
changed file is listed. Idempotent and standard library only: a second run changes and says
nothing. Runs after Copier's merge (``_migrations`` in copier.yml), so its changes land on the
update branch for review with everything else.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import NamedTuple

NOTES_ENV = "LEANOPS_NOTES"  # a file to append follow-ups to, one line each (set by leanops)

# Old top-level module -> its module under the package since 0.3.0.
MOVED = {
    "cli": "mlops.cli",
    "commands": "mlops.cli.pipeline",
    "config": "mlops.settings",
    "contract": "mlops.contract",
    "data": "mlops.data",
    "drift": "mlops.drift",
    "evaluate": "mlops.evaluate",
    "files": "mlops.files",
    "info": "mlops.info",
    "lifecycle": "mlops.lifecycle",
    "model": "mlops.model",
    "pipeline": "mlops.pipeline",
    "predict": "mlops.predict",
    "promotion": "mlops.promotion",
    "registry": "mlops.registry",
    "registry_cli": "mlops.cli.registry",
    "runs_cli": "mlops.cli.runs",
    "tracking": "mlops.tracking",
    "tracking_mlflow": "mlops.tracking.mlflow_backend",
    "train": "mlops.train",
}
# (old module, name) -> (module, name) since 0.3.0, for public names of 0.2.0 that are not where
# MOVED puts their module (modules relative to the package; "features" stayed in place).
RENAMED = {
    ("cli", "COMMAND_MODULES"): ("mlops.cli.app", "COMMAND_MODULES"),
    ("cli", "CommandError"): ("mlops.errors", "UserError"),
    ("cli", "EXIT_USAGE"): ("mlops.errors", "EXIT_USAGE"),
    ("cli", "build_parser"): ("mlops.cli.app", "build_parser"),
    ("commands", "EXIT_BAD_DATA"): ("mlops.errors", "EXIT_REFUSED"),
    ("commands", "SHOWN_FAILURES"): ("mlops.contract.checks", "SHOWN_FAILURES"),
    ("config", "PACKAGE"): ("mlops", "PACKAGE"),
    ("contract", "KINDS"): ("mlops.contract.checks", "KINDS"),
    ("contract", "MAX_ALLOWED_VALUES"): ("mlops.contract.inference", "MAX_ALLOWED_VALUES"),
    ("contract", "RANGE_MARGIN"): ("mlops.contract.inference", "RANGE_MARGIN"),
    ("contract", "infer"): ("mlops.contract.inference", "infer"),
    ("data", "ID_COLUMN"): ("datasets", "ID_COLUMN"),
    ("data", "TARGET"): ("datasets", "TARGET"),
    ("data", "snake_case"): ("datasets", "snake_case"),
    ("drift", "BINS"): ("mlops.drift.reference", "BINS"),
    ("drift", "EPSILON"): ("mlops.drift.stats", "EPSILON"),
    ("drift", "SKETCH_SIZE"): ("mlops.drift.reference", "SKETCH_SIZE"),
    ("evaluate", "score"): ("mlops.metrics", "score"),
    ("features", "build_preprocessor"): ("features", "build_features"),
    ("info", "PACKAGE"): ("mlops", "PACKAGE"),
    ("info", "register"): ("mlops.cli.info", "register"),
    ("info", "run"): ("mlops.cli.info", "run"),
    ("model", "first_line"): ("mlops.errors", "first_line"),
    ("pipeline", "run"): ("mlops.pipeline", "run_pipeline"),
    ("promotion", "Evaluate"): ("mlops.gate", "Evaluate"),
    ("promotion", "GateResult"): ("mlops.gate", "GateResult"),
    ("promotion", "LOWER_IS_BETTER"): ("mlops.metrics", "LOWER_IS_BETTER"),
    ("promotion", "comparison_table"): ("mlops.gate", "comparison_table"),
    ("promotion", "evaluate_gate"): ("mlops.gate", "evaluate_gate"),
    ("registry", "AUDIT_FILE"): ("mlops.registry.local", "AUDIT_FILE"),
    ("registry", "PACKAGE"): ("mlops", "PACKAGE"),
    ("registry", "sha256_bytes"): ("mlops.model", "sha256_bytes"),
    ("registry_cli", "EXIT_REFUSED"): ("mlops.errors", "EXIT_REFUSED"),
    ("registry_cli", "held_out_evaluator"): ("mlops.lifecycle", "held_out_evaluator"),
    ("tracking", "BUSY_TIMEOUT_S"): ("mlops.tracking.store", "BUSY_TIMEOUT_S"),
    ("tracking", "DEFAULT_DB"): ("mlops.tracking.store", "DEFAULT_DB"),
    ("tracking", "MIGRATIONS"): ("mlops.tracking.store", "MIGRATIONS"),
    ("tracking", "PACKAGE"): ("mlops", "PACKAGE"),
    ("tracking", "resolve_id"): ("mlops.tracking.local", "resolve_id"),
    ("tracking_mlflow", "INSTALL_HINT"): ("mlops.tracking.mlflow_client", "INSTALL_HINT"),
    ("tracking_mlflow", "MAX_METRICS"): ("mlops.tracking.mlflow_client", "MAX_METRICS"),
    ("tracking_mlflow", "MAX_PARAMS"): ("mlops.tracking.mlflow_client", "MAX_PARAMS"),
    ("tracking_mlflow", "STATUS_TO_MLFLOW"): ("mlops.tracking.mlflow_client", "STATUS_TO_MLFLOW"),
    ("tracking_mlflow", "TAG_PREFIX"): ("mlops.tracking.mlflow_client", "TAG_PREFIX"),
    ("tracking_mlflow", "TELEMETRY_OFF"): ("mlops.tracking.mlflow_client", "TELEMETRY_OFF"),
    ("tracking_mlflow", "export_runs"): ("mlops.tracking.mlflow_export", "export_runs"),
    ("tracking_mlflow", "import_mlflow"): ("mlops.tracking.mlflow_client", "import_mlflow"),
    ("train", "ESTIMATORS"): ("estimators", "ESTIMATORS"),
}
# Names that are still there (moved or renamed) but are used differently: the import is rewritten
# and this is reported. ``{pkg}`` is the package.
CHANGED = {
    ("contract", "infer"): "it now reads a sample file: infer(path, name, target=...)",
    ("data", "ID_COLUMN"): (
        "it only names the embedded datasets' id column; your dataset's ids are the ones its "
        "contract names: {pkg}.load_contract(dataset).ids"
    ),
    ("data", "TARGET"): (
        "it only names the embedded datasets' target column; your dataset's target is the one "
        "its contract names: {pkg}.load_contract(dataset).target"
    ),
    ("data", "split"): (
        "split() now needs the target: split(frame, target={pkg}.load_contract(dataset).target)"
    ),
    ("evaluate", "score"): "it adds baseline_* metrics unless called with baseline=False",
    ("registry_cli", "held_out_evaluator"): (
        "it now takes the registry: held_out_evaluator({pkg}.open_registry(settings), 'candidate')"
    ),
    ("tracking_mlflow", "export_runs"): (
        "it now takes a connection and the runs: export_runs(Connection.of(settings), runs), "
        "Connection from {pkg}.mlops.tracking.mlflow_client; or run `runs export --mlflow URI`"
    ),
    ("tracking_mlflow", "import_mlflow"): "it returns None now: `import mlflow` after calling it",
}
_REGISTRY_FILES = (
    "the registry's files are its own now: use its API, {pkg}.open_registry(settings) "
    "(versions(), load(ref), holdout(ref), promote)"
)
_TRAIN_FILES = (
    "train writes no model files any more: the pipeline registers the model, its metadata and "
    "held-out rows; read them with {pkg}.open_registry(settings).load('candidate')"
)
_MLFLOW_CONNECTION = (
    "the MLflow connection comes from the settings: "
    "{pkg}.mlops.tracking.mlflow_client.Connection.of(settings) (.uri, .experiment)"
)
_RUNS_CLI = (
    "`runs list` and `runs show` print runs; in code use "
    "{pkg}.mlops.tracking.run_store(settings).get_run(run_id)"
)
# Public names of 0.2.0 with no 1:1 replacement: imports of them are reported, with what to use.
GONE = {
    ("tracking_mlflow", "LINEAGE_COLUMNS"): (
        "lineage is recorded as tags prefixed {pkg}.mlops.tracking.mlflow_client.TAG_PREFIX"
    ),
    ("cli", "user_errors"): "every expected failure is a {pkg}.mlops.errors.UserError: catch that",
    ("contract", "passes"): (
        "use {pkg}.mlops.contract.validate(contract, frame), an empty list when the frame passes"
    ),
    ("data", "EMBEDDED"): "the loaders are {pkg}.datasets.DATASETS (name -> loader)",
    ("data", "read_table"): (
        "read by the contract's rules: {pkg}.mlops.contract.read_data(path, contract).frame"
    ),
    ("drift", "DEFAULTS"): "the thresholds are settings: params.yaml `drift:`, settings.drift",
    ("lifecycle", "batch_validator"): (
        "validate a batch with {pkg}.mlops.contract.validate(contract.without_target(), frame)"
    ),
    ("lifecycle", "feature_roles"): (
        "the contract names the features: {pkg}.load_contract(dataset).features"
    ),
    ("lifecycle", "register_pipeline_model"): (
        "register with {pkg}.mlops.lifecycle.register_trained(registry, model, ...) or run the "
        "whole pipeline: {pkg}.run_pipeline(settings)"
    ),
    ("model", "save_model"): (
        "the registry saves models; {pkg}.mlops.model.dump_model(model) gives the bytes and "
        "their sha256"
    ),
    ("registry", "ARTIFACT_FILE"): _REGISTRY_FILES,
    ("registry", "FORMAT"): _REGISTRY_FILES,
    ("registry", "LOCK_FILE"): _REGISTRY_FILES,
    ("registry", "MODELS_DIR"): "the models folder is a setting: settings.models_dir",
    ("registry", "REFERENCE_FILE"): _REGISTRY_FILES,
    ("registry", "REGISTRY_FILE"): _REGISTRY_FILES,
    ("registry", "exclusive_lock"): _REGISTRY_FILES,
    ("runs_cli", "SHOW_FIELDS"): _RUNS_CLI,
    ("runs_cli", "table"): _RUNS_CLI,
    ("tracking", "get_run"): "use {pkg}.mlops.tracking.run_store(settings).get_run(run_id)",
    ("tracking", "list_runs"): "use {pkg}.mlops.tracking.run_store(settings).list_runs(...)",
    ("tracking_mlflow", "DEFAULT_URI"): _MLFLOW_CONNECTION,
    ("tracking_mlflow", "experiment_name"): _MLFLOW_CONNECTION,
    ("tracking_mlflow", "tracking_uri"): _MLFLOW_CONNECTION,
    ("train", "HOLDOUT_FILE"): _TRAIN_FILES,
    ("train", "METADATA_FILE"): _TRAIN_FILES,
    ("train", "MODEL_FILE"): _TRAIN_FILES,
    ("train", "read_metadata"): _TRAIN_FILES,
}
# Modules of 0.2.0 whose imports may need a change (``features`` stayed, one of its names did not).
OLD_MODULES = frozenset(MOVED) | {module for module, _ in (*RENAMED, *CHANGED, *GONE)}
SKIPPED_DIRS = {".git", ".venv", "venv", ".nox", "node_modules", "__pycache__", ".leanops"}

# A line that starts an import statement (prose in a docstring rarely looks like this).
IMPORT_START = re.compile(r"^[ \t]*(?:from[ \t]+[.\w]+[ \t]+import\b|import[ \t]+[\w.]+)")
ITEM = re.compile(r"(\w+)(?:\s+as\s+(\w+))?")

Where = Callable[[int], str]  # a line number -> how reports name that line


def say(message: str) -> None:
    """Progress for the person running the update (stderr, like Copier's messages)."""
    print(f"leanops migration 0.3.0: {message}", file=sys.stderr)


def warn(message: str) -> None:
    """Something left to the team: said on stderr and, under leanops, kept as a follow-up."""
    message = " ".join(message.split())  # one line
    say(message)
    notes = os.environ.get(NOTES_ENV)
    if notes:
        with Path(notes).open("a", encoding="utf-8") as handle:
            handle.write(f"0.3.0 migration: {message}\n")


def _alternation(names: Iterable[str]) -> str:
    """A regex alternation of ``names``, longest first (``tracking_mlflow`` before ``tracking``)."""
    return "|".join(sorted(names, key=len, reverse=True))


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _code(line: str) -> tuple[str, str]:
    """An import line's code and its comment (an import statement holds no strings)."""
    code, hash_, comment = line.rstrip("\r\n").partition("#")
    return code.rstrip(), (hash_ + comment).strip()


class Statement(NamedTuple):
    """One import statement: its physical lines, its code on one line, each line's comment."""

    lines: list[str]
    code: str
    comments: list[str]

    @property
    def indent(self) -> str:
        first = self.lines[0]
        return first[: len(first) - len(first.lstrip())]

    @property
    def multiline(self) -> bool:
        return len(self.lines) > 1

    @property
    def shown(self) -> str:
        return f"`{self.code.strip()}`"


def _statement(lines: list[str], start: int) -> Statement:
    """The import statement starting at ``lines[start]``: parentheses (``from`` only) and
    backslashes followed; an unclosed parenthesis counts as one line."""
    first, comment = _code(lines[start])
    codes, comments = [first], [comment]
    parenthesised = first.lstrip().startswith("from") and "(" in first and ")" not in first
    continued = first.endswith("\\")
    index = start + 1
    while (parenthesised or continued) and index < len(lines):
        code, comment = _code(lines[index])
        codes.append(code)
        comments.append(comment)
        parenthesised = parenthesised and ")" not in code
        continued = code.endswith("\\")
        index += 1
    if parenthesised:  # never closed: not an import we understand
        codes, comments, index = [first], [comments[0]], start + 1
    joined = " ".join(part.removesuffix("\\").strip() for part in codes)
    return Statement(lines[start:index], joined, comments)


class Rewriter:
    """Rewrites the lines of one file or notebook of ``package``; ``warn`` gets the reports.

    ``relative``: the dots that name the package in a relative import of this file (``.`` in a
    module of ``src/<package>/``, ``..`` one folder deeper), None outside the package.
    ``text``: the whole file, to know which modules it imports. ``kept``: RENAMED entries to
    ignore, because the team's module still defines the old name (see ``kept_names``).
    """

    def __init__(
        self,
        package: str,
        relative: str | None = None,
        text: str = "",
        kept: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.package = package
        self.relative = relative
        self.kept = kept
        # report -> the places it applies to, said once per file by ``flush``
        self.pending: dict[str, list[str]] = {}
        # a name bound by an import -> the 0.2.0 module it stands for (for ``alias.name``)
        self.aliases: dict[str, str] = {}
        # what the file imports with ``import a.b`` (before and after the rewrite)
        self.imported: set[str] = set()
        for line in text.splitlines():
            if IMPORT_START.match(line) and line.lstrip().startswith("import"):
                for item in line.split("#")[0].strip().removeprefix("import").split(","):
                    dotted = item.split()[0] if item.split() else ""
                    self.imported |= {dotted, self.moved_path(dotted)}

    def report(self, place: str, message: str) -> None:
        """Keep a report for ``flush``: the same one for several lines is said once."""
        places = self.pending.setdefault(message, [])
        if place not in places:
            places.append(place)

    def flush(self) -> None:
        """Say every pending report: its first place, the others after it."""
        for message, places in self.pending.items():
            first, others = places[0], places[1:]
            head = first.rstrip("0123456789")
            also = [
                place[len(head) :]
                if place.startswith(head) and place[len(head) :].isdigit()
                else place
                for place in others
            ]
            where = f"{first} (also {', '.join(also)})" if also else first
            warn(f"{where}: {message}")
        self.pending.clear()

    # --- names --------------------------------------------------------------------------------

    def moved_path(self, dotted: str) -> str:
        """``<package>.<old>[...]`` with the old module replaced by its 0.3.0 one."""
        pattern = rf"(?<![\w.])({re.escape(self.package)}\.)({_alternation(MOVED)})\b(?!\.\w)"
        return re.sub(pattern, lambda m: m[1] + MOVED[m[2]], dotted)

    def target(self, old: str, name: str) -> tuple[str, str]:
        """Where ``name`` of the 0.2.0 module ``old`` is since 0.3.0: (module, name)."""
        if (old, name) in RENAMED and (old, name) not in self.kept:
            return RENAMED[(old, name)]
        return MOVED.get(old, old), name

    def full(self, module: str) -> str:
        return f"{self.package}.{module}" if module else self.package

    def imports(self, module: str) -> bool:
        """True when the file imports ``<package>.<module>`` (or a module inside it) by path."""
        full = self.full(module)
        return any(name == full or name.startswith(f"{full}.") for name in self.imported)

    def advise(self, place: str, shown: str, old: str, name: str) -> bool:
        """Report a name with no replacement or a changed use; True when one was reported."""
        pkg = self.package
        if (old, name) in GONE:
            advice = GONE[(old, name)].format(pkg=pkg)
            self.report(place, f"{shown}: {pkg}.{old}.{name} has no 0.3.0 equivalent; {advice}")
            return True
        if (old, name) in CHANGED:
            module, new = self.target(old, name)
            advice = CHANGED[(old, name)].format(pkg=pkg)
            self.report(place, f"{shown}: {name} is now {pkg}.{module}.{new}; {advice}")
            return True
        return False

    # --- imports ------------------------------------------------------------------------------

    def old_module(self, module: str) -> tuple[str, str] | None:
        """For the module of a ``from`` import: (how it names the package, old module or "")."""
        pkg = self.package
        if module == pkg:
            return pkg, ""
        if module.startswith(f"{pkg}.") and module[len(pkg) + 1 :] in OLD_MODULES:
            return pkg, module[len(pkg) + 1 :]
        dots = self.relative
        if dots is not None and module.startswith(dots):
            rest = module[len(dots) :]
            if rest == "" or rest in OLD_MODULES:
                return dots, rest
        return None

    def render(self, prefix: str, module: str) -> str:
        """A module as the import spells it: absolute, or relative with ``prefix``'s dots."""
        return self.full(module) if prefix == self.package else f"{prefix}{module}"

    def from_import(self, statement: Statement, place: str) -> list[str] | None:
        """A ``from X import ...`` statement rewritten (None: unchanged)."""
        match = re.fullmatch(r"\s*from\s+([.\w]+)\s+import\s+(.+)", statement.code)
        found = self.old_module(match[1]) if match else None
        if match is None or found is None:
            return None
        prefix, old = found
        listed = match[2].strip()
        if listed.startswith("(") and listed.endswith(")"):
            listed = listed[1:-1]
        items = [item.strip() for item in listed.split(",") if item.strip()]
        if items == ["*"]:
            return self.star(statement, prefix, old, place)
        parsed = [ITEM.fullmatch(item) for item in items]
        if not all(parsed):  # not Python we understand: at most the module moves
            return self.module_only(statement, prefix, old)
        groups: dict[str, list[str]] = {}
        for item in parsed:
            assert item is not None  # noqa: S101 - checked above, for mypy
            name, bound = item[1], item[2] or item[1]
            if old:  # from <package>.<old> import name
                module, new = self.target(old, name)
                self.advise(place, statement.shown, old, name)
            elif name in MOVED:  # from <package> import tracking
                module, _, new = MOVED[name].rpartition(".")
                self.aliases[bound] = name
            else:  # from <package> import features (or a module of the team's)
                module, new = "", name
                if name in OLD_MODULES:
                    self.aliases[bound] = name
            groups.setdefault(module, []).append(new if new == bound else f"{new} as {bound}")
        home = MOVED.get(old, old)
        if list(groups) == [home] and groups[home] == items:
            return self.module_only(statement, prefix, old)
        return self.split(statement, prefix, old, groups, place)

    def module_only(self, statement: Statement, prefix: str, old: str) -> list[str] | None:
        """Only the module path changes: the first line edited, the others kept as they are."""
        home = MOVED.get(old, old)
        if home == old:
            return None
        first = statement.lines[0]
        pattern = rf"^(\s*from\s+){re.escape(self.render(prefix, old))}(?=[\s\\])"
        new = re.sub(pattern, lambda m: m[1] + self.render(prefix, home), first, count=1)
        return [new, *statement.lines[1:]]

    def split(
        self, statement: Statement, prefix: str, old: str, groups: dict[str, list[str]], place: str
    ) -> list[str] | None:
        """One import per module, indented as the original; a multi-line import whose comments
        (or backslashes) a split would lose is reported instead, and only its module moves."""
        if statement.multiline and (any(statement.comments[1:]) or "(" not in statement.code):
            wanted = "; ".join(
                f"from {self.render(prefix, module)} import {', '.join(names)}"
                for module, names in groups.items()
            )
            self.report(place, f"{statement.shown}: split this import by hand into: {wanted}")
            return self.module_only(statement, prefix, old)
        indent, newline = statement.indent, _ending(statement.lines[0]) or "\n"
        comment = f"  {statement.comments[0]}" if statement.comments[0] else ""
        out: list[str] = []
        for module, names in groups.items():
            head = f"{indent}from {self.render(prefix, module)} import "
            if statement.multiline and len(names) > 1:
                out.append(f"{head}({comment}{newline}")
                out += [f"{indent}    {name},{newline}" for name in names]
                out.append(f"{indent}){newline}")
            else:
                out.append(f"{head}{', '.join(names)}{comment}{newline}")
        out[-1] = out[-1].removesuffix(newline) + _ending(statement.lines[-1])
        return out

    def star(self, statement: Statement, prefix: str, old: str, place: str) -> list[str] | None:
        """``from <package>.<old> import *``: the module moves; names that left it are said."""
        if not old:
            return None
        home = MOVED.get(old, old)
        elsewhere = [name for (module, name), (new, _) in RENAMED.items() if module == old]
        elsewhere = [name for name in elsewhere if RENAMED[(old, name)][0] != home]
        elsewhere += [name for module, name in GONE if module == old]
        if elsewhere:
            self.report(
                place,
                f"{statement.shown} no longer brings {', '.join(sorted(elsewhere))}: "
                "import them from their 0.3.0 modules",
            )
        return self.module_only(statement, prefix, old)

    def plain_import(self, statement: Statement) -> list[str] | None:
        """``import <package>.<old> [as x], ...``: each moved module path replaced."""
        for item in statement.code.strip().removeprefix("import").split(","):
            named = re.fullmatch(rf"\s*{re.escape(self.package)}\.(\w+)\s+as\s+(\w+)\s*", item)
            if named and named[1] in OLD_MODULES:
                self.aliases[named[2]] = named[1]
        new = [self.moved_path(line) for line in statement.lines]
        return None if new == statement.lines else new

    # --- other lines --------------------------------------------------------------------------

    def code_line(self, line: str, place: str) -> str:
        """Dotted uses of old modules, ``alias.name`` and the tests' ``load("<old>")`` calls."""
        pkg = re.escape(self.package)
        dotted = re.compile(rf"(?<![\w.]){pkg}\.({_alternation(OLD_MODULES)})\.(\w+)")
        line = dotted.sub(lambda m: self.dotted_use(m, place), line)
        if self.aliases:
            aliased = re.compile(rf"(?<![\w.])({_alternation(self.aliases)})\.(\w+)")
            line = aliased.sub(lambda m: self.alias_use(m, place), line)
        old = _alternation(OLD_MODULES)
        # the tests' helper: data = load("data") binds an old module like an import does
        bound = re.match(rf"""\s*(\w+)\s*=\s*load\((["'])({old})\2\)\s*(?:#.*)?$""", line)
        if bound:
            self.aliases[bound[1]] = bound[3]
        chained = re.compile(rf"""\bload\((["'])({old})\1\)\.(\w+)""")
        line = chained.sub(lambda m: self.loaded_use(m, place), line)
        loader = re.compile(rf"""\bload\((["'])({_alternation(MOVED)})\1\)""")
        return loader.sub(lambda m: f"load({m[1]}{MOVED[m[2]]}{m[1]})", line)

    def loaded_use(self, m: re.Match[str], place: str) -> str:
        """``load("<old>").name`` -> ``load("<module>").<name>``, wherever the name went."""
        quote, old, name = m[1], m[2], m[3]
        module, new = self.target(old, name)
        self.advise(place, f"`{m[0]}`", old, name)
        return f"load({quote}{module}{quote}).{new}"

    def dotted_use(self, m: re.Match[str], place: str) -> str:
        """``<package>.<old>.<name>`` -> the name's 0.3.0 path."""
        old, name = m[1], m[2]
        module, new = self.target(old, name)
        said = self.advise(place, f"`{m[0]}`", old, name)
        if not said and module != MOVED.get(old, old) and not self.imports(module):
            path = self.full(module)
            self.report(place, f"`{m[0]}` is now {path}.{new}: add `import {path}` to this file")
        return f"{self.full(module)}.{new}"

    def alias_use(self, m: re.Match[str], place: str) -> str:
        """``alias.name`` where ``alias`` stands for an old module: renamed in place, or said."""
        alias, name = m[1], m[2]
        old = self.aliases[alias]
        module, new = self.target(old, name)
        said = self.advise(place, f"`{m[0]}`", old, name)
        if module == MOVED.get(old, old):
            return f"{alias}.{new}"
        if not said:
            self.report(
                place, f"`{m[0]}`: {name} is now {self.full(module)}.{new}: import it there"
            )
        return m[0]

    # --- whole texts --------------------------------------------------------------------------

    def lines(self, lines: list[str], where: Where = "line {}".format) -> list[str]:
        """``lines`` rewritten; ``where`` names a line (by its number) in reports."""
        out: list[str] = []
        index = 0
        while index < len(lines):
            line, place = lines[index], where(index + 1)
            if not IMPORT_START.match(line):
                out.append(self.code_line(line, place))
                index += 1
                continue
            statement = _statement(lines, index)
            new: list[str] | None
            if ";" in statement.code:  # more than one statement: paths only, names said
                new = [self.moved_path(self.code_line(part, place)) for part in statement.lines]
                if self.from_old_module(statement.code):
                    self.report(
                        place,
                        f"{statement.shown}: on a line with `;` only module paths are "
                        "rewritten: check the names of its `from` import",
                    )
            elif statement.code.lstrip().startswith("from"):
                new = self.from_import(statement, place)
            else:
                new = self.plain_import(statement)
            out += statement.lines if new is None else new
            index += len(statement.lines)
        return out

    def from_old_module(self, code: str) -> bool:
        """True when ``code`` holds a ``from`` import of an old module (or of the package)."""
        for match in re.finditer(r"\bfrom\s+([.\w]+)\s+import\b", code):
            if self.old_module(match[1]) is not None:
                return True
        return False

    def rewrite(self, text: str, where: Where = "line {}".format) -> str:
        """``text`` rewritten, its reports said."""
        new = "".join(self.lines(text.splitlines(keepends=True), where))
        self.flush()
        return new


def kept_names(package_dir: Path) -> frozenset[tuple[str, str]]:
    """RENAMED entries of modules that stayed the team's (``features.py``) whose file still
    defines the old name after the merge (a team's own ``build_preprocessor`` kept): imports
    of it must keep pointing at it."""
    kept = set()
    for old, name in RENAMED:
        path = package_dir / f"{old}.py"
        if old in MOVED or not path.is_file():
            continue
        pattern = rf"^(?:def|class)\s+{name}\b|^{name}\s*[:=]"
        if re.search(pattern, path.read_text(encoding="utf-8"), re.MULTILINE):
            kept.add((old, name))
    return frozenset(kept)


def rewrite_text(text: str, package: str, *, inside_package: bool = False) -> str:
    """A whole Python source with its uses of old module paths rewritten (``inside_package``:
    a module of ``src/<package>/``, whose relative imports name the package with one dot)."""
    return Rewriter(package, "." if inside_package else None, text).rewrite(text)


def rewrite_line(line: str, package: str, *, inside_package: bool = False) -> str:
    """One source line rewritten (unchanged when it names no old module)."""
    return rewrite_text(line, package, inside_package=inside_package)


def rewrite_notebook(
    text: str,
    package: str,
    name: str = "notebook",
    kept: frozenset[tuple[str, str]] = frozenset(),
) -> str:
    """A notebook (JSON) with its code cells rewritten; the text as is when nothing changes."""
    notebook = json.loads(text)
    cells = [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]
    code = "\n".join("".join(cell.get("source", [])) for cell in cells)
    rewriter = Rewriter(package, text=code, kept=kept)
    changed = False
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", [])
        lines = source if isinstance(source, list) else source.splitlines(keepends=True)
        new = rewriter.lines(lines, f"{name} cell {number} line {{}}".format)
        if new != lines:
            cell["source"] = new if isinstance(source, list) else "".join(new)
            changed = True
    rewriter.flush()
    if not changed:
        return text
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def user_files(project: Path, package: str) -> Iterator[Path]:
    """Python files and notebooks that are the team's: everything but the machinery."""
    machinery = {project / "src" / package / "mlops", project / "tests" / "mlops"}
    for path in sorted(project.rglob("*")):
        if not path.is_file() or path.suffix not in {".py", ".ipynb"}:
            continue
        relative = path.relative_to(project)
        if SKIPPED_DIRS & set(relative.parts):
            continue
        if any(path.is_relative_to(folder) for folder in machinery):
            continue
        yield path


def package_dots(path: Path, package_dir: Path) -> str | None:
    """The dots that name the package in a relative import of ``path`` (None: outside it)."""
    if not path.is_relative_to(package_dir):
        return None
    return "." * len(path.relative_to(package_dir).parts)


def migrate(project: Path, package: str) -> list[Path]:
    """Rewrite every user file of ``project``; returns the files changed."""
    changed = []
    package_dir = project / "src" / package
    kept = kept_names(package_dir)
    for path in user_files(project, package):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(project).as_posix()
        if path.suffix == ".ipynb":
            try:
                new = rewrite_notebook(text, package, name, kept)
            except ValueError:
                say(f"{name} is not valid JSON: left as is")
                continue
        else:
            rewriter = Rewriter(package, package_dots(path, package_dir), text, kept)
            new = rewriter.rewrite(text, partial("{}:{}".format, name))
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
            say(f"pointed the imports of {name} at {package}.mlops")
    return changed


def main(argv: list[str] | None = None) -> int:
    """Migrate the project in the current folder (Copier runs migrations there)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--package", required=True, help="the project's import package")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.package):
        say(f"not a package name: {args.package!r}; nothing done")
        return 0
    migrate(Path.cwd(), args.package)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
