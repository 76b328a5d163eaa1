"""Migration to 0.4.0: the machinery is the ``leanops_runtime`` library; point your code at it.

Up to 0.3.0 each project vendored the machinery (``src/<package>/mlops/``, ``tests/mlops/``); from
0.4.0 it is the ``leanops-runtime`` library the project pins, with the same module tree:
``<package>.mlops.X.Y`` is ``leanops_runtime.X.Y``, except for the modules that are part of another
now (``MERGED``: those of ``settings``, ``info``, ``evaluate``, ``lifecycle``, ``cli.common``,
``tracking.backend``, ``tracking.store``). Copier's merge knows nothing of the modules, scripts,
tests and notebooks you wrote that import the old paths, so after the merge this script rewrites
them (imports, relative ones inside ``src/<package>/``, dotted uses, ``mock.patch`` targets), calls
the constants that became functions where that is 1:1 (``tracking.ENV_DB`` ->
``tracking.env_db()``) and reports, one line each, what is left to you: other uses of those
constants, the tests' ``load("mlops.x")`` calls, machinery files still here (the ones you edited
are kept: by ``leanops update``, or by this script after ``copier update``, which reads what your
version shipped from the template's history given as ``--template``; nothing uses them now), a
``build_features(contract)`` of one parameter (0.4.0 passes a second, ``fit``), uses of the few
names 0.4.0 removed (``REMOVED``: the feature adapters, the report's HTML helpers, the gate's old
scorer, the stages' glue; each with its replacement), registered models whose file names a
``<package>.mlops`` type (they load until 0.5.0: retrain them) and the registry of template 0.2
(``models/registry.json``). It removes from params.yaml the drift warning bands of template 0.2
(``psi_warn``, ``ks_warn``), which 0.4.0 refuses, and names there the estimator a project that
named none fitted, when the update moved another first in ``estimators.py`` (the default).

Reports go to stderr and, when ``LEANOPS_NOTES`` names a file (``leanops update`` sets it), into
it unless already there, as the update's follow-ups. Idempotent and standard library only: a
second run changes nothing and says only what is still left to do. It never touches ``.git``,
virtual environments, tool caches or model files.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

VERSION = "0.4.0"
RUNTIME = "leanops_runtime"
NOTES_ENV = "LEANOPS_NOTES"  # a file to append follow-ups to, one line each (set by leanops)
CHECKOUT_ENV = "LEANOPS_CHECKOUT"  # the user's checkout, read only: its models/ is not in git
SKIPPED_DIRS = {".git", ".venv", "venv", ".nox", ".tox", "node_modules", "__pycache__", ".leanops"}
SKIPPED_DIRS |= {".mypy_cache", ".ruff_cache", ".pytest_cache", ".ipynb_checkpoints"}
# Constants of 0.3.0 that are functions in 0.4.0: name -> (function, runtime modules defining it).
CALLS = {
    "PACKAGE": ("package", ("",)),
    "ENV_DB": ("env_db", ("tracking", "tracking.local")),
    "ENV_BACKEND": ("env_backend", ("tracking", "tracking.api")),
}
# Names of 0.3.0's machinery with no 0.4.0 counterpart: runtime module -> name -> what to do.
SHAPE = "features.shape_for(transformer, FitContext(task, target_type, estimator))"
HTML = "report.html renders from a Jinja2 template now: build the page with report.build()"
HTML_NAMES: tuple[str, ...] = (
    "Cell",
    "audit_section",
    "badge",
    "contract_section",
    "drift_section",
    "esc",
)
HTML_NAMES += ("model_section", "runs_section", "summary", "table", "tile")
RUN_PARAMS = "a method of the settings now: settings.run_params()"
REMOVED = {
    "pipeline": {"run_params": RUN_PARAMS},
    "features": {"adapt_for": f"use {SHAPE}", "adapt_to_task": f"use {SHAPE}"},
    "report.html": dict.fromkeys(HTML_NAMES, HTML),
    "predict": {"read_batch": "use predict.checked_batch(path, contract): read and validated"},
    "cli.registry": {
        "open_registry": "use leanops_runtime.registry.open_registry(settings, root), the one "
        "function of that name"
    },
    "metrics": {
        "held_out_evaluator": "score with metrics.score(task, model, rows, target) on the rows "
        "registry.holdout(ref) returns, or metrics.score_version(registry, ref)",
        "run_params": RUN_PARAMS,
        "register_trained": "train.train(settings, root) fits, scores and registers; "
        "train.register_trained(registry, train.fit(...), ...) registers a fit of your own",
    },
    "settings": {
        **dict.fromkeys(
            ("DEPRECATED", "DEPRECATION", "log"),
            "the warning bands of 0.2 are refused: nothing to do",
        ),
        **dict.fromkeys(
            ("NESTING", "merge", "normalise_hyperparameters", "overrides", "parse_value"),
            "pydantic-settings merges params.yaml, .env and the environment: use load_settings()",
        ),
        "read_env_file": "pydantic-settings reads .env: use load_settings()",
    },
}
# Modules of 0.3.0 that are part of another module in 0.4.0: ``settings.train`` -> ``settings``.
SETTINGS_PARTS = ("alerts", "base", "data", "drift", "promotion", "tracking", "train")
MERGED = {f"settings.{part}": "settings" for part in SETTINGS_PARTS}
MERGED |= {
    "cli.common": "cli.app",
    "evaluate": "metrics",
    "lifecycle": "metrics",
    "info": "tracking.environment",
    "tracking.backend": "tracking.api",
    "tracking.store": "tracking.local",
}
# Where a change to a machinery module goes now, by the module's first name.
EXTENSION_POINTS = {
    "features": "features.py (feature steps)",
    "train": "estimators.py (estimators)",
    "data": "datasets.py (data loading)",
    "settings": "params.yaml (settings)",
    "config": "params.yaml (settings)",
    "drift": "params.yaml (settings: drift)",
    "alerts": "params.yaml (settings: alerts)",
    "promotion": "params.yaml (settings: promotion)",
    "gate": "params.yaml (settings: promotion)",
    **{
        f"settings.{section}": f"params.yaml (settings: {section})"
        for section in ("alerts", "data", "drift", "promotion", "train")
    },
    "settings.tracking": "params.yaml (tracking_backend, mlflow) or .env (the server's address)",
}
OLD_TEST_FILES = ("_models.py", "_frames.py", "test_features.py")  # the machinery's, in tests/
# The files 0.3.0 rendered in src/<package>/mlops/ and tests/mlops/ (below those folders):
# anything else there is the team's own, never called machinery nor pointed at the runtime.
SOURCE_MODULES = """
__init__ alerts data errors evaluate features files gate info lifecycle logs metrics model pipeline
predict promotion tables train
cli/__init__ cli/app cli/common cli/info cli/monitor cli/pipeline cli/predict cli/registry cli/runs
contract/__init__ contract/checks contract/inference contract/model contract/reading
contract/writing
drift/__init__ drift/check drift/reference drift/stats
registry/__init__ registry/base registry/local registry/mlflow_registry registry/records
registry/trust
report/__init__ report/charts report/collect report/html report/status
settings/__init__ settings/alerts settings/base settings/data settings/drift settings/promotion
settings/tracking settings/train
tracking/__init__ tracking/api tracking/backend tracking/environment tracking/lineage
tracking/local tracking/mlflow_backend tracking/mlflow_client tracking/mlflow_export tracking/store
"""
TEST_FILES = """
conftest.py run_reference.py reference/params.yaml reference/trusted-types.txt
reference/contracts/breast_cancer.yaml reference/contracts/diabetes.yaml
"""
TEST_MODULES = """
alerts bad_data byod cli config contract data drift drift_simulation evaluate features gate infer
logs metrics model outputs pipeline predict promote registry registry_reliability report runs_cli
tracking tracking_mlflow tracking_reliability train
"""
# 0.2.0's machinery, flat in src/<package>/, by the 0.3.0 file below mlops/ each became (the
# same name as a module, or as a package's __init__, unless given): what an update from 0.2.0
# removes, and leanops keeps where the team edited it.
FLAT_0_2_0 = """
cli=cli/__init__ commands=cli/pipeline config=settings/__init__ contract=contract/__init__ data
drift=drift/__init__ evaluate files info lifecycle model pipeline predict promotion
registry=registry/__init__ registry_cli=cli/registry runs_cli=cli/runs tracking=tracking/__init__
tracking_mlflow=tracking/mlflow_backend train
"""
FLAT_HOMES = {
    name: f"{home or name}.py"
    for name, _, home in (word.partition("=") for word in FLAT_0_2_0.split())
}
SHIPPED_SOURCE = frozenset(f"{name}.py" for name in SOURCE_MODULES.split()) | {"report/style.css"}
# The same as dotted module names below ``<package>.mlops``, packages by their own name.
SHIPPED_MODULES = frozenset(
    name.replace("/", ".").removesuffix(".__init__")
    for name in SOURCE_MODULES.split()
    if name != "__init__"
)
SHIPPED_TESTS = frozenset(TEST_FILES.split()) | {f"test_{n}.py" for n in TEST_MODULES.split()}
OLD_CONSTANT = re.compile(rf"\b{RUNTIME}(?:\.\w+)*\.({'|'.join(CALLS)})\b(?!\()")
OWN_LOAD_NOTE = (
    "`{0}` names a module of yours in mlops/, not of the runtime: import {1}.mlops.{2} (or "
    "move it into src/{1}/)"
)
LOAD_NOTE = (
    "`{0}` gives leanops_runtime.{1} for one more version only (with a DeprecationWarning): "
    "import leanops_runtime.{1} instead"
)


def say(message: str) -> None:
    """Progress for the person running the update (stderr, like Copier's messages)."""
    print(f"leanops migration {VERSION}: {message}", file=sys.stderr)


def warn(message: str) -> None:
    """Something left to the team: under leanops, kept as a follow-up (which leanops shows);
    else said on stderr."""
    if os.environ.get(NOTES_ENV):
        follow_up(message)
    else:
        say(" ".join(message.split()))


def follow_up(message: str) -> None:
    """Keep ``message`` (on one line) as a follow-up of ``leanops update``, if it runs this."""
    message = " ".join(message.split())
    notes = os.environ.get(NOTES_ENV)
    if notes:
        line, path = f"{VERSION} migration: {message}", Path(notes)
        if line not in (path.read_text(encoding="utf-8").splitlines() if path.is_file() else []):
            with path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")


def call_of(name: str) -> str:
    """What replaces the constant ``name``: ``leanops_runtime.tracking.env_db()``."""
    function, (home, *_) = CALLS[name]
    return ".".join(filter(None, (RUNTIME, home, function))) + "()"


def rewrite(text: str, package: str, dots: str | None = None, own: tuple[str, ...] = ()) -> str:
    """Every ``<package>.mlops`` module path in ``text`` pointed at the runtime; ``dots``: how a
    relative import names the package from this file (None: not a module of the package);
    ``own``: the team's own modules in ``src/<package>/mlops/`` (dotted below it), left as
    they are named."""
    spared = ""
    if own:
        # An own module, or a folder of them, named after the old path or anywhere in the
        # names a ``from ... import`` gives (on its line, or in its parentheses).
        names = "|".join(re.escape(name) for name in sorted(own_names(own), key=len, reverse=True))
        listed = r"(?:\([^)]*?|[^\n#;]*?)"
        spared = rf"(?!\.(?:{names})\b)(?![ \t]+import[ \t]+{listed}\b(?:{names})\b)"
        for name in own:  # ``from <package>.mlops.drift import mine``: mine is the team's
            folder, _, module = name.rpartition(".")
            if folder:
                where = re.escape(folder)
                spared += rf"(?!\.{where}[ \t]+import[ \t]+{listed}\b{re.escape(module)}\b)"
    text = re.sub(rf"(?<![\w.]){re.escape(package)}\.mlops\b{spared}", RUNTIME, text)
    home = re.escape(package) + (f"|{re.escape(dots)}" if dots else "")
    named = r"import[ \t]+(?:mlops[ \t]+as[ \t]+(\w+)|(mlops))(?=[ \t]*(?:#|\r?$))"
    if not own:  # with modules of the team's own, ``mlops`` is not the runtime: it stays
        text = re.sub(
            rf"(?m)^([ \t]*)from[ \t]+(?:{home})[ \t]+{named}",
            rf"\1import {RUNTIME} as \2\3",
            text,
        )
    if dots:
        text = re.sub(
            rf"(?m)^([ \t]*from[ \t]+){re.escape(dots)}mlops\b{spared}", rf"\1{RUNTIME}", text
        )
    for old, new in MERGED.items():
        text = re.sub(rf"\b{RUNTIME}\.{re.escape(old)}\b", f"{RUNTIME}.{new}", text)
    return text


def beside_machinery(text: str, up: str, own: tuple[str, ...]) -> str:
    """A team module inside ``mlops/`` importing the machinery beside it (``from .alerts
    import send``, ``from . import alerts``; ``up`` the dots that name ``mlops`` from it):
    pointed at the runtime, but for the team's own modules there (``from .drift import mine``
    stays, as ``beside_own`` reports)."""
    mine = own_names(own)

    def imported(names: str) -> list[str]:
        listed = names.strip().strip("()").split("#")[0]
        return [name.split(" as ")[0].strip() for name in listed.split(",") if name.strip()]

    def point(match: re.Match[str]) -> str:
        start, path, rest = match.group(1), match.group(2), match.group(3)
        names = imported(rest)
        if not path:  # from . import alerts, drift
            if names and all(name in SHIPPED_MODULES and name not in mine for name in names):
                return f"{start}{RUNTIME} import{rest}"
            return match.group(0)
        head = path.split(".")[0]
        if path in mine or head in mine or head not in SHIPPED_MODULES:
            return match.group(0)
        if any(f"{path}.{name}" in mine for name in names):
            return match.group(0)
        return f"{start}{RUNTIME}.{MERGED.get(path, path)} import{rest}"

    pattern = rf"(?m)^([ \t]*from[ \t]+){re.escape(up)}(?!\.)([\w.]*)[ \t]+import\b(.*)$"
    return re.sub(pattern, point, text)


def loaded(node: ast.AST) -> str | None:
    """The runtime module a tests' ``load("mlops.x")`` (or ``_package.load``) call gives, or
    None."""
    function = node.func if isinstance(node, ast.Call) else None
    named = isinstance(function, ast.Name) and function.id == "load"
    helper = (
        isinstance(function, ast.Attribute)
        and function.attr == "load"
        and isinstance(function.value, ast.Name)
        and function.value.id == "_package"
    )
    if isinstance(node, ast.Call) and (named or helper):
        argument = node.args[0] if len(node.args) == 1 else None
        if isinstance(argument, ast.Constant) and str(argument.value).startswith("mlops."):
            module = str(argument.value).removeprefix("mlops.")
            return MERGED.get(module, module)
    return None


def runtime_names(tree: ast.AST) -> dict[str, str]:
    """Names bound to runtime modules (``t`` of ``from leanops_runtime import tracking as t``,
    ``tracking = load("mlops.tracking")``) -> the module, ``""`` for the package itself."""
    names = {RUNTIME: ""}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name.split(".")[0] == RUNTIME:
                    names[alias.asname] = alias.name.removeprefix(RUNTIME).lstrip(".")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == RUNTIME:
            base = (node.module or "").removeprefix(RUNTIME)
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}".lstrip(".")
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            module = loaded(node.value)
            if module is not None:
                names[node.targets[0].id] = module
    return names


