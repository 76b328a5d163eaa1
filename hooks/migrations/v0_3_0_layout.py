"""Migration to 0.3.0: the machinery moved into ``<package>.mlops``; point your code at it.

0.3.0 separates the team's code (``features.py``, ``estimators.py``, ``datasets.py``) from the
template's machinery, which moved from ``src/<package>/<module>.py`` to
``src/<package>/mlops/...``. Copier's merge moves the template's own files; it cannot know about
the modules, scripts, tests and notebooks you wrote that import the old paths. This script rewrites
those imports in your files (never in the machinery, which the update just wrote):

- ``from <package>.tracking import start_run`` -> ``from <package>.mlops.tracking import ...``
  (also ``import <package>.X``, ``<package>.X`` in strings such as ``python -m`` targets is left
  alone), and relative ``from .tracking import`` inside ``src/<package>/``;
- the tests' ``load("train")`` helper calls -> ``load("mlops.train")``;
- names that changed module: ``ESTIMATORS`` (now in ``estimators.py``), ``build_preprocessor``
  (now ``features.build_features``), ``snake_case`` (now in ``datasets.py``).

Python files and notebooks are rewritten in place, line by line, only where an import names an old
module; each change is listed. Idempotent and standard library only: a second run changes nothing.
Runs after Copier's merge (``_migrations`` in copier.yml), so its changes land on the update branch
for review with everything else.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

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
    "tracking_mlflow": "mlops.tracking_mlflow",
    "train": "mlops.train",
}
# ``from <package>.<old> import <name>`` where <name> moved to another module.
RENAMED = {
    ("train", "ESTIMATORS"): ("estimators", "ESTIMATORS"),
    ("features", "build_preprocessor"): ("features", "build_features"),
    ("data", "snake_case"): ("datasets", "snake_case"),
}
SKIPPED_DIRS = {".git", ".venv", "venv", ".nox", "node_modules", "__pycache__", ".leanops"}


def say(message: str) -> None:
    """Progress for the person running the update (stderr, like Copier's messages)."""
    print(f"leanops migration 0.3.0: {message}", file=sys.stderr)


def rewrite_line(line: str, package: str, *, inside_package: bool) -> str:
    """One source line with old module paths replaced (unchanged when it imports none)."""
    line = _rewrite_names(line, package)
    modules = "|".join(sorted(MOVED, key=len, reverse=True))
    absolute = re.compile(rf"^(\s*(?:from|import)\s+){re.escape(package)}\.({modules})\b(?!\.)")
    line = absolute.sub(lambda m: f"{m.group(1)}{package}.{MOVED[m.group(2)]}", line)
    from_package = re.compile(
        rf"^(\s*from\s+{re.escape(package)}\s+import\s+)({modules})(\s*(?:as\s+\w+)?\s*)$"
    )
    line = from_package.sub(_from_package, line)
    if inside_package:
        relative = re.compile(rf"^(\s*from\s+)\.({modules})(\s+import\b)")
        line = relative.sub(lambda m: f"{m.group(1)}.{MOVED[m.group(2)]}{m.group(3)}", line)
    loader = re.compile(rf"""\bload\((["'])({modules})\1\)""")
    return loader.sub(lambda m: f"load({m.group(1)}{MOVED[m.group(2)]}{m.group(1)})", line)


def _from_package(match: re.Match[str]) -> str:
    """``from pkg import tracking`` -> ``from pkg.mlops import tracking`` (aliased if renamed)."""
    start, name, rest = match.group(1), match.group(2), match.group(3)
    parent, _, leaf = MOVED[name].rpartition(".")
    head = re.sub(r"\s+import\s+$", f".{parent} import ", start, count=1)
    alias = rest.strip() or (f"as {name}" if leaf != name else "")
    ending = rest[len(rest.rstrip()) :]
    return f"{head}{leaf}{' ' + alias if alias else ''}{ending}"


def _rewrite_names(line: str, package: str) -> str:
    """An import of exactly one moved name points at its new module (and new name)."""
    for (old_module, old_name), (new_module, new_name) in RENAMED.items():
        sole = re.compile(
            rf"^(\s*from\s+){re.escape(package)}\.{old_module}(\s+import\s+){old_name}(\s*)$"
        )
        line = sole.sub(rf"\g<1>{package}.{new_module}\g<2>{new_name}\g<3>", line)
        among = re.compile(
            rf"^\s*from\s+{re.escape(package)}\.{old_module}\s+import\b.*\b{old_name}\b"
        )
        if among.match(line):
            say(
                f"{old_name} is now {package}.{new_module}.{new_name}: "
                f"split this import by hand: {line.strip()}"
            )
    return line


def rewrite_text(text: str, package: str, *, inside_package: bool) -> str:
    """A whole Python source with its imports of old module paths rewritten."""
    lines = text.splitlines(keepends=True)
    return "".join(rewrite_line(line, package, inside_package=inside_package) for line in lines)


def rewrite_notebook(text: str, package: str) -> str:
    """A notebook (JSON) with its code cells rewritten; the text as is when nothing changes."""
    notebook = json.loads(text)
    changed = False
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", [])
        lines = source if isinstance(source, list) else source.splitlines(keepends=True)
        new = [rewrite_line(line, package, inside_package=False) for line in lines]
        if new != lines:
            cell["source"] = new if isinstance(source, list) else "".join(new)
            changed = True
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


def migrate(project: Path, package: str) -> list[Path]:
    """Rewrite every user file of ``project``; returns the files changed."""
    changed = []
    package_dir = project / "src" / package
    for path in user_files(project, package):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            try:
                new = rewrite_notebook(text, package)
            except ValueError:
                say(f"{path.relative_to(project)} is not valid JSON: left as is")
                continue
        else:
            inside = path.parent == package_dir
            new = rewrite_text(text, package, inside_package=inside)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
            say(f"pointed the imports of {path.relative_to(project)} at {package}.mlops")
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
