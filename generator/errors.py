"""Errors that end a command with one line for the user, and the exit codes of ``leanops``."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1  # an error: bad input, unreachable template, failed update
EXIT_BEHIND = 1  # ``update --check``: some project is behind the template or needs attention
EXIT_CONFLICTS = 3  # ``update``: merged with conflicts left for the user to resolve
EXIT_INTERRUPTED = 130  # Ctrl-C: every project is still reported


class LeanopsError(Exception):
    """A failure the user can act on; ``str(error)`` is the one-line message."""


def one_line(error: BaseException) -> str:
    """The first non-empty line of an exception's message (Copier's can span several), with
    the line after it when it ends in a colon: ``could not load some Jinja extensions:`` names
    the extension on the next line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {lines[1]}"
    return lines[0]