def module_of(node: ast.expr, names: dict[str, str]) -> str | None:
    """The runtime module an expression stands for, or None."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = module_of(node.value, names)
        return None if base is None else f"{base}.{node.attr}".lstrip(".")
    return loaded(node)


def left_over(node: ast.AST, package: str, dots: str | None) -> list[str]:
    """What no rewrite does at ``node``: an old constant imported or named in a string, and
    ``mlops`` imported beside other names."""
    if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == RUNTIME:
        removed = REMOVED.get((node.module or "").removeprefix(RUNTIME).lstrip("."), {})
        notes = []
        for alias in node.names:
            what = f"`{alias.name}` from {node.module}"
            if alias.name in CALLS:
                notes.append(
                    f"{what} is gone: import the function and call it where it is used: "
                    f"{call_of(alias.name)}"
                )
            if alias.name in removed:
                notes.append(f"{what} was removed in {VERSION}: {removed[alias.name]}")
            new = MERGED.get(f"{node.module}.{alias.name}".removeprefix(f"{RUNTIME}."))
            if new is not None:
                parent, _, last = f"{RUNTIME}.{new}".rpartition(".")
                notes.append(
                    f"{what} is part of {RUNTIME}.{new} now: write "
                    f"`from {parent} import {last} as {alias.asname or alias.name}`"
                )
        return notes
    if isinstance(node, ast.ImportFrom) and "mlops" in (alias.name for alias in node.names):
        relative = node.level and not node.module and dots == "." * node.level
        if relative or (node.level == 0 and node.module == package):
            return [f"split this import by hand: `import {RUNTIME} as mlops`, the rest as it is"]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [f"`{m[0]}` is gone: use {call_of(m[1])}" for m in OLD_CONSTANT.finditer(node.value)]
    return []


def check(
    text: str,
    package: str,
    dots: str | None,
    *,
    tests: bool,
    mask: bool,
    fixtures: frozenset[str] = frozenset(),
) -> tuple[str, list[tuple[int, str]]]:
    """``text`` (already rewritten) with the old constants called where the module they are read
    from has the function (``tracking.ENV_DB`` -> ``tracking.env_db()``), and what is left to do,
    by line; ``tests``: report ``load("mlops.x")``; ``mask``: blank notebook magics
    (``%time``, ``!pip``) so a cell parses. Text that does not parse is returned as it is."""
    try:
        tree = ast.parse(re.sub(r"(?m)^[ \t]*[%!].*$", "", text) if mask else text)
    except (SyntaxError, ValueError):
        return text, []
    names, edits, reports = runtime_names(tree), [], []
    here = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    defined = fixtures | here  # the fixtures a test of this file can ask for
    for node in ast.walk(tree):
        line, module = getattr(node, "lineno", 0), loaded(node)
        if isinstance(node, ast.Attribute) and node.attr in CALLS:
            base, (function, homes) = module_of(node.value, names), CALLS[node.attr]
            end = node.end_col_offset or 0  # ast columns count UTF-8 bytes
            if base in homes and isinstance(node.ctx, ast.Load):
                edits.append((node.end_lineno or line, end - len(node.attr), end, f"{function}()"))
            elif base is not None:
                reports.append((line, f"`{ast.unparse(node)}` is gone: use {call_of(node.attr)}"))
        elif isinstance(node, ast.Attribute) and node.attr in REMOVED.get(
            module_of(node.value, names) or "", {}
        ):
            advice = REMOVED[module_of(node.value, names) or ""][node.attr]
            reports.append((line, f"`{ast.unparse(node)}` was removed in {VERSION}: {advice}"))
        elif tests and module is not None and module.split(".")[0] not in SHIPPED_MODULES:
            reports.append((line, OWN_LOAD_NOTE.format(ast.unparse(node), package, module)))
        elif tests and module is not None:
            reports.append((line, LOAD_NOTE.format(ast.unparse(node), module)))
        elif tests and (note := gone_helper(node, defined)):
            reports.append((line, note))
        else:
            reports += [(line, message) for message in left_over(node, package, dots)]
    lines = text.split("\n")
    for number, start, end, call in sorted(edits, reverse=True):
        raw = lines[number - 1].encode()
        lines[number - 1] = (raw[:start] + call.encode() + raw[end:]).decode()
    return "\n".join(lines), reports


# What 0.3.0's tests gave a team's tests, gone with the machinery's tests.
GONE_HELPERS = {
    "_frames": "`_frames` (0.3.0's tables for the machinery's tests) is gone: define the frames "
    "this test uses in it",
    "_models": "`_models` (0.3.0's helpers for the machinery's tests) is gone: fit what this test "
    "needs in it",
    "REFERENCE": "`_package.REFERENCE` (0.3.0's reference configuration) is gone: use your own "
    "params.yaml and contracts/ (`_package.ROOT`), or write them in the test",
    "project": "the `project` fixture of 0.3.0's tests/conftest.py is gone: take `scratch` (an "
    "empty project folder as the cwd) and copy params.yaml and contracts/ from `_package.ROOT` "
    "into it",
}


def gone_helper(node: ast.AST, defined: set[str] | frozenset[str]) -> str | None:
    """The note for a team test's use of a helper 0.3.0's tests gave and 0.4.0's do not
    (``defined``: the fixtures its file and the project's conftest.py files define)."""
    if isinstance(node, ast.Import):
        used = [alias.name for alias in node.names if alias.name in ("_frames", "_models")]
        return GONE_HELPERS[used[0]] if used else None
    if isinstance(node, ast.ImportFrom) and node.level == 0:
        if node.module in ("_frames", "_models"):
            return GONE_HELPERS[node.module]
        if node.module == "_package" and any(a.name == "REFERENCE" for a in node.names):
            return GONE_HELPERS["REFERENCE"]
    if (
        isinstance(node, ast.Attribute)
        and node.attr == "REFERENCE"
        and isinstance(node.value, ast.Name)
        and node.value.id == "_package"
    ):
        return GONE_HELPERS["REFERENCE"]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
        node.name.startswith("test") or marked(node, "fixture")
    ):
        takes = {argument.arg for argument in node.args.args} | marked(node, "usefixtures")
        given = marked(node, "parametrize")  # parametrize("project", ...) gives it a value
        if "project" in takes and node.name != "project" and "project" not in defined | given:
            return GONE_HELPERS["project"]
    return None


