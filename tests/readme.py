"""The shell commands a README shows: every line of its ``bash`` code blocks, comments dropped.

Tests run these commands as written, so a README can only show what works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BLOCK = re.compile(r"^```(?:bash|sh|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Command:
    """One command line of a README (continuation lines joined), with its block's number."""

    block: int
    text: str


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


def commands(markdown: str) -> list[Command]:
    """Every command of every shell block, in the order the README shows them."""
    found = []
    for number, block in enumerate(BLOCK.findall(markdown)):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            text = strip_comment(line).strip()
            if text:
                found.append(Command(number, text))
    return found
