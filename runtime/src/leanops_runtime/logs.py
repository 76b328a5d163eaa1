"""Standardised logs: every command reports through :mod:`logging`, in one format.

Text (the default) is what a person reads: ``error: ...``, ``warning: ...``, and plain lines for
progress. ``--log-format json`` writes one JSON object per line (time, level, logger, message and
any ``extra`` fields) for CI systems and log collectors. Logs go to stderr; a command's result
(tables, JSON, file paths asked for) goes to stdout, so pipes stay clean.

Third-party loggers (MLflow, alembic, urllib3) are held at WARNING: their INFO chatter is not the
user's business, and their warnings come out in the same format as ours. MLflow installs its own
stderr handler when it is imported (later than this setup: it is imported lazily), unless
``MLFLOW_CONFIGURE_LOGGING`` is false; ``configure`` sets that default so MLflow's records reach
our handler instead. Python warnings (a solver that did not converge) are log records too, one
line each: ``warning: ConvergenceWarning: lbfgs failed to converge ...``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import warnings
from typing import Literal, TextIO

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")
QUIET_LOGGERS = ("mlflow", "alembic", "urllib3", "git", "httpx", "matplotlib")
# Attributes every LogRecord has; anything else came from ``extra=`` and is a structured field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_HANDLER_NAME = "project-cli"


class TextFormatter(logging.Formatter):
    """``error: message`` / ``warning: message`` / ``message`` (info and debug)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            return f"error: {message}"
        if record.levelno >= logging.WARNING:
            return f"warning: {message}"
        return message


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def show_warning(  # noqa: PLR0917 (the signature of warnings.showwarning)
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """``warnings.showwarning`` as one log record, ``Category: message`` (its first line):
    where in a library it was raised is noise to the user. A warning written to a file of the
    caller's choice goes there, as Python writes it."""
    if file is not None:
        file.write(warnings.formatwarning(message, category, filename, lineno, line))
        return
    text = str(message).strip()
    first = text.splitlines()[0] if text else ""
    logging.getLogger("py.warnings").warning("%s: %s", category.__name__, first)


def configure(
    fmt: LogFormat = "text", *, verbose: bool = False, stream: TextIO | None = None
) -> None:
    """Route the root logger to ``stream`` (default stderr) in ``fmt``; idempotent per process."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    warnings.showwarning = show_warning  # warnings as records, in the same format
    # MLflow reads this when it is imported: keep its loggers on ours (an explicit value wins).
    os.environ.setdefault("MLFLOW_CONFIGURE_LOGGING", "false")
    for name in QUIET_LOGGERS:
        quiet = logging.getLogger(name)
        quiet.setLevel(logging.WARNING)
        quiet.handlers.clear()  # a library imported earlier may have added its own handler
        quiet.propagate = True


# The public API's name (``from <package> import configure_logging``): a team's own stage calls
# it first, so that its ``log.info`` lines show, in the commands' format.
configure_logging = configure