def marked(node: ast.FunctionDef | ast.AsyncFunctionDef, mark: str) -> set[str]:
    """The names a decorator ``mark`` (``pytest.fixture``, ``pytest.mark.usefixtures``,
    ``pytest.mark.parametrize``) is given in its first argument; {""} for a bare one."""
    found: set[str] = set()
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call is not None else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name != mark:
            continue
        given = (call.args if mark == "usefixtures" else call.args[:1]) if call is not None else []
        texts = [str(arg.value) for arg in given if isinstance(arg, ast.Constant)]
        found |= {part.strip() for text in texts for part in text.split(",")} or {""}
    return found


def migrate_source(
    text: str,
    package: str,
    name: str,
    cell: int | None = None,
    own: tuple[str, ...] = (),
    *,
    fixtures: frozenset[str] = frozenset(),
) -> str:
    """The file ``name`` of the project (or its notebook ``cell``) migrated; what is left to do
    is warned, by line. ``own``: the team's modules in ``src/<package>/mlops/`` (``rewrite``)."""
    parts = name.split("/")
    dots = "." * (len(parts) - 2) if parts[:2] == ["src", package] and cell is None else None
    tests = parts[0] == "tests"
    rewritten = rewrite(text, package, dots, own)
    if dots and parts[2] == "mlops":  # a module of the team's own in ``mlops/``
        rewritten = beside_machinery(rewritten, dots[:-1], own)
    new, reports = check(rewritten, package, dots, tests=tests, mask=bool(cell), fixtures=fixtures)
    if own:  # ``mlops`` is not the runtime then: ``beside_own`` says what to do with it
        reports = [
            (line, note) for line, note in reports if "`import leanops_runtime as" not in note
        ]
    inside = bool(dots) and parts[2] == "mlops"  # a module of the team's own in ``mlops/``
    reports += beside_own(text, package, own, dots, inside=inside)
    where = f"{name}:" if cell is None else f"{name} cell {cell} line "
    for number, message in sorted(set(reports)):
        warn(f"{where}{number}: {message}")
    return new


