"""The one family of errors the command line shows as a single line, without a traceback.

Every expected failure (a missing file, an invalid setting, bad data, a refused load) raises a
subclass of ``UserError``; its message is one line that says what is wrong and, where there is
one, the command that fixes it. ``exit_code`` is what the CLI returns for it.
"""

from __future__ import annotations

# Exit codes of every command (documented in the README).
EXIT_OK = 0
EXIT_REFUSED = 1  # bad data, a refused promotion, drift at --fail-on: the check said no
EXIT_USAGE = 2  # a setting, argument or file to fix
EXIT_INTERNAL = 70  # a bug: sysexits' EX_SOFTWARE
EXIT_BROKEN_PIPE = 141  # the reader of the output went away (`| head`): 128 + SIGPIPE, as Unix's


class UserError(Exception):
    """A command cannot do what was asked; the message is one line meant for the user."""

    exit_code = EXIT_USAGE

    def details(self) -> list[str]:
        """Lines shown under the message (e.g. the first failures of a contract check)."""
        return []


class RefusedError(UserError):
    """The command ran and refused (bad data, a failed gate): exit 1, like the pipeline."""

    exit_code = EXIT_REFUSED


def first_line(error: BaseException) -> str:
    """An exception's message reduced to its first non-empty line (or its type's name), and
    the line after it when the first ends with a colon: what it announces (scikit-learn's
    ``Expected 2D array, got scalar array instead:`` is followed by ``array=None.``)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    return f"{lines[0]} {lines[1]}" if lines[0].endswith(":") and len(lines) > 1 else lines[0]
