"""The project's command line: ``<project> COMMAND`` or ``python -m <package> COMMAND``.

``app`` builds the parser and maps errors to exit codes; each other module adds the commands of
one area (pipeline, registry, prediction, monitoring, runs, info).
"""

from .app import main

__all__ = ["main"]