def own_names(own: tuple[str, ...]) -> set[str]:
    """The team's modules in ``mlops/`` (``plugins.helpers``) and the folders holding them
    (``plugins``), but for those 0.3.0's machinery had (a module added to its ``drift/``)."""
    parents = {".".join(name.split(".")[:i]) for name in own for i in range(1, name.count(".") + 1)}
    return set(own) | (parents - SHIPPED_MODULES)


def beside_own(
    text: str, package: str, own: tuple[str, ...], dots: str | None, *, inside: bool = False
) -> list[tuple[int, str]]:
    """What of the team's own modules in ``mlops/`` a file imports with the machinery (left as
    it is): a ``from <package>.mlops import`` naming both, and ``mlops`` itself."""
    if not own:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    heads, found = {name.split(".")[0] for name in own_names(own)} - SHIPPED_MODULES, []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        names = [alias.name for alias in node.names]
        relative = dots is not None and node.level == len(dots)
        here = inside and node.level == len(dots or "") - 1 and not node.module  # from . import
        if node.module == f"{package}.mlops" or (relative and node.module == "mlops") or here:
            others = [name for name in names if name not in heads]
            if others and len(others) < len(names):
                found.append(
                    (
                        node.lineno,
                        f"split this import: `from {RUNTIME} import {', '.join(others)}`, "
                        "your own modules as they are",
                    )
                )
        elif node.module and (
            (node.module.startswith(f"{package}.mlops.") and node.level == 0)
            or (inside and node.level == len(dots or "") - 1)  # from .drift import mine
        ):
            folder = node.module.removeprefix(f"{package}.mlops.")
            mine = [name for name in names if f"{folder}.{name}" in own]
            # A machinery folder is the runtime's package now: a from-import cannot reach it.
            if mine and folder in SHIPPED_MODULES:
                path = f"{package}.mlops.{folder}.{mine[0]}"
                found.append(
                    (
                        node.lineno,
                        f"`{mine[0]}` is a module of yours in 0.3.0's {folder}/ folder, which "
                        f"this import cannot reach now: `import {path} as {mine[0]}`, or move "
                        f"it into src/{package}/",
                    )
                )
        elif "mlops" in names and (node.module == package or (relative and not node.module)):
            found.append(
                (
                    node.lineno,
                    f"`mlops` holds modules of your own ({', '.join(sorted(heads))}): import "
                    f"them as {package}.mlops.<name>, the machinery from {RUNTIME} (the old "
                    "package's machinery goes in the next version)",
                )
            )
    return found


