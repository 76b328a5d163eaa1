"""The shell commands a README shows: every line of its ``bash`` code blocks, comments dropped.

Tests run these commands as written, so a README can only show what works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

BLOCK = re.compile(r"^```(?:bash|sh|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Command:
    """One command line of a README (continuation lines joined), with its block's number and
    the ``## `` section it is in."""

    block: int
    text: str
    section: str = ""


def strip_comment(line: str) -> str:
    """``cmd --x  # a note`` -> ``cmd --x``; a ``#`` inside quotes is kept."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def project_docs(project: Path) -> str:
    """A generated project's documentation of its commands: its README (the tour), then its
    guide (``docs/guide.md``: each command, team mode, Docker, CI), as a reader meets them."""
    return "\n".join(
        (project / name).read_text(encoding="utf-8") for name in ("README.md", "docs/guide.md")
    )


def commands(markdown: str) -> list[Command]:
    """Every command of every shell block, in the order the README shows them."""
    found = []
    for number, match in enumerate(BLOCK.finditer(markdown)):
        headings = re.findall(r"^## (.+)$", markdown[: match.start()], re.MULTILINE)
        section = headings[-1].strip() if headings else ""
        joined = re.sub(r"\\\n\s*", " ", match.group(1))
        for line in joined.splitlines():
            text = strip_comment(line).strip()
            if text:
                found.append(Command(number, text, section))
    return found


def split_command(text: str) -> tuple[dict[str, str], list[str]]:
    """``A=1 B="x y" prog --flag`` -> ({"A": "1", "B": "x y"}, ["prog", "--flag"]) (shell words;
    ``$VAR`` and ``$(...)`` are kept as written, for the caller to stand in for)."""
    import shlex

    words = shlex.split(text)
    env = {}
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0], re.DOTALL):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    return env, words
