"""The inferred contract as YAML a person reviews: a header, then each column with why."""

from __future__ import annotations

import textwrap

from .inference import Inferred
from .model import from_mapping


def _yaml(data: dict[str, object]) -> list[str]:
    """Block-style YAML lines, lists in flow style (``isin: [a, b]``)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def flow_list(dumper: yaml.SafeDumper, items: list[object]) -> yaml.Node:
        return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=True)

    Dumper.add_representer(list, flow_list)
    text = yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=96)
    return text.rstrip("\n").splitlines()


def _comment(note: str, indent: str) -> list[str]:
    return textwrap.wrap(
        note, width=98, initial_indent=f"{indent}# ", subsequent_indent=f"{indent}#   "
    )


def render(inferred: Inferred) -> str:
    """The contract as commented YAML: a header, then each column with why it got its role."""
    # Build and check it first: the text written must load as it is.
    from_mapping(inferred.mapping(), inferred.name)
    lines = [
        f"# Data contract for {inferred.name}, inferred by `contract infer` from {inferred.source}",
        f"# ({inferred.rows} rows). REVIEW IT before committing: roles, ranges and allowed values",
        "# are guesses from the sample; the comments say why each was chosen. Then bump",
        "# `version` on every change. Format: a pandera DataFrameSchema plus leanops keys",
        "# (version, reading, missing_target; per column role, format, encoding).",
        "# Features are nullable: the pipeline imputes a missing value; set nullable: false to",
        "# refuse rows without one.",
        "#",
    ]
    for note in inferred.notes:
        lines += _comment(note, "")
    mapping = inferred.mapping()
    columns = mapping.pop("columns")
    assert isinstance(columns, dict)  # noqa: S101 - built above
    lines += _yaml(mapping)
    lines.append("columns:")
    for column in inferred.columns:
        for note in column.notes:
            lines += _comment(note, "  ")
        lines += [f"  {line}" for line in _yaml({column.name: columns[column.name]})]
    return "\n".join(lines) + "\n"