def migrate_notebook(text: str, package: str, name: str, own: tuple[str, ...] = ()) -> str:
    """A notebook (JSON) with its code cells migrated; the text as is when nothing changes."""
    notebook = json.loads(text)
    changed = False
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        source = cell.get("source", [])
        if cell.get("cell_type") != "code" or not isinstance(source, (list, str)):
            continue
        new = migrate_source("".join(source), package, name, number, own)
        if new != "".join(source):
            cell["source"] = new if isinstance(source, str) else new.splitlines(keepends=True)
            changed = True
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n" if changed else text


def own_module(relative: Path, package: str) -> str | None:
    """The dotted name below ``<package>.mlops`` of a module of the team's own in
    ``src/<package>/mlops/`` (not one 0.3.0 rendered), or None."""
    inner = relative.parts[3:]
    if relative.parts[:3] != ("src", package, "mlops") or relative.suffix != ".py" or not inner:
        return None
    if "/".join(inner) in SHIPPED_SOURCE or "__pycache__" in inner:
        return None
    return ".".join(relative.with_suffix("").parts[3:]).removesuffix(".__init__")


def flat_home(relative: Path, package: str) -> Path | None:
    """For one of 0.2.0's machinery modules (``src/<package>/predict.py``), the 0.3.0 file it
    became (``src/<package>/mlops/predict.py``); None for any other path."""
    home = FLAT_HOMES.get(relative.stem) if relative.parent == Path("src", package) else None
    return Path("src", package, "mlops", home) if home and relative.suffix == ".py" else None


def machinery_note(
    relative: Path, package: str, *, shown: Path | None = None, release: str = "0.3.0"
) -> str | None:
    """For a file of the 0.3.0 machinery still here (``leanops update`` keeps the ones a team
    edited), where its kind of change goes now; None for any other file (the team's own files
    in the machinery's folders among them). ``shown`` and ``release``: the path and release
    named, for a file of 0.2.0's machinery given as the 0.3.0 file it became."""
    inner = "/".join(relative.parts[3:] if relative.parts[0] == "src" else relative.parts[2:])
    source = relative.parts[:3] == ("src", package, "mlops") and inner in SHIPPED_SOURCE
    test = relative.parent == Path("tests") and relative.name in OLD_TEST_FILES
    if not (
        source or test or (relative.parts[:2] == ("tests", "mlops") and inner in SHIPPED_TESTS)
    ):
        return None
    module = relative.with_suffix("") if relative.suffix == ".py" else relative.parent
    inner = [part for part in module.parts[3:] if part != "__init__"]
    key = (inner or [""])[0] if source else relative.stem.removeprefix("test_")
    section = inner[1] if key == "settings" and len(inner) > 1 else ""
    if section in {"alerts", "data", "drift", "promotion", "tracking", "train"}:
        key = f"settings.{section}"  # settings/drift.py: params.yaml's drift section
    own = f"{'a module' if source else 'a test'} of your own calling the public API "
    dotted = ".".join(inner)
    dotted = "settings" if dotted.startswith("settings.") else MERGED.get(dotted, dotted)
    home = f"{RUNTIME}.{dotted}" if dotted else RUNTIME  # settings/*: one module now
    what = f"{home} provides" if source else "the runtime's tests cover"
    # Until it goes, lint reads it, and pytest collects a test of it (failing on its imports).
    read = "pytest and lint" if relative.parts[0] == "tests" else "lint"
    return (
        f"{(shown or relative).as_posix()}: {release} machinery, dead code now ({what} it): "
        f"move your change of it to "
        f"{EXTENSION_POINTS.get(key, own + f'(`from {package} import ...`)')} (one that none "
        f"takes, such as a constant of the runtime, is for the template: propose it there), then "
        f"delete the file ({read} still read it until then)"
    )


def schema_objects(model: Path) -> list[dict[str, object]]:
    """Every object a skops file's ``schema.json`` describes (each names its ``__module__`` and
    ``__class__``), read from the zip archive without loading the model; [] if unreadable."""
    objects: list[dict[str, object]] = []

    def collect(item: dict[str, object]) -> dict[str, object]:
        objects.append(item)
        return item

    try:
        with zipfile.ZipFile(model) as archive:
            json.loads(archive.read("schema.json"), object_hook=collect)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return []
    return objects


def shipped_type(name: str, package: str) -> bool:
    """Whether the type ``name`` (``<package>.mlops.features.DatetimeFeatures``) is one of
    0.3.0's machinery, not of a module the team added to ``mlops/``."""
    module = name.rpartition(".")[0]
    prefix = f"{package}.mlops."
    return module.startswith(prefix) and module.removeprefix(prefix) in SHIPPED_MODULES


def runtime_type(name: str, package: str) -> str:
    """Where 0.3.0's type ``name`` is in the runtime (``evaluate.X`` is ``metrics.X``)."""
    module, _, kind = name.removeprefix(f"{package}.mlops.").rpartition(".")
    return f"{RUNTIME}.{MERGED.get(module, module)}.{kind}"


def old_models(models: Path, package: str) -> Iterator[str]:
    """A note for each dataset with registered versions whose model file names a
    ``<package>.mlops`` type: they load until template 0.5.0, and are to be trained again."""
    versions = [p for p in models.glob("*/v*/model.skops") if re.fullmatch(r"v\d+", p.parent.name)]
    named: dict[str, tuple[list[str], set[str]]] = {}
    for path in sorted(versions, key=lambda p: (p.parent.parent.name, int(p.parent.name[1:]))):
        types = {f"{o.get('__module__')}.{o.get('__class__')}" for o in schema_objects(path)}
        old = {name for name in types if shipped_type(name, package)}
        if old:
            found, kinds = named.setdefault(path.parent.parent.name, ([], set()))
            found.append(path.parent.name)
            kinds.update(old)
    for dataset, (found, kinds) in named.items():
        now = ", ".join(runtime_type(name, package) for name in sorted(kinds))
        yield (
            f"{', '.join(found)} of {dataset}: the model files name {', '.join(sorted(kinds))}, "
            f"now {now}; they load as that until template 0.5.0 (unless you edited that class, "
            "or what it uses, in a copy the update keeps): retrain (pipeline) and promote "
            "before then"
        )


def features_note(project: Path, package: str) -> str | None:
    """A note when the team's ``build_features`` takes no second parameter (``fit``)."""
    path = project / "src" / package / "features.py"
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, ValueError):
        return None
    if re.search(r"(?m)^<<<<<<< before updating$", text):
        return (
            f"src/{package}/features.py is in conflict: the template's side (after updating) "
            "carries 0.4.0's imports from leanops_runtime.features and build_features' second "
            "parameter, fit, passed on to default_preprocessor(contract, fit) or "
            "shape_for(your_transformer, fit): keep them beside your own changes; the imports "
            "above the markers changed too"
        )
    try:
        tree = ast.parse(text)
    except (ValueError, SyntaxError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "build_features":
            arguments = node.args
            positional = [*arguments.posonlyargs, *arguments.args]
            if len(positional) >= 2 or arguments.vararg is not None:
                return None
            return (
                f"src/{package}/features.py: build_features(contract) takes one parameter; "
                "0.4.0 passes a second, fit (task, target type, estimator): add it and call "
                "default_preprocessor(contract, fit), or return shape_for(your_transformer, fit) "
                "(until then the library shapes it, with a warning, for this version only)"
            )
    return None


# The drift warning bands of template 0.2, each on a line of its own in params.yaml.
RETIRED_SETTING = re.compile(r"(?m)^[ \t]+(?:psi_warn|ks_warn):[ \t]*[-+0-9.eE]+[ \t]*(?:#.*)?\n")
RETIRED_NAME = re.compile(r"\b(?:psi_warn|ks_warn)\b")


def signers_note(project: Path) -> str | None:
    """A note for a team project (``tracking_backend: mlflow``) whose ``allowed_signers``, new
    in 0.4.0, lists no key yet: every command warns until it does."""
    try:
        params = (project / "params.yaml").read_text(encoding="utf-8")
        signers = (project / "allowed_signers").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    if not re.search(r"(?m)^tracking_backend:[ \t]*mlflow\b", params):
        return None
    if any(line.strip() and not line.lstrip().startswith("#") for line in signers.splitlines()):
        return None
    return (
        "allowed_signers lists no key: on the team's MLflow server anyone who can write could "
        "add an audit record in anyone's name; each teammate adds their SSH key there "
        '(docs/guide.md, "Working as a team"), and every command warns until then'
    )


def retire_settings(project: Path) -> list[str]:
    """Remove the drift warning bands of template 0.2 (``psi_warn``, ``ks_warn``) from
    params.yaml, which 0.4.0 refuses as unknown settings; notes for what is left to do."""
    path = project / "params.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return []
    kept = RETIRED_SETTING.sub("", text)
    if kept != text:
        path.write_text(kept, encoding="utf-8")
        say("removed drift's psi_warn/ks_warn from params.yaml (unused since 0.3.0, refused now)")
    values = "\n".join(line.split("#", 1)[0] for line in kept.splitlines())
    if RETIRED_NAME.search(values):
        return [
            "params.yaml still names psi_warn or ks_warn (inside a {...} mapping): remove them, "
            "0.4.0 refuses them as unknown settings"
        ]
    return []


def task_estimators(source: bytes | None) -> dict[str, list[str]]:
    """Each task's estimators in an ``estimators.py`` (its ``ESTIMATORS`` literal), in order:
    the first is the one params.yaml fits when it names none, or one of another task only."""
    try:
        tree = ast.parse(source or b"")
    except (SyntaxError, ValueError):
        return {}
    for node in ast.walk(tree):
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        named = any(isinstance(t, ast.Name) and t.id == "ESTIMATORS" for t in targets)
        value = getattr(node, "value", None)
        if named and isinstance(value, ast.Dict):
            return {
                task.value: [key.value for key in by_name.keys if isinstance(key, ast.Constant)]
                for task, by_name in zip(value.keys, value.values, strict=True)
                if isinstance(task, ast.Constant) and isinstance(by_name, ast.Dict)
            }
    return {}


# A top-level key of params.yaml (quoted or not) and its value on that line, if any.
TOP_KEY = re.compile(
    r"^(?P<q>[\"']?)(?P<key>[A-Za-z_]\w*)(?P=q):\s*(?P<value>[^#\s][^#]*?)?\s*(?:#.*)?$"
)
# ``estimator:`` inside the train block, and its value (empty, null or "" name none).
ESTIMATOR_KEY = re.compile(
    r"^(?P<indent>[ ]+)(?P<q>[\"']?)estimator(?P=q):\s*(?P<value>[^#]*?)\s*(?:#.*)?$"
)
NONE_VALUES = frozenset({"", "null", "~", '""', "''"})


class TrainBlock(NamedTuple):
    """What params.yaml's ``train`` says of the estimator: the task, the line of ``train:``
    and of its ``estimator:`` (None: none), that estimator, and whether ``train`` is written
    as a ``{...}`` mapping on one line (then a person edits it)."""

    task: str = "classification"
    line: int | None = None
    estimator_line: int | None = None
    estimator: str = ""
    flow: bool = False


def train_block(lines: list[str]) -> TrainBlock:
    """``TrainBlock`` of params.yaml's ``lines``."""
    task, line, at, named, flow, inside = "classification", None, None, "", False, False
    for number, text in enumerate(lines):
        top = TOP_KEY.match(text)
        if top:
            inside = top["key"] == "train" and not top["value"]
            line = number if inside else line
            if top["key"] == "train" and top["value"]:  # {estimator: ..., ...} on one line
                flow = True
                found = re.search(r"estimator[\"']?:\s*[\"']?(\w*)", top["value"])
                named = found[1] if found else named
            task = str(top["value"]).strip("'\"") if top["key"] == "task" else task
        elif inside and (found := ESTIMATOR_KEY.match(text)):
            at, value = number, found["value"]
            named = "" if value in NONE_VALUES else value.strip("'\"")
    return TrainBlock(task, line, at, named, flow)


def keep_default_estimator(project: Path, package: str) -> list[str]:
    """Name in params.yaml the estimator the project fitted before the update, when params.yaml
    names none (or one of another task only) and the update changed which one
    ``estimators.py`` lists first for the task (the default): an update must not change the
    team's model behind its back. A layout it cannot edit safely gets a note instead."""
    path, estimators = project / "params.yaml", Path("src", package, "estimators.py")
    try:
        lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)  # endings kept
        after_source = (project / estimators).read_bytes()
    except (OSError, ValueError):
        return []
    block = train_block(lines)
    before = task_estimators(committed(project, estimators))
    before_first = (before.get(block.task) or [None])[0]
    after_first = (task_estimators(after_source).get(block.task) or [None])[0]
    if before_first is None or after_first is None or before_first == after_first:
        return []
    if block.estimator in before.get(block.task, []):
        return []  # named: what training fits, before and after
    keep = f"set train.estimator: {before_first} to keep the model you had"
    if block.flow or block.estimator:  # a {...} mapping, or an estimator of another task only
        return [
            f"params.yaml: {keep} (it fitted {before_first}, the default of {block.task}; the "
            f"update made {after_first} the first in estimators.py)"
        ]
    if block.estimator_line is not None:  # the indentation of ``estimator:`` itself
        start = block.estimator_line
    else:  # of the first line below ``train:``
        start = block.line + 1 if block.line is not None else len(lines)
    indent = next((re.match(r"^[ ]+", text) for text in lines[start:] if text.strip()), None)
    ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    named = f"{indent[0] if indent else '  '}estimator: {before_first}  # the default before"
    named += f" 0.4.0 (0.4.0's: {after_first}){ending}"
    if block.estimator_line is not None:  # ``estimator:`` naming none: its value, given
        lines[block.estimator_line] = named
    elif block.line is not None:
        lines.insert(block.line + 1, named)
    else:
        lines += ["" if not lines or lines[-1].endswith("\n") else ending, f"train:{ending}", named]
    path.write_bytes("".join(lines).encode("utf-8"))
    return [
        f"params.yaml named no estimator, and the update made {after_first} the first in "
        f"estimators.py: train.estimator: {before_first} is written in params.yaml, so the "
        f"model is the one you had; delete that line to fit {after_first}"
    ]


def old_registry(models: Path) -> list[str]:
    """A note when the registry of template 0.2 (``models/registry.json``) is still there."""
    if not (models / "registry.json").is_file():
        return []
    return [
        f"{models / 'registry.json'} is the registry of template 0.2, not read since 0.3.0: run "
        "the pipeline and promote to register models again, then delete it and its v<N>/ folders"
    ]


def files(project: Path) -> Iterator[Path]:
    """Every file of the project but those in git's, virtual environments' and tools' folders."""
    for root, dirs, names in os.walk(project):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        yield from (Path(root) / name for name in sorted(names))


def removed_here(project: Path) -> list[Path]:
    """The files git tracks in ``project`` that the update removed (empty outside git)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--deleted", "-z"],
            cwd=project,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [Path(name) for name in listed.decode("utf-8", "replace").split("\0") if name]


def committed(project: Path, path: Path) -> bytes | None:
    """``path`` (relative to ``project``) as the project's last commit holds it (None: not)."""
    done = subprocess.run(
        ["git", "show", f"HEAD:./{path.as_posix()}"], cwd=project, capture_output=True, check=False
    )
    return done.stdout if done.returncode == 0 else None


def shipped(template: Path, commit: str, path: Path, package: str) -> bytes | None:
    """What the template at ``commit`` rendered at ``path``, when it is a file Jinja does not
    change (None: the template has none there, or it renders one)."""
    parts = list(path.parts)
    if parts[:2] == ["src", package]:
        parts[1] = "{{ package_name }}"
    done = subprocess.run(
        ["git", "-C", str(template), "show", f"{commit}:template/{'/'.join(parts)}"],
        capture_output=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def keep_edited_removals(project: Path, package: str, template: Path | None) -> list[Path]:
    """Put back each file the update removed that the team had edited: its last commit differs
    from what the template (its source: ``template``) shipped there at the version the project
    had. Copier deletes a file the template removed even where it was edited; ``leanops
    update`` keeps such files itself (nothing is done under it)."""
    if template is None or os.environ.get(NOTES_ENV):
        return []
    answers = committed(project, Path(".copier-answers.yml")) or b""
    found = re.search(rb"^_commit: *['\"]?([^'\"\s]+)", answers, re.MULTILINE)
    if found is None:
        return []
    commit, kept, removed = found[1].decode("utf-8", "replace"), [], removed_here(project)
    readable = ["git", "-C", str(template), "cat-file", "-e", f"{commit}^{{commit}}"]
    if removed and subprocess.run(readable, capture_output=True, check=False).returncode:
        shown = ", ".join(path.as_posix() for path in removed[:5])
        more = f" and {len(removed) - 5} more" if len(removed) > 5 else ""
        say(
            f"the template's {commit} (your version) cannot be read here, so the {len(removed)} "
            f"file(s) the update removed were not checked for your edits: {shown}{more}; "
            "restore one you edited with `git checkout HEAD -- <file>` and move your change"
        )
        return []
    for path in removed:
        ours, theirs = committed(project, path), shipped(template, commit, path, package)
        if ours is not None and theirs is not None and ours != theirs:
            restore = ["git", "restore", "--source=HEAD", "--staged", "--worktree", "--", str(path)]
            if subprocess.run(restore, cwd=project, capture_output=True, check=False).returncode:
                continue
            kept.append(path)
            say(f"kept {path.as_posix()}: edited here, and removed by the template")
    return kept


def removed_machinery_notes(project: Path, package: str) -> list[str]:
    """``machinery_note`` of each machinery file the update removed: 0.3.0's, and 0.2.0's on an
    update straight from it (named as the 0.2.0 file, with where its change goes now)."""
    notes = []
    for path in removed_here(project):
        home = flat_home(path, package)
        release = "0.2.0" if home else "0.3.0"
        if note := machinery_note(home or path, package, shown=path, release=release):
            notes.append(note)
    return notes


def conftest_functions(project: Path) -> frozenset[str]:
    """The functions the project's ``tests/**/conftest.py`` files define (its fixtures)."""
    found: set[str] = set()
    for path in sorted((project / "tests").rglob("conftest.py")):
        try:
            tree = ast.parse(path.read_bytes().decode("utf-8"))
        except (OSError, ValueError, SyntaxError):
            continue
        found |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    return frozenset(found)


def migrate(
    project: Path, package: str, checkout: Path | None = None, template: Path | None = None
) -> list[Path]:
    """Migrate ``project`` (models are read in ``checkout`` when given; the files the update
    removed that the team edited are put back when ``template``, its source, is given and
    leanops is not running this); returns changed files."""
    changed, notes = [], []
    keep_edited_removals(project, package, template)
    found = list(files(project))
    owned = {
        path.relative_to(project): own_module(path.relative_to(project), package) for path in found
    }
    own = tuple(name for name in owned.values() if name)
    fixtures = conftest_functions(project)
    for relative, name in owned.items():
        if name:
            notes.append(
                f"{relative.as_posix()}: your own module, in the folder of 0.3.0's machinery "
                f"(the leanops_runtime library now): left where it is, and imports of "
                f"{package}.mlops.{name} as they are; move it to src/{package}/ and import it "
                "from there"
            )
    for path in found:
        relative, name = path.relative_to(project), path.relative_to(project).as_posix()
        note = machinery_note(relative, package)
        if note or path.suffix not in {".py", ".ipynb"} or path.is_symlink():
            notes += [note] if note else []
            continue
        try:
            text = path.read_bytes().decode("utf-8")
            if path.suffix == ".ipynb":
                new = migrate_notebook(text, package, name, own)
            else:
                new = migrate_source(text, package, name, own=own, fixtures=fixtures)
        except ValueError:  # not UTF-8, or a notebook that is not JSON
            say(f"{name} is not UTF-8 text or valid JSON: left as is")
            continue
        if new != text:
            path.write_bytes(new.encode("utf-8"))
            changed.append(path)
            say(f"pointed {name} at {RUNTIME}")
    if os.environ.get(NOTES_ENV):  # leanops puts back those the team edited, with this note
        for note in removed_machinery_notes(project, package):
            follow_up(note)
    if any(path.suffix == ".py" for path in changed):  # a moved import may sort elsewhere now
        notes.append(
            f"{len(changed)} file(s) now import {RUNTIME}: `uv run ruff check --select I --fix .` "
            "sorts their imports again and `uv run ruff format .` wraps the lines the longer "
            "paths made too long (lint would say so; a path in a string may need your wrap)"
        )
    notes += [note] if (note := features_note(project, package)) else []
    notes += [note] if (note := signers_note(project)) else []
    notes += retire_settings(project) + keep_default_estimator(project, package)
    notes += old_registry((checkout or project) / "models")
    for note in [*notes, *old_models((checkout or project) / "models", package)]:
        warn(note)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Migrate the project in the current folder (Copier runs migrations there)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--package", required=True, help="the project's import package")
    parser.add_argument("--template", type=Path, help="the template's source (a git checkout)")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.package):
        say(f"not a package name: {args.package!r}; nothing done")
        return 0
    checkout = os.environ.get(CHECKOUT_ENV)
    migrate(Path.cwd(), args.package, Path(checkout) if checkout else None, args.template)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
